"""Arguments → (work) → Output / Assign for `QueryLanguage: JSONata` states, written once.

Every `{% ... %}` string of a definition is compiled here once, at parse time, into an
`Expression`; a JSON value with expressions inside (Arguments, Output, Assign, ItemSelector,
Items, a Catch's Output) becomes a `JsonataTemplate` whose constant parts are built once and
handed out as copies. At run time an expression sees:

* `$states`: `input` (the state's raw input), `context` (the context object, built only for
  expressions that mention it), `result` (Task / Parallel / Map / Pass result, in Output and
  Assign) and `errorOutput` (in a Catch);
* the workflow variables in scope, as `$name` (read through a frame of ours, never copied);
* the Step Functions extensions (jsonata_functions.py).

Any failure is `States.QueryEvaluationError` (or `States.DataLimitExceeded` past the payload
limit) with AWS's wording, so it flows into Retry / Catch like any other error.

This is the ASL side; jsonata-python itself is behind jsonata_engine.py, imported by the first
JSONata machine parsed, so `import statebox` never pays for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..asl_errors import ErrorName
from ..errors import ExpressionSyntaxError, StatesError
from ..types import JSON
from .budget import check_built, payload_limit
from .jsonata_bounds import EvaluationBudget
from .jsonata_engine import EvaluationFailed, JsonataEngine, SyntaxProblem, UnsupportedResult
from .templates import copy_json

_EXPRESSION = re.compile(r"^\{%([\s\S]*)%\}$")
_MISSING: Any = object()

# `$states` is read whole (`$states`, `$states[...]`) or through `.context`: only then is the
# context object built for an evaluation.
_NEEDS_CONTEXT = re.compile(r"context|\$states(?!\s*\.\s*(input|result|errorOutput)\b)")
# AWS rejects `$eval`; a call to it is a definition problem, found without evaluating anything.
_EVAL_CALL = re.compile(r"\$eval\s*\(")


def is_expression(value: Any) -> bool:
    """A `{% ... %}` string: AWS takes only a string that starts with `{%` and ends with `%}`
    (surrounding spaces make it a literal, tasks/arguments__test_base_cases_BASE_LAMBDA_LITERALS)."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}") and len(value) >= 4


# ------------------------------------------------------------------------ expressions


class Expression:
    """One compiled `{% ... %}` expression, reported in errors by its field (e.g. `Output/x`)."""

    __slots__ = ("text", "field", "needs_context", "_tree", "_engine")

    def __init__(self, text: str, field: str) -> None:
        self.text = text
        self.field = field
        self.needs_context = bool(_NEEDS_CONTEXT.search(text))
        if _EVAL_CALL.search(_without_strings(text)):
            raise ExpressionSyntaxError(
                f"the JSONata function $eval is not supported in Step Functions (in {text!r})"
            )
        self._engine = JsonataEngine.shared()
        try:
            self._tree = self._engine.compile(text)
        except SyntaxProblem as exc:
            if exc.too_deep:
                raise ExpressionSyntaxError(f"the JSONata expression {text!r} is nested too deeply") from None
            raise ExpressionSyntaxError(f"invalid JSONata expression {text!r}: {exc}") from None

    @staticmethod
    def compile(source: str, field: str) -> Expression:
        """Compile a `{% ... %}` string (the caller checked `is_expression`)."""
        match = _EXPRESSION.match(source.strip())
        if match is None:
            raise ExpressionSyntaxError(f"{source!r} is not a JSONata expression '{{% ... %}}'")
        text = match.group(1).strip()
        if not text:
            raise ExpressionSyntaxError("the JSONata expression '{% %}' is empty")
        return Expression(text, field)

    def evaluate(self, states: Any, scope: Any) -> JSON:
        """The value as JSON. `states` is the `$states` object, `scope` the frame (variables,
        entropy, clock). Raises States.QueryEvaluationError, also for an undefined result."""
        budget = EvaluationBudget(payload_limit(scope))
        try:
            raw = self._engine.evaluate(self._tree, states, scope, budget)
        except EvaluationFailed as exc:
            raise (self._too_big if exc.too_big else self._failed)(str(exc)) from None
        finally:
            runtime = getattr(scope, "runtime", None)
            if runtime is not None and budget.ran_long():
                runtime.yield_soon = True
        if raw is None:
            raise self._error("returned nothing (undefined).")
        try:
            return self._engine.to_json(raw)
        except UnsupportedResult:
            raise self._error("returned an unsupported result type.") from None
        except RecursionError:
            raise self._error("returned a value nested too deeply.") from None

    def _error(self, what: str) -> StatesError:
        return StatesError(
            ErrorName.QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{self.text}' specified for the field '{self.field}' {what}",
        )

    def _too_big(self, detail: str) -> StatesError:
        return StatesError(
            ErrorName.DATA_LIMIT_EXCEEDED,
            f"The JSONata expression '{self.text}' specified for the field '{self.field}' "
            f"exceeded the payload size limit: {detail}.",
        )

    def _failed(self, detail: str) -> StatesError:
        return self._error(f"threw an error during evaluation. {detail}")

    def __repr__(self) -> str:
        return f"Expression({self.text!r}, field={self.field!r})"


_STRING = re.compile(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'")


def _without_strings(text: str) -> str:
    return _STRING.sub('""', text)


# -------------------------------------------------------------------------- templates

Evaluate = Callable[[Any, Any], JSON]


class JsonataTemplate:
    """A JSON value whose `{% %}` strings are compiled; `evaluate(states, scope)` builds it.
    Constant parts are compiled once and handed out as fresh copies."""

    __slots__ = ("evaluate", "is_constant", "needs_context")

    def __init__(self, evaluate: Evaluate, is_constant: bool, needs_context: bool) -> None:
        self.evaluate = evaluate
        self.is_constant = is_constant
        self.needs_context = needs_context

    @staticmethod
    def compile(
        raw: JSON, field: str, problems: list[tuple[tuple[str | int, ...], str]] | None = None
    ) -> JsonataTemplate:
        """Compile `raw`; syntax errors go to `problems` as (relative path, message) when a
        list is given, else raise ExpressionSyntaxError."""
        collected: list[tuple[tuple[str | int, ...], str]] = [] if problems is None else problems
        before = len(collected)
        context = [False]
        evaluate, constant = _compile_node(raw, field, (), collected, context)
        if problems is None and len(collected) > before:
            raise ExpressionSyntaxError(collected[before][1])
        if not constant and isinstance(raw, (dict, list)):
            # Each expression is measured as it evaluates; the object around them is measured
            # here (two fields holding the same value double it).
            build, what = evaluate, f"The value built by the state's {field}"

            def evaluate(states: Any, scope: Any) -> JSON:
                return check_built(build(states, scope), scope, what)

        return JsonataTemplate(evaluate, constant, context[0])


def _compile_node(
    raw: JSON,
    field: str,
    at: tuple[str | int, ...],
    problems: list[tuple[tuple[str | int, ...], str]],
    context: list[bool],
) -> tuple[Evaluate, bool]:
    if is_expression(raw):
        try:
            expression = Expression.compile(raw, field)
        except ExpressionSyntaxError as exc:
            problems.append((at, str(exc)))
            return (lambda states, scope: None), True
        context[0] = context[0] or expression.needs_context
        return expression.evaluate, False
    if isinstance(raw, dict):
        parts = [
            (key, *_compile_node(value, f"{field}/{key}", at + (key,), problems, context))
            for key, value in raw.items()
        ]
        if all(constant for _, _, constant in parts):
            return _literal(raw), True
        members = tuple((key, evaluate) for key, evaluate, _ in parts)

        def build_object(states: Any, scope: Any) -> JSON:
            return {key: evaluate(states, scope) for key, evaluate in members}

        return build_object, False
    if isinstance(raw, list):
        items = [
            _compile_node(item, f"{field}/{index}", at + (index,), problems, context)
            for index, item in enumerate(raw)
        ]
        if all(constant for _, constant in items):
            return _literal(raw), True
        evaluators = tuple(evaluate for evaluate, _ in items)
        return (lambda states, scope: [evaluate(states, scope) for evaluate in evaluators]), False
    return _literal(raw), True


def _literal(raw: JSON) -> Evaluate:
    if isinstance(raw, (dict, list)):
        # Literals belong to the cached machine: hand out copies so no output aliases them.
        return lambda states, scope: copy_json(raw)
    return lambda states, scope: raw


# ------------------------------------------------------------------------ the data flow


def states_object(
    raw: JSON,
    scope: Any,
    needs_context: bool,
    result: JSON = _MISSING,
    error_output: JSON = _MISSING,
) -> dict[str, Any]:
    """The `$states` object of one step; the context object only when something reads it."""
    null = JsonataEngine.shared().null
    states: dict[str, Any] = {"input": null if raw is None else raw}
    if result is not _MISSING:
        states["result"] = null if result is None else result
    if error_output is not _MISSING:
        states["errorOutput"] = error_output
    if needs_context and scope is not None:
        states["context"] = scope.context_object()
    return states


@dataclass(frozen=True, slots=True)
class JsonataFlow:
    """The JSONata pipeline: Arguments before the work, then Assign and Output together.

    Assign and Output both see the variables as they were before the state (all assignments
    of one Assign see the old values); the new values are committed last. Without Output a
    state's output is its result (its input for Choice, Wait, Succeed; the error output in
    a Catch)."""

    arguments: JsonataTemplate | None = None
    output_template: JsonataTemplate | None = None
    assign: JsonataTemplate | None = None
    needs_context: bool = False

    @staticmethod
    def build(
        arguments: JsonataTemplate | None,
        output: JsonataTemplate | None,
        assign: JsonataTemplate | None,
    ) -> JsonataFlow:
        needs = any(t is not None and t.needs_context for t in (arguments, output, assign))
        return JsonataFlow(arguments=arguments, output_template=output, assign=assign, needs_context=needs)

    def effective_input(self, raw: JSON, scope: Any) -> JSON:
        """Arguments (or the raw input)."""
        if self.arguments is None:
            return raw
        return self.arguments.evaluate(states_object(raw, scope, self.arguments.needs_context), scope)

    def select_input(self, raw: JSON, scope: Any) -> JSON:
        """JSONata has no InputPath: the data a state works on is its raw input."""
        return raw

    def output(self, raw: JSON, result: JSON, scope: Any) -> JSON:
        """Assign and Output with `$states.result`; the variables change last."""
        if self.output_template is None and self.assign is None:
            return result
        return self._finish(states_object(raw, scope, self.needs_context, result=result), result, scope)

    def pass_through(self, raw: JSON, data: JSON, scope: Any) -> JSON:
        """Assign and Output of a state without a result (Choice, Wait, Succeed)."""
        if self.output_template is None and self.assign is None:
            return raw
        return self._finish(states_object(raw, scope, self.needs_context), raw, scope)

    def recover(self, raw: JSON, error_output: JSON, scope: Any) -> JSON:
        """A Catch's Assign and Output, with `$states.errorOutput`."""
        if self.output_template is None and self.assign is None:
            return error_output
        states = states_object(raw, scope, self.needs_context, error_output=error_output)
        return self._finish(states, error_output, scope)

    def _finish(self, states: dict[str, Any], default: JSON, scope: Any) -> JSON:
        values = self.assign.evaluate(states, scope) if self.assign is not None else None
        output = default if self.output_template is None else self.output_template.evaluate(states, scope)
        if values:
            scope.assign(values)
        return output


class JsonataValue:
    """A single field that may hold a `{% %}` expression (Seconds, Items, MaxConcurrency, ...):
    `read(raw, scope)` evaluates it against `$states.input`; `text` names it in messages."""

    __slots__ = ("template", "text", "error")

    error: str

    def __init__(self, template: JsonataTemplate, text: str) -> None:
        self.template = template
        self.text = text
        self.error = ErrorName.QUERY_EVALUATION_ERROR

    def read(self, raw: JSON, scope: Any) -> JSON:
        return self.template.evaluate(states_object(raw, scope, self.template.needs_context), scope)

    evaluate = read  # the signature of templates.Template.evaluate (Map's ItemSelector)

