"""Definition JSON → validated, immutable `Machine`, once.

Three steps, none of which lets a traceback reach the user:
1. structure (JSON Schema) and meaning (graph and field checks) in `checks.find_problems`;
2. build: each state type compiles its fields (paths, templates, intrinsic calls, rules);
   any expression that still fails to compile becomes a Problem at its pointer;
3. raise DefinitionError with every problem, or return the Machine.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any

from .dataflow.jsonpath import DISCARD, JsonPathFlow
from .errors import DefinitionError, ExpressionSyntaxError, Problem
from .model import Machine, State, StateGraph
from .paths import Path, ReferencePath
from .retry import Catcher, Retrier
from .templates import Evaluator, Template, compile_expression
from .types import JSON, child

MAX_DEFINITION_BYTES = 1024 * 1024  # AWS's definition size limit is 1 MiB


class Builder:
    """Compiles the fields states share, collecting problems instead of raising."""

    def __init__(self, top_language: str = "JSONPath") -> None:
        self.problems: list[Problem] = []
        # States inside Parallel / Map default to the machine's language, not their parent's.
        self.top_language = top_language

    def problem(self, at: str, message: str) -> None:
        self.problems.append(Problem(at, message))

    def path(self, raw: dict[str, Any], field: str, at: str) -> Any:
        """A read path field: None when absent, DISCARD when null, else a compiled Path."""
        if field not in raw:
            return None
        text = raw[field]
        if text is None:
            return DISCARD
        if text == "$":
            return None
        try:
            return Path.compile(text)
        except ExpressionSyntaxError as exc:
            self.problem(child(at, field), str(exc))
            return None

    def required_path(self, raw: dict[str, Any], field: str, at: str) -> Path | None:
        try:
            return Path.compile(raw[field]) if field in raw else None
        except ExpressionSyntaxError as exc:
            self.problem(child(at, field), str(exc))
            return None

    def result_path(self, raw: dict[str, Any], at: str, field: str = "ResultPath") -> Any:
        if field not in raw:
            return None
        text = raw[field]
        if text is None:
            return DISCARD
        try:
            return ReferencePath.compile(text)
        except ExpressionSyntaxError as exc:
            self.problem(child(at, field), str(exc))
            return None

    def template(self, raw: dict[str, Any], field: str, at: str) -> Template | None:
        if field not in raw:
            return None
        found: list[tuple[tuple[str | int, ...], str]] = []
        template = Template.compile(raw[field], found)
        for where, message in found:
            self.problem(child(at, field, *where), message)
        return template

    def expression(self, raw: dict[str, Any], field: str, at: str) -> Evaluator | None:
        """A field holding a path or an intrinsic call (ErrorPath, CausePath)."""
        if field not in raw:
            return None
        try:
            return compile_expression(raw[field], field)
        except ExpressionSyntaxError as exc:
            self.problem(child(at, field), str(exc))
            return None

    def flow(self, raw: dict[str, Any], at: str, *, parameters: bool = True) -> JsonPathFlow:
        return JsonPathFlow(
            input_path=self.path(raw, "InputPath", at),
            parameters=self.template(raw, "Parameters", at) if parameters else None,
            result_selector=self.template(raw, "ResultSelector", at),
            result_path=self.result_path(raw, at),
            output_path=self.path(raw, "OutputPath", at),
        )

    def retriers(self, raw: dict[str, Any]) -> tuple[Retrier, ...]:
        out = []
        for spec in raw.get("Retry", ()):
            out.append(
                Retrier(
                    error_equals=tuple(spec["ErrorEquals"]),
                    interval_seconds=float(spec.get("IntervalSeconds", 1)),
                    max_attempts=int(spec.get("MaxAttempts", 3)),
                    backoff_rate=float(spec.get("BackoffRate", 2.0)),
                    max_delay_seconds=(float(spec["MaxDelaySeconds"]) if "MaxDelaySeconds" in spec else None),
                    full_jitter=spec.get("JitterStrategy") == "FULL",
                )
            )
        return tuple(out)

    def catchers(self, raw: dict[str, Any], at: str) -> tuple[Catcher, ...]:
        out = []
        for index, spec in enumerate(raw.get("Catch", ())):
            result_path = self.result_path(spec, child(at, "Catch", index))
            out.append(
                Catcher(
                    error_equals=tuple(spec["ErrorEquals"]),
                    next=spec["Next"],
                    result_path=None
                    if result_path is DISCARD
                    else (result_path or ReferencePath.compile("$")),
                )
            )
        return tuple(out)

    def graph(self, raw: dict[str, Any], at: str, query_language: str) -> StateGraph:
        from .states import STATE_TYPES

        language = raw.get("QueryLanguage", query_language)
        states: dict[str, State] = {}
        for name, spec in raw["States"].items():
            state_at = child(at, "States", name)
            state_language = spec.get("QueryLanguage", language)
            if state_language == "JSONata":
                raise NotImplementedError("the JSONata query language is not supported yet")
            if "Assign" in spec or any("Assign" in c for c in spec.get("Catch", ())):
                raise NotImplementedError("ASL variables (Assign) are not supported yet")
            build: Callable[..., State] = STATE_TYPES[spec["Type"]]
            states[name] = build(spec, name=name, at=state_at, builder=self, language=state_language)
        return StateGraph(start_at=raw["StartAt"], states=states)


def canonical_json(value: JSON) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def load_definition(definition: JSON | str | bytes) -> JSON:
    """The definition as a JSON value; text that is not JSON is a DefinitionError."""
    if isinstance(definition, (bytes, bytearray)):
        if len(definition) > MAX_DEFINITION_BYTES:
            raise DefinitionError([Problem("", "the definition is larger than 1 MiB")])
        try:
            definition = definition.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DefinitionError([Problem("", f"the definition is not UTF-8 text: {exc}")]) from None
    if isinstance(definition, str):
        if len(definition) > MAX_DEFINITION_BYTES:
            raise DefinitionError([Problem("", "the definition is larger than 1 MiB")])
        try:
            return json.loads(definition)
        except RecursionError:
            raise DefinitionError([Problem("", "the definition is nested too deeply")]) from None
        except ValueError as exc:
            raise DefinitionError([Problem("", f"the definition is not valid JSON: {exc}")]) from None
    return definition


_MACHINES: dict[tuple[str, str | None], Machine] = {}
_MACHINE_CACHE_SIZE = 256


def parse(definition: JSON | str | bytes, name: str | None = None) -> Machine:
    """Validate and compile a definition. Raises DefinitionError listing every problem.
    Machines are cached by content hash, so a definition is compiled once per process."""
    doc = load_definition(definition)
    try:
        text = canonical_json(doc)
    except (TypeError, ValueError, RecursionError):
        raise DefinitionError([Problem("", "the definition is not a JSON document")]) from None
    key = (text, name)
    machine = _MACHINES.get(key)
    if machine is None:
        # A private copy: the cached machine must not change when the caller's dict does.
        machine = _build(copy.deepcopy(doc), hashlib.sha256(text.encode()).hexdigest(), name)
        if len(_MACHINES) >= _MACHINE_CACHE_SIZE:
            _MACHINES.pop(next(iter(_MACHINES)))
        _MACHINES[key] = machine
    return machine


def _build(doc: JSON, digest: str, name: str | None) -> Machine:
    from .checks import find_problems

    problems = find_problems(doc)
    if problems:
        raise DefinitionError(problems)
    language = doc.get("QueryLanguage", "JSONPath")
    builder = Builder(language)
    graph = builder.graph(doc, "", language)
    if builder.problems:
        raise DefinitionError(builder.problems)
    timeout = doc.get("TimeoutSeconds")
    return Machine(
        graph=graph,
        definition=doc,
        definition_hash=digest,
        name=name or f"machine-{digest[:12]}",
        query_language=language,
        timeout_seconds=float(timeout) if timeout is not None else None,
        comment=doc.get("Comment"),
    )
