"""The typed execution record (statebox/execution/records.py): read from and written to the
JSON the store holds, keys in order, nothing stored lost."""

from __future__ import annotations

import json
from typing import Any

import pytest

from statebox.execution.records import RECORD_FORMAT, ExecutionRecord, ExecutionStatus, OpenPoint, PointKind


def stored_record(**fields: Any) -> dict[str, Any]:
    """A suspended record as the engine stores it, with one open point and one timer."""
    point = {"id": "p1", "kind": "merge", "state": "Approve", "due": "2026-01-08T00:00:00.000Z", "token": "t"}
    expire = {"id": "e1", "kind": "expire", "state": "", "due": "2026-01-09T00:00:00.000Z", "token": None}
    return {
        "format": RECORD_FORMAT,
        "executionKey": "k",
        "executionId": "arn:statebox:execution:m:k",
        "machine": "m",
        "definitionHash": "h",
        "status": "SUSPENDED",
        "input": {"a": 1},
        "startTime": "2026-01-01T00:00:00.000Z",
        "position": {"state": "Approve", "input": {"a": 1}, "inner": None},
        "pending": [point, expire],
        "transitions": 2,
        "history": [{"timestamp": "2026-01-01T00:00:00.000Z", "type": "ExecutionStarted"}],
        "audit": [],
        "baseUrl": None,
        **fields,
    }


def test_a_record_reads_into_types_and_writes_back_the_same_json() -> None:
    stored = stored_record()
    record = ExecutionRecord.from_json(stored)
    assert record.status is ExecutionStatus.SUSPENDED and not record.status.is_final
    assert [p.kind for p in record.pending] == [PointKind.MERGE, PointKind.EXPIRE]
    assert record.point("p1") == record.pending[0] and record.point("nope") is None
    assert record.first_of_kind(PointKind.EXPIRE) is record.pending[1]
    assert json.dumps(record.to_json()) == json.dumps(stored)  # same keys, same order


@pytest.mark.parametrize(
    ("status", "written"),
    [
        ("SUCCEEDED", {"output": {"a": 2}, "stopTime": "t"}),
        ("FAILED", {"error": "E", "cause": None, "stopTime": "t"}),
        ("TIMED_OUT", {"error": "States.Timeout", "cause": "c", "stopTime": "t"}),
    ],
)
def test_a_finished_record_writes_its_outcome_after_the_fixed_fields(
    status: str, written: dict[str, Any]
) -> None:
    stored = stored_record(status=status, position=None, pending=[], **written)
    assert json.dumps(ExecutionRecord.from_json(stored).to_json()) == json.dumps(stored)
    assert ExecutionStatus(status).is_final


def test_keys_this_version_does_not_know_are_kept() -> None:
    """Nothing stored is lost by reading and writing a record again: an unknown field, and the
    data a format 1 record kept beside its point in `pending`."""
    stored = stored_record(note={"kept": True})
    stored["pending"][0] = {**stored["pending"][0], "data": {"a": 1}, "schema": None}
    record = ExecutionRecord.from_json(stored)
    assert record.pending[0].legacy_value("data") == {"a": 1}
    again = record.to_json()
    assert again["note"] == {"kept": True} and again["pending"][0]["data"] == {"a": 1}


def test_a_point_from_the_position_tree_leaves_its_data_and_schema_there() -> None:
    point = {
        "id": "p",
        "kind": "token",
        "state": "S",
        "due": None,
        "data": {"x": 1},
        "token": "t",
        "schema": {},
    }
    listed = OpenPoint.from_position({**point, "heartbeat": 60.0, "heartbeatDue": "d"})
    assert listed.to_json() == {
        "id": "p", "kind": "token", "state": "S", "due": None, "token": "t",
        "heartbeat": 60.0, "heartbeatDue": "d",
    }  # fmt: skip


def test_every_status_has_its_closing_event_and_every_kind_its_role() -> None:
    assert {s.value: s.event for s in ExecutionStatus} == {
        "RUNNING": "ExecutionStopped",
        "SUSPENDED": "ExecutionSuspended",
        "SUCCEEDED": "ExecutionSucceeded",
        "FAILED": "ExecutionFailed",
        "TIMED_OUT": "ExecutionTimedOut",
    }
    assert {k.value for k in PointKind if k.is_internal} == {"continue", "expire"}
    assert {k.value for k in PointKind if k.takes_an_answer} == {"merge", "token"}
