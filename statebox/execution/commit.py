"""One activation of an execution: run the interpreter from the record's position, fold how the
run ended into the record, and commit the record in one write.

`advance` is the entry: it holds the resume's lease (renewed if the run is long) around
`run_and_commit`. The run ends in one of five ways, each setting the record's status: the
machine's output (SUCCEEDED), an uncaught ASL error (FAILED), its TimeoutSeconds (TIMED_OUT),
data too deep to walk (FAILED, States.Runtime), or a Suspension (SUSPENDED, or RUNNING when it
stopped at a state boundary to continue in a new activation). The commit writes the record, its
new points and timers, and marks the resumed point used, only while this resume's lease holds.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..asl_errors import ErrorName
from ..definition.model import Machine
from ..errors import StatesError, StoreUnavailable
from ..interpreter import ExecutionTimedOut, Frame, Runtime, iso_timestamp, run_graph
from ..interpreter.points import PointIssuer
from ..interpreter.suspension import ResumeEvent, Suspension, scan_position
from ..stores import NewPoint
from ..timestamps import parse_timestamp
from ..types import JSON
from .claims import LeaseRenewal
from .records import ExecutionRecord, ExecutionStatus, OpenPoint, PointKind
from .views import ExecutionResult, base_url, result, resume_url

if TYPE_CHECKING:
    from .engine import Engine

CONTINUE_GRACE = timedelta(seconds=120)


async def advance(
    engine: Engine,
    machine: Machine,
    record: ExecutionRecord,
    event: ResumeEvent | None,
    stop_at: datetime | None,
    *,
    owner: str,
    is_new: bool = False,
    finished_point: str | None = None,
) -> ExecutionResult:
    """Run from the record's position and commit; a resume (`owner` set) holds the execution's
    lease meanwhile and renews it, or a run longer than the lease would let a second click (or
    the timeout timer) claim the same point again."""
    if not owner:
        return await run_and_commit(engine, machine, record, event, stop_at, owner=owner, is_new=is_new)
    renewal = LeaseRenewal(engine.store, record.execution_key, owner)
    try:
        return await run_and_commit(
            engine, machine, record, event, stop_at, owner=owner, is_new=is_new, finished_point=finished_point
        )
    finally:
        renewal.stop()


async def run_and_commit(
    engine: Engine,
    machine: Machine,
    record: ExecutionRecord,
    event: ResumeEvent | None,
    stop_at: datetime | None,
    *,
    owner: str,
    is_new: bool = False,
    finished_point: str | None = None,
) -> ExecutionResult:
    runtime = build_runtime(engine, machine, record, event, stop_at)
    previous_points = {p.id for p in record.pending}
    record, points = await _run(engine, machine, record, event, runtime, is_new)
    now = engine.clock.now()
    record = _close_activation(engine, record, runtime, now)
    new_points = [
        NewPoint(p.id, timer_due(p, now), p.kind.value) for p in record.pending if p.id not in previous_points
    ]
    if is_new and not engine.persist_finished and record.status.is_final:
        return result(engine, record, points)
    definition = (machine.definition_hash, definition_text(machine)) if is_new else None
    record = await _commit(engine, record, new_points, finished_point, owner, definition, now)
    return result(engine, record, points)


async def _run(
    engine: Engine,
    machine: Machine,
    record: ExecutionRecord,
    event: ResumeEvent | None,
    runtime: Runtime,
    is_new: bool,
) -> tuple[ExecutionRecord, list[dict[str, Any]] | None]:
    """Run the interpreter; the record as the run left it, and the open points with their data
    when it suspended (scanned once, reused by the answer)."""
    deadline = runtime.execution_deadline
    try:
        if event is not None and event.kind == "expire":
            raise ExecutionTimedOut()
        if is_new:
            runtime.check_size(record.input, "The execution input")
        run = run_graph(machine.graph, record.input, Frame(runtime=runtime), record.position)
        if deadline is None:
            output = await run
        else:
            async with asyncio.timeout((deadline - engine.clock.now()).total_seconds()):
                output = await run
        if deadline is not None and engine.clock.now() > deadline:
            raise ExecutionTimedOut()  # the last state outlived the deadline (injected clocks)
        runtime.check_size(output, "The execution output")
    except (ExecutionTimedOut, TimeoutError):
        cause = f"The execution ran past the machine's TimeoutSeconds ({machine.timeout_seconds:g})."
        return finished(record, ExecutionStatus.TIMED_OUT, error=ErrorName.TIMEOUT.value, cause=cause), None
    except StatesError as failure:
        return finished(record, ExecutionStatus.FAILED, error=failure.error, cause=failure.cause), None
    except RecursionError:
        # Data nested deeper than the interpreter can walk (built at run time, e.g. by
        # States.StringToJson or an action's result): a clear failure, never a traceback.
        return fail_too_deep(record, "process"), None
    except Suspension as stop:
        return _suspended(engine, record, stop, deadline)
    return finished(record, ExecutionStatus.SUCCEEDED, output=output), None


def _suspended(
    engine: Engine, record: ExecutionRecord, stop: Suspension, deadline: datetime | None
) -> tuple[ExecutionRecord, list[dict[str, Any]] | None]:
    try:
        points, boundary = scan_position(stop.position)
    except RecursionError:
        return fail_too_deep(record, "process"), None
    # The points' data and schema stay in the position tree only: storing them twice made a
    # suspended record several times its data.
    pending = [OpenPoint.from_position(p) for p in points]
    if deadline is not None:
        # One expiry timer per execution, kept across re-suspensions.
        pending.append(record.first_of_kind(PointKind.EXPIRE) or internal_point(PointKind.EXPIRE, deadline))
    if boundary:
        # The self-invoked continuation normally takes it at once; the timer is only the
        # safety net, so it waits long enough not to race that activation.
        pending.append(internal_point(PointKind.CONTINUE, engine.clock.now() + CONTINUE_GRACE))
    status = ExecutionStatus.RUNNING if boundary else ExecutionStatus.SUSPENDED
    return replace(record, status=status, position=stop.position, pending=tuple(pending)), points


def finished(
    record: ExecutionRecord,
    status: ExecutionStatus,
    *,
    output: JSON = None,
    error: str | None = None,
    cause: str | None = None,
) -> ExecutionRecord:
    """The record of an execution that ended: no position, no open points."""
    return replace(record, status=status, output=output, error=error, cause=cause, position=None, pending=())


def fail_too_deep(record: ExecutionRecord, verb: str) -> ExecutionRecord:
    cause = f"The execution's data is nested too deeply to {verb}."
    return finished(record, ExecutionStatus.FAILED, error=ErrorName.RUNTIME.value, cause=cause)


def _close_activation(
    engine: Engine, record: ExecutionRecord, runtime: Runtime, now: datetime
) -> ExecutionRecord:
    """The run's transitions and history, its closing event, and a finished run's stop time."""
    final_event = {"timestamp": iso_timestamp(now), "type": record.status.event}
    history = (*record.history, *(runtime.history or ()), final_event)
    if engine.event_sink is not None:
        engine.event_sink(record.execution_key, final_event)
    stop_time = iso_timestamp(now) if record.status.is_final else record.stop_time
    return replace(record, transitions=runtime.transitions, history=history, stop_time=stop_time)


async def _commit(
    engine: Engine,
    record: ExecutionRecord,
    new_points: list[NewPoint],
    finished_point: str | None,
    owner: str,
    definition: tuple[str, str] | None,
    now: datetime,
) -> ExecutionRecord:
    """Write the record; the record written (one that could not be encoded is written FAILED)."""
    store = engine.store
    try:
        saved = await store.save(
            record.to_json(),
            ttl_seconds=ttl(engine, record),
            new_points=new_points,
            finished_point=finished_point,
            owner=owner,
            definition=definition,
        )
    except RecursionError:
        # The record could not be encoded (data nested too deeply): store it as failed
        # instead, so the continuation is used up cleanly rather than left half-written.
        failed = fail_too_deep(record, "store")
        event = {"timestamp": iso_timestamp(now), "type": "ExecutionFailed"}
        record = replace(failed, input=None, stop_time=iso_timestamp(now), history=(*failed.history, event))
        saved = await store.save(
            record.to_json(),
            ttl_seconds=ttl(engine, record),
            new_points=[],
            finished_point=finished_point,
            owner=owner,
            definition=definition,
        )
    if not saved:
        raise StoreUnavailable("another resume took over this execution; try again")
    return record


def build_runtime(
    engine: Engine,
    machine: Machine,
    record: ExecutionRecord,
    event: ResumeEvent | None,
    stop_at: datetime | None,
) -> Runtime:
    key = record.execution_key
    settings = engine.settings
    return Runtime(
        invoker=engine.invoker,  # type: ignore[arg-type]
        clock=engine.clock,
        entropy=engine.entropy,
        limits=engine.limits,
        execution_id=record.execution_id,
        execution_name=key,
        execution_input=record.input,
        start_time=parse_timestamp(record.start_time) or engine.clock.now(),
        state_machine_id=f"arn:statebox:stateMachine:{machine.name}",
        state_machine_name=machine.name,
        transitions=record.transitions,
        first_transition=record.transitions,
        stop_at=stop_at,
        resume_event=event,
        points=PointIssuer(
            sign=lambda point_id, due: engine.signer.issue(key, point_id, due),
            url=(lambda token: resume_url(engine, token, record)) if base_url(engine, record) else None,
            default_seconds=settings.default_suspension_seconds,
        ),
        wait_suspend_seconds=settings.wait_suspend_seconds,
        history=[] if engine.keep_history else None,
        event_sink=engine.event_sink,
        execution_deadline=_deadline(engine, machine, record),
    )


def _deadline(engine: Engine, machine: Machine, record: ExecutionRecord) -> datetime | None:
    if machine.timeout_seconds is None:
        return None
    start = parse_timestamp(record.start_time) or engine.clock.now()
    return start + timedelta(seconds=machine.timeout_seconds)


def ttl(engine: Engine, record: ExecutionRecord) -> int:
    """How long the store keeps the record: the retention past its last deadline."""
    retention = int(engine.settings.retention_seconds)
    if record.status.is_final:
        return retention
    now = engine.clock.now()
    latest = max(((parse_timestamp(p.due) or now) for p in record.pending), default=now)
    return max(1, int((latest - now).total_seconds())) + retention


def timer_due(point: OpenPoint, now: datetime) -> float:
    """When a point's timer fires: its deadline, or its heartbeat deadline if sooner."""
    due = parse_timestamp(point.due) or now
    heartbeat_due = parse_timestamp(point.heartbeat_due)
    if heartbeat_due is not None and heartbeat_due < due:
        due = heartbeat_due
    return due.timestamp()


def internal_point(kind: PointKind, due: datetime) -> OpenPoint:
    """A pending point of the engine's own: no continuation, only a timer."""
    return OpenPoint(secrets.token_hex(16), kind, "", iso_timestamp(due), None)


def definition_text(machine: Machine) -> str:
    return machine.definition_text or json.dumps(
        machine.definition, separators=(",", ":"), ensure_ascii=False
    )
