"""`timestamps`: one grammar for every timestamp statebox reads, and the definition check of a
literal Wait `Timestamp` held to it, so a definition is never accepted with a timestamp it cannot
run."""

from __future__ import annotations

import pytest

import statebox
from statebox.timestamps import is_rfc3339, parse_instant
from statebox.validation import find_problems


def wait_until(timestamp: str) -> dict:
    return {"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": timestamp, "End": True}}}


@pytest.mark.parametrize(
    "text",
    [
        "2016-03-14T01:59:00Z",
        "2016-03-14T01:59:00.123456789Z",
        "2016-03-14T01:59:00+18:00",
        "2024-02-29T23:59:59-05:30",
    ],
)
def test_rfc3339_timestamps_are_accepted_and_run(text: str) -> None:
    assert is_rfc3339(text) and parse_instant(text) is not None
    assert find_problems(wait_until(text)) == []
    assert statebox.run(wait_until(text), {}).status == "SUCCEEDED"


@pytest.mark.parametrize(
    "text",
    [
        "2016-03-14t01:59:00Z",  # ISO-8601 readers take a lowercase t; RFC 3339 definitions may not
        "2016-03-14T01:59:00z",
        "2016-03-14T01:59Z",  # no seconds
        "2016-03-14T01:59:00+01:00:30",  # offset seconds
        "2016-12-05 21:29:29Z",
        "2016-12-05T21:29:29",
        "2016-13-05T21:29:29Z",
        "2016-12-05T25:29:29Z",
        "2023-02-29T00:00:00Z",
        # Accepted by the old definition-time pattern, unreadable at run time (the Wait then
        # failed with an AssertionError): the one grammar refuses them up front.
        "2016-03-14T01:59:00+19:00",
        "2016-03-14T01:59:00.1234567890Z",
        "\uff12\uff10\uff11\uff16-03-14T01:59:00Z",  # fullwidth digits matched `\d`
    ],
)
def test_other_timestamps_are_refused_with_a_problem_at_their_pointer(text: str) -> None:
    assert not is_rfc3339(text)
    problems = find_problems(wait_until(text))
    assert [p.pointer for p in problems] == ["/States/W/Timestamp"]
    assert "is not an RFC 3339 timestamp like '2016-03-14T01:59:00Z'" in problems[0].message
    with pytest.raises(statebox.DefinitionError):
        statebox.run(wait_until(text), {})


def test_the_lenient_run_time_reading_is_unchanged() -> None:
    # Choice rules and TimestampPath read ISO-8601 offset date-times as AWS's Java runtime does.
    assert parse_instant("2016-03-14t01:59z") == parse_instant("2016-03-14T01:59:00Z")
    assert is_rfc3339(None) is False and parse_instant(None) is None
