"""Task: hands its effective input to the invoker port and shapes the result."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ..asl_errors import ErrorName
from ..dataflow.jsonpath import JsonPathFlow
from ..errors import StatesError
from ..interpreter import Frame
from ..paths import MISSING, Path
from ..ports import ResourceRef, TaskCall
from ..types import JSON
from .recoverable import RecoverableState


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskState(RecoverableState):
    flow: JsonPathFlow
    resource: ResourceRef
    timeout_seconds: float | None = None
    timeout_seconds_path: Path | None = None
    heartbeat_seconds: float | None = None

    def timeout(self, data: JSON, frame: Frame) -> float | None:
        if self.timeout_seconds_path is None:
            return self.timeout_seconds
        value = self.timeout_seconds_path.find(data, frame)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            shown = "nothing" if value is MISSING else repr(value)
            raise StatesError(
                ErrorName.RUNTIME,
                f"The TimeoutSecondsPath '{self.timeout_seconds_path.text}' of state "
                f"'{self.name}' must reference a positive integer, got {shown}.",
            )
        return float(value)

    async def attempt(self, raw_input: JSON, frame: Frame) -> JSON:
        effective = self.flow.effective_input(raw_input, frame)
        timeout = self.timeout(raw_input, frame)
        runtime = frame.runtime
        call = TaskCall(
            state_name=self.name,
            execution_id=runtime.execution_id,
            timeout_seconds=timeout,
            task_token=frame.task_token,
        )
        try:
            async with asyncio.timeout(timeout):
                result = await runtime.invoker.invoke(self.resource, effective, call)
        except TimeoutError:
            # AWS reports a task timeout with an empty cause; Catch output keeps `"Cause": ""`.
            raise StatesError(ErrorName.TIMEOUT, "") from None
        runtime.check_size(result, f"The result of the state/task '{self.name}'")
        return self.flow.output(raw_input, result, frame)


def build_task(spec: dict, *, name: str, at: str, builder: Any, language: str) -> TaskState:
    timeout = spec.get("TimeoutSeconds")
    heartbeat = spec.get("HeartbeatSeconds")
    return TaskState(
        name=name,
        pointer=at,
        next=spec.get("Next"),
        flow=builder.flow(spec, at),
        resource=ResourceRef.parse(spec["Resource"]),
        timeout_seconds=float(timeout) if timeout is not None else None,
        timeout_seconds_path=builder.required_path(spec, "TimeoutSecondsPath", at),
        heartbeat_seconds=float(heartbeat) if heartbeat is not None else None,
        retriers=builder.retriers(spec),
        catchers=builder.catchers(spec, at),
    )
