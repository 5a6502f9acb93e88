"""Pass: passes its input (or its Result) through the data flow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..asl_errors import ErrorName
from ..dataflow.flow import DataFlow
from ..dataflow.templates import copy_json
from ..definition.model import State
from ..errors import StatesError
from ..interpreter import Frame
from ..jsonio import json_size
from ..types import JSON

NO_RESULT: Any = object()

if TYPE_CHECKING:
    from ..definition.parse import Builder


@dataclass(frozen=True, slots=True, kw_only=True)
class PassState(State):
    TYPE: ClassVar[str] = "Pass"
    SYNC: ClassVar[bool] = True
    flow: DataFlow
    result: JSON = NO_RESULT
    result_size: int = 0  # bytes of the Result literal, measured once at parse time

    def step(self, raw_input: JSON, frame: Frame) -> tuple[str | None, JSON]:
        if self.result_size > frame.runtime.limits.max_payload_bytes:
            raise StatesError(
                ErrorName.DATA_LIMIT_EXCEEDED,
                f"The state/task '{self.name}' returned a result with a size exceeding the "
                f"maximum number of bytes service limit ({self.result_size} > "
                f"{frame.runtime.limits.max_payload_bytes} bytes).",
            )
        effective = self.flow.effective_input(raw_input, frame)
        if self.result is NO_RESULT:
            result = effective
        else:
            result = copy_json(self.result)
            if type(result) is dict or type(result) is list:
                # Its size is known: placing it into the input needs no walk (dataflow/budget.py).
                frame.runtime.sizes.put(result, self.result_size, exact=False)
        return self.next, self.flow.output(raw_input, result, frame)


def build_pass(spec: dict[str, Any], *, name: str, at: str, builder: Builder, language: str) -> PassState:
    result = spec.get("Result", NO_RESULT)
    return PassState(
        name=name,
        pointer=at,
        next=spec.get("Next"),
        flow=builder.flow(spec, at, language=language),
        result=result,
        result_size=0 if result is NO_RESULT else json_size(result),
    )
