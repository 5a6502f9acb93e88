"""What one execution shares across its frames: the ports, the limits, the counters and the
resume event (`Runtime`). Pending points are minted through `points.PointIssuer`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..asl_errors import ErrorName
from ..dataflow.budget import SizeMemo
from ..errors import StatesError
from ..jsonio import encode_json
from ..ports import ActionInvoker, Clock, Entropy
from ..types import JSON
from .points import PendingPoint, PointIssuer, PointKind
from .suspension import ResumeEvent

MAX_SECONDS = 99_999_999  # AWS: the most a Wait, TimeoutSeconds or HeartbeatSeconds may say


class ExecutionTimedOut(Exception):  # noqa: N818 - a control-flow signal, never caught by Catch
    """The machine's TimeoutSeconds has passed: the whole execution ends TIMED_OUT."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_payload_bytes: int = 256 * 1024
    max_transitions: int = 25_000
    max_map_concurrency: int = 40  # AWS runs at most 40 inline Map iterations at once
    max_map_items: int | None = None  # items one Map state may iterate over (None: no cap)


@dataclass(slots=True)
class Runtime:
    """Everything one execution shares across its frames."""

    invoker: ActionInvoker
    clock: Clock
    entropy: Entropy
    limits: Limits
    execution_id: str
    execution_name: str
    execution_input: JSON
    start_time: datetime
    state_machine_id: str
    state_machine_name: str
    transitions: int = 0
    stop_at: datetime | None = None  # stop at the next state boundary once this time is reached
    first_transition: int = -1  # the transition count this activation started from
    execution_deadline: datetime | None = None  # the machine's TimeoutSeconds, as a time
    resume_event: ResumeEvent | None = None
    points: PointIssuer = PointIssuer()  # tokens and resume URLs: the engine's part in a point
    wait_suspend_seconds: float | None = None  # Waits at least this long suspend as timers
    history: list[dict[str, Any]] | None = None  # events, kept only when someone will read them
    event_sink: Callable[[str, dict[str, Any]], None] | None = None  # live view (dev server log)
    # Set by an evaluation that ran long (dataflow/jsonata.py): the next state boundary lets the
    # event loop serve other requests before going on.
    yield_soon: bool = False
    sizes: SizeMemo = field(default_factory=SizeMemo)  # values measured as built (dataflow/budget.py)

    def record_event(self, event: dict[str, Any]) -> None:
        if self.history is not None:
            self.history.append(event)
        if self.event_sink is not None:
            self.event_sink(self.execution_name, event)

    def new_point(
        self,
        kind: PointKind,
        state: str,
        seconds: float | None,
        *,
        data: JSON = None,
        schema: JSON = None,
        heartbeat: float | None = None,
    ) -> PendingPoint:
        """A fresh pending point, due `seconds` from now (None: the default deadline)."""
        return self.points.new_point(
            kind, state, self.clock.now(), seconds, data=data, schema=schema, heartbeat=heartbeat
        )

    def sleeps_as_timer(self, seconds: float) -> bool:
        """Should a wait this long become a durable timer (a Wait, a Retry's back-off) rather
        than a sleep here? Yes from `wait_suspend_seconds` on, or when it would run past this
        activation's deadline: an activation cannot sleep for days, and a sleep keeps the
        request (and, on OpenWhisk, the activation) alive with nothing stored."""
        threshold = self.wait_suspend_seconds
        if threshold is not None and seconds >= threshold:
            return True
        return self.stop_at is not None and self.clock.now() + timedelta(seconds=seconds) > self.stop_at

    def count_transition(self) -> None:
        self.transitions += 1
        if self.transitions > self.limits.max_transitions:
            raise self.too_many_transitions()

    def too_many_transitions(self) -> StatesError:
        return StatesError(
            ErrorName.RUNTIME,
            f"The execution exceeded the limit of {self.limits.max_transitions} state "
            "transitions (a runaway loop?).",
        )

    def check_size(self, value: JSON, what: str) -> bytes:
        """States.DataLimitExceeded when a value crossing a boundary is over the payload limit.
        Returns the value as compact UTF-8 JSON, for callers that need it anyway."""
        try:
            encoded = encode_json(value)
        except RecursionError:
            raise StatesError(ErrorName.RUNTIME, f"{what} is nested too deeply.") from None
        if len(encoded) > self.limits.max_payload_bytes:
            raise StatesError(
                ErrorName.DATA_LIMIT_EXCEEDED,
                f"{what} has a size of {len(encoded)} bytes, exceeding the limit of "
                f"{self.limits.max_payload_bytes} bytes.",
            )
        if type(value) is dict or type(value) is list:
            self.sizes.put(value, len(encoded), exact=False)  # its encoding bounds its size
        return encoded
