"""What callers see of an execution: `ExecutionResult` (how a start or resume ended), the open
points a caller may see (never the engine's own timers; no data or continuations when
`Settings.hide_continuations`), and the `describe_*` answers. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..interpreter.suspension import pending_points
from ..types import JSON
from .records import ExecutionRecord, ExecutionStatus, OpenPoint

if TYPE_CHECKING:
    from .engine import Engine


@dataclass(frozen=True, slots=True, repr=False)
class ExecutionResult:
    """How an execution ended (or paused). `status` is SUCCEEDED, FAILED, TIMED_OUT or SUSPENDED."""

    status: str
    execution_id: str
    output: JSON = None
    error: str | None = None
    cause: str | None = None
    continuation: str | None = None
    expires_at: str | None = None
    pending: tuple[dict[str, Any], ...] = ()  # every open point: continuation, state, expiresAt

    def __repr__(self) -> str:
        # Short on purpose: asyncio and loggers repr results, and outputs can be 256 KiB.
        detail = f", error={self.error!r}" if self.error else ""
        return f"ExecutionResult(status={self.status!r}, execution_id={self.execution_id!r}{detail})"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "executionId": self.execution_id}
        if self.status == "SUCCEEDED":
            out["output"] = self.output
        elif self.status in ("SUSPENDED", "RUNNING"):
            if self.continuation is not None:
                out["continuation"] = self.continuation
                out["expiresAt"] = self.expires_at
            out["output"] = self.output
            out["pending"] = list(self.pending)
        else:
            out["error"] = self.error
            out["cause"] = self.cause
        return out


def result(
    engine: Engine, record: ExecutionRecord, points: list[dict[str, Any]] | None = None
) -> ExecutionResult:
    """The record as an ExecutionResult; `points`: the open points with their data, when the
    caller has just scanned them (else they are read from the position tree)."""
    status = record.status
    key = record.execution_key
    if status is ExecutionStatus.SUCCEEDED:
        return ExecutionResult(status.value, key, output=record.output)
    if status.is_final:
        return ExecutionResult(status.value, key, error=record.error, cause=record.cause)
    public = public_points(engine, record, points)
    first = next((p for p in public if "continuation" in p), None)
    return ExecutionResult(
        status.value,
        key,
        output=(first or (public[0] if public else {})).get("data"),
        continuation=first["continuation"] if first else None,
        expires_at=first["expiresAt"] if first else None,
        pending=public,
    )


def public_points(
    engine: Engine, record: ExecutionRecord, points: list[dict[str, Any]] | None = None
) -> tuple[dict[str, Any], ...]:
    """The open points a caller may see (not the engine's own timers), with their data."""
    hidden = engine.settings.hide_continuations
    if points is None and not hidden:
        points = pending_points(record.position)
    details = {} if hidden else {p["id"]: p for p in points or ()}
    public = []
    for point in record.pending:
        if point.kind.is_internal:
            continue
        out: dict[str, Any] = {"state": point.state, "kind": point.kind.value, "expiresAt": point.due}
        if not hidden:  # hidden: the data too, as a callback task's data often carries its token
            if point.kind.takes_an_answer and point.token:
                out["continuation"] = point.token
                if base_url(engine, record):
                    out["resumeUrl"] = resume_url(engine, point.token, record)
            # The data lives in the position tree; records written before it moved there keep
            # it in `pending`.
            found = details.get(point.id)
            data = point.legacy_value("data") if found is None else found.get("data")
            if data is not None:
                out["data"] = data
        public.append(out)
    return tuple(public)


def point_details(record: ExecutionRecord, point_id: str) -> dict[str, Any]:
    """A pending point as the position tree holds it (with its data and resume schema)."""
    for point in pending_points(record.position):
        if point.get("id") == point_id:
            return point
    # Records written before the data moved out of `pending` still carry it there.
    listed = record.point(point_id)
    return {} if listed is None else listed.to_json()


def continuation_view(record: ExecutionRecord, point: OpenPoint) -> dict[str, Any]:
    """`Engine.describe_continuation`'s answer: what one open point waits for."""
    details = point_details(record, point.id)
    return {
        "executionId": record.execution_key,
        "machine": record.machine,
        "state": point.state,
        "kind": point.kind.value,
        "expiresAt": point.due,
        "data": details.get("data"),
        "schema": details.get("schema"),
    }


def execution_view(engine: Engine, record: ExecutionRecord) -> dict[str, Any]:
    """`Engine.describe_execution`'s answer: the record as a caller may see it."""
    out: dict[str, Any] = {
        "executionId": record.execution_key,
        "machine": record.machine,
        "status": record.status.value,
        "input": record.input,
        "startTime": record.start_time,
        "history": list(record.history),
        "audit": list(record.audit),
    }
    status = record.status
    if status is ExecutionStatus.SUCCEEDED:
        out["output"] = record.output
    elif status.is_final:
        out["error"] = record.error
        out["cause"] = record.cause
    if status.is_final:
        out["stopTime"] = record.stop_time
    else:
        out["pending"] = list(public_points(engine, record))
    return out


def base_url(engine: Engine, record: ExecutionRecord) -> str | None:
    return record.base_url or engine.base_url


def resume_url(engine: Engine, token: str, record: ExecutionRecord) -> str:
    base = base_url(engine, record) or ""
    return f"{base}{'&' if '?' in base else '?'}continuation={token}"
