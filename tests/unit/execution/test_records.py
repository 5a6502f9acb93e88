"""The stored record: repeated data written once, decoded back into every place it was."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from unit.test_fuzz import JSON_VALUES  # tests/ is on the path (its conftest); unit/ is a namespace

from statebox.execution.records import (
    RECORD_FORMAT,
    ExecutionRecord,
    ExecutionStatus,
    OpenPoint,
    PointKind,
    decode_record,
    encode_record,
    share_repeated_data,
)
from statebox.suspension import scan_position

DOC = {"doc": "x" * 5000, "items": [1, 2, 3]}
PAST_64_BITS = [-(2**63) - 1, 2**64, 2**70, -(2**70), 10**40]
EDGE_VALUES = [*PAST_64_BITS, 2**63 - 1, -(2**63), 2**64 - 1, 1e300, -0.0, 5e-324, "\u2028", "\ud7ff"]


def suspended_record(data: Any) -> dict[str, Any]:
    point = {"id": "p1", "kind": "merge", "state": "Approve", "due": None, "data": data, "token": "t"}
    return {
        "format": RECORD_FORMAT,
        "executionKey": "k",
        "status": "SUSPENDED",
        "input": data,
        "position": {
            "state": "Approve",
            "input": data,
            "inner": {"attempts": [], "step": {"pending": point}},
        },
        "pending": [{"id": "p1", "kind": "merge"}],
        "history": [{"type": "ExecutionStarted"}],
    }


def test_data_held_in_three_places_is_stored_once() -> None:
    record = suspended_record(DOC)
    encoded = encode_record(record)
    assert len(encoded) < len(json.dumps(DOC)) + 1000  # was three times the data
    decoded = decode_record(encoded)
    assert decoded == json.loads(json.dumps(record))
    point = decoded["position"]["inner"]["step"]["pending"]
    assert decoded["input"] is decoded["position"]["input"] is point["data"]


def test_encoding_leaves_the_live_record_untouched() -> None:
    record = suspended_record(DOC)
    before = json.dumps(record)
    shared = share_repeated_data(record)
    assert "same" in shared and "same" not in record
    assert json.dumps(record) == before


def test_a_record_without_repeats_is_encoded_as_it_is() -> None:
    record = {"format": RECORD_FORMAT, "input": {"a": 1}, "output": {"a": 1}, "position": None}
    assert share_repeated_data(record) is record  # equal is not the same object
    assert decode_record(encode_record(record)) == record


def test_a_format_1_record_decodes_unchanged() -> None:
    record = json.loads(json.dumps(suspended_record(DOC)))
    record["format"] = 1
    assert decode_record(json.dumps(record).encode()) == record


def test_user_keys_that_look_like_the_encoding_are_data() -> None:
    data = {"same": [[["input"], ["output"]]], "input#": 0, "nested": {"data#": 1}, "long": "y" * 100}
    record = suspended_record(data)
    assert decode_record(encode_record(record)) == json.loads(json.dumps(record))


def test_walks_of_the_position_never_enter_data() -> None:
    # A state input that looks like a pending point, and one like a graph stopped at a boundary.
    looks_like_a_point = {"pending": {"id": "fake", "kind": "merge"}}
    looks_like_a_stop = {"state": "A", "inner": None}
    for data in (looks_like_a_point, looks_like_a_stop):
        position = suspended_record(data)["position"]
        points, boundary = scan_position(position)
        assert [p["id"] for p in points] == ["p1"] and not boundary
    assert scan_position({"state": "A", "input": {}, "inner": None})[1]


def test_a_format_1_record_saved_again_says_the_current_format_when_it_shares() -> None:
    record = suspended_record(DOC)
    record["format"] = 1
    assert json.loads(encode_record(record))["format"] == RECORD_FORMAT == 3
    assert record["format"] == 1  # the live record is left as it is


def test_a_format_2_record_decodes() -> None:
    """Format 2 (2026-12-02, a few hours): shared values under "shared", "<key>#" references."""
    point = {"id": "p1", "kind": "merge", "state": "Approve", "due": None, "data#": 0, "token": "t"}
    stored = {
        "format": 2,
        "input#": 0,
        "position": {"state": "Approve", "input#": 0, "inner": {"attempts": [], "step": {"pending": point}}},
        "pending": [{"id": "p1", "kind": "merge"}],
        "shared": [DOC],
    }
    decoded = decode_record(json.dumps(stored).encode())
    assert decoded["input"] == DOC and "shared" not in decoded
    assert decoded["position"]["inner"]["step"]["pending"]["data"] is decoded["input"]


def test_small_repeated_values_are_written_as_they_are() -> None:
    """A reference to a small value would cost more than the value (a Map's many small items)."""
    record = suspended_record({"i": 1, "name": "item"})
    assert share_repeated_data(record) is record


def test_a_finished_record_writes_the_fields_its_output_shares_with_its_input_once() -> None:
    data = {"doc": "x" * 5000, "items": list(range(100)), "n": 1}
    record = {"format": RECORD_FORMAT, "input": data, "output": {**data, "approved": True}, "position": None}
    encoded = encode_record(record)
    assert len(encoded) < len(json.dumps(data)) + 200  # was twice the data
    decoded = decode_record(encoded)
    assert decoded == json.loads(json.dumps(record))
    assert decoded["output"]["doc"] is decoded["input"]["doc"]


@seed(8201)
@settings(max_examples=200, deadline=None, database=None)
@given(st.data())
def test_any_record_decodes_to_what_was_encoded(data: st.DataObject) -> None:
    """Random data placed, shared or not, in every data place of a nested position tree."""
    values = data.draw(st.lists(JSON_VALUES, min_size=1, max_size=4))
    # Integers just past 64 bits in every example: hypothesis draws them from JSON_VALUES only
    # now and then (depending on which modules the run imported first), so alone it found the
    # orjson float round trip in some test orders only.
    values.append([data.draw(st.sampled_from(PAST_64_BITS)), data.draw(st.sampled_from(PAST_64_BITS))])
    long_texts = ["a" * 70, "b" * 80]
    pool = values + long_texts + [{"k": t} for t in long_texts] + [{"m": values[0], "t": long_texts[0]}]
    pick = lambda: data.draw(st.sampled_from(pool))  # noqa: E731 - the same objects, drawn again
    point = {"id": "p", "kind": "merge", "state": "S", "due": None, "data": pick(), "token": "t"}
    branch = {"state": "B", "input": pick(), "inner": {"attempts": [], "step": {"pending": point}}}
    position = {
        "state": "P",
        "input": pick(),
        "variables": {"v": pick()},
        "inner": {
            "attempts": [1],
            "step": {"effective": pick(), "branches": [{"output": pick()}, {"position": branch}]},
        },
    }
    record = {
        "format": 1,
        "input": pick(),
        "output": pick(),
        "position": position,
        "history": [{"type": "x"}],
    }
    before = json.dumps(record)
    decoded = decode_record(encode_record(record))
    assert json.dumps(record) == before  # the live record is untouched
    expected = json.loads(before)
    expected["format"] = decoded["format"]
    assert decoded == expected


@pytest.mark.parametrize("value", EDGE_VALUES, ids=repr)
def test_every_number_comes_back_exactly(value: Any) -> None:
    """orjson refuses to write integers past 64 bits and reads them back as floats: 2**70 came
    back as 1.18e21. The record says when it needs the exact reader."""
    for data in (value, {"n": value, "doc": "x" * 100}, [[[value]]]):
        record = suspended_record(data)
        decoded = decode_record(encode_record(record))
        assert json.dumps(decoded["input"]) == json.dumps(data)
        assert type(_first_number(decoded["input"])) is type(value)
        assert "exact" not in decoded


def _first_number(value: Any) -> Any:
    while isinstance(value, (dict, list)):
        value = value["n"] if isinstance(value, dict) else value[0]
    return value


# ------------------------------------------------------------------ the typed record


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
