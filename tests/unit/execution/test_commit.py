"""One activation, run and committed (statebox/execution/commit.py): how each way a run ends
sets the record, and the timers and retention its commit asks the store for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from statebox.config import Settings
from statebox.execution import commit
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.execution.records import ExecutionRecord, ExecutionStatus, OpenPoint, PointKind
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    store = RedisStore.in_process()
    yield Engine(
        Settings(retention_seconds=100), store=store, signer=ContinuationSigner(b"k"), clock=FakeClock(NOW)
    )
    await store.close()


async def stored(engine: Engine, execution_id: str) -> ExecutionRecord:
    return ExecutionRecord.from_json(await engine.store.load(execution_id))


def machine(state: dict[str, Any], **top: Any) -> dict[str, Any]:
    end = {} if state["Type"] == "Fail" else {"End": True}
    return {"StartAt": "S", "States": {"S": {**state, **end}}, **top}


@pytest.mark.parametrize(
    ("state", "top", "status", "error"),
    [
        ({"Type": "Pass"}, {}, ExecutionStatus.SUCCEEDED, None),
        ({"Type": "Fail", "Error": "Boom", "Cause": "why"}, {}, ExecutionStatus.FAILED, "Boom"),
        (
            {"Type": "Wait", "Seconds": 30},
            {"TimeoutSeconds": 10},
            ExecutionStatus.TIMED_OUT,
            "States.Timeout",
        ),
    ],
    ids=["succeeded", "failed", "timed-out"],
)
async def test_each_ending_sets_the_record(
    engine: Engine, state: dict[str, Any], top: dict[str, Any], status: ExecutionStatus, error: str | None
) -> None:
    result = await engine.start(machine(state, **top), {"a": 1})
    record = await stored(engine, result.execution_id)
    assert record.status is status and result.status == status.value
    assert record.error == error and record.position is None and record.pending == ()
    assert record.stop_time is not None and record.history[-1]["type"] == status.event


async def test_a_suspension_lists_its_points_and_an_expiry_timer(engine: Engine) -> None:
    ask = {"Type": "Task", "Resource": "module:suspend", "TimeoutSeconds": 60}
    result = await engine.start(machine(ask, TimeoutSeconds=3600), {"a": 1})
    record = await stored(engine, result.execution_id)
    assert record.status is ExecutionStatus.SUSPENDED and record.stop_time is None
    assert [p.kind for p in record.pending] == [PointKind.MERGE, PointKind.EXPIRE]
    assert record.pending[1].due == "2026-01-01T01:00:00.000Z" and record.pending[1].token is None
    assert commit.ttl(engine, record) == 3600 + 100  # the last deadline, then the retention


async def test_a_stop_at_a_state_boundary_leaves_the_execution_running(engine: Engine) -> None:
    two = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}}}
    result = await engine.start(two, {}, stop_at=NOW - timedelta(seconds=1))
    record = await stored(engine, result.execution_id)
    assert record.status is ExecutionStatus.RUNNING and record.history[-1]["type"] == "ExecutionStopped"
    (point,) = record.pending
    assert point.kind is PointKind.CONTINUE and point.due == "2026-01-01T00:02:00.000Z"  # CONTINUE_GRACE
    continued = await engine.continue_execution(result.execution_id)
    assert continued.status == "SUCCEEDED"


def test_a_timer_fires_at_the_heartbeat_deadline_when_it_is_sooner() -> None:
    point = OpenPoint(
        "p", PointKind.TOKEN, "S", "2026-01-01T01:00:00.000Z", "t", 60.0, "2026-01-01T00:01:00.000Z"
    )
    assert commit.timer_due(point, NOW) == (NOW + timedelta(minutes=1)).timestamp()
    later = OpenPoint(
        "p", PointKind.TOKEN, "S", "2026-01-01T00:00:30.000Z", "t", 60.0, "2026-01-01T00:01:00.000Z"
    )
    assert commit.timer_due(later, NOW) == (NOW + timedelta(seconds=30)).timestamp()


def test_a_finished_record_is_kept_for_the_retention_only() -> None:
    engine: Any = type("Seen", (), {"settings": Settings(retention_seconds=100), "clock": FakeClock(NOW)})()
    record = ExecutionRecord("k", "id", "m", "h", ExecutionStatus.FAILED, {}, "t", error="E")
    assert commit.ttl(engine, record) == 100
