"""Wait: Seconds, Timestamp, SecondsPath or TimestampPath, through the injected clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from ..asl_errors import ErrorName
from ..dataflow.jsonpath import JsonPathFlow
from ..errors import StatesError
from ..interpreter import Frame
from ..model import State
from ..paths import MISSING, Path
from ..suspension import Suspension
from ..timestamps import parse_timestamp
from ..types import JSON


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitState(State):
    TYPE: ClassVar[str] = "Wait"
    flow: JsonPathFlow
    seconds: float | None = None
    timestamp: datetime | None = None
    seconds_path: Path | None = None
    timestamp_path: Path | None = None

    def wait_seconds(self, data: JSON, frame: Frame) -> float:
        """How long to wait from now, for the state's (InputPath-selected) input."""
        if self.seconds is not None:
            return self.seconds
        if self.seconds_path is not None:
            value = self._read(self.seconds_path, data, frame)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (isinstance(value, float) and not value.is_integer())
            ):
                raise StatesError(
                    ErrorName.RUNTIME,
                    "The SecondsPath parameter cannot be parsed as a long value: "
                    f"{self.seconds_path.text} == {value}",
                )
            if value < 0:
                raise StatesError(
                    ErrorName.RUNTIME,
                    "The SecondsPath parameter references a negative value: "
                    f"{self.seconds_path.text} == {value}",
                )
            return float(value)
        moment = self.timestamp
        if self.timestamp_path is not None:
            value = self._read(self.timestamp_path, data, frame)
            moment = parse_timestamp(value)
            if moment is None:
                raise StatesError(
                    ErrorName.RUNTIME,
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended "
                    f"offset date-time format string: {self.timestamp_path.text} == {value}",
                )
        assert moment is not None
        return max(0.0, (moment - frame.runtime.clock.now()).total_seconds())

    @staticmethod
    def _read(path: Path, data: JSON, frame: Frame) -> JSON:
        value = path.find(data, frame)
        if value is MISSING:
            raise StatesError(ErrorName.RUNTIME, f"Invalid path '{path.text}': no such field.")
        return value

    async def run(self, raw_input: JSON, frame: Frame, resume: Any = None) -> tuple[str | None, JSON]:
        data = self.flow.select_input(raw_input, frame)
        runtime = frame.runtime
        if resume is not None:
            event = runtime.resume_event
            if event is None or event.kind != "timer" or event.suspension_id != resume["pending"]["id"]:
                raise Suspension(resume)
            return self.next, self.flow.select_output(data, frame)
        seconds = self.wait_seconds(data, frame)
        threshold = runtime.wait_suspend_seconds
        if threshold is not None and seconds >= threshold:
            # Too long to sleep in an activation: become a timer the worker fires.
            raise Suspension({"pending": runtime.new_point("timer", self.name, seconds, data)})
        await runtime.clock.sleep(seconds)
        return self.next, self.flow.select_output(data, frame)


def build_wait(spec: dict, *, name: str, at: str, builder: Any, language: str) -> WaitState:
    seconds = spec.get("Seconds")
    timestamp = parse_timestamp(spec["Timestamp"]) if "Timestamp" in spec else None
    return WaitState(
        name=name,
        pointer=at,
        next=spec.get("Next"),
        flow=builder.flow(spec, at, parameters=False),
        seconds=float(seconds) if seconds is not None else None,
        timestamp=timestamp,
        seconds_path=builder.required_path(spec, "SecondsPath", at),
        timestamp_path=builder.required_path(spec, "TimestampPath", at),
    )
