"""The audit trail stays bounded (statebox/execution/audit.py)."""

from __future__ import annotations

import json
from typing import Any

from statebox.execution.audit import MAX_FIELD_CHARS, MAX_LINES_PER_POINT, append_audit, audit_line

USER_AGENT = "Mozilla/5.0 " + "x" * 7000


def beat(record: dict[str, Any], point: str, n: int, outcome: str = "heartbeat") -> None:
    caller = {"address": "203.0.113.7", "userAgent": USER_AGENT}
    record["audit"] = append_audit(record["audit"], audit_line(f"t{n}", "Approve", outcome, point, **caller))


def test_700_heartbeats_with_a_7_kb_user_agent_keep_a_small_audit() -> None:
    record: dict[str, Any] = {"audit": []}
    for n in range(700):
        beat(record, "a" * 32, n)
    beat(record, "a" * 32, 700, outcome="success")
    audit = record["audit"]
    assert len(audit) == MAX_LINES_PER_POINT
    assert len(json.dumps(audit)) < MAX_LINES_PER_POINT * (MAX_FIELD_CHARS + 200)  # was 5 MB
    assert all(len(line["userAgent"]) == MAX_FIELD_CHARS + 1 for line in audit)
    assert audit[-1]["outcome"] == "success" and audit[-1]["timestamp"] == "t700"
    assert [line["timestamp"] for line in audit[:2]] == ["t681", "t682"]  # the newest heartbeats
    assert audit[0]["earlierHeartbeats"] == 681  # and how many went before them
    assert sum(line.get("earlierHeartbeats", 0) for line in audit) == 681


def test_the_lines_given_are_left_as_they_are() -> None:
    """The record is immutable: a new audit is built, the stored one never changed."""
    record: dict[str, Any] = {"audit": ()}
    for n in range(MAX_LINES_PER_POINT):
        beat(record, "a" * 32, n)
    before = record["audit"]
    copy = json.loads(json.dumps(before))
    beat(record, "a" * 32, 99)
    assert json.loads(json.dumps(before)) == copy and "earlierHeartbeats" not in before[1]
    assert record["audit"][0]["earlierHeartbeats"] == 1


def test_each_point_keeps_its_own_lines() -> None:
    record: dict[str, Any] = {"audit": []}
    for n in range(30):
        beat(record, "a" * 32, n)
        if n < 5:
            beat(record, "b" * 32, n)
    by_point = [line["point"] for line in record["audit"]]
    assert by_point.count("a" * 8) == MAX_LINES_PER_POINT and by_point.count("b" * 8) == 5


def test_empty_details_are_left_out_and_short_ones_kept_whole() -> None:
    line = audit_line("t", "S", "failure", "c" * 32, address="198.51.100.1", userAgent=None, error="Rejected")
    assert line == {
        "timestamp": "t", "state": "S", "outcome": "failure", "point": "cccccccc",
        "address": "198.51.100.1", "error": "Rejected",
    }  # fmt: skip
