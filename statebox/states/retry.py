"""Retry and Catch as pure policy: which retrier or catcher an error name selects, and how long
to back off. No sleeping here; the interpreter sleeps through the injected clock."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any

from ..asl_errors import NOT_MATCHED_BY_ALL, NOT_MATCHED_BY_TASK_FAILED, ErrorName
from ..dataflow.paths import ReferencePath
from ..ports import Entropy

# AWS: MaxDelaySeconds must be less than 31622401 (a year); no back-off waits longer than that,
# whatever IntervalSeconds, BackoffRate and MaxAttempts say.
MAX_RETRY_DELAY_SECONDS = 31_622_400


def error_matches(error: str | None, error_equals: tuple[str, ...]) -> bool:
    """Does an ErrorEquals list select this error name?"""
    # AWS: a States.Runtime error "isn't retriable, and will always cause the execution to fail".
    if error == ErrorName.RUNTIME:
        return False
    for name in error_equals:
        if name == error:
            return True
        if name == ErrorName.ALL and error not in NOT_MATCHED_BY_ALL:
            return True
        if (
            name == ErrorName.TASK_FAILED
            and error not in NOT_MATCHED_BY_TASK_FAILED
            and error not in NOT_MATCHED_BY_ALL
        ):
            return True
    return False


def _float(value: float, ceiling: float) -> float:
    """`value` as a float, at most `ceiling` (compared before converting: no OverflowError)."""
    return float(min(value, ceiling))


@dataclass(frozen=True, slots=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: float = 1.0
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    full_jitter: bool = False

    @staticmethod
    def from_spec(spec: dict[str, Any]) -> Retrier:
        """A retrier from its (schema-valid) definition. The numbers are JSON integers of any
        size: a 400-digit IntervalSeconds does not fit a float, and needs not, since no delay
        exceeds MAX_RETRY_DELAY_SECONDS (nor a rate past a double's range)."""
        return Retrier(
            error_equals=tuple(spec["ErrorEquals"]),
            interval_seconds=_float(spec.get("IntervalSeconds", 1), MAX_RETRY_DELAY_SECONDS),
            max_attempts=int(spec.get("MaxAttempts", 3)),
            backoff_rate=_float(spec.get("BackoffRate", 2.0), sys.float_info.max),
            max_delay_seconds=(
                _float(spec["MaxDelaySeconds"], MAX_RETRY_DELAY_SECONDS)
                if "MaxDelaySeconds" in spec
                else None
            ),
            full_jitter=spec.get("JitterStrategy") == "FULL",
        )

    def delay(self, attempt: int, entropy: Entropy) -> float:
        """Seconds to wait before retry number `attempt` (0-based), at most MaxDelaySeconds and
        at most AWS's year. Computed without overflow: `2.0 ** 1100` does not fit a float, so
        a delay past the cap is recognised by its logarithm before it is computed."""
        cap = float(MAX_RETRY_DELAY_SECONDS)
        if self.max_delay_seconds is not None:
            cap = min(cap, self.max_delay_seconds)
        interval = min(self.interval_seconds, cap)
        if interval <= 0:
            seconds = 0.0
        elif self.backoff_rate > 1 and attempt * math.log(self.backoff_rate) >= math.log(cap / interval):
            seconds = cap
        else:
            seconds = min(interval * self.backoff_rate**attempt, cap)
        if self.full_jitter:
            seconds = entropy.random() * seconds
        return seconds


@dataclass(frozen=True, slots=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    result_path: ReferencePath | None  # None: ResultPath null, the error output is dropped
    # The catch's own data flow (ResultPath / Output and Assign), built by parse.py; None means
    # "ResultPath only", as `result_path` says.
    flow: Any = None


def find_retrier(retriers: tuple[Retrier, ...], error: str | None) -> int | None:
    """Index of the first retrier whose ErrorEquals selects the error (AWS stops at the first)."""
    for index, retrier in enumerate(retriers):
        if error_matches(error, retrier.error_equals):
            return index
    return None


def find_catcher(catchers: tuple[Catcher, ...], error: str | None) -> Catcher | None:
    for catcher in catchers:
        if error_matches(error, catcher.error_equals):
            return catcher
    return None
