"""Wait: Seconds, Timestamp, SecondsPath or TimestampPath (or a `{% %}` Seconds / Timestamp in
JSONata), through the injected clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from ..dataflow.flow import DataFlow, ValueReader, field_name
from ..dataflow.jsonpath import PathValue
from ..definition.model import State
from ..errors import StatesError
from ..interpreter import MAX_SECONDS, Frame
from ..interpreter.points import PointKind
from ..interpreter.positions import PointPosition, Position
from ..interpreter.suspension import ResumeKind, Suspension
from ..timestamps import parse_timestamp
from ..types import JSON

if TYPE_CHECKING:
    from ..definition.parse import Builder


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitState(State):
    TYPE: ClassVar[str] = "Wait"
    flow: DataFlow
    seconds: float | None = None
    timestamp: datetime | None = None
    # Read at run time: SecondsPath / TimestampPath, or a `{% %}` Seconds / Timestamp.
    seconds_source: ValueReader | None = None
    timestamp_source: ValueReader | None = None

    def wait_seconds(self, data: JSON, frame: Frame) -> float:
        """How long to wait from now, for the state's (InputPath-selected) input."""
        if self.seconds is not None:
            return self.seconds
        source = self.seconds_source
        if source is not None:
            value = self._read(source, data, frame)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (isinstance(value, float) and not value.is_integer())
            ):
                raise StatesError(
                    source.error,
                    f"The {field_name(source, 'Seconds')} parameter cannot be parsed as a long value: "
                    f"{source.text} == {value}",
                )
            if value < 0:
                raise StatesError(
                    source.error,
                    f"The {field_name(source, 'Seconds')} parameter references a negative value: "
                    f"{source.text} == {value}",
                )
            if value > MAX_SECONDS:
                raise StatesError(
                    source.error,
                    f"The {field_name(source, 'Seconds')} parameter references more than {MAX_SECONDS} "
                    f"seconds: {source.text} == {value}",
                )
            return float(value)
        moment = self.timestamp
        source = self.timestamp_source
        if source is not None:
            value = self._read(source, data, frame)
            moment = parse_timestamp(value)
            if moment is None:
                if field_name(source, "Timestamp") == "Timestamp":
                    message = (
                        "The Timestamp field cannot be parsed as an ISO-8601 extended offset "
                        f"date-time format string: {value}"
                    )
                else:
                    message = (
                        "The TimestampPath parameter does not reference a valid ISO-8601 extended "
                        f"offset date-time format string: {source.text} == {value}"
                    )
                raise StatesError(source.error, message)
        assert moment is not None
        return max(0.0, (moment - frame.runtime.clock.now()).total_seconds())

    @staticmethod
    def _read(source: ValueReader, data: JSON, frame: Frame) -> JSON:
        if isinstance(source, PathValue):  # a path that does not resolve: the wording every path uses
            return source.path.read(data, frame)
        return source.read(data, frame)

    async def run(
        self, raw_input: JSON, frame: Frame, resume: Position | None = None
    ) -> tuple[str | None, JSON]:
        data = self.flow.select_input(raw_input, frame)
        runtime = frame.runtime
        if resume is not None:
            event = runtime.resume_event
            if event is None or not event.is_for(
                PointPosition.from_json(resume).pending.id, ResumeKind.TIMER
            ):
                raise Suspension(resume)
            return self.next, self.flow.pass_through(raw_input, data, frame)
        seconds = self.wait_seconds(data, frame)
        if runtime.sleeps_as_timer(seconds):
            point = runtime.new_point(PointKind.TIMER, self.name, seconds, data=data)
            raise Suspension(PointPosition(point).to_json())
        await runtime.clock.sleep(seconds)
        return self.next, self.flow.pass_through(raw_input, data, frame)


def build_wait(spec: dict, *, name: str, at: str, builder: Builder, language: str) -> WaitState:
    seconds = builder.value(spec, "Seconds", at, language, "SecondsPath")
    timestamp = builder.value(spec, "Timestamp", at, language, "TimestampPath")
    return WaitState(
        name=name,
        pointer=at,
        next=spec.get("Next"),
        flow=builder.flow(spec, at, language=language, parameters=False),
        seconds=float(seconds) if isinstance(seconds, (int, float)) else None,
        timestamp=parse_timestamp(timestamp) if isinstance(timestamp, str) else None,
        seconds_source=seconds if seconds is not None and not isinstance(seconds, (int, float)) else None,
        timestamp_source=timestamp if timestamp is not None and not isinstance(timestamp, str) else None,
    )
