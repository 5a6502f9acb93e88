"""Compiled payload templates: Parameters, ResultSelector, ItemSelector (JSONPath dialect).

A template is compiled once into nested evaluators. Keys ending in `.$` take a path (`$.x`),
a context path (`$$.Map.Item.Value`), a variable path (`$name`) or an intrinsic call
(`States.Format(...)`); everything else is literal JSON that is shared, never copied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..asl_errors import ErrorName
from ..errors import ExpressionSyntaxError, StatesError
from ..messages import json_text
from ..types import JSON
from .budget import check_built
from .paths import MISSING, Path, Scope

Evaluator = Callable[[JSON, Any], JSON]


def copy_json(value: JSON) -> JSON:
    """A fresh copy of a JSON value (much faster than copy.deepcopy for plain JSON)."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def _literal(value: JSON) -> Evaluator:
    if isinstance(value, (dict, list)):
        # Literals belong to the cached machine: hand out copies so no output aliases them
        # (cheaper than copying every output, which can be 256 KiB).
        return lambda data, scope: copy_json(value)
    return lambda data, scope: value


def _path_evaluator(path: Path, field: str) -> Evaluator:
    def read(data: JSON, scope: Scope) -> JSON:
        value = path.find(data, scope)
        if value is MISSING:
            raise StatesError(
                ErrorName.RUNTIME,
                f"The JSONPath '{path.text}' specified for the field '{field}' could not be "
                f"found in the input '{json_text(data if path.root == 'data' else '$$', 1000)}'",
            )
        return value

    return read


def compile_expression(text: Any, field: str) -> Evaluator:
    """Compile the value of a `.$` field: a path or an intrinsic call."""
    if not isinstance(text, str):
        raise ExpressionSyntaxError(
            f"the value of '{field}' must be a path or an intrinsic function, got {json_text(text, 1000)}"
        )
    stripped = text.strip()
    if stripped.startswith("States."):
        # Imported here, not at the top: intrinsics/ imports dataflow (paths, budget), a cycle.
        from ..intrinsics import compile_intrinsic

        return compile_intrinsic(stripped).evaluate
    if stripped.startswith("$"):
        return _path_evaluator(Path.compile(stripped), field)
    raise ExpressionSyntaxError(
        f"the value of '{field}' must be a path starting with '$' or an intrinsic function "
        f"'States.…(…)', got {text!r}"
    )


class Template:
    """A compiled payload template; `evaluate(data, scope)` builds a fresh value."""

    __slots__ = ("evaluate", "is_constant")

    def __init__(self, evaluate: Evaluator, is_constant: bool) -> None:
        self.evaluate = evaluate
        self.is_constant = is_constant

    @staticmethod
    def compile(
        raw: JSON, problems: list[tuple[tuple[str | int, ...], str]] | None = None, field: str = "template"
    ) -> Template:
        """Compile `raw`. Syntax errors are appended to `problems` as (relative path, message)
        when a list is given (so every problem is reported), else raised. `field` (Parameters,
        ResultSelector, ...) names the template in a States.DataLimitExceeded cause."""
        collected: list[tuple[tuple[str | int, ...], str]] = [] if problems is None else problems
        before = len(collected)
        evaluate, constant = _compile_node(raw, (), collected)
        if problems is None and len(collected) > before:
            raise ExpressionSyntaxError(collected[before][1])
        if constant or _dynamic_fields(raw) < 2:
            # One value placed into literal JSON cannot outgrow where it came from (an
            # intrinsic's result is measured by the intrinsic): only two or more can double.
            return Template(evaluate, constant)
        build = evaluate
        what = f"The value built by the state's {field}"

        def measured(data: JSON, scope: Any) -> JSON:
            # A template can place one value in many fields: measured as it is built (budget.py).
            return check_built(build(data, scope), scope, what)

        return Template(measured, constant)


def _dynamic_fields(raw: JSON) -> int:
    """How many `.$` fields a template has, at any depth."""
    if isinstance(raw, dict):
        return sum(key.endswith(".$") or _dynamic_fields(value) for key, value in raw.items())
    if isinstance(raw, list):
        return sum(_dynamic_fields(item) for item in raw)
    return 0


def _compile_node(
    raw: JSON, at: tuple[str | int, ...], problems: list[tuple[tuple[str | int, ...], str]]
) -> tuple[Evaluator, bool]:
    if isinstance(raw, dict):
        parts: list[tuple[str, Evaluator, bool]] = []
        for key, value in raw.items():
            if key.endswith(".$"):
                try:
                    parts.append((key[:-2], compile_expression(value, key), False))
                except ExpressionSyntaxError as exc:
                    problems.append((at + (key,), str(exc)))
            else:
                evaluator, constant = _compile_node(value, at + (key,), problems)
                parts.append((key, evaluator, constant))
        if all(constant for _, _, constant in parts):
            frozen = {key: evaluator(None, None) for key, evaluator, _ in parts}
            return _literal(frozen), True
        # A skeleton in the author's key order holds the scalar literals; the rest are filled in
        # per call (assigning an existing key keeps its place, and dict.copy runs in C).
        skeleton: dict[str, Any] = {}
        dynamic: list[tuple[str, Evaluator]] = []
        for key, evaluator, constant in parts:
            value = evaluator(None, None) if constant else None
            if constant and not isinstance(value, (dict, list)):
                skeleton[key] = value
            else:
                skeleton[key] = None
                dynamic.append((key, evaluator))
        fill = tuple(dynamic)

        def build_object(data: JSON, scope: Any) -> JSON:
            out = skeleton.copy()
            for key, evaluator in fill:
                out[key] = evaluator(data, scope)
            return out

        return build_object, False
    if isinstance(raw, list):
        items = [_compile_node(item, at + (i,), problems) for i, item in enumerate(raw)]
        if all(constant for _, constant in items):
            return _literal(raw), True
        evaluators = tuple(evaluator for evaluator, _ in items)
        return (lambda data, scope: [evaluator(data, scope) for evaluator in evaluators]), False
    return _literal(raw), True
