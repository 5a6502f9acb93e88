"""Every sample in state_machines/ is valid, and the ones with a story run it to the end:

- map_retry: Map over a list, each item's flaky task failing once and retried;
- parallel_approval: two approvers mailed through a real SMTP server (aiosmtpd on loopback),
  resumed through the engine with the tokens the mails carry; both must approve;
- long_wait: a two-day Wait suspends as a timer, fired by the worker's tick on a FakeClock, and
  by a real `statebox worker --once` process.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import statebox
from statebox.config import Settings
from statebox.errors import ContinuationAlreadyUsed, InputError
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore

from .smtp_capture import Mailbox, mailbox_fixture  # noqa: F401 - the `mailbox` fixture

ROOT = Path(__file__).resolve().parents[2]
MACHINES = ROOT / "state_machines"
SAMPLES = sorted(MACHINES.glob("*.json"))
SECRET = "samples-e2e-secret"
BASE_URL = "https://statebox.test/"
THREE_DAYS = 259200
TWO_DAYS = 172800


def sample(name: str) -> str:
    return (MACHINES / f"{name}.json").read_text(encoding="utf-8")


@pytest.fixture
async def make_engine(redis_server: Any) -> AsyncIterator[Any]:
    """Engines on the real Redis, each under a key prefix of its own."""
    stores: list[RedisStore] = []

    def make(clock: Any = None, *, url: str | None = None, prefix: str | None = None) -> Engine:
        store = RedisStore.connect(url or redis_server.url, prefix=prefix or f"samples{time.monotonic_ns()}:")
        stores.append(store)
        return Engine(
            Settings(actions_dir=ROOT / "demo_actions"),
            store=store,
            signer=ContinuationSigner(SECRET),
            clock=clock or FakeClock(),
            base_url=BASE_URL,
        )

    yield make
    for store in stores:
        await store.close()


# ====================================================================== every sample
def test_the_samples_are_all_here() -> None:
    names = {p.stem for p in SAMPLES}
    assert {"incsquare", "approval", "parallel_approval", "map_retry", "long_wait"} <= names


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_every_sample_is_valid(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    machine = statebox.parse(text, path.stem)
    assert machine.name == path.stem
    assert json.loads(text).get("Comment"), f"{path.name} should say what it shows in its Comment"


# ====================================================================== map_retry
async def test_map_retry_succeeds_after_one_retry_per_item(run_machine: Any, fake_clock: FakeClock) -> None:
    items = ["apples", "pears", "plums", "quinces"]
    result = await run_machine(sample("map_retry"), {"items": items}, machine_name="map_retry")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output == {"items": items, "results": [{"item": i, "attempts": 2} for i in items]}
    assert fake_clock.slept == [1.0] * len(items)  # one IntervalSeconds back-off per item


async def test_map_retry_on_the_real_store(make_engine: Any) -> None:
    engine = make_engine()
    result = await engine.start(sample("map_retry"), {"items": [1, 2, 3]}, machine_name="map_retry")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert [r["attempts"] for r in result.output["results"]] == [2, 2, 2]
    history = (await engine.describe_execution(result.execution_id))["history"]
    assert [e["type"] for e in history][0] == "ExecutionStarted"
    assert history[-1]["type"] == "ExecutionSucceeded"


def test_flaky_is_a_plain_action_too() -> None:
    """As OpenWhisk would call it: main(args), args without the attempt number fail once."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("flaky_action", ROOT / "demo_actions" / "flaky.py")
    assert spec is not None and spec.loader is not None
    flaky = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(flaky)
    with pytest.raises(flaky.FlakyServiceError):
        flaky.main({"item": "x"})
    assert flaky.main({"item": "x", "attempt": 1}) == {"item": "x", "attempts": 2}
    with pytest.raises(flaky.FlakyServiceError):
        flaky.main({"item": "x", "attempt": 1, "failures": 2})


# ====================================================================== parallel_approval
PARALLEL_INPUT = {
    "approvers": ["alice@example.com", "bob@example.com"],
    "subject": "Sign the supplier contract?",
    "details": {"supplier": "ACME", "amount": 125000},
}


def token_of(mail: Any) -> str:
    return parse_qs(urlsplit(mail.page_url()).query)["continuation"][0]


async def start_parallel(engine: Engine, box: Mailbox) -> tuple[Any, dict[str, str]]:
    started = await engine.start(
        sample("parallel_approval"), PARALLEL_INPUT, machine_name="parallel_approval"
    )
    assert started.status == "SUSPENDED", (started.error, started.cause)
    assert {p["state"] for p in started.pending} == {"AskFirst", "AskSecond"}
    mails = await box.wait_for(2)
    tokens = {mail.rcpt_tos[0]: token_of(mail) for mail in mails}
    assert set(tokens) == set(PARALLEL_INPUT["approvers"])
    assert set(tokens.values()) == {p["continuation"] for p in started.pending}
    for mail in mails:
        assert mail.message["Subject"] == PARALLEL_INPUT["subject"]
        assert mail.page_url().startswith(BASE_URL + "?continuation=")
        assert set(mail.html_links()) == {"Approve", "Reject"}
    return started, tokens


async def test_parallel_approval_needs_both_approvals(make_engine: Any, mailbox: Mailbox) -> None:
    engine = make_engine()
    started, tokens = await start_parallel(engine, mailbox)

    # A resume without a decision is refused (400 over HTTP) and leaves the link usable.
    for wrong in ({}, {"decision": "maybe"}, {"decision": "approved", "comment": 5}):
        with pytest.raises(InputError):
            await engine.resume(tokens["bob@example.com"], wrong)
    first = await engine.resume(tokens["bob@example.com"], {"decision": "approved", "comment": "fine by me"})
    assert first.status == "SUSPENDED"
    assert [p["state"] for p in first.pending] == ["AskFirst"]
    with pytest.raises(ContinuationAlreadyUsed):
        await engine.resume(tokens["bob@example.com"], {"decision": "approved"})

    second = await engine.resume(tokens["alice@example.com"], {"decision": "approved"})
    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert second.output == {
        "decision": "approved",
        "subject": PARALLEL_INPUT["subject"],
        "approvers": PARALLEL_INPUT["approvers"],
        "answers": [
            {"approver": "alice@example.com", "reply": {"decision": "approved"}},
            {"approver": "bob@example.com", "reply": {"decision": "approved", "comment": "fine by me"}},
        ],
    }
    assert len(mailbox.mails) == 2  # nobody was mailed twice


async def test_parallel_approval_one_rejection_rejects(make_engine: Any, mailbox: Mailbox) -> None:
    engine = make_engine()
    _, tokens = await start_parallel(engine, mailbox)
    assert (await engine.resume(tokens["alice@example.com"], {"decision": "approved"})).status == "SUSPENDED"
    done = await engine.resume(
        tokens["bob@example.com"], {"decision": "rejected", "comment": "too expensive"}
    )
    assert done.status == "SUCCEEDED"
    assert done.output["decision"] == "rejected"
    assert done.output["answers"][1]["reply"]["comment"] == "too expensive"


async def test_parallel_approval_escalates_when_one_does_not_answer(
    make_engine: Any,
    mailbox: Mailbox,
) -> None:
    clock = FakeClock()
    engine = make_engine(clock)
    started, tokens = await start_parallel(engine, mailbox)
    assert (await engine.resume(tokens["alice@example.com"], {"decision": "approved"})).status == "SUSPENDED"
    clock.advance(THREE_DAYS + 1)
    assert await engine.run_due_timers() == 1  # bob's timeout; alice's point is already used
    described = await engine.describe_execution(started.execution_id)
    assert described["status"] == "SUCCEEDED", described
    assert described["output"] == {
        "decision": "escalated",
        "subject": PARALLEL_INPUT["subject"],
        "approvers": PARALLEL_INPUT["approvers"],
        "reason": "not both approvers answered within 3 days",
    }
    assert await engine.run_due_timers() == 0


async def test_approval_refuses_a_resume_without_a_decision(make_engine: Any, mailbox: Mailbox) -> None:
    engine = make_engine()
    body = {"approver": "alice@example.com", "subject": "Publish the Q3 report?", "details": {}}
    started = await engine.start(sample("approval"), body, machine_name="approval")
    await mailbox.wait_for(1)
    with pytest.raises(InputError):
        await engine.resume(started.continuation, {})
    done = await engine.resume(started.continuation, {"decision": "approved"})
    assert done.output["decision"] == "approved"


# ====================================================================== long_wait
async def test_long_wait_fires_on_the_worker_tick(make_engine: Any) -> None:
    clock = FakeClock()
    engine = make_engine(clock)
    start = clock.now()
    started = await engine.start(sample("long_wait"), {"batch": 7}, machine_name="long_wait")
    assert started.status == "SUSPENDED"
    assert started.continuation is None  # a timer, not something a person resumes
    (point,) = started.pending
    assert point["state"] == "WaitTwoDays" and point["kind"] == "timer"
    assert point["expiresAt"] == "2026-01-03T00:00:00.000Z"

    clock.advance(TWO_DAYS - 1)
    assert await engine.run_due_timers() == 0
    assert (await engine.describe_execution(started.execution_id))["status"] == "SUSPENDED"
    clock.advance(1)
    assert await engine.run_due_timers() == 1
    described = await engine.describe_execution(started.execution_id)
    assert described["status"] == "SUCCEEDED", described
    assert described["output"] == {
        "done": True,
        "input": {"batch": 7},
        "resumedAt": (start + timedelta(seconds=TWO_DAYS)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    assert await engine.run_due_timers() == 0


async def test_long_wait_fires_through_a_real_worker_process(make_engine: Any, redis_server: Any) -> None:
    """Started three days ago (a FakeClock in the past), so the wait is over by now: one
    `statebox worker --once` against the same Redis finishes it."""
    url = redis_server.url.rsplit("/", 1)[0] + "/10"  # the worker's default prefix, alone in db 10
    engine = make_engine(FakeClock(datetime.now(UTC) - timedelta(days=3)), url=url, prefix="statebox:")
    started = await engine.start(sample("long_wait"), {"batch": 8}, machine_name="long_wait")
    assert started.status == "SUSPENDED"
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "statebox",
        "worker",
        "--once",
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": url, "STATEBOX_SECRET": SECRET},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(worker.communicate(), 60)
    assert worker.returncode == 0, stderr
    assert b"fired 1 timer(s)" in stdout, (stdout, stderr)
    described = await engine.describe_execution(started.execution_id)
    assert described["status"] == "SUCCEEDED", described
    assert described["output"]["input"] == {"batch": 8}
