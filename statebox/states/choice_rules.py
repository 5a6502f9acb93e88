"""Choice rules: compilation (`compile_choice`) of one entry of a Choice state's `Choices`
array into a predicate; `validation/choice.py` checks the entry first.

A rule compiles once, at definition time, into a tree of small closures: every path, timestamp
literal and StringMatches pattern is parsed up front, so `ChoiceRule.matches` only reads data
and compares. Nothing here mutates the data it reads.

Semantics follow AWS Step Functions:

* A comparison whose operand types do not fit the operator is simply false (`NumericEquals` on
  a string, `BooleanEquals` on 0, ...). Booleans are never numbers.
* A `Variable` (or a `...Path` operand) that does not resolve fails the state with
  `States.Runtime` ("... The choice state's condition path references an invalid value.");
  only `IsPresent` turns a missing value into `false` instead.
* String ordering is Java's `String.compareTo` (UTF-16 code units), which differs from Python's
  code-point order for characters outside the Basic Multilingual Plane.
* Timestamps are parsed the way AWS's Java runtime parses an "ISO-8601 extended offset
  date-time" (`DateTimeFormatter.ISO_OFFSET_DATE_TIME`) and compared as instants with
  nanosecond precision.

`OPERATORS` is the single table mapping operator names to their implementation;
`validation.choice.check_choice` and `compile_choice` both dispatch through it. A JSONata
rule's `Condition` compiles through `dataflow.jsonata` (imported only then) into the same
`(data, scope) -> bool` test.
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from ..asl_errors import ErrorName
from ..dataflow.paths import MISSING, Path, Scope
from ..errors import ExpressionSyntaxError, StatesError
from ..messages import json_text
from ..timestamps import parse_instant
from ..types import JSON, json_type

__all__ = [
    "OPERATORS",
    "ChoiceRule",
    "Operator",
    "Test",
    "compile_choice",
    "compile_pattern",
]

Test = Callable[[JSON, Scope | None], bool]
"""A compiled condition: (state input, scope for `$$` / `$var`) -> does the rule hold."""


@dataclass(frozen=True, slots=True)
class ChoiceRule:
    """One compiled top-level Choice rule.

    `test` is the compiled condition (a JSONata `Condition` compiles to the same shape). `assign`
    is the rule's raw `Assign` block (None when absent); the Choice state compiles it, with a
    JSONata rule's `Output`, into the rule's way out (`parse.Builder.exit_flow`).
    """

    next: str
    test: Test
    assign: JSON = None

    def matches(self, data: JSON, scope: Scope | None = None) -> bool:
        return self.test(data, scope)


# --------------------------------------------------------------------------------------------
# StringMatches


def pattern_segments(pattern: str) -> list[str]:
    """Split a StringMatches pattern at its unescaped `*`s into literal segments."""
    segments: list[str] = []
    current: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            segments.append("".join(current))
            current = []
        elif ch == "\\":
            # The spec defines only \* and \\; any other escape is an "open escape" error.
            if i + 1 < n and pattern[i + 1] in "*\\":
                current.append(pattern[i + 1])
                i += 1
            else:
                raise ExpressionSyntaxError(
                    f"invalid escape at position {i}: in StringMatches a backslash may only "
                    "precede '*' or another backslash"
                )
        else:
            current.append(ch)
        i += 1
    segments.append("".join(current))
    return segments


def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """A StringMatches pattern as a predicate on strings; raises ExpressionSyntaxError.

    Greedy leftmost matching of the literal pieces between stars is exact for `*`-only globs
    and needs no backtracking, so any pattern runs in time linear in the text (str.find is
    linear in CPython), unlike a `.*` regex.
    """
    segments = pattern_segments(pattern)
    if len(segments) == 1:
        literal = segments[0]
        return literal.__eq__
    head, tail = segments[0], segments[-1]
    middle = tuple(s for s in segments[1:-1] if s)
    if not head and not tail and not middle:
        return lambda text: True
    min_length = len(head) + len(tail) + sum(len(s) for s in middle)
    head_len, tail_len = len(head), len(tail)

    def match(text: str) -> bool:
        if len(text) < min_length or not text.startswith(head) or not text.endswith(tail):
            return False
        position, end = head_len, len(text) - tail_len
        for piece in middle:
            found = text.find(piece, position, end)
            if found < 0:
                return False
            position = found + len(piece)
        return True

    return match


# --------------------------------------------------------------------------------------------
# The operators

ValueKind = Literal["string", "number", "boolean", "timestamp", "pattern"]

_BAD = object()  # "operand of the wrong type"; None cannot serve, it is JSON null


def is_number(value: JSON) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _utf16(text: str) -> bytes:
    # Big-endian UTF-16 bytes order exactly like Java's UTF-16 code units; surrogatepass keeps
    # lone surrogates (which json.loads can produce) instead of failing.
    return text.encode("utf-16-be", "surrogatepass")


def _java_compare(a: str, b: str) -> int:
    """Java String.compareTo's sign. Python's code-point order agrees unless both strings hold
    non-ASCII characters (a supplementary character against U+E000..U+FFFF), so the common case
    costs nothing extra: isascii() is O(1) in CPython."""
    if not (a.isascii() or b.isascii()):
        a_units, b_units = _utf16(a), _utf16(b)
        return (a_units > b_units) - (a_units < b_units)
    return (a > b) - (a < b)


def _prepare_string(value: JSON) -> Any:
    return value if isinstance(value, str) else _BAD


def _prepare_number(value: JSON) -> Any:
    return value if is_number(value) else _BAD


def _prepare_boolean(value: JSON) -> Any:
    return value if isinstance(value, bool) else _BAD


def _prepare_timestamp(value: JSON) -> Any:
    instant = parse_instant(value)
    return _BAD if instant is None else instant


def _prepare_pattern(value: JSON) -> Any:
    return compile_pattern(value) if isinstance(value, str) else _BAD


_PREPARE: Mapping[ValueKind, Callable[[JSON], Any]] = {
    "string": _prepare_string,
    "number": _prepare_number,
    "boolean": _prepare_boolean,
    "timestamp": _prepare_timestamp,
    "pattern": _prepare_pattern,
}


@dataclass(frozen=True, slots=True)
class Operator:
    """One comparison operator.

    `compare(value, operand)` gets the Variable's value and the operand as `prepare` made it
    (a parsed instant, a compiled pattern, ...) and decides; a value of the wrong type is
    simply False. With `by_path` the literal in the definition is a path, and the operand is
    read from the data and prepared at run time (a wrongly typed one makes the rule false).
    """

    name: str
    kind: ValueKind  # what the operand must be (after reading it, for `by_path`)
    compare: Callable[[JSON, Any], bool]
    by_path: bool = False
    accepts_missing: bool = False  # IsPresent: a missing Variable is an answer, not an error

    def prepare(self, operand: JSON) -> Any:
        return _PREPARE[self.kind](operand)


def _string_test(relation: Callable[[int], bool]) -> Callable[[JSON, Any], bool]:
    def compare(value: JSON, operand: Any) -> bool:
        return isinstance(value, str) and relation(_java_compare(value, operand))

    return compare


def _number_test(relation: Callable[[Any, Any], bool]) -> Callable[[JSON, Any], bool]:
    def compare(value: JSON, operand: Any) -> bool:
        return is_number(value) and relation(value, operand)

    return compare


def _timestamp_test(relation: Callable[[Any, Any], bool]) -> Callable[[JSON, Any], bool]:
    def compare(value: JSON, operand: Any) -> bool:
        instant = parse_instant(value)
        return instant is not None and relation(instant, operand)

    return compare


def _type_test(predicate: Callable[[JSON], bool]) -> Callable[[JSON, Any], bool]:
    def compare(value: JSON, expected: Any) -> bool:
        # `expected` is the rule's true/false, checked to be a bool.
        return predicate(value) is expected

    return compare


def _string_equals(value: JSON, operand: Any) -> bool:
    return isinstance(value, str) and value == operand


def _string_matches(value: JSON, matcher: Any) -> bool:
    return isinstance(value, str) and bool(matcher(value))


def _boolean_equals(value: JSON, operand: Any) -> bool:
    return isinstance(value, bool) and value == operand


_RELATIONS: tuple[tuple[str, Callable[[Any, Any], bool], Callable[[int], bool]], ...] = (
    ("LessThan", op.lt, lambda c: c < 0),
    ("GreaterThan", op.gt, lambda c: c > 0),
    ("LessThanEquals", op.le, lambda c: c <= 0),
    ("GreaterThanEquals", op.ge, lambda c: c >= 0),
)


def _build_operators() -> dict[str, Operator]:
    base: list[tuple[str, ValueKind, Callable[[JSON, Any], bool]]] = [
        ("StringEquals", "string", _string_equals),
        ("NumericEquals", "number", _number_test(op.eq)),
        ("BooleanEquals", "boolean", _boolean_equals),
        ("TimestampEquals", "timestamp", _timestamp_test(op.eq)),
    ]
    for suffix, relation, sign_test in _RELATIONS:
        base.append(("String" + suffix, "string", _string_test(sign_test)))
        base.append(("Numeric" + suffix, "number", _number_test(relation)))
        base.append(("Timestamp" + suffix, "timestamp", _timestamp_test(relation)))
    table: dict[str, Operator] = {}
    for name, kind, compare in base:
        table[name] = Operator(name, kind, compare)
        table[name + "Path"] = Operator(name + "Path", kind, compare, by_path=True)
    # StringMatches has no Path variant in ASL.
    table["StringMatches"] = Operator("StringMatches", "pattern", _string_matches)
    type_tests: dict[str, Callable[[JSON], bool]] = {
        "IsNull": lambda v: v is None,
        "IsNumeric": is_number,
        "IsString": lambda v: isinstance(v, str),
        "IsBoolean": lambda v: isinstance(v, bool),
        "IsTimestamp": lambda v: parse_instant(v) is not None,
        "IsPresent": lambda v: v is not MISSING,
    }
    for name, predicate in type_tests.items():
        table[name] = Operator(name, "boolean", _type_test(predicate), accepts_missing=name == "IsPresent")
    return table


OPERATORS: Mapping[str, Operator] = MappingProxyType(_build_operators())
"""Every comparison operator by name: the one place operator names are dispatched."""



# --------------------------------------------------------------------------------------------
# Compilation


def _invalid_path(text: str) -> StatesError:
    return StatesError(
        ErrorName.RUNTIME,
        f"Invalid path '{text}': The choice state's condition path references an invalid value.",
    )


def _find(path: Path) -> Callable[[JSON, Scope | None], JSON]:
    """`path.find`, with an undefined `$variable` (or no scope) read as a missing value so that
    IsPresent can say false and the other operators report the choice error."""
    find = path.find

    def lookup(data: JSON, scope: Scope | None) -> JSON:
        try:
            return find(data, scope)
        except StatesError:
            return MISSING

    return lookup if path.root != "data" else find


def _compile_comparison(raw: Mapping[str, Any], name: str) -> Test:
    operator = OPERATORS[name]
    variable = Path.compile(raw["Variable"])
    read = _find(variable)
    compare = operator.compare

    if operator.accepts_missing:
        expected = raw[name]

        def test_present(data: JSON, scope: Scope | None) -> bool:
            return compare(read(data, scope), expected)

        return test_present

    if operator.by_path:
        other = Path.compile(raw[name])
        read_other = _find(other)
        prepare = _PREPARE[operator.kind]

        def test_path(data: JSON, scope: Scope | None) -> bool:
            value = read(data, scope)
            if value is MISSING:
                raise _invalid_path(variable.text)
            operand = read_other(data, scope)
            if operand is MISSING:
                raise _invalid_path(other.text)
            operand = prepare(operand)
            return operand is not _BAD and compare(value, operand)

        return test_path

    operand = operator.prepare(raw[name])

    def test_literal(data: JSON, scope: Scope | None) -> bool:
        value = read(data, scope)
        if value is MISSING:
            raise _invalid_path(variable.text)
        return compare(value, operand)

    return test_literal


def _compile_all(tests: tuple[Test, ...]) -> Test:
    if len(tests) == 1:
        return tests[0]

    def test_and(data: JSON, scope: Scope | None) -> bool:
        for test in tests:
            if not test(data, scope):
                return False
        return True

    return test_and


def _compile_any(tests: tuple[Test, ...]) -> Test:
    if len(tests) == 1:
        return tests[0]

    def test_or(data: JSON, scope: Scope | None) -> bool:
        for test in tests:
            if test(data, scope):
                return True
        return False

    return test_or


def _compile_condition(raw: Mapping[str, Any]) -> Test:
    if "And" in raw:
        return _compile_all(tuple(_compile_condition(r) for r in raw["And"]))
    if "Or" in raw:
        return _compile_any(tuple(_compile_condition(r) for r in raw["Or"]))
    if "Not" in raw:
        inner = _compile_condition(raw["Not"])

        def test_not(data: JSON, scope: Scope | None) -> bool:
            return not inner(data, scope)

        return test_not
    if "Condition" in raw:
        return _compile_jsonata_condition(raw["Condition"])
    name = next(key for key in raw if key in OPERATORS)
    return _compile_comparison(raw, name)


def _compile_jsonata_condition(condition: Any) -> Test:
    """A JSONata rule's `Condition`: true / false, or a `{% %}` expression that must yield a
    boolean (anything else is States.QueryEvaluationError, as on AWS)."""
    if isinstance(condition, bool):
        return lambda data, scope: condition
    # Imported here: only JSONata machines load the JSONata module (and its library).
    from ..dataflow.jsonata import Expression, states_object

    expression = Expression.compile(condition, "Condition")
    needs_context = expression.needs_context

    def test_condition(data: JSON, scope: Scope | None) -> bool:
        value = expression.evaluate(states_object(data, scope, needs_context), scope)
        if not isinstance(value, bool):
            raise StatesError(
                ErrorName.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{expression.text}' specified for the field 'Condition' "
                f"returned an unexpected result type. Expected 'boolean', but was "
                f"'{json_type(value)}' for value: {json_text(value, None)}",
            )
        return value

    return test_condition


def compile_choice(raw: Mapping[str, Any], at: str) -> ChoiceRule:
    """Compile a top-level rule that `check_choice(raw, at)` found no problems with."""
    return ChoiceRule(next=raw["Next"], test=_compile_condition(raw), assign=raw.get("Assign"))
