"""Choice rules (JSONPath): operator semantics, And/Or/Not, and properties of the StringMatches
matcher and timestamp parser. Their validation problems: tests/unit/validation/test_choice_checks.py."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from statebox.asl_errors import ErrorName
from statebox.errors import StatesError
from statebox.states.choice_rules import OPERATORS, ChoiceRule, compile_choice
from statebox.timestamps import parse_instant
from statebox.validation import check_choice
from tests.support.choice import FakeScope

AT = "/States/Check/Choices/0"


def compiled(raw: dict[str, Any]) -> ChoiceRule:
    """Compile a rule after asserting it validates (adds Next when missing)."""
    raw = {"Next": "Yes", **raw}
    assert check_choice(raw, AT) == []
    return compile_choice(raw, AT)


def holds(raw: dict[str, Any], data: Any, scope: FakeScope | None = None) -> bool:
    return compiled(raw).matches(data, scope)


# --------------------------------------------------------------------------------------------
# The operator table

ALL_OPERATOR_NAMES = {
    *(
        f"{family}{relation}{suffix}"
        for family in ("String", "Numeric", "Timestamp")
        for relation in (
            "Equals",
            "LessThan",
            "GreaterThan",
            "LessThanEquals",
            "GreaterThanEquals",
        )
        for suffix in ("", "Path")
    ),
    "BooleanEquals",
    "BooleanEqualsPath",
    "StringMatches",
    "IsPresent",
    "IsNull",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
}


def test_operator_table_has_exactly_the_asl_operators() -> None:
    assert set(OPERATORS) == ALL_OPERATOR_NAMES
    assert "StringMatchesPath" not in OPERATORS
    for name, operator in OPERATORS.items():
        assert operator.name == name
        assert operator.by_path == name.endswith("Path")


# --------------------------------------------------------------------------------------------
# Per-operator semantics: (operator, operand, variable value, expected)

TS = "2012-10-09T19:00:55Z"
TS_LATER = "2012-10-09T19:00:56Z"
ODD_VALUES = [None, True, False, 0, 1.5, "", "x", [], [1], {}, {"a": 1}]

COMPARISONS: list[tuple[str, Any, Any, bool]] = [
    # Strings
    ("StringEquals", "Hello", "Hello", True),
    ("StringEquals", "Hello", "hello", False),
    ("StringEquals", "     ", " ", False),
    ("StringEquals", "\t\r\n", "\t\n", False),
    ("StringEquals", "1", 1, False),
    ("StringEquals", "true", True, False),
    ("StringEquals", "null", None, False),
    ("StringLessThan", "AB", "A", True),
    ("StringLessThan", "A", "AB", False),
    ("StringLessThan", "", "", False),
    ("StringLessThan", "b", 1, False),
    ("StringGreaterThan", "A", "AB", True),
    ("StringGreaterThan", "ABC", "AB", False),
    ("StringGreaterThan", "A ", "A", False),
    ("StringGreaterThan", "", "", False),
    ("StringLessThanEquals", "", "", True),
    ("StringLessThanEquals", "AB", "A", True),
    ("StringLessThanEquals", "A", "AB", False),
    ("StringGreaterThanEquals", "", "", True),
    ("StringGreaterThanEquals", "A", "AB", True),
    ("StringGreaterThanEquals", "AB", "A", False),
    ("StringGreaterThanEquals", "A", ["AB"], False),
    # Java compareTo orders UTF-16 code units: U+FFFF sorts after U+10000 (a surrogate pair).
    ("StringLessThan", "\uffff", "\U00010000", True),
    ("StringGreaterThan", "\U00010000", "\uffff", True),
    ("StringLessThan", "\U00010000", "\uffff", False),
    ("StringLessThan", "b", "a\U00010000", True),
    # Numbers
    ("NumericEquals", 1, 1, True),
    ("NumericEquals", 1, 1.0, True),
    ("NumericEquals", 0.0, 0, True),
    ("NumericEquals", 2.22, 2.22, True),
    ("NumericEquals", 1, 1.1, False),
    ("NumericEquals", 1, True, False),
    ("NumericEquals", 0, False, False),
    ("NumericEquals", 1, "1", False),
    ("NumericEquals", 0, None, False),
    ("NumericEquals", 0, [0], False),
    ("NumericLessThan", 1, 0, True),
    ("NumericLessThan", 1, 1, False),
    ("NumericLessThan", 0, 0.0, False),
    ("NumericLessThan", 1, -1e300, True),
    ("NumericGreaterThan", 0, 1, True),
    ("NumericGreaterThan", 1, 1, False),
    ("NumericGreaterThan", 0, True, False),
    ("NumericLessThanEquals", 1, 1, True),
    ("NumericLessThanEquals", 0, 1, False),
    ("NumericGreaterThanEquals", 0, 0.0, True),
    ("NumericGreaterThanEquals", 1, 0, False),
    ("NumericGreaterThanEquals", 0, "5", False),
    # Booleans
    ("BooleanEquals", True, True, True),
    ("BooleanEquals", False, False, True),
    ("BooleanEquals", True, False, False),
    ("BooleanEquals", True, 1, False),
    ("BooleanEquals", False, 0, False),
    ("BooleanEquals", False, None, False),
    ("BooleanEquals", True, "true", False),
    # Timestamps, compared as instants
    ("TimestampEquals", TS, TS, True),
    ("TimestampEquals", TS, "2012-10-09T20:00:55+01:00", True),
    ("TimestampEquals", TS, "2012-10-09T19:00:55.000Z", True),
    ("TimestampEquals", TS, TS_LATER, False),
    ("TimestampEquals", TS, "2012-10-09T19:00:55", False),
    ("TimestampEquals", TS, "2012-10-09 19:00:55Z", False),
    ("TimestampEquals", TS, "2023-02-24 12:15:56.832957", False),
    ("TimestampEquals", TS, 1349809255, False),
    ("TimestampEquals", "2016-03-05T21:29:29.243167252Z", "2016-03-05T21:29:29.243167253Z", False),
    ("TimestampLessThan", TS_LATER, TS, True),
    ("TimestampLessThan", TS, TS, False),
    ("TimestampLessThan", TS, "2012-10-09T19:00:56+01:00", True),
    ("TimestampGreaterThan", TS, TS_LATER, True),
    ("TimestampGreaterThan", TS, TS, False),
    ("TimestampGreaterThan", TS, "2012-10-09T19:00:54-00:30", True),
    ("TimestampLessThanEquals", TS, TS, True),
    ("TimestampLessThanEquals", TS, TS_LATER, False),
    ("TimestampGreaterThanEquals", TS, TS, True),
    ("TimestampGreaterThanEquals", TS_LATER, TS, False),
    ("TimestampGreaterThanEquals", TS, None, False),
]


@pytest.mark.parametrize(("name", "operand", "value", "expected"), COMPARISONS)
def test_comparison(name: str, operand: Any, value: Any, expected: bool) -> None:
    assert holds({"Variable": "$.v", name: operand}, {"v": value}) is expected


@pytest.mark.parametrize(("name", "operand", "value", "expected"), COMPARISONS)
def test_path_variant_reads_the_operand_from_the_data(
    name: str, operand: Any, value: Any, expected: bool
) -> None:
    raw = {"Variable": "$.v", name + "Path": "$.other"}
    assert holds(raw, {"v": value, "other": operand}) is expected


def _fits(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return parse_instant(value) is not None


WRONG_OPERANDS = [
    (name, operand)
    for name, operator in OPERATORS.items()
    if operator.by_path
    for operand in ODD_VALUES
    if not _fits(operator.kind, operand)
]


@pytest.mark.parametrize(("name", "operand"), WRONG_OPERANDS)
def test_path_variant_with_an_operand_of_the_wrong_type_is_false(name: str, operand: Any) -> None:
    # A value of the right type on the Variable side, so only the operand can be wrong.
    good = {"string": "x", "number": 1, "boolean": True, "timestamp": TS}[OPERATORS[name].kind]
    assert holds({"Variable": "$.v", name: "$.o"}, {"v": good, "o": operand}) is False


TYPE_TESTS: list[tuple[str, Any, bool]] = [
    ("IsNull", None, True),
    ("IsNull", 0, False),
    ("IsNull", "", False),
    ("IsNull", False, False),
    ("IsNull", [], False),
    ("IsNumeric", 0, True),
    ("IsNumeric", 1.1, True),
    ("IsNumeric", -5, True),
    ("IsNumeric", True, False),
    ("IsNumeric", "1", False),
    ("IsNumeric", None, False),
    ("IsString", "", True),
    ("IsString", "2012-10-09T19:00:55Z", True),
    ("IsString", 0, False),
    ("IsString", None, False),
    ("IsString", [""], False),
    ("IsBoolean", True, True),
    ("IsBoolean", False, True),
    ("IsBoolean", 0, False),
    ("IsBoolean", "true", False),
    ("IsBoolean", None, False),
    ("IsTimestamp", "2012-10-09T19:00:55Z", True),
    ("IsTimestamp", "2012-10-09T19:00:55+01:00", True),
    ("IsTimestamp", "2016-03-05T21:29:29.243167252Z", True),
    ("IsTimestamp", "2012-10-09T19:00:55", False),
    ("IsTimestamp", "2023-02-24", False),
    ("IsTimestamp", "HelloWorld", False),
    ("IsTimestamp", 0, False),
    ("IsTimestamp", None, False),
    ("IsPresent", None, True),
    ("IsPresent", False, True),
    ("IsPresent", {}, True),
]


@pytest.mark.parametrize(("name", "value", "expected"), TYPE_TESTS)
def test_type_test(name: str, value: Any, expected: bool) -> None:
    assert holds({"Variable": "$.v", name: True}, {"v": value}) is expected
    # `false` asks the opposite question.
    assert holds({"Variable": "$.v", name: False}, {"v": value}) is (not expected)


# --------------------------------------------------------------------------------------------
# Missing values, variables and the context object


def test_is_present_on_a_missing_field() -> None:
    assert holds({"Variable": "$.absent", "IsPresent": True}, {}) is False
    assert holds({"Variable": "$.absent", "IsPresent": False}, {}) is True
    assert holds({"Variable": "$.a.b[3]", "IsPresent": False}, {"a": {"b": [1]}}) is True


@pytest.mark.parametrize(
    "raw",
    [
        {"Variable": "$.absent", "StringEquals": "x"},
        {"Variable": "$.absent", "NumericEquals": 1},
        {"Variable": "$.absent", "IsNull": True},
        {"Variable": "$.absent", "IsString": False},
        {"Variable": "$.absent", "StringMatches": "*"},
        {"Variable": "$.absent", "BooleanEqualsPath": "$.flag"},
    ],
)
def test_a_missing_variable_fails_with_states_runtime(raw: dict[str, Any]) -> None:
    rule = compiled(raw)
    with pytest.raises(StatesError) as info:
        rule.matches({"flag": True})
    assert info.value.error == ErrorName.RUNTIME
    assert info.value.cause == (
        "Invalid path '$.absent': The choice state's condition path references an invalid value."
    )


def test_a_missing_path_operand_fails_with_states_runtime() -> None:
    rule = compiled({"Variable": "$.left", "NumericEqualsPath": "$.right"})
    with pytest.raises(StatesError) as info:
        rule.matches({"left": 8})
    assert info.value.error == ErrorName.RUNTIME
    assert "Invalid path '$.right'" in (info.value.cause or "")


def test_variables_and_the_context_object() -> None:
    scope = FakeScope(
        context={"Execution": {"Input": {"input-value": 0}}},
        variables={"guess": "42", "answer": "42", "limit": 10},
    )
    assert holds({"Variable": "$guess", "StringEqualsPath": "$answer"}, {}, scope) is True
    assert holds({"Variable": "$.n", "NumericLessThanPath": "$limit"}, {"n": 3}, scope) is True
    raw = {"Variable": "$$.Execution.Input.input-value", "NumericLessThanEquals": 0}
    assert holds(raw, {}, scope) is True


def test_an_undefined_variable_is_missing() -> None:
    scope = FakeScope(variables={})
    assert holds({"Variable": "$nope", "IsPresent": True}, {}, scope) is False
    assert holds({"Variable": "$nope.x", "IsPresent": False}, {}, scope) is True
    rule = compiled({"Variable": "$nope", "StringEquals": "x"})
    with pytest.raises(StatesError, match="Invalid path '\\$nope'"):
        rule.matches({}, scope)


def test_the_whole_input_can_be_the_variable() -> None:
    assert holds({"Variable": "$", "NumericEquals": 3}, 3) is True
    assert holds({"Variable": "$", "IsNumeric": True}, "3") is False


def test_matching_never_mutates_the_data() -> None:
    data = {"v": [1, {"a": "x"}], "o": {"k": None}}
    before = copy.deepcopy(data)
    for name in OPERATORS:
        raw: dict[str, Any] = {"Variable": "$.v"}
        raw[name] = "$.o" if name.endswith("Path") else True
        if check_choice({"Next": "Yes", **raw}, AT):
            continue
        compiled(raw).matches(data)
    assert data == before


# --------------------------------------------------------------------------------------------
# And / Or / Not


def test_and_or_not() -> None:
    in_twenties = {
        "And": [
            {"Variable": "$.value", "NumericGreaterThanEquals": 20},
            {"Variable": "$.value", "NumericLessThan": 30},
        ]
    }
    assert holds(in_twenties, {"value": 22}) is True
    assert holds(in_twenties, {"value": 30}) is False
    either = {
        "Or": [
            {"Variable": "$.t", "StringEquals": "a"},
            {"Variable": "$.t", "StringEquals": "b"},
        ]
    }
    assert holds(either, {"t": "b"}) is True
    assert holds(either, {"t": "c"}) is False
    assert holds({"Not": {"Variable": "$.t", "StringEquals": "Private"}}, {"t": "Public"}) is True
    assert holds({"Not": {"Variable": "$.t", "StringEquals": "Private"}}, {"t": "Private"}) is False


def test_singleton_and_or() -> None:
    assert holds({"And": [{"Variable": "$.x", "BooleanEquals": True}]}, {"x": True}) is True
    assert holds({"Or": [{"Variable": "$.x", "BooleanEquals": True}]}, {"x": False}) is False


def test_and_or_short_circuit_before_a_failing_rule() -> None:
    missing = {"Variable": "$.absent", "StringEquals": "x"}
    guard_false = {"Variable": "$.absent", "IsPresent": True}
    guard_true = {"Variable": "$.absent", "IsPresent": False}
    assert holds({"And": [guard_false, missing]}, {}) is False
    assert holds({"Or": [guard_true, missing]}, {}) is True
    with pytest.raises(StatesError):
        compiled({"And": [guard_true, missing]}).matches({})


def test_nesting() -> None:
    rule = {
        "And": [
            {"Variable": "$", "IsPresent": True},
            {
                "And": [
                    {"Variable": "$", "IsNumeric": True},
                    {"Not": {"Not": {"Variable": "$", "NumericEquals": 3}}},
                ]
            },
        ]
    }
    assert holds(rule, 3) is True
    assert holds(rule, 4) is False
    assert holds(rule, "3") is False


def test_choice_rule_carries_next_and_assign() -> None:
    raw = {
        "Variable": "$.x",
        "IsPresent": False,
        "Assign": {"status": "UNKNOWN"},
        "Comment": "why",
        "Next": "Final",
    }
    assert check_choice(raw, AT) == []
    rule = compile_choice(raw, AT)
    assert rule.next == "Final"
    assert rule.assign == {"status": "UNKNOWN"}
    assert compiled({"Variable": "$.x", "IsNull": True}).assign is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.next = "Other"  # type: ignore[misc]


def test_a_choice_rule_can_wrap_any_test() -> None:
    # JSONata Condition rules will build ChoiceRule from their own compiled test.
    rule = ChoiceRule(next="Then", test=lambda data, scope: data == 1)
    assert rule.matches(1) and not rule.matches(2)


# --------------------------------------------------------------------------------------------
# StringMatches

MATCHES: list[tuple[str, str, bool]] = [
    ("foo*.log", "foo23.log", True),
    ("*.log", "zebra.log", True),
    ("foo*.*", "foobar.zebra", True),
    ("foo*.log", "foo23.txt", False),
    ("*", "", True),
    ("*", "anything at all", True),
    ("**", "", True),
    ("", "", True),
    ("", "a", False),
    ("abc", "abc", True),
    ("abc", "abcd", False),
    ("a*", "a", True),
    ("*a", "ba", True),
    ("*a", "ab", False),
    ("a*a", "a", False),
    ("a*a", "aa", True),
    ("a*b*c", "aXbYc", True),
    ("a*b*c", "aXcYb", False),
    ("*ab*ab*", "xabyab", True),
    ("*ab*ab*", "xaby", False),
    ("a*b", "ab", True),
    ("a*b", "abab", True),
    ("a*ba", "aba", True),
    ("a*ba", "ab", False),
    ("?", "x", False),  # no character but * is special
    (".*", "xyz", False),
    (r"\*", "*", True),
    (r"\*", "x", False),
    (r"a\*b", "a*b", True),
    (r"a\*b", "aXb", False),
    (r"\\", "\\", True),
    (r"\\*", "\\anything", True),
    (r"\\\*", "\\*", True),
    (r"*\**", "a*b", True),
    (r"*\**", "ab", False),
    ("日本*", "日本語", True),
    ("*\U0001f600", "smile \U0001f600", True),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), MATCHES)
def test_string_matches(pattern: str, text: str, expected: bool) -> None:
    assert holds({"Variable": "$.v", "StringMatches": pattern}, {"v": text}) is expected


@pytest.mark.parametrize("value", [None, 1, True, [], {}, ["a"]])
def test_string_matches_on_a_non_string_is_false(value: Any) -> None:
    assert holds({"Variable": "$.v", "StringMatches": "*"}, {"v": value}) is False


@pytest.mark.parametrize("pattern", ["\\", "a\\", "\\a", "x\\n*"])
def test_string_matches_rejects_a_dangling_escape(pattern: str) -> None:
    problems = check_choice({"Variable": "$.v", "StringMatches": pattern, "Next": "N"}, AT)
    assert [p.pointer for p in problems] == [AT + "/StringMatches"]
    assert "backslash" in problems[0].message


# --------------------------------------------------------------------------------------------
# Timestamps


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("1970-01-01T00:00:00Z", (0, 0)),
        ("1970-01-01T01:00:00+01:00", (0, 0)),
        ("1969-12-31T23:59:59-00:00", (-1, 0)),
        ("2016-03-14T01:59:00Z", (1457920740, 0)),
        ("2016-03-14T01:59Z", (1457920740, 0)),  # Java's ISO parser makes seconds optional
        ("2016-03-14t01:59:00z", (1457920740, 0)),  # ... and is case-insensitive
        ("2016-03-05T21:29:29.243167252Z", (1457213369, 243167252)),
        ("2016-03-05T21:29:29.5Z", (1457213369, 500000000)),
        ("2000-02-29T00:00:00Z", (951782400, 0)),
        ("2012-10-09T19:00:55+18:00", (1349809255 - 18 * 3600, 0)),
        ("2012-10-09T19:00:55+05:30:15", (1349809255 - 5 * 3600 - 30 * 60 - 15, 0)),
        ("0000-01-01T00:00:00Z", (-62167219200, 0)),
    ],
)
def test_parse_instant(text: str, instant: tuple[int, int]) -> None:
    assert parse_instant(text) == instant


@pytest.mark.parametrize(
    "text",
    [
        "2012-10-09T19:00:55",  # no offset
        "2012-10-09 19:00:55Z",  # no T
        "2023-02-24",
        "05-12-2016T21:29:29Z",
        "2016-13-05T21:29:29Z",
        "2016-12-05T25:29:29Z",
        "2016-12-05T21:60:29Z",
        "2016-12-05T21:29:60Z",  # no leap seconds
        "2016-12-05T24:00:00Z",
        "2015-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2016-04-31T00:00:00Z",
        "2016-12-05T21:29:29.1234567891Z",  # more than nanoseconds
        "2016-12-05T21:29:29.Z",
        "2016-12-05T21:29:29+19:00",
        "2016-12-05T21:29:29+0100",
        "2016-12-05T21:29:29+01",
        "2016-12-05T21:29Z:00",
        "２０１６-12-05T21:29:29Z",  # fullwidth digits
        "2016-12-05T21:29:29Z\n",
        " 2016-12-05T21:29:29Z",
        "",
        "HelloWorld",
    ],
)
def test_not_timestamps(text: str) -> None:
    assert parse_instant(text) is None


@pytest.mark.parametrize("value", [None, 0, 1.5, True, [], {}])
def test_parse_instant_of_a_non_string(value: Any) -> None:
    assert parse_instant(value) is None
