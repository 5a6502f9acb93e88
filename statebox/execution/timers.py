"""Firing due timers: expired suspensions resume with States.Timeout, long Waits and boundary
stops continue, across any number of workers (each timer is taken by one).

A timer whose firing fails (anything but "already used" or a busy store: a broken invoker,
a definition that no longer parses, a record that cannot be written) used to abort the whole
tick, every minute, starving the timers due after it, and its execution never finished. Now
each failure is logged with its traceback, the timer is retried with backoff
(`retry_delay`), and after MAX_TIMER_ATTEMPTS failures the execution is failed with
States.Runtime and a cause naming the state and the last error. The count of failures lives in
the point's hash (`timerFailures`), so it holds across workers and restarts.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from ..asl_errors import ErrorName
from ..errors import ContinuationAlreadyUsed, ContinuationNotFound, StoreUnavailable
from ..interpreter import iso_timestamp
from ..interpreter.suspension import ResumeEvent
from ..timestamps import parse_timestamp
from . import claims, commit
from .records import ExecutionRecord, ExecutionStatus, OpenPoint, PointKind

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger("statebox.timers")
MAX_TIMER_ATTEMPTS = 5
FIRST_RETRY_SECONDS = 10.0
MAX_RETRY_SECONDS = 600.0
# A timer of these kinds resumes as an event of its own kind; a person's point as a timeout.
_FIRES_AS_ITSELF = (PointKind.TIMER, PointKind.CONTINUE, PointKind.EXPIRE)


def retry_delay(failures: int) -> float:
    """Seconds before a timer that failed `failures` times is tried again: 10, 20, 40, 80 …"""
    return min(FIRST_RETRY_SECONDS * 2 ** (failures - 1), MAX_RETRY_SECONDS)


async def fire_due_timers(engine: Engine, limit: int, stop_at: datetime | None) -> int:
    """Fire every due timer once; returns how many fired. With `stop_at` (a serverless tick),
    no timer is taken after it. One timer's failure never keeps the others from firing."""
    store = engine.store
    now = engine.clock.now()
    fired = 0
    for execution_key, point_id in await store.due_timers(now.timestamp(), limit):
        if stop_at is not None and engine.clock.now() >= stop_at:
            break
        if not await store.take_timer(execution_key, point_id, now.timestamp()):
            continue
        stored = await store.load(execution_key)  # the store is down: the tick ends here
        point = None if stored is None else ExecutionRecord.from_json(stored).point(point_id)
        if point is None:
            await store.drop_timer(execution_key, point_id)
            continue
        try:
            fired += await _fire(engine, execution_key, point, now, stop_at)
        except StoreUnavailable:
            # Busy or briefly unreachable: the taken timer comes back after its lease.
            log.warning(
                "timer %s of %s skipped this tick: store busy or unavailable", point_id[:8], execution_key[:8]
            )
        except Exception as exc:  # noqa: BLE001 - any failure of one timer is that timer's alone
            await _failed(engine, execution_key, point_id, exc)
    return fired


async def _fire(
    engine: Engine, execution_key: str, point: OpenPoint, now: datetime, stop_at: datetime | None
) -> int:
    kind = point.kind.value if point.kind in _FIRES_AS_ITSELF else "timeout"
    heartbeat_due = parse_timestamp(point.heartbeat_due)
    if kind == "timeout" and heartbeat_due is not None and heartbeat_due <= now:
        kind = "heartbeat_timeout"
    try:
        await engine._resume_point(execution_key, point.id, ResumeEvent(kind, point.id), None, stop_at)
    except (ContinuationAlreadyUsed, ContinuationNotFound):
        await engine.store.drop_timer(execution_key, point.id)
        return 0
    return 1


async def _failed(engine: Engine, execution_key: str, point_id: str, exc: Exception) -> None:
    store = engine.store
    failures = await store.count_timer_failure(execution_key, point_id)
    log.error(
        "timer %s of %s failed to fire (%d of %d): %s: %s",
        point_id[:8], execution_key[:8], failures, MAX_TIMER_ATTEMPTS, type(exc).__name__, exc,
        exc_info=exc,
    )  # fmt: skip
    if failures == 0:  # the point itself is gone: nothing left to fire
        await store.drop_timer(execution_key, point_id)
        return
    if failures >= MAX_TIMER_ATTEMPTS:
        try:
            await _fail_execution(engine, execution_key, point_id, exc, failures)
            return
        except Exception as again:  # noqa: BLE001 - logged; tried again at the longest delay
            log.error("could not fail execution %s after its timer failed: %s", execution_key[:8], again)
    retry_at = engine.clock.now().timestamp() + retry_delay(failures)
    await store.reschedule_timer(execution_key, point_id, retry_at)


async def _fail_execution(
    engine: Engine, execution_key: str, point_id: str, exc: Exception, failures: int
) -> None:
    """End the execution FAILED (States.Runtime): its timer can never fire."""
    owner, record, point = await claims.claim(engine.store, execution_key, point_id)
    now = iso_timestamp(engine.clock.now())
    cause = (
        f"The timer of the state '{point.state}' failed to fire {failures} times "
        f"(last: {type(exc).__name__}: {str(exc)[:500]}); the execution cannot go on."
    )
    failed = {"timestamp": now, "type": "ExecutionFailed", "state": point.state}
    record = replace(
        record,
        status=ExecutionStatus.FAILED,
        error=ErrorName.RUNTIME.value,
        cause=cause,
        output=None,
        position=None,
        pending=(),
        stop_time=now,
        history=(*record.history, failed),
    )
    try:
        saved = await _save(engine, record, point_id, owner)
    except (RecursionError, TypeError, ValueError):  # the record itself cannot be written
        record = replace(record, input=None, history=(failed,), audit=())
        saved = await _save(engine, record, point_id, owner)
    if not saved:
        await claims.release_quietly(engine.store, execution_key, point_id, owner)
        raise StoreUnavailable("another resume took over this execution")
    log.error("execution %s FAILED: %s", execution_key[:8], cause)


async def _save(engine: Engine, record: ExecutionRecord, point_id: str, owner: str) -> bool:
    ttl = commit.ttl(engine, record)
    return bool(
        await engine.store.save(
            record.to_json(), ttl_seconds=ttl, new_points=[], finished_point=point_id, owner=owner
        )
    )
