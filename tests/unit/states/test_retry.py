"""Retry / Catch policy as pure functions: which ErrorEquals lists select an error name, which
retrier or catcher is chosen, and the back-off maths (BackoffRate, MaxDelaySeconds, full jitter)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import machine

from statebox.dataflow.paths import ReferencePath
from statebox.states.retry import (
    MAX_RETRY_DELAY_SECONDS,
    Catcher,
    Retrier,
    error_matches,
    find_catcher,
    find_retrier,
)
from tests.support.entropy import FixedEntropy

ALL, TASK_FAILED, TIMEOUT, RUNTIME = "States.ALL", "States.TaskFailed", "States.Timeout", "States.Runtime"
DATA_LIMIT = "States.DataLimitExceeded"

MATCHES = [
    # exact names
    ("MyError", ["MyError"], True),
    ("MyError", ["Other", "MyError"], True),
    ("MyError", ["myerror"], False),
    ("MyError", ["My"], False),
    ("MyError", [], False),
    ("Lambda.Unknown", ["Lambda.Unknown"], True),
    # States.ALL
    ("MyError", [ALL], True),
    (TIMEOUT, [ALL], True),
    (TASK_FAILED, [ALL], True),
    ("States.NoChoiceMatched", [ALL], True),
    ("States.ResultPathMatchFailure", [ALL], True),
    ("States.IntrinsicFailure", [ALL], True),
    ("States.ExceedToleratedFailureThreshold", [ALL], True),
    (RUNTIME, [ALL], False),
    (DATA_LIMIT, [ALL], False),
    # States.TaskFailed: every task error except States.Timeout
    ("MyError", [TASK_FAILED], True),
    (TASK_FAILED, [TASK_FAILED], True),
    (TIMEOUT, [TASK_FAILED], False),
    (RUNTIME, [TASK_FAILED], False),
    (DATA_LIMIT, [TASK_FAILED], False),
    # States.Timeout by name
    (TIMEOUT, [TIMEOUT], True),
    ("MyError", [TIMEOUT], False),
    # States.Runtime is never matched, not even by name
    (RUNTIME, [RUNTIME], False),
    (RUNTIME, [RUNTIME, ALL, TASK_FAILED], False),
]


@pytest.mark.parametrize(("error", "error_equals", "expected"), MATCHES)
def test_error_matches(error: str, error_equals: list[str], expected: bool) -> None:
    assert error_matches(error, tuple(error_equals)) is expected


def test_find_retrier_returns_the_first_that_matches() -> None:
    retriers = (
        Retrier(error_equals=("A",)),
        Retrier(error_equals=("B", "C")),
        Retrier(error_equals=(ALL,)),
    )
    assert find_retrier(retriers, "A") == 0
    assert find_retrier(retriers, "C") == 1
    assert find_retrier(retriers, "Z") == 2
    assert find_retrier(retriers, RUNTIME) is None
    assert find_retrier((), "A") is None


def test_find_catcher_returns_the_first_that_matches() -> None:
    here = ReferencePath.compile("$")
    catchers = (
        Catcher(error_equals=(TIMEOUT,), next="OnTimeout", result_path=here),
        Catcher(error_equals=(TASK_FAILED,), next="OnTask", result_path=None),
        Catcher(error_equals=(ALL,), next="OnAll", result_path=here),
    )
    assert find_catcher(catchers, TIMEOUT).next == "OnTimeout"
    assert find_catcher(catchers, "Custom").next == "OnTask"
    assert find_catcher(catchers, "States.NoChoiceMatched").next == "OnTask"
    assert find_catcher(catchers, RUNTIME) is None
    assert find_catcher(catchers, DATA_LIMIT) is None


DELAYS = [
    # (IntervalSeconds, BackoffRate, MaxDelaySeconds, attempt) -> seconds
    (1, 2.0, None, 0, 1.0),
    (1, 2.0, None, 1, 2.0),
    (1, 2.0, None, 5, 32.0),
    (3, 1.0, None, 9, 3.0),
    (2, 1.5, None, 2, 4.5),
    (2, 3.0, 10, 1, 6.0),
    (2, 3.0, 10, 2, 10.0),
    (2, 3.0, 10, 20, 10.0),
    (5, 2.0, 5, 0, 5.0),
    (0, 2.0, None, 3, 0.0),
]


@pytest.mark.parametrize(("interval", "rate", "max_delay", "attempt", "seconds"), DELAYS)
def test_delay(interval: float, rate: float, max_delay: float | None, attempt: int, seconds: float) -> None:
    retrier = Retrier(
        error_equals=(ALL,), interval_seconds=interval, backoff_rate=rate, max_delay_seconds=max_delay
    )
    assert retrier.delay(attempt, FixedEntropy(0.5)) == pytest.approx(seconds)


@pytest.mark.parametrize(("interval", "rate", "max_delay", "attempt", "seconds"), DELAYS)
@pytest.mark.parametrize("draw", [0.0, 0.25, 0.999])
def test_full_jitter_scales_the_capped_delay(
    interval: float, rate: float, max_delay: float | None, attempt: int, seconds: float, draw: float
) -> None:
    retrier = Retrier(
        error_equals=(ALL,),
        interval_seconds=interval,
        backoff_rate=rate,
        max_delay_seconds=max_delay,
        full_jitter=True,
    )
    assert retrier.delay(attempt, FixedEntropy(draw)) == pytest.approx(draw * seconds)


@pytest.mark.parametrize("attempt", [1023, 1100, 10**6, 10**9])
@pytest.mark.parametrize("max_delay", [None, 60])
def test_delay_of_a_late_attempt_is_the_cap_not_an_overflow(attempt: int, max_delay: int | None) -> None:
    # 2.0 ** 1100 does not fit a float: the back-off must be recognised as past the cap.
    retrier = Retrier(error_equals=(ALL,), interval_seconds=1, backoff_rate=2.0, max_delay_seconds=max_delay)
    assert retrier.delay(attempt, FixedEntropy(0.5)) == (max_delay or MAX_RETRY_DELAY_SECONDS)


def test_no_delay_exceeds_awss_year_without_max_delay_seconds() -> None:
    huge_interval = Retrier(error_equals=(ALL,), interval_seconds=1e300, backoff_rate=1.0)
    assert huge_interval.delay(0, FixedEntropy(0.5)) == MAX_RETRY_DELAY_SECONDS
    jittered = Retrier(error_equals=(ALL,), interval_seconds=3, backoff_rate=3.0, full_jitter=True)
    assert jittered.delay(5000, FixedEntropy(0.5)) == MAX_RETRY_DELAY_SECONDS / 2


async def test_a_thousand_retries_run_to_the_catch(run_machine: Any) -> None:
    """MaxAttempts 1100 is schema-valid: every back-off is computed, none raises OverflowError."""
    failing = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Flaky", "Cause": "again"}}}
    definition = machine(
        (
            "Try",
            {
                "Type": "Parallel",
                "Branches": [failing],
                "Retry": [{"ErrorEquals": ["Flaky"], "MaxAttempts": 1100, "MaxDelaySeconds": 1}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
        ),
        ("Caught", {"Type": "Pass", "Result": "gave up", "End": True}),
    )
    result = await run_machine(definition)
    assert (result.status, result.output) == ("SUCCEEDED", "gave up"), (result.error, result.cause)


HUGE = int("9" * 400)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ({"IntervalSeconds": HUGE}, [MAX_RETRY_DELAY_SECONDS] * 3),
        ({"BackoffRate": HUGE}, [1.0, MAX_RETRY_DELAY_SECONDS, MAX_RETRY_DELAY_SECONDS]),
        ({"MaxDelaySeconds": HUGE, "IntervalSeconds": 2}, [2.0, 4.0, 8.0]),
    ],
)
def test_retry_numbers_of_hundreds_of_digits_give_capped_delays(
    field: dict[str, Any], expected: list[float]
) -> None:
    """JSON integers have no size limit: a 400-digit IntervalSeconds does not fit a float."""
    retrier = Retrier.from_spec({"ErrorEquals": ["X"], **field})
    assert [retrier.delay(attempt, FixedEntropy(0.5)) for attempt in range(3)] == expected


async def test_a_huge_backoff_rate_runs_to_the_catch(run_machine: Any, fake_clock: Any) -> None:
    failing = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Flaky"}}}
    retry = {"ErrorEquals": ["Flaky"], "MaxAttempts": 3, "BackoffRate": HUGE, "MaxDelaySeconds": 5}
    definition = machine(
        (
            "Try",
            {
                "Type": "Parallel",
                "Branches": [failing],
                "Retry": [retry],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
        ),
        ("Caught", {"Type": "Pass", "Result": "gave up", "End": True}),
    )
    result = await run_machine(definition)
    assert (result.status, result.output) == ("SUCCEEDED", "gave up"), (result.error, result.cause)
    assert fake_clock.slept == [1.0, 5.0, 5.0]
