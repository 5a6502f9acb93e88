"""statebox/wiring.py, the composition root: every adapter's parts come from one Settings, so
what one adapter stores another finds, signed with the same key, and the adapters differ only
where the module's table says they do. Memory (the embedded store) and a real redis-server."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import statebox
from statebox import wiring
from statebox.config import Settings
from statebox.errors import ContinuationNotFound, ExecutionNotFound
from statebox.ports import ResourceRef, TaskCall
from statebox.settings_table import load

ROOT = Path(__file__).resolve().parents[2]
SUSPENDS = {
    "StartAt": "Ask",
    "States": {
        "Ask": {"Type": "Task", "Resource": "module:suspend", "ResultPath": "$.answer", "Next": "Add"},
        "Add": {"Type": "Task", "Resource": "module:increment", "End": True},
    },
}
PASSES = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


async def test_without_redis_every_adapter_shares_the_processs_store_and_key() -> None:
    settings = Settings(actions_dir=ROOT / "demo_actions")
    cli = wiring.cli_engine(settings)
    dev = wiring.dev_service(settings, ROOT / "state_machines").engine
    suspended = await cli.start(SUSPENDS, {"value": 1})
    assert suspended.status == "SUSPENDED"
    # The dev server's engine finds it and accepts the CLI's continuation; so does the library.
    assert (await dev.describe_execution(suspended.execution_id))["status"] == "SUSPENDED"
    resumed = await statebox.resume_async(suspended.continuation, {"ok": True}, actions=ROOT / "demo_actions")
    assert (resumed.status, resumed.output) == ("SUCCEEDED", {"value": 2, "answer": {"value": 1, "ok": True}})


async def test_without_redis_the_cli_keeps_no_finished_execution_and_the_dev_server_does() -> None:
    settings = Settings(actions_dir=ROOT / "demo_actions")
    cli, dev = wiring.cli_engine(settings), wiring.dev_service(settings, ROOT / "state_machines").engine
    by_cli, by_dev = await cli.start(PASSES, {}), await dev.start(PASSES, {})
    with pytest.raises(ExecutionNotFound):
        await dev.describe_execution(by_cli.execution_id)  # nothing outlives `statebox run`
    assert (await cli.describe_execution(by_dev.execution_id))["status"] == "SUCCEEDED"  # GET ?execution=


async def test_with_redis_the_cli_the_dev_server_and_the_web_action_work_on_the_same_executions(
    redis_server: Any,
) -> None:
    environ = {
        "REDIS_URL": redis_server.url,
        "STATEBOX_SECRET": "a-wiring-test-secret-of-32-chars",
        "STATEBOX_KEY_PREFIX": f"wiring{time.monotonic_ns()}:",
        "STATEBOX_BASE_URL": "https://public.example/api/v1/web/ns/statebox/run",
        "STATEBOX_ACTIONS_DIR": str(ROOT / "demo_actions"),
    }
    settings = replace(load(environ), machines_dir=ROOT / "state_machines")
    cli = wiring.cli_engine(settings)
    dev = wiring.dev_service(settings, ROOT / "state_machines").engine
    action = wiring.action_service(settings).engine
    try:
        suspended = await cli.start(SUSPENDS, {"value": 41})
        described = await action.describe_execution(suspended.execution_id)
        # The action words resume links with its public URL; the CLI prints bare tokens.
        assert described["pending"][0]["resumeUrl"] == (
            f"{environ['STATEBOX_BASE_URL']}?continuation={suspended.continuation}"
        )
        assert all("resumeUrl" not in point for point in suspended.pending)
        resumed = await dev.resume(suspended.continuation, {"ok": 1})
        assert (resumed.status, resumed.output) == (
            "SUCCEEDED",
            {"value": 42, "answer": {"value": 41, "ok": 1}},
        )
        finished = await cli.describe_execution(suspended.execution_id)
        assert finished["status"] == "SUCCEEDED"  # with Redis the CLI keeps it, for `statebox status`
        # One secret: a process built from the same settings accepts the token, another key not.
        assert (
            wiring.build_signer(settings).verify(suspended.continuation).execution_key
            == suspended.execution_id
        )
        with pytest.raises(ContinuationNotFound):
            wiring.build_signer(replace(settings, secret="x" * 32)).verify(suspended.continuation)
    finally:
        for engine in (cli, dev, action):
            await engine.store.close()


async def test_the_invoker_gives_module_actions_the_operators_parameters_and_routes_openwhisk(
    tmp_path: Path,
) -> None:
    (tmp_path / "echo.py").write_text("def main(args):\n    return args\n")
    environ = {"STATEBOX_ACTIONS_DIR": str(tmp_path), "STATEBOX_SMTP_HOST": "mail.internal"}
    invoker = wiring.build_invoker(load(environ))
    call = TaskCall(state_name="E", execution_id="e")
    got = await invoker.invoke(ResourceRef.parse("module:echo"), {"statebox_smtp_host": "evil", "a": 1}, call)
    assert got == {"a": 1, "statebox_smtp_host": "mail.internal"}  # a definition cannot choose it
    assert not invoker.remote
    remote = wiring.build_invoker(load({**environ, "STATEBOX_OW_API_HOST": "http://127.0.0.1:3233"}))
    assert remote.remote


async def test_without_a_secret_tokens_are_signed_with_this_processs_own_key() -> None:
    suspended = await wiring.cli_engine(Settings(actions_dir=ROOT / "demo_actions")).start(SUSPENDS, {})
    assert wiring.build_signer(Settings()).verify(suspended.continuation)  # the same key, in process
    with pytest.raises(ContinuationNotFound):
        wiring.build_signer(Settings(secret="s" * 32)).verify(suspended.continuation)
