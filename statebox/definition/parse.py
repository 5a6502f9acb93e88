"""Definition JSON → validated, immutable `Machine`, once.

Three steps, none of which lets a traceback reach the user:
1. structure (JSON Schema) and meaning (graph and field checks) in `validation.find_problems`;
2. build: each state type compiles its fields (paths, templates, intrinsic calls, rules,
   `{% %}` JSONata expressions, Assign blocks); the state's QueryLanguage picks its data flow
   (`dataflow.JsonPathFlow` or `dataflow.jsonata.JsonataFlow`) here and nowhere else; any
   expression that still fails to compile becomes a Problem at its pointer;
3. raise DefinitionError with every problem, or return the Machine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from ..dataflow.assign import Assignment, name_problems, variable_name
from ..dataflow.flow import DataFlow, ValueReader
from ..dataflow.jsonpath import DISCARD, JsonPathFlow, PathValue
from ..dataflow.paths import Path, ReferencePath
from ..dataflow.templates import Evaluator, Template, compile_expression
from ..errors import DefinitionError, ExpressionSyntaxError, Problem
from ..messages import json_text
from ..states import STATE_TYPES
from ..states.retry import Catcher, Retrier
from ..types import JSON, child
from ..validation import MAX_DEFINITION_DEPTH, find_problems, json_depth
from ..validation.machines import JSONATA, JSONPATH
from .model import Machine, State, StateGraph

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
        template = Template.compile(raw[field], found, field=field)
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

    # ---------------------------------------------------------------- the data flow

    def flow(
        self, raw: dict[str, Any], at: str, *, language: str = JSONPATH, parameters: bool = True
    ) -> DataFlow:
        """The state's data flow, picked by its query language here and nowhere else:
        `parameters=False` for states without Parameters / Arguments."""
        if language == JSONATA:
            return self.jsonata_flow(raw, at, arguments=parameters)
        return JsonPathFlow(
            input_path=self.path(raw, "InputPath", at),
            parameters=self.template(raw, "Parameters", at) if parameters else None,
            result_selector=self.template(raw, "ResultSelector", at),
            result_path=self.result_path(raw, at),
            output_path=self.path(raw, "OutputPath", at),
            assign=self.assignment(raw, at, language),
        )

    def jsonata_flow(self, raw: dict[str, Any], at: str, *, arguments: bool = True) -> DataFlow:
        """Arguments (when the state has them), Output and Assign of a JSONata state or Catch."""
        # The JSONata imports in this class are here for cold start: only JSONata machines load
        # dataflow/jsonata.py and jsonata-python (tests/unit/dataflow/test_jsonata.py checks it).
        from ..dataflow.jsonata import JsonataFlow

        return JsonataFlow.build(
            self.jsonata(raw, "Arguments", at) if arguments else None,
            self.jsonata(raw, "Output", at),
            self.assignment(raw, at, JSONATA),
        )

    def exit_flow(self, state_flow: DataFlow, rule: dict[str, Any], at: str, language: str) -> DataFlow:
        """A Choice rule's way out (`at` is the rule's pointer): the rule's Assign (and Output,
        JSONata) with the state's OutputPath (JSONPath). The state-level Assign / Output belong
        to the Default only (AWS; LocalStack's choice state agrees)."""
        if language == JSONATA:
            from ..dataflow.jsonata import JsonataFlow  # cold start: JSONata machines only

            return JsonataFlow.build(
                None, self.jsonata(rule, "Output", at), self.assignment(rule, at, JSONATA)
            )
        assert isinstance(state_flow, JsonPathFlow)  # the state's flow, in the same language
        return JsonPathFlow(output_path=state_flow.output_path, assign=self.assignment(rule, at, JSONPATH))

    def assignment(self, raw: dict[str, Any], at: str, language: str) -> Any:
        """The compiled `Assign` of `raw` (a state, a Catch, a Choice rule), or None."""
        block = raw.get("Assign")
        if not isinstance(block, dict):
            return None
        assign_at = child(at, "Assign")
        for key, message in name_problems(block, language):
            self.problem(child(assign_at, key), message)
        if not block:
            return None
        if language == JSONATA:
            return self.jsonata(raw, "Assign", at)
        template = self.template(raw, "Assign", at)
        if template is None:
            return None
        names = tuple(variable_name(key, language) for key in block)
        return Assignment(names=names, evaluate=template.evaluate)

    def jsonata(self, raw: dict[str, Any], field: str, at: str) -> Any:
        """A field that may hold `{% %}` expressions anywhere in it, compiled; None if absent."""
        if field not in raw:
            return None
        from ..dataflow.jsonata import JsonataTemplate  # cold start: JSONata machines only

        found: list[tuple[tuple[str | int, ...], str]] = []
        template = JsonataTemplate.compile(raw[field], field, found)
        for where, message in found:
            self.problem(child(at, field, *where), message)
        return template

    def value(
        self, raw: dict[str, Any], field: str, at: str, language: str, path_field: str | None = None
    ) -> JSON | ValueReader:
        """A field given as a literal, a `...Path` (JSONPath) or a `{% %}` expression (JSONata).

        Returns None when absent, the literal itself, or a reader with `read(data, scope)`,
        `text` (for messages) and `error` (the error name a bad value raises)."""
        if language == JSONATA and field in raw and is_jsonata(raw[field]):
            from ..dataflow.jsonata import JsonataValue  # cold start: JSONata machines only

            template = self.jsonata(raw, field, at)
            text = raw[field].strip()[2:-2].strip()
            return None if template is None else JsonataValue(template, text)
        if path_field is not None and path_field in raw:
            path = self.required_path(raw, path_field, at)
            return None if path is None else PathValue(path)
        return raw.get(field)

    def jsonata_value(self, raw: dict[str, Any], field: str, at: str) -> ValueReader | None:
        """A JSONata field whose whole value is evaluated (Items, ItemSelector): a JsonataValue,
        or None when absent."""
        template = self.jsonata(raw, field, at)
        if template is None:
            return None
        from ..dataflow.jsonata import JsonataValue  # cold start: JSONata machines only

        value = raw[field]
        text = value.strip()[2:-2].strip() if is_jsonata(value) else json_text(value, None)
        return JsonataValue(template, text)

    def retriers(self, raw: dict[str, Any]) -> tuple[Retrier, ...]:
        return tuple(Retrier.from_spec(spec) for spec in raw.get("Retry", ()))

    def catchers(self, raw: dict[str, Any], at: str, language: str = JSONPATH) -> tuple[Catcher, ...]:
        out = []
        for index, spec in enumerate(raw.get("Catch", ())):
            catch_at = child(at, "Catch", index)
            if language == JSONATA:
                flow = self.jsonata_flow(spec, catch_at, arguments=False)
                out.append(
                    Catcher(
                        error_equals=tuple(spec["ErrorEquals"]),
                        next=spec["Next"],
                        result_path=None,
                        flow=flow,
                    )
                )
                continue
            result_path = self.result_path(spec, catch_at)
            result_path = None if result_path is DISCARD else (result_path or ReferencePath.compile("$"))
            flow = JsonPathFlow(
                result_path=DISCARD if result_path is None else result_path,
                assign=self.assignment(spec, catch_at, JSONPATH),
            )
            out.append(
                Catcher(
                    error_equals=tuple(spec["ErrorEquals"]),
                    next=spec["Next"],
                    result_path=result_path,
                    flow=flow,
                )
            )
        return tuple(out)

    def graph(self, raw: dict[str, Any], at: str, query_language: str) -> StateGraph:
        language = raw.get("QueryLanguage", query_language)
        states: dict[str, State] = {}
        for name, spec in raw["States"].items():
            state_at = child(at, "States", name)
            state_language = spec.get("QueryLanguage", language)
            build: Callable[..., State] = STATE_TYPES[spec["Type"]]
            states[name] = build(spec, name=name, at=state_at, builder=self, language=state_language)
        return StateGraph(start_at=raw["StartAt"], states=states)


def is_jsonata(value: Any) -> bool:
    """A `{% %}` string (surrounding blanks allowed where a whole field is an expression)."""
    return isinstance(value, str) and value.strip().startswith("{%") and value.strip().endswith("%}")


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


class MachineCache:
    """The machines this process compiled, so a definition is validated and compiled once:
    by canonical text (a bounded number, oldest out first), by definition hash (resumes), and
    the few most recent by the definition's own text or object (`recent`). One per process
    (`MACHINES`): machines are immutable, so any engine may share them."""

    def __init__(self, size: int = 256, recent_size: int = 64) -> None:
        self.size, self.recent_size = size, recent_size
        self.by_text: dict[tuple[str, str | None], Machine] = {}
        self.by_hash: dict[tuple[str, str | None], Machine] = {}
        self.latest: dict[Any, tuple[Any, str | None, Machine]] = {}

    def forget(self) -> None:
        self.by_text.clear()
        self.by_hash.clear()
        self.latest.clear()

    def find_by_hash(self, digest: str, name: str | None) -> Machine | None:
        machine = self.by_hash.get((digest, name))
        if machine is None:
            unnamed = self.by_hash.get((digest, None))
            if unnamed is not None and unnamed.name == name:
                return unnamed
        return machine

    def recent(self, definition: JSON | str | bytes, name: str | None) -> Machine | None:
        key: Any = definition if isinstance(definition, (str, bytes)) else id(definition)
        entry = self.latest.get(key)
        if entry is None or entry[1] != name:
            return None
        source, _, machine = entry
        if isinstance(definition, (str, bytes)):
            return machine
        if source is definition and machine.definition == definition:
            return machine
        return None

    def remember(self, definition: JSON | str | bytes, name: str | None, machine: Machine) -> None:
        if isinstance(definition, bytearray):
            return
        key: Any = definition if isinstance(definition, (str, bytes)) else id(definition)
        if len(self.latest) >= self.recent_size and key not in self.latest:
            self.latest.pop(next(iter(self.latest)))
        self.latest[key] = (definition, name, machine)

    def add(self, key: tuple[str, str | None], machine: Machine) -> None:
        if len(self.by_text) >= self.size:
            (_, evicted_name), evicted = next(iter(self.by_text.items()))
            del self.by_text[(_, evicted_name)]
            self.by_hash.pop((evicted.definition_hash, evicted_name), None)
        self.by_text[key] = machine
        self.by_hash[(machine.definition_hash, key[1])] = machine


MACHINES = MachineCache()


def forget_machines() -> None:
    """Empty this process's machine caches, as a fresh process starts (tests, benchmarks)."""
    MACHINES.forget()


def machine_by_hash(digest: str, name: str | None) -> Machine | None:
    """A machine this process already compiled, by its definition's hash (resumes). A machine
    parsed without a name has its default name, which its executions' records carry."""
    return MACHINES.find_by_hash(digest, name)


def recent(definition: JSON | str | bytes, name: str | None = None) -> Machine | None:
    """The machine for a definition parsed moments ago, found without serialising it again:
    text by value, an object by identity confirmed by `==` against the machine's private copy.
    (An object mutated in place between runs is seen as changed, unless the only change swaps
    values Python calls equal, such as 1 for true: pass a fresh object if you do that.)"""
    return MACHINES.recent(definition, name)


def remember(definition: JSON | str | bytes, name: str | None, machine: Machine) -> None:
    """Let `recent` find `machine` for `definition` (text by value, an object by identity): the
    engine parses a text it has already loaded from its document, and remembers the text too."""
    MACHINES.remember(definition, name, machine)


def parse(definition: JSON | str | bytes, name: str | None = None) -> Machine:
    """Validate and compile a definition. Raises DefinitionError listing every problem.
    Machines are cached by content hash, so a definition is compiled once per process."""
    machine = recent(definition, name)
    if machine is not None:
        return machine
    doc = load_definition(definition)
    try:
        text = canonical_json(doc)
    except RecursionError:
        raise DefinitionError(
            [Problem("", f"the definition is nested more than {MAX_DEFINITION_DEPTH} levels deep")]
        ) from None
    except (TypeError, ValueError):
        raise DefinitionError([Problem("", "the definition is not a JSON document")]) from None
    key = (text, name)
    machine = MACHINES.by_text.get(key)
    if machine is None:
        # Only a new definition pays for the walk; the build below recurses per level.
        if json_depth(doc, MAX_DEFINITION_DEPTH) > MAX_DEFINITION_DEPTH:
            raise DefinitionError(
                [Problem("", f"the definition is nested more than {MAX_DEFINITION_DEPTH} levels deep")]
            )
        # A private copy: the cached machine must not change when the caller's dict does.
        try:
            private = json.loads(json.dumps(doc, ensure_ascii=False))  # C speed, no Python recursion
            machine = _build(private, hashlib.sha256(text.encode()).hexdigest(), name, text)
        except RecursionError:  # the last line of defence; json_depth keeps it unreachable
            raise DefinitionError([Problem("", "the definition is nested too deeply")]) from None
        MACHINES.add(key, machine)
    MACHINES.remember(definition, name, machine)
    return machine


def _build(doc: JSON, digest: str, name: str | None, text: str = "") -> Machine:
    problems = find_problems(doc)
    if problems:
        raise DefinitionError(problems)
    return _compile(doc, digest, name, text)


def _compile(doc: JSON, digest: str, name: str | None, text: str) -> Machine:
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
        definition_text=text,
    )
