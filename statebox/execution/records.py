"""The execution record: `ExecutionRecord` (typed, frozen) and its JSON (`to_json` /
`from_json`), and the record as stored: one JSON document, in which data the record holds in
several places is written once (`encode_record` / `decode_record`).

The engine builds and reads records only through `ExecutionRecord`; the store encodes
`record.to_json()`. `to_json` writes the keys in the order records have always had, so a record
written today is byte for byte what the engine wrote before the record was typed
(tests/data/records/ holds golden records; tests/unit/execution/test_golden_records.py).

The same data turns up in several places of a record: a suspended execution's input is usually
also the suspended state's input and the pending point's data (one object), and a finished
execution's output shares most of its fields with its input (a resume merges the approver's
answer into the point's data). Encoding writes each such object once, where it first occurs,
and lists the other places under `"same"` as pairs of paths, `[where, same as where]`; decoding
puts the one decoded object back in each place. Sharing is safe because nothing in the engine
changes data in place.

What is looked at: the execution's `input` and `output`, every data value of the position tree
(`suspension.DATA_KEYS`), and the fields of those that are objects (one level down). Only
strings and containers with more than 64 characters of content count (a reference to less
would cost more than the value); equal but distinct objects are written as they are.

A record orjson cannot write (an integer past 64 bits, which it would also read back as a
float) is written by the standard library and starts with `{"exact":true,`, so that decoding
it takes the exact reader too; every other record is read by orjson.

Record format 3 is format 1 plus `"same"` (and `"exact"`); a format 1 record decodes unchanged, and so does
a format 2 one (a few hours of 2026-12-02's main: shared values listed under `"shared"`,
referred to as `"<key>#": index` in the position tree).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..jsonio import decode_json, encode_json, encode_json_fast
from ..suspension import DATA_KEYS
from ..types import JSON

RECORD_FORMAT = 3
SAME = "same"
# A record orjson cannot encode (integers past 64 bits, deep nesting) is written by the standard
# library with this marker first, since orjson would read such integers back as floats.
EXACT = "exact"
_EXACT_START = b'{"exact":true,'
_TOP_DATA_KEYS = ("input", "output")
_WORTH_SHARING = 64  # characters of content: less costs less to repeat than to refer to

Path = list[Any]  # dict keys and list indexes from the record's root


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
    point with its data and resume schema (`suspension.py`)."""

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

    `position` is the interpreter's position tree (plain JSON, `suspension.py`), None once the
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


def encode_record(record: dict[str, Any]) -> bytes:
    shared = share_repeated_data(record)
    fast = encode_json_fast(shared)
    if fast is not None:
        return fast
    return encode_json({EXACT: True, **shared})


def decode_record(encoded: bytes) -> dict[str, Any]:
    exact = encoded.startswith(_EXACT_START)
    record = decode_json(encoded, exact=exact)
    if not isinstance(record, dict):
        return record  # type: ignore[return-value]
    if exact:
        del record[EXACT]
    if SAME in record:
        for where, source in record.pop(SAME):
            *parents, last = where
            _at(record, parents)[last] = _at(record, source)
    elif "shared" in record:
        _decode_format_2(record)
    return record


def share_repeated_data(record: dict[str, Any]) -> dict[str, Any]:
    """`record` with each object it holds in several places written once: a new dict, with new
    containers along the paths of the places replaced (`record` and what it holds are left as
    they are). The record itself when nothing repeats."""
    first: dict[int, Path] = {}
    repeats: list[tuple[Path, Path]] = []
    replaced: set[tuple[Any, ...]] = set()
    for path, value in _data_places(record):
        if any(tuple(path[:depth]) in replaced for depth in range(1, len(path))):
            continue  # inside a place already replaced: it goes with what replaced it
        seen = first.get(id(value))
        if seen is None:
            first[id(value)] = path
        else:
            repeats.append((path, seen))
            replaced.add(tuple(path))
    if not repeats:
        return record
    out = dict(record)
    for path, _ in repeats:
        _replace_in_copy(out, record, path)
    out[SAME] = repeats
    out["format"] = RECORD_FORMAT  # an older record being saved again is written in this one
    return out


def _data_places(record: dict[str, Any]) -> list[tuple[Path, Any]]:
    """(path, value) of every shareable data value and of its fields, first occurrences first."""
    places: list[tuple[Path, Any]] = []
    for key in _TOP_DATA_KEYS:
        if key in record:
            _add_data(places, [key], record[key])
    _add_position(places, ["position"], record.get("position"))
    return places


def _add_position(places: list[tuple[Path, Any]], path: Path, node: Any) -> None:
    if type(node) is dict:
        for key, value in node.items():
            if key in DATA_KEYS:
                _add_data(places, [*path, key], value)
            elif type(value) in (dict, list):
                _add_position(places, [*path, key], value)
    elif type(node) is list:
        for index, item in enumerate(node):
            _add_position(places, [*path, index], item)


def _add_data(places: list[tuple[Path, Any]], path: Path, value: Any) -> None:
    if not _shareable(value):
        return
    places.append((path, value))
    if type(value) is dict:
        places.extend(([*path, key], field) for key, field in value.items() if _shareable(field))


def _shareable(value: Any) -> bool:
    """A long string, or a container holding more than _WORTH_SHARING characters of content
    (counted only that far, so a big container costs no more to judge than a small one)."""
    kind = type(value)
    if kind is str:
        return len(value) > _WORTH_SHARING
    if kind is not dict and kind is not list:
        return False
    budget = _WORTH_SHARING
    stack = [value]
    while stack:
        node = stack.pop()
        items = node.items() if type(node) is dict else enumerate(node)
        for key, item in items:
            budget -= (len(key) if type(key) is str else 1) + (len(item) if type(item) is str else 1)
            if budget < 0:
                return True
            if type(item) in (dict, list):
                stack.append(item)
    return False


def _replace_in_copy(out: dict[str, Any], original: dict[str, Any], path: Path) -> None:
    """Copy the containers along `path` (once each) and put None at its end."""
    node, source = out, original
    for step in path[:-1]:
        child = node[step]
        if child is source[step]:  # not copied yet
            child = dict(child) if type(child) is dict else list(child)
            node[step] = child
        node, source = child, source[step]
    node[path[-1]] = None


def _at(record: Any, path: Path) -> Any:
    for step in path:
        record = record[step]
    return record


def _decode_format_2(record: dict[str, Any]) -> None:
    shared = record.pop("shared")

    def restore(node: Any) -> None:
        if type(node) is dict:
            for key in [k for k in node if k.endswith("#")]:
                node[key[:-1]] = shared[node.pop(key)]
            for key, value in node.items():
                if key not in DATA_KEYS and type(value) in (dict, list):
                    restore(value)
        elif type(node) is list:
            for item in node:
                restore(item)

    for key in _TOP_DATA_KEYS:
        if key + "#" in record:
            record[key] = shared[record.pop(key + "#")]
    restore(record.get("position"))
