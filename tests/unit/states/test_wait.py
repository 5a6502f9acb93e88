"""Wait: Seconds, SecondsPath, Timestamp and TimestampPath. The FakeClock records every sleep,
so a three-day Wait takes no time; invalid run-time values are States.Runtime."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import machine

from statebox.config import Settings
from statebox.ports import FakeClock

# The FakeClock starts at 2026-01-01T00:00:00Z. Sleeping in process (no timer suspension) keeps
# these tests about the Wait itself.
IN_PROCESS = Settings(wait_suspend_seconds=None)
THREE_DAYS = 3 * 24 * 3600


def waiting(**fields: Any) -> dict[str, Any]:
    return machine(("W", {"Type": "Wait", "End": True, **fields}))


DURATIONS = [
    pytest.param({"Seconds": 10}, {}, 10, id="seconds"),
    pytest.param({"Seconds": 0}, {}, 0, id="seconds-zero"),
    pytest.param({"Seconds": THREE_DAYS}, {}, THREE_DAYS, id="three-days"),
    pytest.param({"SecondsPath": "$.s"}, {"s": 5}, 5, id="seconds-path"),
    pytest.param({"SecondsPath": "$.s"}, {"s": 0}, 0, id="seconds-path-zero"),
    pytest.param({"SecondsPath": "$.a.b[1]"}, {"a": {"b": [9, 7]}}, 7, id="seconds-path-nested"),
    pytest.param({"SecondsPath": "$$.Execution.Input.s"}, {"s": 3}, 3, id="seconds-path-context"),
    pytest.param({"Timestamp": "2026-01-01T00:01:00Z"}, {}, 60, id="timestamp"),
    pytest.param({"Timestamp": "2026-01-04T00:00:00Z"}, {}, THREE_DAYS, id="timestamp-days-ahead"),
    pytest.param({"Timestamp": "2026-01-01T01:00:30+01:00"}, {}, 30, id="timestamp-offset"),
    pytest.param({"Timestamp": "2026-01-01T00:00:01.5Z"}, {}, 1.5, id="timestamp-fraction"),
    pytest.param({"Timestamp": "2026-01-01T00:00:02.000000000Z"}, {}, 2, id="timestamp-nanoseconds"),
    pytest.param({"Timestamp": "2025-12-31T23:59:00Z"}, {}, 0, id="timestamp-in-the-past"),
    pytest.param({"TimestampPath": "$.t"}, {"t": "2026-01-01T00:00:45Z"}, 45, id="timestamp-path"),
    pytest.param({"TimestampPath": "$.t"}, {"t": "2020-01-01T00:00:00Z"}, 0, id="timestamp-path-past"),
    pytest.param(
        {"TimestampPath": "$.t"}, {"t": "2026-01-01T00:00:10.25z"}, 10.25, id="timestamp-path-lower-z"
    ),
]


@pytest.mark.parametrize(("fields", "execution_input", "seconds"), DURATIONS)
async def test_wait_sleeps_on_the_clock(
    run_machine: Any, fake_clock: FakeClock, fields: dict[str, Any], execution_input: Any, seconds: float
) -> None:
    result = await run_machine(waiting(**fields), execution_input, settings=IN_PROCESS)
    assert (result.status, result.output) == ("SUCCEEDED", execution_input), (result.error, result.cause)
    assert fake_clock.slept == [pytest.approx(seconds)]


INVALID = [
    pytest.param({"SecondsPath": "$.s"}, {"s": -1}, id="seconds-negative"),
    pytest.param({"SecondsPath": "$.s"}, {"s": 1.5}, id="seconds-fraction"),
    pytest.param({"SecondsPath": "$.s"}, {"s": "5"}, id="seconds-string"),
    pytest.param({"SecondsPath": "$.s"}, {"s": True}, id="seconds-boolean"),
    pytest.param({"SecondsPath": "$.s"}, {"s": None}, id="seconds-null"),
    pytest.param({"SecondsPath": "$.s"}, {}, id="seconds-missing"),
    pytest.param({"TimestampPath": "$.t"}, {"t": "2026-01-01"}, id="timestamp-date-only"),
    pytest.param({"TimestampPath": "$.t"}, {"t": "2026-01-01 00:00:10Z"}, id="timestamp-no-T"),
    pytest.param({"TimestampPath": "$.t"}, {"t": "2026-01-01T00:00:10"}, id="timestamp-no-zone"),
    pytest.param({"TimestampPath": "$.t"}, {"t": "2026-02-30T00:00:10Z"}, id="timestamp-no-such-date"),
    pytest.param({"TimestampPath": "$.t"}, {"t": "2026-01-01T25:00:10Z"}, id="timestamp-no-such-time"),
    pytest.param({"TimestampPath": "$.t"}, {"t": 1767225600}, id="timestamp-number"),
    pytest.param({"TimestampPath": "$.t"}, {}, id="timestamp-missing"),
]


@pytest.mark.parametrize(("fields", "execution_input"), INVALID)
async def test_invalid_run_time_values(
    run_machine: Any, fake_clock: FakeClock, fields: dict[str, Any], execution_input: Any
) -> None:
    result = await run_machine(waiting(**fields), execution_input, settings=IN_PROCESS)
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    path = fields.get("SecondsPath") or fields.get("TimestampPath")
    assert path in result.cause
    assert fake_clock.slept == []


@pytest.mark.parametrize("field", ["SecondsPath", "TimestampPath"])
async def test_a_path_that_does_not_resolve_is_worded_like_every_path(run_machine: Any, field: str) -> None:
    result = await run_machine(waiting(**{field: "$.nope"}), {}, settings=IN_PROCESS)
    assert (result.status, result.error, result.cause) == (
        "FAILED",
        "States.Runtime",
        "Invalid path '$.nope' : No results for path: $['nope']",
    )


@pytest.mark.parametrize(
    ("fields", "execution_input", "expected"),
    [
        pytest.param({"InputPath": "$.a"}, {"a": {"b": 1}}, {"b": 1}, id="inputpath"),
        pytest.param({"OutputPath": "$.a"}, {"a": {"b": 1}}, {"b": 1}, id="outputpath"),
        pytest.param({"InputPath": None}, {"a": 1}, {}, id="inputpath-null"),
        pytest.param({"OutputPath": None}, {"a": 1}, {}, id="outputpath-null"),
        pytest.param({"InputPath": "$.a", "OutputPath": "$.b"}, {"a": {"b": 2}}, 2, id="both"),
    ],
)
async def test_wait_output(
    run_machine: Any, fields: dict[str, Any], execution_input: Any, expected: Any
) -> None:
    result = await run_machine(waiting(Seconds=1, **fields), execution_input, settings=IN_PROCESS)
    assert (result.status, result.output) == ("SUCCEEDED", expected), (result.error, result.cause)


async def test_seconds_path_reads_the_inputpath_selection(run_machine: Any, fake_clock: FakeClock) -> None:
    definition = waiting(InputPath="$.in", SecondsPath="$.s")
    result = await run_machine(definition, {"in": {"s": 4}, "s": 99}, settings=IN_PROCESS)
    assert (result.status, result.output) == ("SUCCEEDED", {"s": 4})
    assert fake_clock.slept == [4]


async def test_waits_add_up_on_the_clock(run_machine: Any, fake_clock: FakeClock) -> None:
    definition = machine(
        ("One", {"Type": "Wait", "Seconds": 30, "Next": "Two"}),
        ("Two", {"Type": "Wait", "Timestamp": "2026-01-01T00:01:00Z", "Next": "When"}),
        ("When", {"Type": "Pass", "Parameters": {"t.$": "$$.State.EnteredTime"}, "End": True}),
    )
    result = await run_machine(definition, {}, settings=IN_PROCESS)
    assert (result.status, result.output) == ("SUCCEEDED", {"t": "2026-01-01T00:01:00.000Z"})
    assert fake_clock.slept == [30, 30]


async def test_a_short_wait_sleeps_in_process_by_default(run_machine: Any, fake_clock: FakeClock) -> None:
    result = await run_machine(waiting(Seconds=5), {"a": 1})
    assert (result.status, result.output) == ("SUCCEEDED", {"a": 1})
    assert fake_clock.slept == [5]


async def test_a_long_wait_becomes_a_timer_by_default(run_machine: Any, fake_clock: FakeClock) -> None:
    result = await run_machine(waiting(Seconds=THREE_DAYS), {"a": 1})
    assert result.status == "SUSPENDED"
    assert fake_clock.slept == []
    [point] = result.pending
    assert (point["state"], point["kind"], point["expiresAt"]) == ("W", "timer", "2026-01-04T00:00:00.000Z")


async def test_a_wait_past_the_machine_timeout_times_the_execution_out(
    run_machine: Any, fake_clock: FakeClock
) -> None:
    definition = {**waiting(Seconds=10), "TimeoutSeconds": 5}
    result = await run_machine(definition, {}, settings=IN_PROCESS)
    assert (result.status, result.error) == ("TIMED_OUT", "States.Timeout")
