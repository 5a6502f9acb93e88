"""What callers see of an execution: `ExecutionResult` (how a start or resume ended), the open
points a caller may see (never the engine's own timers; no data or continuations when
`Settings.hide_continuations`), and the `describe_*` answers. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..suspension import pending_points
from ..types import JSON

if TYPE_CHECKING:
    from .engine import Engine

_INTERNAL_POINTS = frozenset({"continue", "expire"})  # the engine's own timers, no continuation


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
    engine: Engine, record: dict[str, Any], points: list[dict[str, Any]] | None = None
) -> ExecutionResult:
    """The record as an ExecutionResult; `points`: the open points with their data, when the
    caller has just scanned them (else they are read from the position tree)."""
    status = record["status"]
    key = record["executionKey"]
    if status == "SUCCEEDED":
        return ExecutionResult(status, key, output=record["output"])
    if status in ("FAILED", "TIMED_OUT"):
        return ExecutionResult(status, key, error=record.get("error"), cause=record.get("cause"))
    public = public_points(engine, record, points)
    first = next((p for p in public if "continuation" in p), None)
    return ExecutionResult(
        status,
        key,
        output=(first or (public[0] if public else {})).get("data"),
        continuation=first["continuation"] if first else None,
        expires_at=first["expiresAt"] if first else None,
        pending=public,
    )


def public_points(
    engine: Engine, record: dict[str, Any], points: list[dict[str, Any]] | None = None
) -> tuple[dict[str, Any], ...]:
    """The open points a caller may see (not the engine's own timers), with their data."""
    hidden = engine.settings.hide_continuations
    # The data lives in the position tree; records written before it moved there keep it in
    # `pending`.
    if points is None and not hidden:
        points = pending_points(record.get("position"))
    details = {} if hidden else {p["id"]: p for p in points or ()}
    public = []
    for point in record["pending"]:
        if point["kind"] in _INTERNAL_POINTS:
            continue
        out: dict[str, Any] = {"state": point["state"], "kind": point["kind"], "expiresAt": point["due"]}
        if not hidden:  # hidden: the data too, as a callback task's data often carries its token
            if point["kind"] in ("merge", "token") and point.get("token"):
                out["continuation"] = point["token"]
                if base_url(engine, record):
                    out["resumeUrl"] = resume_url(engine, point["token"], record)
            data = details.get(point["id"], point).get("data")
            if data is not None:
                out["data"] = data
        public.append(out)
    return tuple(public)


def point_details(record: dict[str, Any], point_id: str) -> dict[str, Any]:
    """A pending point as the position tree holds it (with its data and resume schema)."""
    for point in pending_points(record.get("position")):
        if point.get("id") == point_id:
            return point
    # Records written before the data moved out of `pending` still carry it there.
    return next((p for p in record["pending"] if p["id"] == point_id), {})


def continuation_view(record: dict[str, Any], point: dict[str, Any]) -> dict[str, Any]:
    """`Engine.describe_continuation`'s answer: what one open point waits for."""
    details = point_details(record, point["id"])
    return {
        "executionId": record["executionKey"],
        "machine": record["machine"],
        "state": point["state"],
        "kind": point["kind"],
        "expiresAt": point["due"],
        "data": details.get("data"),
        "schema": details.get("schema"),
    }


def execution_view(engine: Engine, record: dict[str, Any]) -> dict[str, Any]:
    """`Engine.describe_execution`'s answer: the record as a caller may see it."""
    out = {
        "executionId": record["executionKey"],
        "machine": record["machine"],
        "status": record["status"],
        "input": record["input"],
        "startTime": record["startTime"],
        "history": record["history"],
        "audit": record["audit"],
    }
    for name in ("output", "error", "cause", "stopTime"):
        if name in record:
            out[name] = record[name]
    if record["status"] in ("SUSPENDED", "RUNNING"):
        out["pending"] = list(public_points(engine, record))
    return out


def base_url(engine: Engine, record: dict[str, Any]) -> str | None:
    return record.get("baseUrl") or engine.base_url


def resume_url(engine: Engine, token: str, record: dict[str, Any]) -> str:
    base = base_url(engine, record) or ""
    return f"{base}{'&' if '?' in base else '?'}continuation={token}"
