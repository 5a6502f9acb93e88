"""The stored record: repeated data written once, decoded back into every place it was."""

from __future__ import annotations

import json
from typing import Any

import pytest

from statebox.execution.encoding import decode_record, encode_record, share_repeated_data
from statebox.execution.records import RECORD_FORMAT
from statebox.interpreter.suspension import scan_position
from tests.support.numbers import PAST_64_BITS

DOC = {"doc": "x" * 5000, "items": [1, 2, 3]}
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
