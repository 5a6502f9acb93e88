"""The façade (statebox/execution/engine.py) over the in-process store: what each operation
answers, and what it leaves in the record."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from statebox.config import Settings
from statebox.errors import ContinuationAlreadyUsed, ContinuationExpired, ExecutionNotFound
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.execution.records import ExecutionRecord
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore


def asking(**fields: Any) -> dict[str, Any]:
    ask = {"Type": "Task", "Resource": "module:suspend", "End": True, **fields}
    return {"StartAt": "Ask", "States": {"Ask": ask}}


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    store = RedisStore.in_process()
    yield Engine(Settings(), store=store, signer=ContinuationSigner(b"k"), clock=FakeClock())
    await store.close()


async def test_a_heartbeat_moves_the_window_re_arms_the_timer_and_is_audited(engine: Engine) -> None:
    started = await engine.start(asking(HeartbeatSeconds=60, TimeoutSeconds=600), {"a": 1})
    engine.clock.advance(30)  # type: ignore[attr-defined]
    beat = await engine.heartbeat(started.continuation or "", caller={"address": "203.0.113.1"})
    assert beat["heartbeatDue"] == "2026-01-01T00:01:30.000Z" and beat["status"] == "SUSPENDED"
    record = ExecutionRecord.from_json(await engine.store.load(started.execution_id))
    assert record.pending[0].heartbeat_due == beat["heartbeatDue"]
    assert [(line["outcome"], line["address"]) for line in record.audit] == [("heartbeat", "203.0.113.1")]
    due = await engine.store.due_timers(engine.clock.now().timestamp() + 61)
    assert len(due) == 1  # one timer, at the new heartbeat deadline
    engine.clock.advance(91)  # type: ignore[attr-defined]
    with pytest.raises(ContinuationExpired):
        await engine.heartbeat(started.continuation or "")


async def test_a_resumed_continuation_is_described_as_used(engine: Engine) -> None:
    started = await engine.start(asking(), {"a": 1})
    described = await engine.describe_continuation(started.continuation or "")
    assert (described["state"], described["kind"], described["data"]) == ("Ask", "merge", {"a": 1})
    await engine.resume(started.continuation or "", {"b": 2})
    with pytest.raises(ContinuationAlreadyUsed):
        await engine.describe_continuation(started.continuation or "")
    execution = await engine.describe_execution(started.execution_id)
    assert execution["output"] == {"a": 1, "b": 2}
    types = [event["type"] for event in execution["history"]]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    assert types.index("ExecutionSuspended") < types.index("ExecutionResumed")


async def test_nothing_to_continue_and_unknown_executions_are_refused(engine: Engine) -> None:
    started = await engine.start(asking(), {})
    with pytest.raises(ContinuationAlreadyUsed, match="nothing to continue"):
        await engine.continue_execution(started.execution_id)
    with pytest.raises(ExecutionNotFound):
        await engine.describe_execution("0" * 32)


async def test_a_resume_s_base_url_is_kept_only_for_an_execution_started_without_one(engine: Engine) -> None:
    two = asking(Next="Again")
    two["States"]["Ask"].pop("End")
    two["States"]["Again"] = {"Type": "Task", "Resource": "module:suspend", "End": True}
    started = await engine.start(two, {})
    assert "resumeUrl" not in started.pending[0]
    halfway = await engine.resume(started.continuation or "", {}, base_url="https://a.test/r")
    assert halfway.pending[0]["resumeUrl"].startswith("https://a.test/r?continuation=")
    other = await engine.start(two, {}, base_url="https://mine.test/r")
    moved = await engine.resume(other.continuation or "", {}, base_url="https://evil.test/r")
    assert moved.pending[0]["resumeUrl"].startswith("https://mine.test/r?continuation=")
