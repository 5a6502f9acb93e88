"""`validation.check_choice`: the problems of a JSONPath Choice rule, each at its pointer; and
whatever it accepts compiles and evaluates without surprises."""

from __future__ import annotations

from typing import Any

import pytest

from statebox.errors import Problem
from statebox.validation import check_choice

AT = "/States/Check/Choices/0"


def problems_of(raw: Any) -> list[tuple[str, str]]:
    return [(p.pointer, p.message) for p in check_choice(raw, AT)]


def pointers_of(raw: Any) -> list[str]:
    return [p.pointer for p in check_choice(raw, AT)]


@pytest.mark.parametrize(
    "raw",
    [
        {"Variable": "$.a", "StringEquals": "x", "Next": "N"},
        {"Variable": "$.a", "StringEquals": "x", "Next": "N", "Comment": "c", "Assign": {}},
        {"And": [{"Variable": "$.a", "IsNull": True, "Comment": "inner"}], "Next": "N"},
        {"Not": {"Or": [{"Variable": "$$.Execution.Id", "IsString": True}]}, "Next": "N"},
        {"Variable": "$var.x[0]", "NumericEqualsPath": "$other", "Next": "N"},
        {"Variable": "$.t", "TimestampEquals": "2016-03-14T01:59:00Z", "Next": "N"},
        {"Variable": "$.items[*].id", "IsPresent": True, "Next": "N"},
        {"Variable": "$.n", "NumericEquals": 10**30, "Next": "N"},
    ],
)
def test_valid_rules_have_no_problems(raw: dict[str, Any]) -> None:
    assert check_choice(raw, AT) == []


CHECKS: list[tuple[Any, list[str]]] = [
    # (raw, pointers of the problems expected, in order)
    ("not a rule", [AT]),
    (None, [AT]),
    ([], [AT]),
    ({"Variable": "$.a", "StringEquals": "x"}, [AT]),  # top level without Next
    ({"Variable": "$.a", "StringEquals": "x", "Next": 3}, [AT + "/Next"]),
    ({"Variable": "$.a", "StringEquals": "x", "Next": ""}, [AT + "/Next"]),
    ({"StringEquals": "x", "Next": "N"}, [AT]),  # no Variable
    ({"Variable": "a.b", "StringEquals": "x", "Next": "N"}, [AT + "/Variable"]),
    ({"Variable": 5, "StringEquals": "x", "Next": "N"}, [AT + "/Variable"]),
    ({"Variable": "$.a[", "StringEquals": "x", "Next": "N"}, [AT + "/Variable"]),
    ({"Variable": "$.a", "Next": "N"}, [AT]),  # no operator
    ({"Next": "N"}, [AT]),
    ({"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1, "Next": "N"}, [AT]),
    ({"Variable": "$.a", "StringEquals": 1, "Next": "N"}, [AT + "/StringEquals"]),
    ({"Variable": "$.a", "StringLessThan": None, "Next": "N"}, [AT + "/StringLessThan"]),
    ({"Variable": "$.a", "StringMatches": ["*"], "Next": "N"}, [AT + "/StringMatches"]),
    ({"Variable": "$.a", "NumericEquals": "1", "Next": "N"}, [AT + "/NumericEquals"]),
    ({"Variable": "$.a", "NumericEquals": True, "Next": "N"}, [AT + "/NumericEquals"]),
    ({"Variable": "$.a", "NumericLessThan": float("nan"), "Next": "N"}, [AT + "/NumericLessThan"]),
    ({"Variable": "$.a", "BooleanEquals": "true", "Next": "N"}, [AT + "/BooleanEquals"]),
    ({"Variable": "$.a", "BooleanEquals": 1, "Next": "N"}, [AT + "/BooleanEquals"]),
    ({"Variable": "$.a", "IsNull": "yes", "Next": "N"}, [AT + "/IsNull"]),
    ({"Variable": "$.a", "IsPresent": None, "Next": "N"}, [AT + "/IsPresent"]),
    ({"Variable": "$.a", "TimestampEquals": "2016-03-14", "Next": "N"}, [AT + "/TimestampEquals"]),
    ({"Variable": "$.a", "TimestampLessThan": 0, "Next": "N"}, [AT + "/TimestampLessThan"]),
    ({"Variable": "$.a", "StringEqualsPath": "b", "Next": "N"}, [AT + "/StringEqualsPath"]),
    ({"Variable": "$.a", "NumericEqualsPath": 1, "Next": "N"}, [AT + "/NumericEqualsPath"]),
    (
        {"Variable": "$.a", "TimestampEqualsPath": "$.b[", "Next": "N"},
        [AT + "/TimestampEqualsPath"],
    ),
    ({"Variable": "$.a", "StringEquals": "x", "Next": "N", "Foo": 1}, [AT + "/Foo"]),
    ({"Variable": "$.a", "StringEqual": "x", "Next": "N"}, [AT, AT + "/StringEqual"]),
    ({"Variable": "$.a", "StringEquals": "x", "Next": "N", "Comment": 1}, [AT + "/Comment"]),
    ({"Variable": "$.a", "StringEquals": "x", "Next": "N", "Assign": []}, [AT + "/Assign"]),
    ({"And": [], "Next": "N"}, [AT + "/And"]),
    ({"Or": {}, "Next": "N"}, [AT + "/Or"]),
    ({"And": "x", "Next": "N"}, [AT + "/And"]),
    ({"Not": [{"Variable": "$.a", "IsNull": True}], "Next": "N"}, [AT + "/Not"]),
    ({"Not": None, "Next": "N"}, [AT + "/Not"]),
    ({"And": [1, "x"], "Next": "N"}, [AT + "/And/0", AT + "/And/1"]),
    (
        {"And": [{"Variable": "$.a", "IsNull": True, "Next": "N"}], "Next": "N"},
        [AT + "/And/0/Next"],
    ),
    (
        {"Not": {"Variable": "$.a", "IsNull": True, "Assign": {}}, "Next": "N"},
        [AT + "/Not/Assign"],
    ),
    (
        {"And": [{"Variable": "$.a", "IsNull": True}], "Variable": "$.a", "Next": "N"},
        [AT + "/Variable"],
    ),
    (
        {
            "And": [{"Variable": "$.a", "IsNull": True}],
            "Or": [{"Variable": "$.a", "IsNull": True}],
            "Next": "N",
        },
        [AT],
    ),
    ({"And": [{"Variable": "$.a", "IsNull": True}], "StringEquals": "x", "Next": "N"}, [AT, AT]),
    ({"Condition": "{% true %}", "Next": "N"}, [AT + "/Condition"]),
    ({"Variable": "$.a", "IsNull": True, "Next": "N", "Output": {}}, [AT + "/Output"]),
    (
        {
            "Or": [
                {"Variable": "$.a", "NumericEquals": "1"},
                {"Not": {"Variable": "nope", "StringMatches": "a\\"}},
                {"And": [{"Variable": "$.b", "IsNull": True, "Next": "X"}]},
            ],
            "Next": "N",
        },
        [
            AT + "/Or/0/NumericEquals",
            AT + "/Or/1/Not/Variable",
            AT + "/Or/1/Not/StringMatches",
            AT + "/Or/2/And/0/Next",
        ],
    ),
]


@pytest.mark.parametrize(("raw", "pointers"), CHECKS)
def test_check_choice_problems(raw: Any, pointers: list[str]) -> None:
    problems = check_choice(raw, AT)
    assert [p.pointer for p in problems] == pointers
    assert all(isinstance(p, Problem) and p.message for p in problems)


def test_problem_messages_say_what_is_wrong() -> None:
    assert problems_of({"Variable": "$.a", "StringEquals": "x"}) == [
        (AT, "a top-level Choice rule needs Next")
    ]
    assert problems_of({"Variable": "$.a", "NumericEquals": "1", "Next": "N"}) == [
        (AT + "/NumericEquals", "NumericEquals must be a number, not a string")
    ]
    assert problems_of({"Variable": "$.a", "NumericEquals": None, "Next": "N"}) == [
        (AT + "/NumericEquals", "NumericEquals must be a number, not null")
    ]
    assert problems_of({"Variable": "$.a", "BooleanEquals": {}, "Next": "N"}) == [
        (AT + "/BooleanEquals", "BooleanEquals must be true or false, not an object")
    ]
    assert problems_of({"Variable": "$.a", "StringEqual": "x", "Next": "N"})[1] == (
        AT + "/StringEqual",
        "unknown field 'StringEqual' in a Choice rule; did you mean StringEquals?",
    )
    [(_, message)] = problems_of({"And": [{"Variable": "$.a", "IsNull": True, "Next": "N"}]} | {"Next": "N"})
    assert "only allowed in a top-level Choice rule" in message
    [(_, message)] = problems_of({"Not": [], "Next": "N"})
    assert message == "Not takes a single Choice rule, not an array"
    [(_, message)] = problems_of({"Condition": "{% true %}", "Next": "N"})
    assert "JSONata" in message


def test_pointer_escaping_of_unknown_fields() -> None:
    assert pointers_of({"Variable": "$.a", "IsNull": True, "Next": "N", "a/b~c": 1}) == [AT + "/a~1b~0c"]


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    rule: dict[str, Any] = {"Variable": "$.a", "IsNull": True}
    for _ in range(5000):
        rule = {"Not": rule}
    problems = check_choice({**rule, "Next": "N"}, AT)
    assert len(problems) == 1
    assert "nested" in problems[0].message
