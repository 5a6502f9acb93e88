"""The library API (statebox/execution/library.py): `statebox.run` / `statebox.resume` over
one in-process store that only suspended executions reach."""

from __future__ import annotations

import pytest

import statebox
from statebox.execution import library
from statebox.wiring import IN_PROCESS

ASK = {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "module:suspend", "End": True}}}
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def test_a_suspended_run_resumes_through_the_same_process_wide_store() -> None:
    started = statebox.run(ASK, {"n": 1})
    assert started.status == "SUSPENDED" and started.output == {"n": 1}
    done = statebox.resume(started.continuation, {"ok": True})
    assert (done.status, done.output) == ("SUCCEEDED", {"n": 1, "ok": True})
    assert library._library_engine(None, None, None, None, None).signer is IN_PROCESS.signer  # one key


async def test_a_finished_run_is_not_stored_and_a_suspended_one_is() -> None:
    store = IN_PROCESS.store()
    before = set(await store.client.keys("*"))
    result = await statebox.run_async(PASS, {"a": 1})
    assert result.output == {"a": 1} and set(await store.client.keys("*")) == before
    assert (await statebox.run_async(PASS)).output == {}  # the default input is {}
    started = await statebox.run_async(ASK, {})
    added = set(await store.client.keys("*")) - before
    assert any(started.execution_id.encode() in key for key in added)


def test_a_resume_can_fail_the_task() -> None:
    started = statebox.run(ASK, {})
    failed = statebox.resume(started.continuation, error="Rejected", cause="no")
    assert (failed.status, failed.error, failed.cause) == ("FAILED", "Rejected", "no")


async def test_the_blocking_form_refuses_to_run_inside_an_event_loop() -> None:
    with pytest.raises(RuntimeError, match="await the \\*_async variant"):
        statebox.run(PASS, {})
    assert (await statebox.run_async(PASS, {"x": 1})).output == {"x": 1}
