"""Choice: picks the next state from compiled rules; States.NoChoiceMatched when none does.

A matching rule leaves through its own way out (its Assign, and its Output in JSONata, with
the state's OutputPath in JSONPath); the Default leaves through the state's own Assign / Output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..asl_errors import ErrorName
from ..dataflow.flow import DataFlow
from ..definition.model import State
from ..errors import ExpressionSyntaxError, StatesError
from ..interpreter import Frame
from ..types import JSON, child
from .choice_rules import compile_choice

if TYPE_CHECKING:
    from ..definition.parse import Builder


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceState(State):
    TYPE: ClassVar[str] = "Choice"
    SYNC: ClassVar[bool] = True
    flow: DataFlow
    choices: tuple[Any, ...]  # choice_rules.ChoiceRule
    exits: tuple[DataFlow, ...] = ()  # one data flow per rule, parallel to `choices`
    default: str | None = None

    def step(self, raw_input: JSON, frame: Frame) -> tuple[str | None, JSON]:
        data = self.flow.select_input(raw_input, frame)
        for rule, way_out in zip(self.choices, self.exits, strict=True):
            if rule.matches(data, frame):
                return rule.next, way_out.pass_through(raw_input, data, frame)
        if self.default is not None:
            return self.default, self.flow.pass_through(raw_input, data, frame)
        raise StatesError(
            ErrorName.NO_CHOICE_MATCHED,
            f"No Choice Rules matched the input of the Choice state '{self.name}' and it has no Default.",
        )


def build_choice(spec: dict[str, Any], *, name: str, at: str, builder: Builder, language: str) -> ChoiceState:
    flow = builder.flow(spec, at, language=language, parameters=False)
    rules = []
    exits = []
    for index, raw_rule in enumerate(spec.get("Choices", ())):
        rule_at = child(at, "Choices", index)
        try:
            rules.append(compile_choice(raw_rule, rule_at))
        except ExpressionSyntaxError as exc:
            builder.problem(rule_at, str(exc))
            continue
        exits.append(builder.exit_flow(flow, raw_rule, rule_at, language))
    return ChoiceState(
        name=name,
        pointer=at,
        flow=flow,
        choices=tuple(rules),
        exits=tuple(exits),
        default=spec.get("Default"),
    )
