"""The `statebox` commands on a real redis-server: what `run` suspends, a later command (here a
later main() call, which shares nothing with the first but Redis) resumes, shows and fires."""

from __future__ import annotations

import json
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from statebox.cli import main

ROOT = Path(__file__).resolve().parents[2]
SUSPENDS = {
    "StartAt": "S",
    "States": {
        "S": {"Type": "Task", "Resource": "module:suspend", "Next": "I"},
        "I": {"Type": "Task", "Resource": "module:increment", "End": True},
    },
}
TIMES_OUT = {
    "StartAt": "S",
    "States": {"S": {"Type": "Task", "Resource": "module:suspend", "TimeoutSeconds": 1, "End": True}},
}


@pytest.fixture(autouse=True)
def on_redis(redis_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    monkeypatch.setenv("STATEBOX_SECRET", "cli-integration-test-secret")
    monkeypatch.delenv("STATEBOX_ACTIONS_DIR", raising=False)


def cli(*argv: str | Path) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_run_suspends_into_redis_and_a_later_resume_finishes(tmp_path: Path) -> None:
    machine = tmp_path / "s.json"
    machine.write_text(json.dumps(SUSPENDS))
    code, out, err = cli(
        "run", machine, "--input", '{"value": 1, "keep": true}', "--actions", ROOT / "demo_actions"
    )
    assert (code, err) == (3, "")  # no warning: Redis keeps it
    suspended = json.loads(out)
    code, out, _ = cli("status", suspended["executionId"])
    assert (code, json.loads(out)["status"]) == (0, "SUSPENDED")
    code, out, _ = cli("resume", suspended["continuation"], "--input", '{"value": 41}')
    assert (code, json.loads(out)["output"]) == (0, {"value": 42, "keep": True})
    code, _, err = cli("resume", suspended["continuation"], "--input", '{"value": 0}')
    assert code == 1 and err.startswith("error: ") and "Traceback" not in err  # resumes once
    code, out, _ = cli("history", suspended["executionId"])
    assert code == 0 and "ExecutionSucceeded" in out


@pytest.mark.parametrize("argv", [["resume", "not-a-continuation"], ["status", "nope"], ["history", "nope"]])
def test_unknown_ids_exit_1_with_a_message(argv: list[str]) -> None:
    code, out, err = cli(*argv)
    assert (code, out) == (1, "")
    assert err.startswith("error: ") and "Traceback" not in err


def test_worker_fires_a_timeout_that_run_left_in_redis(tmp_path: Path) -> None:
    machine = tmp_path / "t.json"
    machine.write_text(json.dumps(TIMES_OUT))
    code, out, _ = cli("run", machine)
    assert code == 3
    execution = json.loads(out)["executionId"]
    time.sleep(1.2)  # the timeout falls due: not a timing assertion, the worker finds it due
    code, out, _ = cli("worker", "--once")
    assert code == 0 and "fired" in out
    code, out, _ = cli("status", execution)
    assert (json.loads(out)["status"], json.loads(out)["error"]) == ("FAILED", "States.Timeout")
