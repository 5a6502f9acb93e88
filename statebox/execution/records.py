"""The execution record, typed: `ExecutionRecord` and its open points (`OpenPoint`), frozen,
with `ExecutionStatus` and `PointKind`; `to_json` / `from_json` are the one place a record
becomes JSON and back.

The engine builds and reads records only through these types: each activation makes a new
record (`dataclasses.replace`), never changes one. The store writes `record.to_json()` through
`encoding.encode_record`. `to_json` writes the keys in the order records have always had, so a
record written today is byte for byte what the engine wrote before records were typed
(tests/data/records/ holds golden records; tests/unit/execution/test_golden_records.py).
Records of every format `encoding.decode_record` reads load here; a key this version does not
know is kept and written back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..types import JSON

RECORD_FORMAT = 3


class ExecutionStatus(StrEnum):
    """Where an execution stands. RUNNING: started, or stopped at a state boundary to continue
    in a new activation (its `continue` point); SUSPENDED: waiting on its open points; the
    other three are final."""

    RUNNING = "RUNNING"
    SUSPENDED = "SUSPENDED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"

    @property
    def is_final(self) -> bool:
        return self in _FINAL

    @property
    def event(self) -> str:
        """The history event that closes an activation ending in this status."""
        return _CLOSING_EVENTS[self]


_FINAL = frozenset({ExecutionStatus.SUCCEEDED, ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT})
_CLOSING_EVENTS = {
    ExecutionStatus.SUCCEEDED: "ExecutionSucceeded",
    ExecutionStatus.FAILED: "ExecutionFailed",
    ExecutionStatus.TIMED_OUT: "ExecutionTimedOut",
    ExecutionStatus.SUSPENDED: "ExecutionSuspended",
    ExecutionStatus.RUNNING: "ExecutionStopped",
}


class PointKind(StrEnum):
    """What an open point waits for. A person or a callback: MERGE (`module:suspend`: the
    answer is merged into the state's data) and TOKEN (`.waitForTaskToken`: the answer is the
    task's result); a timer: TIMER (a long Wait or Retry back-off). The engine's own timers,
    with no continuation: CONTINUE (a stop at a state boundary) and EXPIRE (the machine's
    TimeoutSeconds)."""

    MERGE = "merge"
    TOKEN = "token"
    TIMER = "timer"
    CONTINUE = "continue"
    EXPIRE = "expire"

    @property
    def is_internal(self) -> bool:
        return self in (PointKind.CONTINUE, PointKind.EXPIRE)

    @property
    def takes_an_answer(self) -> bool:
        return self in (PointKind.MERGE, PointKind.TOKEN)


@dataclass(frozen=True, slots=True)
class OpenPoint:
    """An open point as the record lists it under `pending`: the position tree holds the same
    point with its data and resume schema (`interpreter/positions.py`)."""

    id: str
    kind: PointKind
    state: str
    due: str | None
    token: str | None
    heartbeat: float | None = None  # HeartbeatSeconds, when the task has one
    heartbeat_due: str | None = None
    # Keys of records written before the data moved to the position tree ("data", "schema"):
    # kept as they were, in order.
    legacy: tuple[tuple[str, JSON], ...] = ()

    @staticmethod
    def from_json(point: Mapping[str, Any]) -> OpenPoint:
        legacy = tuple((k, v) for k, v in point.items() if k not in _POINT_KEYS)
        return OpenPoint(
            point["id"],
            PointKind(point["kind"]),
            point["state"],
            point["due"],
            point.get("token"),
            point.get("heartbeat"),
            point.get("heartbeatDue"),
            legacy,
        )

    @staticmethod
    def from_position(point: Mapping[str, Any]) -> OpenPoint:
        """A point of the position tree as the record lists it: without its data and schema."""
        return OpenPoint(
            point["id"],
            PointKind(point["kind"]),
            point["state"],
            point["due"],
            point.get("token"),
            point.get("heartbeat"),
            point.get("heartbeatDue"),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "state": self.state,
            "due": self.due,
            "token": self.token,
        }
        if self.heartbeat is not None:
            out["heartbeat"] = self.heartbeat
        if self.heartbeat_due is not None:
            out["heartbeatDue"] = self.heartbeat_due
        out.update(self.legacy)
        return out

    def legacy_value(self, key: str) -> JSON:
        return next((value for name, value in self.legacy if name == key), None)


_POINT_KEYS = frozenset({"id", "kind", "state", "due", "token", "heartbeat", "heartbeatDue"})


@dataclass(frozen=True, slots=True)
class ExecutionRecord:
    """One execution as stored: made by `Engine.start`, replaced (never changed) by each
    activation, written by the store through `to_json` + `encode_record`.

    `position` is the interpreter's position tree (plain JSON, `interpreter/positions.py`), None once the
    execution finished; `pending` its open points plus the engine's own timers. `output` is set
    when SUCCEEDED, `error` / `cause` when FAILED or TIMED_OUT, `stop_time` when final; each is
    written only then. `history` holds events named like AWS's; `audit` one line per resume or
    heartbeat (`audit.py`). `base_url` is where resume links point (None: the engine's)."""

    execution_key: str
    execution_id: str
    machine: str
    definition_hash: str
    status: ExecutionStatus
    input: JSON
    start_time: str
    position: JSON = None
    pending: tuple[OpenPoint, ...] = ()
    transitions: int = 0
    history: tuple[dict[str, Any], ...] = ()
    audit: tuple[dict[str, Any], ...] = ()
    base_url: str | None = None
    output: JSON = None
    error: str | None = None
    cause: str | None = None
    stop_time: str | None = None
    format: int = RECORD_FORMAT
    extra: tuple[tuple[str, JSON], ...] = ()  # keys this version does not know: kept, written last

    def point(self, point_id: str) -> OpenPoint | None:
        return next((p for p in self.pending if p.id == point_id), None)

    def first_of_kind(self, kind: PointKind) -> OpenPoint | None:
        return next((p for p in self.pending if p.kind is kind), None)

    @staticmethod
    def from_json(record: Mapping[str, Any]) -> ExecutionRecord:
        """A decoded record (any format `decode_record` reads) as an ExecutionRecord."""
        return ExecutionRecord(
            execution_key=record["executionKey"],
            execution_id=record["executionId"],
            machine=record["machine"],
            definition_hash=record["definitionHash"],
            status=ExecutionStatus(record["status"]),
            input=record["input"],
            start_time=record["startTime"],
            position=record.get("position"),
            pending=tuple(OpenPoint.from_json(p) for p in record.get("pending", ())),
            transitions=record.get("transitions", 0),
            history=tuple(record.get("history", ())),
            audit=tuple(record.get("audit", ())),
            base_url=record.get("baseUrl"),
            output=record.get("output"),
            error=record.get("error"),
            cause=record.get("cause"),
            stop_time=record.get("stopTime"),
            format=record.get("format", 1),
            extra=tuple((k, v) for k, v in record.items() if k not in _RECORD_KEYS),
        )

    def to_json(self) -> dict[str, Any]:
        """The record as the store writes it; the keys in the order records have always had."""
        out: dict[str, Any] = {
            "format": self.format,
            "executionKey": self.execution_key,
            "executionId": self.execution_id,
            "machine": self.machine,
            "definitionHash": self.definition_hash,
            "status": self.status.value,
            "input": self.input,
            "startTime": self.start_time,
            "position": self.position,
            "pending": [p.to_json() for p in self.pending],
            "transitions": self.transitions,
            "history": list(self.history),
            "audit": list(self.audit),
            "baseUrl": self.base_url,
        }
        if self.status is ExecutionStatus.SUCCEEDED:
            out["output"] = self.output
        elif self.status in (ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT):
            out["error"] = self.error
            out["cause"] = self.cause
        if self.status.is_final:
            out["stopTime"] = self.stop_time
        out.update(self.extra)
        return out


_RECORD_KEYS = frozenset(
    {
        "format", "executionKey", "executionId", "machine", "definitionHash", "status", "input",
        "startTime", "position", "pending", "transitions", "history", "audit", "baseUrl", "output",
        "error", "cause", "stopTime",
    }
)  # fmt: skip
