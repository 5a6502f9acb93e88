"""Fail: ends the (sub)machine with an error; Error / Cause are literals or read at run time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from ..asl_errors import ErrorName
from ..errors import StatesError
from ..interpreter import Frame
from ..model import State
from ..types import JSON

ValueSource = Callable[[JSON, Any], JSON]


@dataclass(frozen=True, slots=True, kw_only=True)
class FailState(State):
    TYPE: ClassVar[str] = "Fail"
    error: str | None = None
    cause: str | None = None
    error_source: ValueSource | None = None  # ErrorPath: a path or an intrinsic call
    cause_source: ValueSource | None = None

    async def run(self, raw_input: JSON, frame: Frame, resume: Any = None) -> tuple[str | None, JSON]:
        error = self.error
        cause = self.cause
        if self.error_source is not None:
            error = _as_text(self.error_source(raw_input, frame), "ErrorPath", self.name)
        if self.cause_source is not None:
            cause = _as_text(self.cause_source(raw_input, frame), "CausePath", self.name)
        raise StatesError(error, cause)


def _as_text(value: JSON, field: str, state: str) -> str:
    if not isinstance(value, str):
        raise StatesError(
            ErrorName.RUNTIME,
            f"The {field} of the Fail state '{state}' must resolve to a string, got {value!r}.",
        )
    return value


def build_fail(spec: dict[str, Any], *, name: str, at: str, builder: Any, language: str) -> FailState:
    return FailState(
        name=name,
        pointer=at,
        error=spec.get("Error"),
        cause=spec.get("Cause"),
        error_source=builder.expression(spec, "ErrorPath", at),
        cause_source=builder.expression(spec, "CausePath", at),
    )
