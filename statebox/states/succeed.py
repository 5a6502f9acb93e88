"""Succeed: ends the (sub)machine successfully with InputPath / OutputPath applied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ..dataflow.flow import DataFlow
from ..definition.model import State
from ..interpreter import Frame
from ..types import JSON

if TYPE_CHECKING:
    from ..definition.parse import Builder


@dataclass(frozen=True, slots=True, kw_only=True)
class SucceedState(State):
    TYPE: ClassVar[str] = "Succeed"
    SYNC: ClassVar[bool] = True
    flow: DataFlow

    def step(self, raw_input: JSON, frame: Frame) -> tuple[str | None, JSON]:
        return None, self.flow.pass_through(raw_input, self.flow.select_input(raw_input, frame), frame)


def build_succeed(spec: dict, *, name: str, at: str, builder: Builder, language: str) -> SucceedState:
    return SucceedState(
        name=name, pointer=at, flow=builder.flow(spec, at, language=language, parameters=False)
    )
