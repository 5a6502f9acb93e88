"""Properties of Retry: error matching and backoff delays."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from statebox.states.retry import (
    Retrier,
    error_matches,
)
from tests.support.entropy import FixedEntropy

ALL, TASK_FAILED = "States.ALL", "States.TaskFailed"


@given(st.text(min_size=1).filter(lambda name: not name.startswith("States.")))
@settings(max_examples=50, deadline=None)
def test_any_custom_error_is_matched_by_all_and_task_failed(name: str) -> None:
    assert error_matches(name, (ALL,))
    assert error_matches(name, (TASK_FAILED,))
    assert error_matches(name, (name,))


@given(
    interval=st.integers(0, 100),
    rate=st.floats(1.0, 5.0),
    max_delay=st.none() | st.integers(1, 1000),
    attempt=st.integers(0, 20),
    draw=st.floats(0.0, 1.0, exclude_max=True),
)
@settings(max_examples=100, deadline=None)
def test_delays_are_bounded_and_never_shrink(
    interval: int, rate: float, max_delay: int | None, attempt: int, draw: float
) -> None:
    plain = Retrier(
        error_equals=(ALL,), interval_seconds=interval, backoff_rate=rate, max_delay_seconds=max_delay
    )
    jittered = Retrier(
        error_equals=(ALL,),
        interval_seconds=interval,
        backoff_rate=rate,
        max_delay_seconds=max_delay,
        full_jitter=True,
    )
    entropy = FixedEntropy(draw)
    now, later = plain.delay(attempt, entropy), plain.delay(attempt + 1, entropy)
    assert 0 <= now <= later
    if max_delay is not None:
        assert later <= max_delay
    assert 0 <= jittered.delay(attempt, entropy) <= now
