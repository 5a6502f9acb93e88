"""Choice: picks the next state from compiled rules; States.NoChoiceMatched when none does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..asl_errors import ErrorName
from ..dataflow.jsonpath import JsonPathFlow
from ..errors import StatesError
from ..interpreter import Frame
from ..model import State
from ..types import JSON


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceState(State):
    TYPE: ClassVar[str] = "Choice"
    flow: JsonPathFlow
    choices: tuple[Any, ...]  # choice_rules.ChoiceRule
    default: str | None = None

    async def run(self, raw_input: JSON, frame: Frame, resume: Any = None) -> tuple[str | None, JSON]:
        data = self.flow.select_input(raw_input, frame)
        output = self.flow.select_output(data, frame)
        for rule in self.choices:
            if rule.matches(data, frame):
                return rule.next, output
        if self.default is not None:
            return self.default, output
        raise StatesError(
            ErrorName.NO_CHOICE_MATCHED,
            f"No Choice Rules matched the input of the Choice state '{self.name}' and it has no Default.",
        )


def build_choice(spec: dict[str, Any], *, name: str, at: str, builder: Any, language: str) -> ChoiceState:
    from ..choice_rules import compile_choice
    from ..errors import ExpressionSyntaxError
    from ..types import child

    rules = []
    for index, raw_rule in enumerate(spec.get("Choices", ())):
        try:
            rules.append(compile_choice(raw_rule, child(at, "Choices", index)))
        except ExpressionSyntaxError as exc:
            builder.problem(child(at, "Choices", index), str(exc))
    return ChoiceState(
        name=name,
        pointer=at,
        flow=builder.flow(spec, at, parameters=False),
        choices=tuple(rules),
        default=spec.get("Default"),
    )
