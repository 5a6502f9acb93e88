"""Task: hands its effective input to the invoker port and shapes the result."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from ..asl_errors import ErrorName
from ..dataflow.flow import DataFlow, ValueReader, field_name
from ..dataflow.paths import MISSING
from ..errors import StatesError
from ..interpreter import MAX_SECONDS, Frame
from ..interpreter.points import PendingPoint, PointKind
from ..interpreter.positions import PointPosition, Position
from ..interpreter.suspension import ResumeKind, Suspension
from ..messages import typed_json_text
from ..ports import ResourceRef, TaskCall
from ..types import JSON
from .recoverable import RecoverableState

if TYPE_CHECKING:
    from ..definition.parse import Builder


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskState(RecoverableState):
    TYPE: ClassVar[str] = "Task"
    flow: DataFlow
    resource: ResourceRef
    timeout_seconds: float | None = None
    timeout_source: ValueReader | None = None  # TimeoutSecondsPath or a `{% %}` TimeoutSeconds
    heartbeat_seconds: float | None = None
    heartbeat_source: ValueReader | None = None  # HeartbeatSecondsPath or a `{% %}` HeartbeatSeconds
    resume_schema: JSON = None  # statebox extension: JSON Schema a resume input must match

    def timeout(self, data: JSON, frame: Frame) -> float | None:
        return self._seconds(self.timeout_source, self.timeout_seconds, "TimeoutSeconds", data, frame)

    def heartbeat(self, data: JSON, frame: Frame) -> float | None:
        return self._seconds(self.heartbeat_source, self.heartbeat_seconds, "HeartbeatSeconds", data, frame)

    def _seconds(
        self, source: ValueReader | None, literal: float | None, field: str, data: JSON, frame: Frame
    ) -> float | None:
        """A literal number of seconds, or one a path or JSONata expression gives at run time."""
        if source is None:
            return literal
        value = source.read(data, frame)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SECONDS:
            shown = "nothing" if value is MISSING else typed_json_text(value)
            named = field_name(source, field)
            raise StatesError(
                source.error,
                f"The {named} '{source.text}' of state '{self.name}' must reference a positive "
                f"integer of at most {MAX_SECONDS}, got {shown}.",
            )
        return float(value)

    async def attempt(self, raw_input: JSON, frame: Frame, resume: Position | None = None) -> JSON:
        if resume is not None:
            return self.flow.output(raw_input, self._resumed_result(resume, frame), frame)
        runtime = frame.runtime
        timeout = self.timeout(raw_input, frame)
        point: PendingPoint | None = None
        if self.resource.wait_for_token or self.resource.is_suspend:
            point = runtime.new_point(
                PointKind.MERGE if self.resource.is_suspend else PointKind.TOKEN,
                self.name,
                timeout,
                schema=self.resume_schema,
                # The caller must heartbeat (or answer) within this window: States.HeartbeatTimeout.
                heartbeat=self.heartbeat(raw_input, frame),
            )
            frame.task_token = point.token
        effective = self.flow.effective_input(raw_input, frame)
        if point is not None and self.resource.is_suspend:
            raise Suspension(PointPosition(replace(point, data=effective)).to_json())
        call = TaskCall(
            state_name=self.name,
            execution_id=runtime.execution_id,
            timeout_seconds=timeout,
            task_token=frame.task_token,
        )
        try:
            async with asyncio.timeout(None if point is not None else timeout):
                result = await runtime.invoker.invoke(self.resource, effective, call)
        except TimeoutError:
            # AWS reports a task timeout with an empty cause; Catch output keeps `"Cause": ""`.
            raise StatesError(ErrorName.TIMEOUT, "") from None
        if point is not None:
            raise Suspension(PointPosition(replace(point, data=effective)).to_json())
        runtime.check_size(result, f"The result of the state/task '{self.name}'")
        return self.flow.output(raw_input, result, frame)

    def _resumed_result(self, resume: dict[str, Any], frame: Frame) -> JSON:
        point = PointPosition.from_json(resume).pending
        event = frame.runtime.resume_event
        if event is None or not event.is_for(point.id):
            raise Suspension(resume)  # another pending point is being resumed; this one waits on
        if event.kind is ResumeKind.FAILURE:
            raise StatesError(event.error, event.cause)
        if event.kind is ResumeKind.HEARTBEAT_TIMEOUT:
            raise StatesError(
                ErrorName.HEARTBEAT_TIMEOUT,
                f"The task '{self.name}' sent no heartbeat within {point.heartbeat or 0:g} seconds.",
            )
        if event.kind is ResumeKind.TIMEOUT:
            # AWS: a callback task that outlives TimeoutSeconds fails with States.Timeout.
            raise StatesError(ErrorName.TIMEOUT, f"The task '{self.name}' was not resumed in time.")
        if event.kind is not ResumeKind.SUCCESS:
            raise Suspension(resume)
        frame.runtime.check_size(event.input, f"The resume input of the state '{self.name}'")
        if point.kind is PointKind.MERGE:
            data = point.data
            if isinstance(data, dict) and isinstance(event.input, dict):
                return {**data, **event.input}
        return event.input


def build_task(spec: dict, *, name: str, at: str, builder: Builder, language: str) -> TaskState:
    timeout = builder.value(spec, "TimeoutSeconds", at, language, "TimeoutSecondsPath")
    # Heartbeats are enforced on suspended tasks (callback and module:suspend), where the
    # outside world has to report in; an action run inline has only its timeout.
    heartbeat = builder.value(spec, "HeartbeatSeconds", at, language, "HeartbeatSecondsPath")
    literal_timeout = isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
    literal_heartbeat = isinstance(heartbeat, (int, float)) and not isinstance(heartbeat, bool)
    return TaskState(
        name=name,
        pointer=at,
        next=spec.get("Next"),
        flow=builder.flow(spec, at, language=language),
        resource=ResourceRef.parse(spec["Resource"]),
        timeout_seconds=float(timeout) if literal_timeout else None,
        timeout_source=None if timeout is None or literal_timeout else timeout,
        heartbeat_seconds=float(heartbeat) if literal_heartbeat else None,
        heartbeat_source=None if heartbeat is None or literal_heartbeat else heartbeat,
        resume_schema=spec.get("ResumeSchema"),
        retriers=builder.retriers(spec),
        catchers=builder.catchers(spec, at, language),
    )
