"""Find every problem in an ASL definition, each located by a JSON pointer, without raising.

Two passes, both reporting all they find:

1. **Structure**: `schema/asl.schema.json` (Draft 2020-12). Its compiled form
   (`schema/generated_check.py`, made by fastjsonschema) says whether the definition is valid;
   only when it is not does jsonschema run, and each of its errors becomes a `Problem` whose
   message is written here, keyed on the failing keyword, rather than jsonschema's own wording.
2. **Meaning**: plain check functions, jsonschema's keyword style. Machine-level checks take
   `(machine, at)`; state-level checks take `(state, at, language)`. All of them tolerate a
   document that failed pass 1 (they skip any field of the wrong shape, which pass 1 reports).

The caller (`parse.py`) builds a model only when the list is empty. Nothing here compiles
anything for later use: paths, intrinsics and Choice rules are compiled only to see whether
they compile. No I/O besides reading the packaged schema once.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:  # jsonschema is imported when a structure check runs, not at import time
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

from .errors import ExpressionSyntaxError, Problem
from .paths import Path, ReferencePath
from .types import JSON, child, json_type, pointer
from .unsupported import check_unsupported_fields

__all__ = ["MAX_MACHINE_DEPTH", "find_problems"]

MAX_MACHINE_DEPTH = 100
"""Deepest allowed nesting of Parallel branches / Map processors. Real machines stay in single
digits; the limit bounds the work (and the pointers) an absurd or hostile document can cause."""

_SCHEMA_FILE = FilePath(__file__).with_name("schema") / "asl.schema.json"

JSONPATH = "JSONPath"
JSONATA = "JSONata"
_LANGUAGES = (JSONPATH, JSONATA)

_STATE_TYPES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
_NEEDS_TRANSITION = frozenset({"Pass", "Task", "Wait", "Parallel", "Map"})
_TERMINAL = frozenset({"Succeed", "Fail"})

# Must stay identical to the pattern in asl.schema.json: messages name it in plain words.
_JSONATA_PATTERN = r"^\s*\{%[\s\S]*%\}\s*$"
_JSONATA = re.compile(_JSONATA_PATTERN)

# Fields only one query language accepts, with the field the other language uses instead.
_JSONPATH_ONLY: dict[str, str | None] = {
    "InputPath": None,
    "OutputPath": "Output",
    "Parameters": "Arguments",
    "ResultSelector": "Output",
    "ResultPath": "Output",
    "Result": "Output",
    "ItemsPath": "Items",
    "SecondsPath": "Seconds",
    "TimestampPath": "Timestamp",
    "ErrorPath": "Error",
    "CausePath": "Cause",
    "TimeoutSecondsPath": "TimeoutSeconds",
    "HeartbeatSecondsPath": "HeartbeatSeconds",
    "MaxConcurrencyPath": "MaxConcurrency",
    "ToleratedFailureCountPath": "ToleratedFailureCount",
    "ToleratedFailurePercentagePath": "ToleratedFailurePercentage",
}
_JSONATA_ONLY: dict[str, str | None] = {
    "Arguments": "Parameters",
    "Output": "OutputPath",
    "Items": "ItemsPath",
}
# Fields whose value may be a '{% %}' JSONata string instead of a literal (JSONata only).
_JSONATA_VALUED = (
    "Seconds",
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "MaxConcurrency",
    "ToleratedFailureCount",
    "ToleratedFailurePercentage",
    "ItemSelector",
)

_READ_PATH_FIELDS = (
    "InputPath",
    "OutputPath",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
)
# AWS accepts an intrinsic call here as well as a path (e.g. "States.Format('{}', $.Error)").
_PATH_OR_INTRINSIC_FIELDS = ("ErrorPath", "CausePath")
_TEMPLATE_FIELDS = ("Parameters", "ResultSelector", "ItemSelector", "Credentials", "Assign")

_EXCLUSIVE: dict[str, tuple[tuple[str, str], ...]] = {
    "Task": (
        ("TimeoutSeconds", "TimeoutSecondsPath"),
        ("HeartbeatSeconds", "HeartbeatSecondsPath"),
    ),
    "Fail": (("Error", "ErrorPath"), ("Cause", "CausePath")),
    "Map": (
        ("Parameters", "ItemSelector"),
        ("Iterator", "ItemProcessor"),
        ("MaxConcurrency", "MaxConcurrencyPath"),
        ("ToleratedFailureCount", "ToleratedFailureCountPath"),
        ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"),
    ),
}
_WAIT_FIELDS = ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")

_JSONATA_RULE_FIELDS = ("Condition", "Next", "Comment", "Assign", "Output")

# An uppercase T and Z, as the ASL spec requires of timestamps.
_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))\Z")


# ------------------------------------------------------------------------------------ entry


def find_problems(doc: JSON, *, structure: bool = True) -> list[Problem]:
    """Every structural and semantic problem in `doc`, in document order; [] when it is valid.
    `doc` is decoded JSON (dict, list, str, int, float, bool, None), as `parse` passes it: a
    tuple, say, is not an array here. `structure=False` skips the JSON Schema pass (for a
    definition known to have passed it).

    Never raises, whatever `doc` is: a non-object, a wrong shape anywhere, absurd nesting.
    """
    if not isinstance(doc, dict):
        return [Problem("", f"a definition must be a JSON object, got {json_type(doc)}")]
    too_deep = _nesting_problem(doc)
    if too_deep is not None:
        # No real machine nests this deep; one problem says it all, the rest would repeat it.
        return [too_deep]
    machines = list(_machines(doc))
    problems: list[Problem] = []
    if structure and not _passes_compiled_check(doc):
        for machine in machines:
            problems.extend(_schema_problems(machine))
    problems.extend(_semantic_problems(doc, machines))
    return _in_document_order(doc, _unique(problems))


# -------------------------------------------------------------------------------- structure


def _passes_compiled_check(doc: JSON) -> bool:
    """The schema's compiled yes/no check (schema/generated_check.py): a valid definition
    passes without importing jsonschema; any other answer sends it through jsonschema, which
    finds and words the problems. The check is never more lenient than jsonschema (a test holds
    it to that), so a pass here is as good as an empty jsonschema report."""
    from fastjsonschema import JsonSchemaException

    from .schema import generated_check

    try:
        generated_check.validate(doc)
    except (JsonSchemaException, RecursionError):
        return False
    return True


@cache
def _validators() -> dict[str, Draft202012Validator]:
    """One validator per kind of machine, each checking a single level of nesting.

    The schema file describes the whole recursive document. Validating it in one go would
    recurse (about twenty Python frames per nested machine) into a RecursionError long before
    MAX_MACHINE_DEPTH, so here the nested machines are cut out of it (a branch or processor is
    just "an object" to its parent) and each machine is validated on its own, under its pointer.
    """
    from jsonschema import Draft202012Validator

    # Our own schema is checked against the meta-schema by a unit test, not at every cold start.
    schema = json.loads(_SCHEMA_FILE.read_text("utf-8"))
    defs = dict(schema["$defs"])
    defs["branchMachine"], defs["branch"] = defs["branch"], {"type": "object"}
    defs["processorMachine"], defs["processor"] = defs["processor"], {"type": "object"}
    root = {**schema, "$defs": defs}
    dialect = schema["$schema"]
    return {
        "root": Draft202012Validator(root),
        "branch": Draft202012Validator({"$schema": dialect, "$defs": defs, "$ref": "#/$defs/branchMachine"}),
        "processor": Draft202012Validator(
            {"$schema": dialect, "$defs": defs, "$ref": "#/$defs/processorMachine"}
        ),
    }


@cache
def _meta_validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(Draft202012Validator.META_SCHEMA)


def _schema_problems(machine: _Machine) -> Iterator[Problem]:
    for error in _validators()[machine.kind].iter_errors(machine.raw):
        yield from _problems_from_error(error, machine.at)


def _problems_from_error(error: ValidationError, prefix: str) -> Iterator[Problem]:
    """Our own words for one jsonschema error (some errors name several fields)."""
    at = prefix + pointer(*error.absolute_path)
    keyword = error.validator
    value: Any = error.validator_value
    instance = error.instance
    if keyword in ("anyOf", "oneOf") and error.context:
        from jsonschema.exceptions import best_match

        # Like jsonschema's best_match: the sub-error that went deepest says the most.
        yield from _problems_from_error(best_match(error.context), prefix)
        return
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        for key in instance:
            if key not in known:
                yield Problem(child(at, key), f"unknown field {_q(key)}{_did_you_mean(key, known)}")
        return
    if keyword == "required" and isinstance(instance, dict):
        for name in value:
            if name not in instance and error.message.startswith(repr(name)):
                yield Problem(at, f"missing required field {_q(name)}")
        return
    yield Problem(at, _keyword_message(keyword, value, instance, error))


def _keyword_message(keyword: str, value: Any, instance: JSON, error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    got = json_type(instance)
    if keyword == "type":
        # "must be an integer, got number" would read as a contradiction: show the value then.
        wanted = [value] if isinstance(value, str) else list(value)
        if got == "number" and "integer" in wanted:
            got = _show(instance)
        return f"must be {_expected(value, schema)}, got {got}"
    if keyword == "enum":
        return f"must be one of {_or(_show(v) for v in value)}, got {_show(instance)}"
    if keyword == "const":
        return f"must be {_show(value)}, got {_show(instance)}"
    if keyword == "minimum":
        return f"must be at least {value}, got {_show(instance)}"
    if keyword == "maximum":
        return f"must be at most {value}, got {_show(instance)}"
    if keyword == "exclusiveMinimum":
        return f"must be greater than {value}, got {_show(instance)}"
    if keyword == "exclusiveMaximum":
        return f"must be less than {value}, got {_show(instance)}"
    if keyword in ("minItems", "minProperties", "minLength"):
        return "must not be empty" if value == 1 else f"must have at least {value} entries"
    if keyword == "pattern":
        return f"must be {_expected(schema.get('type', 'string'), schema)}, got {_show(instance)}"
    # Keywords our schema does not use (ResumeSchema meta-validation may): jsonschema's words.
    return str(error.message)


def _expected(types: Any, schema: dict[str, Any]) -> str:
    names = [types] if isinstance(types, str) else list(types)
    jsonata = schema.get("pattern") == _JSONATA_PATTERN
    words = []
    for name in names:
        if name == "string" and jsonata:
            words.append("a JSONata expression '{% ... %}'")
        else:
            words.append(_TYPE_WORDS.get(name, str(name)))
    return _or(words)


_TYPE_WORDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "null",
}


# ---------------------------------------------------------------------------------- meaning


@dataclass(frozen=True, slots=True)
class _Machine:
    """One state machine in the document: the top level, a Parallel branch or a Map processor."""

    raw: dict[str, Any]
    at: str
    depth: int
    kind: str  # "root", "branch" or "processor": which schema describes it


def _machines(doc: dict[str, Any]) -> Iterator[_Machine]:
    """Every machine, parents before children, walked without recursion."""
    stack = [_Machine(doc, "", 0, "root")]
    while stack:
        machine = stack.pop()
        yield machine
        nested: list[_Machine] = []
        for name, state in _states(machine.raw):
            state_at = child(machine.at, "States", name)
            branches = state.get("Branches")
            if isinstance(branches, list):
                for index, branch in enumerate(branches):
                    if isinstance(branch, dict):
                        nested.append(
                            _Machine(
                                branch,
                                child(state_at, "Branches", index),
                                machine.depth + 1,
                                "branch",
                            )
                        )
            for field in ("ItemProcessor", "Iterator"):
                processor = state.get(field)
                if isinstance(processor, dict):
                    nested.append(_Machine(processor, child(state_at, field), machine.depth + 1, "processor"))
        stack.extend(reversed(nested))


def _states(machine: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    states = machine.get("States")
    if isinstance(states, dict):
        for name, state in states.items():
            if isinstance(state, dict):
                yield name, state


def _nesting_problem(doc: dict[str, Any]) -> Problem | None:
    for machine in _machines(doc):
        if machine.depth > MAX_MACHINE_DEPTH:
            return Problem(
                machine.at,
                f"state machines are nested more than {MAX_MACHINE_DEPTH} levels deep "
                "(Parallel branches and Map processors)",
            )
    return None


def _semantic_problems(doc: dict[str, Any], machines: list[_Machine]) -> Iterator[Problem]:
    root_language = doc.get("QueryLanguage")
    if root_language not in _LANGUAGES:
        root_language = JSONPATH
    everywhere = _state_locations(machines)
    for machine in machines:
        for machine_check in MACHINE_CHECKS:
            yield from machine_check(machine.raw, machine.at)
        yield from check_targets(machine.raw, machine.at, everywhere)
        for name, state in _states(machine.raw):
            state_at = child(machine.at, "States", name)
            own = state.get("QueryLanguage")
            if own == JSONPATH and root_language == JSONATA:
                yield Problem(
                    child(state_at, "QueryLanguage"),
                    "cannot be JSONPath when the machine's top-level QueryLanguage is JSONata",
                )
            # AWS: a state without QueryLanguage uses the top-level one, even inside a
            # Parallel branch or Map processor whose own state names another language.
            language = own if own in _LANGUAGES else root_language
            for state_check in STATE_CHECKS:
                yield from state_check(state, state_at, language)
    yield from check_unique_names(machines)


# Machine-level checks: (machine, pointer of the machine) -> problems.


def check_start_at(machine: dict[str, Any], at: str) -> Iterator[Problem]:
    """StartAt must name a state of this machine."""
    states = machine.get("States")
    start = machine.get("StartAt")
    if isinstance(states, dict) and isinstance(start, str) and start not in states:
        yield Problem(child(at, "StartAt"), _not_a_state(start, states, None))


def check_reachable(machine: dict[str, Any], at: str) -> Iterator[Problem]:
    """Every state can be reached from StartAt (AWS rejects unreachable states)."""
    states = machine.get("States")
    start = machine.get("StartAt")
    if not isinstance(states, dict) or not isinstance(start, str) or start not in states:
        return  # a bad StartAt is reported once, not as every state being unreachable
    seen = {start}
    todo = [start]
    while todo:
        state = states[todo.pop()]
        if not isinstance(state, dict):
            continue
        for _, target in _transitions(state, ""):
            if target in states and target not in seen:
                seen.add(target)
                todo.append(target)
    for name, state in states.items():
        # A state that is not even an object is reported by the schema; one problem is enough.
        if name not in seen and isinstance(state, dict):
            yield Problem(
                child(at, "States", name),
                f"state {_q(name)} cannot be reached from StartAt {_q(start)}",
            )


MACHINE_CHECKS: tuple[Callable[[dict[str, Any], str], Iterable[Problem]], ...] = (
    check_start_at,
    check_reachable,
)


def check_targets(
    machine: dict[str, Any], at: str, everywhere: dict[str, str] | None = None
) -> Iterator[Problem]:
    """Next, Default, Choices[].Next and Catch[].Next must name a state of the same machine.

    `everywhere` (state name -> pointer, all machines) only improves the message when a target
    lives in another machine: transitions never cross a branch or processor boundary.
    """
    states = machine.get("States")
    if not isinstance(states, dict):
        return
    for name, state in _states(machine):
        for target_at, target in _transitions(state, child(at, "States", name)):
            if target not in states:
                yield Problem(target_at, _not_a_state(target, states, everywhere))


def _transitions(state: dict[str, Any], at: str) -> Iterator[tuple[str, str]]:
    """(pointer, target name) for every transition a state declares with a string target."""
    kind = _type_of(state)
    if kind not in _TERMINAL and kind != "Choice" and isinstance(state.get("Next"), str):
        yield child(at, "Next"), state["Next"]
    if kind == "Choice":
        rules = state.get("Choices")
        if isinstance(rules, list):
            for index, rule in enumerate(rules):
                if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
                    yield child(at, "Choices", index, "Next"), rule["Next"]
        if isinstance(state.get("Default"), str):
            yield child(at, "Default"), state["Default"]
    catchers = state.get("Catch")
    if isinstance(catchers, list):
        for index, catcher in enumerate(catchers):
            if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
                yield child(at, "Catch", index, "Next"), catcher["Next"]


def _not_a_state(name: str, states: dict[str, Any], everywhere: dict[str, str] | None) -> str:
    if everywhere and name in everywhere:
        return (
            f"{_q(name)} is not a state in this machine (it is defined at {everywhere[name]}; "
            "transitions cannot cross into or out of a Parallel branch or Map processor)"
        )
    return f"{_q(name)} is not a state in this machine{_did_you_mean(name, states)}"


def _state_locations(machines: list[_Machine]) -> dict[str, str]:
    where: dict[str, str] = {}
    for machine in machines:
        for name, _ in _states(machine.raw):
            where.setdefault(name, child(machine.at, "States", name))
    return where


def check_unique_names(machines: list[_Machine]) -> Iterator[Problem]:
    """State names are unique across the whole definition, nested machines included (AWS)."""
    first: dict[str, str] = {}
    for machine in machines:
        states = machine.raw.get("States")
        if not isinstance(states, dict):
            continue
        for name in states:
            at = child(machine.at, "States", name)
            if name in first:
                yield Problem(
                    at,
                    f"state name {_q(name)} is already used at {first[name]}; "
                    "state names must be unique in the whole definition",
                )
            else:
                first[name] = at


# State-level checks: (state, pointer of the state, effective query language) -> problems.


def check_transition_fields(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """Next or End (exactly one) where the type needs it; neither on Choice, Succeed, Fail."""
    kind = _type_of(state)
    if kind in _NEEDS_TRANSITION:
        has_next = "Next" in state
        # End: false says nothing; a non-boolean End is the schema's to report.
        has_end = "End" in state and state["End"] is not False
        if has_next and has_end:
            yield Problem(at, "cannot have both 'Next' and 'End'; use one of them")
        elif not has_next and not has_end:
            yield Problem(at, "missing required field 'Next' or 'End'")
    elif kind == "Choice":
        for field in ("Next", "End"):
            if field in state:
                yield Problem(
                    child(at, field),
                    f"a Choice state cannot have {_q(field)}; its Choices and Default pick the next state",
                )
    elif kind in _TERMINAL:
        for field in ("Next", "End"):
            if field in state:
                yield Problem(
                    child(at, field),
                    f"a {kind} state cannot have {_q(field)}; it always ends its machine",
                )


def check_exclusive_fields(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """Pairs of fields that say the same thing two ways; Wait's four ways to say how long."""
    kind = _type_of(state)
    if kind is None:
        return
    for first, second in _EXCLUSIVE.get(kind, ()):
        if first in state and second in state:
            yield Problem(at, f"{_q(first)} and {_q(second)} cannot be used together; use one")
    if kind == "Map" and "ItemProcessor" not in state and "Iterator" not in state:
        yield Problem(at, "missing required field 'ItemProcessor'")
    if kind == "Wait":
        present = [field for field in _WAIT_FIELDS if field in state]
        choices = _or(_q(f) for f in _WAIT_FIELDS)
        if not present:
            yield Problem(at, f"missing how long to wait: one of {choices}")
        elif len(present) > 1:
            both = _and(_q(f) for f in present)
            yield Problem(at, f"{both} cannot be used together; use exactly one of {choices}")


def check_timeouts(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """HeartbeatSeconds must be smaller than TimeoutSeconds when both are literal numbers."""
    if state.get("Type") != "Task":
        return
    timeout, heartbeat = state.get("TimeoutSeconds"), state.get("HeartbeatSeconds")
    if _is_number(timeout) and _is_number(heartbeat) and heartbeat >= timeout:
        yield Problem(
            child(at, "HeartbeatSeconds"),
            f"must be smaller than TimeoutSeconds ({_show(timeout)}), got {_show(heartbeat)}",
        )


def check_query_language(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """Fields the state's effective query language does not have."""
    other = JSONPATH if language == JSONATA else JSONATA
    forbidden = _JSONPATH_ONLY if language == JSONATA else _JSONATA_ONLY
    for field, instead in forbidden.items():
        if field in state:
            if field == "Parameters" and state.get("Type") == "Map":
                instead = "ItemSelector"
            yield Problem(child(at, field), _language_message(field, other, instead))
    if language == JSONPATH:
        for field in _JSONATA_VALUED:
            value = state.get(field)
            if isinstance(value, str) and _JSONATA.match(value):
                yield Problem(
                    child(at, field),
                    "a JSONata expression can only be used when QueryLanguage is JSONata",
                )
    catchers = state.get("Catch")
    if isinstance(catchers, list):
        catcher_forbidden = ("ResultPath",) if language == JSONATA else ("Output",)
        for index, catcher in enumerate(catchers):
            if not isinstance(catcher, dict):
                continue
            for field in catcher_forbidden:
                if field in catcher:
                    yield Problem(
                        child(at, "Catch", index, field),
                        _language_message(field, other, forbidden[field]),
                    )


def _language_message(field: str, needed: str, instead: str | None) -> str:
    hint = f"; use {_q(instead)}" if instead else ""
    return f"{_q(field)} can only be used when QueryLanguage is {needed}{hint}"


def check_error_handlers(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """'States.ALL' stands alone in its ErrorEquals, in the last retrier or catcher."""
    for field, noun in (("Retry", "retrier"), ("Catch", "catcher")):
        handlers = state.get(field)
        if not isinstance(handlers, list):
            continue
        for index, handler in enumerate(handlers):
            if not isinstance(handler, dict):
                continue
            names = handler.get("ErrorEquals")
            if not isinstance(names, list) or "States.ALL" not in names:
                continue
            if len(names) > 1:
                yield Problem(
                    child(at, field, index, "ErrorEquals"),
                    "'States.ALL' must be the only error name in its ErrorEquals",
                )
            if index != len(handlers) - 1:
                yield Problem(
                    child(at, field, index),
                    f"a {noun} with 'States.ALL' must be the last one in {field}",
                )


def check_timestamp(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """A literal Wait Timestamp is an RFC 3339 timestamp with an uppercase T and Z."""
    value = state.get("Timestamp")
    if state.get("Type") != "Wait" or not isinstance(value, str):
        return
    if _JSONATA.match(value):
        if language == JSONPATH:
            yield Problem(
                child(at, "Timestamp"),
                "a JSONata expression can only be used when QueryLanguage is JSONata",
            )
        return
    if not _is_rfc3339(value):
        yield Problem(
            child(at, "Timestamp"),
            f"{_show(value)} is not an RFC 3339 timestamp like '2016-03-14T01:59:00Z'",
        )


def check_paths(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """Every JSONPath field compiles (JSONata states are told not to have them at all)."""
    if language != JSONPATH:
        return
    for field in _READ_PATH_FIELDS:
        value = state.get(field)
        if isinstance(value, str):
            yield from _path_problems(value, child(at, field))
    for field in _PATH_OR_INTRINSIC_FIELDS:
        value = state.get(field)
        if isinstance(value, str):
            if value.startswith("States."):
                yield from _intrinsic_problems(value, child(at, field))
            else:
                yield from _path_problems(value, child(at, field))
    if isinstance(state.get("ResultPath"), str):
        yield from _reference_path_problems(state["ResultPath"], child(at, "ResultPath"))
    catchers = state.get("Catch")
    if isinstance(catchers, list):
        for index, catcher in enumerate(catchers):
            if isinstance(catcher, dict) and isinstance(catcher.get("ResultPath"), str):
                yield from _reference_path_problems(
                    catcher["ResultPath"], child(at, "Catch", index, "ResultPath")
                )


def check_templates(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """Every `name.$` key in a payload template holds a path or an intrinsic call that compiles."""
    if language != JSONPATH:
        return
    for field in _TEMPLATE_FIELDS:
        if isinstance(state.get(field), dict):
            yield from _template_problems(state[field], child(at, field), assign=field == "Assign")
    for list_field in ("Catch", "Choices"):
        entries = state.get(list_field)
        if isinstance(entries, list):
            for index, entry in enumerate(entries):
                if isinstance(entry, dict) and isinstance(entry.get("Assign"), dict):
                    yield from _template_problems(
                        entry["Assign"], child(at, list_field, index, "Assign"), assign=True
                    )


def check_choice_rules(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """Choice rules: JSONPath ones through `choice_rules.check_choice`, JSONata ones here."""
    rules = state.get("Choices")
    if state.get("Type") != "Choice" or not isinstance(rules, list):
        return
    if language == JSONATA:
        for index, rule in enumerate(rules):
            yield from _jsonata_rule_problems(rule, child(at, "Choices", index))
        return
    check_choice = _choice_checker()
    if check_choice is None:
        return  # choice_rules not importable (yet): nothing to delegate to
    for index, rule in enumerate(rules):
        rule_at = child(at, "Choices", index)
        try:
            yield from check_choice(rule, rule_at)
        except Exception as exc:  # noqa: BLE001 - a checker bug must not escape find_problems
            yield Problem(rule_at, f"could not be checked ({type(exc).__name__}: {exc})")


def _jsonata_rule_problems(rule: JSON, at: str) -> Iterator[Problem]:
    if not isinstance(rule, dict):
        yield Problem(at, f"a Choice rule must be an object, got {json_type(rule)}")
        return
    for field in ("Condition", "Next"):
        if field not in rule:
            yield Problem(at, f"missing required field {_q(field)}")
    condition = rule.get("Condition")
    if "Condition" in rule and not isinstance(condition, bool):
        if not isinstance(condition, str) or not _JSONATA.match(condition):
            yield Problem(
                child(at, "Condition"),
                f"must be a JSONata expression '{{% ... %}}' or true or false, got {_show(condition)}",
            )
    if "Next" in rule and not isinstance(rule["Next"], str):
        yield Problem(child(at, "Next"), f"must be a string, got {json_type(rule['Next'])}")
    if "Comment" in rule and not isinstance(rule["Comment"], str):
        yield Problem(child(at, "Comment"), f"must be a string, got {json_type(rule['Comment'])}")
    if "Assign" in rule and not isinstance(rule["Assign"], dict):
        yield Problem(child(at, "Assign"), f"must be an object, got {json_type(rule['Assign'])}")
    for field in rule:
        if field not in _JSONATA_RULE_FIELDS:
            if field in ("Variable", "And", "Or", "Not") or field in _choice_operators():
                message = f"{_q(field)} can only be used when QueryLanguage is JSONPath; use 'Condition'"
            else:
                message = f"unknown field {_q(field)}{_did_you_mean(field, _JSONATA_RULE_FIELDS)}"
            yield Problem(child(at, field), message)


def check_resume_schema(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """statebox's Task extension: ResumeSchema must itself be a valid Draft 2020-12 schema."""
    schema = state.get("ResumeSchema")
    if state.get("Type") != "Task" or not isinstance(schema, dict):
        return
    schema_at = child(at, "ResumeSchema")
    try:
        problems = [
            problem
            for error in _meta_validator().iter_errors(schema)
            for problem in _problems_from_error(error, schema_at)
        ]
    except RecursionError:
        problems = [Problem(schema_at, "is nested too deeply to check")]
    except Exception as exc:  # noqa: BLE001 - e.g. an unresolvable $ref inside the meta-schema walk
        problems = [Problem(schema_at, f"is not a usable JSON Schema ({exc})")]
    yield from problems
    from .resume_schema import definition_problems  # local references only, patterns compile

    yield from definition_problems(schema, schema_at)


STATE_CHECKS: tuple[Callable[[dict[str, Any], str, str], Iterable[Problem]], ...] = (
    check_transition_fields,
    check_exclusive_fields,
    check_timeouts,
    check_query_language,
    check_error_handlers,
    check_timestamp,
    check_paths,
    check_templates,
    check_choice_rules,
    check_resume_schema,
    check_unsupported_fields,
)


# ------------------------------------------------------------------ expressions (compile only)


def _path_problems(text: str, at: str) -> Iterator[Problem]:
    try:
        Path.compile(text)
    except ExpressionSyntaxError as exc:
        yield Problem(at, str(exc))
    except Exception as exc:  # noqa: BLE001 - jsonpath-ng can fail in ways of its own
        yield Problem(at, f"invalid path {_show(text)} ({type(exc).__name__}: {exc})")


def _reference_path_problems(text: str, at: str) -> Iterator[Problem]:
    try:
        ReferencePath.compile(text)
    except ExpressionSyntaxError as exc:
        yield Problem(at, str(exc))
    except Exception as exc:  # noqa: BLE001
        yield Problem(at, f"invalid reference path {_show(text)} ({type(exc).__name__}: {exc})")


def _intrinsic_problems(text: str, at: str) -> Iterator[Problem]:
    compile_intrinsic = _intrinsic_compiler()
    if compile_intrinsic is None:
        return  # intrinsics not importable (yet): the builder will still compile it
    try:
        compile_intrinsic(text)
    except ExpressionSyntaxError as exc:
        yield Problem(at, str(exc))
    except Exception as exc:  # noqa: BLE001 - a parser bug must not escape find_problems
        yield Problem(at, f"could not be checked ({type(exc).__name__}: {exc})")


_DUPLICATE_FIELD = "both name one field: a template must not repeat a name once '.$' is stripped"


def _template_problems(template: dict[str, Any], at: str, *, assign: bool = False) -> Iterator[Problem]:
    """Walk a payload template without recursion (templates can be arbitrarily deep). An
    Assign block's own names are variables, checked (twice-assigned too) by parse.py."""
    stack: list[tuple[JSON, str]] = [(template, at)]
    while stack:
        node, node_at = stack.pop()
        if isinstance(node, list):
            stack.extend((item, child(node_at, i)) for i, item in reversed(list(enumerate(node))))
            continue
        if not isinstance(node, dict):
            continue
        nested: list[tuple[JSON, str]] = []
        for key, value in node.items():
            value_at = child(node_at, key)
            if isinstance(key, str) and key.endswith(".$"):
                duplicate = key[:-2] in node and not key[:-2].endswith(".$")  # ASL: Payload Template
                if duplicate and not (assign and node is template):
                    yield Problem(value_at, f"{_q(key)} and {_q(key[:-2])} {_DUPLICATE_FIELD}")
                yield from _dynamic_value_problems(key, value, value_at)
            elif isinstance(value, (dict, list)):
                nested.append((value, value_at))
        stack.extend(reversed(nested))


def _dynamic_value_problems(key: str, value: JSON, at: str) -> Iterator[Problem]:
    if isinstance(value, str) and value.startswith("$"):
        yield from _path_problems(value, at)
    elif isinstance(value, str) and value.startswith("States."):
        yield from _intrinsic_problems(value, at)
    else:
        yield Problem(
            at,
            f"the value of {_q(key)} must be a path ('$.x', '$$.x' or '$var') or an intrinsic "
            f"function call ('States.Format(...)'), got {_show(value)}",
        )


def _intrinsic_compiler() -> Callable[[str], object] | None:
    # Imported lazily: the intrinsics package is developed alongside this module.
    try:
        from .intrinsics import compile_intrinsic
    except Exception:  # noqa: BLE001 - missing or broken: skip the check rather than fail
        return None
    return compile_intrinsic


def _choice_checker() -> Callable[[JSON, str], list[Problem]] | None:
    try:
        from .choice_rules import check_choice
    except Exception:  # noqa: BLE001
        return None
    return check_choice


def _choice_operators() -> frozenset[str]:
    try:
        from .choice_rules import OPERATORS
    except Exception:  # noqa: BLE001
        return frozenset()
    return frozenset(OPERATORS)


# ------------------------------------------------------------------------------------ helpers


def _is_rfc3339(text: str) -> bool:
    m = _RFC3339.match(text)
    if not m:
        return False
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if m.group(9) is not None and (int(m.group(9)) > 23 or int(m.group(10)) > 59):
        return False
    try:
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return True


def _type_of(state: dict[str, Any]) -> str | None:
    """The state's Type if it is one of the eight; None otherwise (the schema reports it)."""
    kind = state.get("Type")
    return kind if isinstance(kind, str) and kind in _STATE_TYPES else None


def _is_number(value: JSON) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _show(value: JSON, limit: int = 60) -> str:
    """A short rendering of a value for a message; containers are named, never dumped."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 3] + "..."
        return "'" + text + "'"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (int, float)):
        try:
            return repr(value)
        except ValueError:  # Python refuses to print ints of more than 4300 digits
            return "a very large number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return json_type(value)


def _q(name: object) -> str:
    return _show(name) if isinstance(name, str) else repr(name)


def _or(words: Iterable[str]) -> str:
    items = list(words)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _and(words: Iterable[str]) -> str:
    items = list(words)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _did_you_mean(name: object, known: Iterable[object]) -> str:
    if not isinstance(name, str):
        return ""
    candidates = [k for k in known if isinstance(k, str)]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    return f"; did you mean {_q(close[0])}?" if close else ""


def _unique(problems: list[Problem]) -> list[Problem]:
    # Two passes may notice the same thing in the same words; say it once.
    return list(dict.fromkeys(problems))


def _in_document_order(doc: dict[str, Any], problems: list[Problem]) -> list[Problem]:
    """Sort by where each pointer lands in the document (stable: same place keeps its order)."""

    def position(problem: Problem) -> tuple[int, ...]:
        node: JSON = doc
        key: list[int] = []
        for raw in problem.pointer.split("/")[1:]:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict):
                names = list(node)
                index = names.index(part) if part in node else len(names)
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                index = int(part)
                node = node[index]
            else:
                index, node = 0, None
            key.append(index)
        return tuple(key)

    return sorted(problems, key=position)
