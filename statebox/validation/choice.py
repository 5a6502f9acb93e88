"""Choice rules: every problem with a Choice state's `Choices`, in either query language.

A JSONPath rule is a tree of And / Or / Not and comparisons (`check_choice`); a JSONata rule is
a `Condition` and a `Next`. The operators come from `choice_rules.OPERATORS`, the table the
compiled predicates dispatch through too, so both agree on what an operand must be.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from ..dataflow.paths import Path
from ..errors import ExpressionSyntaxError, Problem
from ..messages import a_type, did_you_mean, missing_field, only_in_language, quoted, show, unknown_field
from ..states.choice_rules import OPERATORS, Operator, ValueKind, is_number, pattern_segments
from ..timestamps import parse_instant
from ..types import JSON, child, json_type
from .machines import JSONATA, is_jsonata_text

_JSONATA_RULE_FIELDS = ("Condition", "Next", "Comment", "Assign", "Output")
_JSONATA_RULE_TYPES = (("Next", str, "a string"), ("Comment", str, "a string"), ("Assign", dict, "an object"))
_COMBINATORS = ("And", "Or", "Not")
_JSONATA_ONLY = ("Condition", "Output")
_TOP_LEVEL_ONLY = ("Next", "Assign")
_MAX_DEPTH = 100  # deeper nesting would only exhaust the stack; no real rule comes close

_OPERAND_WORDS: Mapping[ValueKind, str] = {
    "string": "a string",
    "number": "a number",
    "boolean": "true or false",
    "timestamp": "an ISO-8601 timestamp string such as 2016-03-14T01:59:00Z",
    "pattern": "a string",
}


def check_choice_rules(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """Choice rules: JSONPath ones through `check_choice`, JSONata ones by their own rules."""
    rules = state.get("Choices")
    if state.get("Type") != "Choice" or not isinstance(rules, list):
        return
    if language == JSONATA:
        for index, rule in enumerate(rules):
            yield from _jsonata_rule_problems(rule, child(at, "Choices", index))
        return
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
            yield Problem(at, missing_field(field))
    condition = rule.get("Condition")
    if "Condition" in rule and not isinstance(condition, bool) and not is_jsonata_text(condition):
        yield Problem(
            child(at, "Condition"),
            f"must be a JSONata expression '{{% ... %}}' or true or false, got {show(condition)}",
        )
    for field, wanted, words in _JSONATA_RULE_TYPES:
        if field in rule and not isinstance(rule[field], wanted):
            yield Problem(child(at, field), f"must be {words}, got {json_type(rule[field])}")
    for field in rule:
        if field in _JSONATA_RULE_FIELDS:
            continue
        if field in ("Variable", *_COMBINATORS) or field in OPERATORS:
            message = only_in_language(field, "JSONPath", "Condition")
        else:
            message = unknown_field(field, _JSONATA_RULE_FIELDS)
        yield Problem(child(at, field), message)


# ------------------------------------------------------------------------------- JSONPath rules


def check_choice(raw: object, at: str) -> list[Problem]:
    """Every problem with a top-level Choice rule (JSONPath), located by JSON pointer.

    Never raises: input of any shape yields problems instead. Whether `Next` names an existing
    state, and the contents of `Assign`, are the Choice state's to check.
    """
    problems: list[Problem] = []
    try:
        _check_rule(raw, at, True, 0, problems)
    except RecursionError:
        problems.append(Problem(at, "Choice rules are nested too deeply"))
    return problems


def _check_rule(raw: object, at: str, top: bool, depth: int, problems: list[Problem]) -> None:
    if not isinstance(raw, dict):
        problems.append(Problem(at, f"a Choice rule must be an object, not {a_type(raw)}"))
        return
    if depth > _MAX_DEPTH:
        problems.append(Problem(at, f"Choice rules are nested more than {_MAX_DEPTH} deep"))
        return
    combinators = [key for key in _COMBINATORS if key in raw]
    operators = [key for key in raw if isinstance(key, str) and key in OPERATORS]
    problems.extend(_shape_problems(raw, at, combinators + operators))
    if top:
        problems.extend(_top_level_problems(raw, at))
    if "Comment" in raw and not isinstance(raw["Comment"], str):
        problems.append(Problem(child(at, "Comment"), "Comment must be a string"))
    if operators:
        problems.extend(_comparison_problems(raw, at, operators))
    _check_nested(raw, at, depth, problems)
    problems.extend(_unknown_fields(raw, at, top, combinators, operators))


def _shape_problems(raw: dict[str, Any], at: str, shape: list[str]) -> Iterator[Problem]:
    if len(shape) > 1:
        yield Problem(
            at,
            "a Choice rule must have exactly one of And, Or, Not or a comparison operator; "
            f"found {', '.join(shape)}",
        )
    elif not shape and "Condition" not in raw:
        yield Problem(
            at,
            "a Choice rule needs a comparison (a Variable and an operator such as "
            "StringEquals) or one of And, Or, Not",
        )


def _top_level_problems(raw: dict[str, Any], at: str) -> Iterator[Problem]:
    if "Next" not in raw:
        yield Problem(at, "a top-level Choice rule needs Next")
    elif not isinstance(raw["Next"], str) or not raw["Next"]:
        yield Problem(child(at, "Next"), "Next must be the name of a state (a non-empty string)")
    if "Assign" in raw and not isinstance(raw["Assign"], dict):
        yield Problem(child(at, "Assign"), f"Assign must be an object, not {a_type(raw['Assign'])}")


def _comparison_problems(raw: dict[str, Any], at: str, operators: list[str]) -> Iterator[Problem]:
    if "Variable" not in raw:
        yield Problem(at, f"a {operators[0]} comparison needs a Variable")
    else:
        why = _path_problem(raw["Variable"])
        if why is not None:
            yield Problem(child(at, "Variable"), f"Variable {why}")
    for name in operators:
        why = _operand_problem(OPERATORS[name], raw[name])
        if why is not None:
            yield Problem(child(at, name), f"{name} {why}")


def _check_nested(raw: dict[str, Any], at: str, depth: int, problems: list[Problem]) -> None:
    for name in ("And", "Or"):
        if name not in raw:
            continue
        rules = raw[name]
        if not isinstance(rules, list) or not rules:
            problems.append(Problem(child(at, name), f"{name} must be a non-empty array of Choice rules"))
            continue
        for index, rule in enumerate(rules):
            _check_rule(rule, child(at, name, index), False, depth + 1, problems)
    if "Not" in raw:
        if isinstance(raw["Not"], list):
            problems.append(Problem(child(at, "Not"), "Not takes a single Choice rule, not an array"))
        else:
            _check_rule(raw["Not"], child(at, "Not"), False, depth + 1, problems)


def _unknown_fields(
    raw: dict[str, Any], at: str, top: bool, combinators: list[str], operators: list[str]
) -> Iterator[Problem]:
    allowed = {"Comment", *combinators, *operators}
    if operators or not combinators:
        allowed.add("Variable")
    if top:
        allowed.update(_TOP_LEVEL_ONLY)
    combinator = combinators[0] if combinators and not operators else None
    for key in raw:
        if key not in allowed:
            yield Problem(child(at, key), _unknown_field(key, top, combinator))


def _unknown_field(key: object, top: bool, combinator: str | None) -> str:
    if key in _JSONATA_ONLY:
        return f"{key} is only allowed in JSONata Choice rules (QueryLanguage: JSONata)"
    if key in _TOP_LEVEL_ONLY and not top:
        return f"{key} is only allowed in a top-level Choice rule, not inside And, Or or Not"
    if key == "Variable" and combinator is not None:
        return f"Variable is not allowed beside {combinator}; put it in the nested rules"
    known = [*OPERATORS, *_COMBINATORS, "Variable", "Comment", *_TOP_LEVEL_ONLY]
    return f"unknown field {quoted(key)} in a Choice rule{did_you_mean(key, known, quote=False)}"


def _path_problem(value: object) -> str | None:
    """Why `value` is not a usable path, or None when it is one."""
    if not isinstance(value, str):
        return f"must be a path string starting with '$', not {a_type(value)}"
    try:
        Path.compile(value)
    except ExpressionSyntaxError as exc:
        return f"is not a valid path: {exc}"
    except Exception as exc:  # noqa: BLE001 - validation must report, never raise
        return f"is not a valid path: {exc}"
    return None


def _operand_problem(operator: Operator, value: object) -> str | None:
    if operator.by_path:
        return _path_problem(value)
    kind = operator.kind
    if kind == "number":
        if not is_number(value):
            return f"must be a number, not {a_type(value)}"
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else f"must be true or false, not {a_type(value)}"
    if not isinstance(value, str):
        return f"must be {_OPERAND_WORDS[kind]}, not {a_type(value)}"
    if kind == "timestamp" and parse_instant(value) is None:
        return f"must be {_OPERAND_WORDS[kind]}; {show(value)} is not one"
    if kind == "pattern":
        try:
            pattern_segments(value)
        except ExpressionSyntaxError as exc:
            return f"is not a valid pattern: {exc}"
    return None
