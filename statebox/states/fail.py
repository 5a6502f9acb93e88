"""Fail: ends the (sub)machine with an error; Error / Cause are literals or read at run time
(ErrorPath / CausePath in JSONPath, `{% %}` expressions in JSONata)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..asl_errors import ErrorName
from ..definition.model import State
from ..errors import StatesError
from ..interpreter import Frame
from ..messages import typed_json_text
from ..types import JSON

ValueSource = Callable[[JSON, Any], JSON]

if TYPE_CHECKING:
    from ..definition.parse import Builder


@dataclass(frozen=True, slots=True, kw_only=True)
class FailState(State):
    TYPE: ClassVar[str] = "Fail"
    SYNC: ClassVar[bool] = True
    error: str | None = None
    cause: str | None = None
    error_source: ValueSource | None = None  # ErrorPath (a path or an intrinsic call) or Error {% %}
    cause_source: ValueSource | None = None
    error_field: str = "ErrorPath"
    cause_field: str = "CausePath"
    bad_value_error: str = ErrorName.RUNTIME  # what a non-string Error / Cause value raises

    def step(self, raw_input: JSON, frame: Frame) -> tuple[str | None, JSON]:
        error = self.error
        cause = self.cause
        if self.error_source is not None:
            error = self._as_text(self.error_source(raw_input, frame), self.error_field)
        if self.cause_source is not None:
            cause = self._as_text(self.cause_source(raw_input, frame), self.cause_field)
        raise StatesError(error, cause)

    def _as_text(self, value: JSON, field: str) -> str:
        if not isinstance(value, str):
            raise StatesError(
                self.bad_value_error,
                f"The {field} of the Fail state '{self.name}' must resolve to a string, got "
                f"{typed_json_text(value)}.",
            )
        return value


def build_fail(spec: dict[str, Any], *, name: str, at: str, builder: Builder, language: str) -> FailState:
    if language == "JSONata":
        error = builder.value(spec, "Error", at, language)
        cause = builder.value(spec, "Cause", at, language)
        return FailState(
            name=name,
            pointer=at,
            error=error if isinstance(error, str) else None,
            cause=cause if isinstance(cause, str) else None,
            error_source=None if error is None or isinstance(error, str) else error.read,
            cause_source=None if cause is None or isinstance(cause, str) else cause.read,
            error_field="Error",
            cause_field="Cause",
            bad_value_error=ErrorName.QUERY_EVALUATION_ERROR,
        )
    return FailState(
        name=name,
        pointer=at,
        error=spec.get("Error"),
        cause=spec.get("Cause"),
        error_source=builder.expression(spec, "ErrorPath", at),
        cause_source=builder.expression(spec, "CausePath", at),
    )
