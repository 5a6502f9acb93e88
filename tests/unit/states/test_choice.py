"""Choice as a state: which branch is taken, Default, States.NoChoiceMatched, and InputPath /
OutputPath around the rules. (The operators themselves are covered in test_choice_rules.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import machine


def choosing(choice: dict[str, Any]) -> dict[str, Any]:
    """A Choice named C whose targets A, B and D each record which one ran. Targets the
    choice does not name get a trailing rule that never matches (unreachable states are a
    definition error)."""
    named = {rule["Next"] for rule in choice.get("Choices", ())} | {choice.get("Default")}
    never = [
        {"Variable": "$$.State.Name", "StringEquals": "never", "Next": target}
        for target in ("A", "B", "D")
        if target not in named
    ]
    choice = {**choice, "Choices": [*choice.get("Choices", ()), *never]}
    return machine(
        ("C", {"Type": "Choice", **choice}),
        ("A", {"Type": "Pass", "Result": "A", "ResultPath": "$.went", "End": True}),
        ("B", {"Type": "Pass", "Result": "B", "ResultPath": "$.went", "End": True}),
        ("D", {"Type": "Pass", "Result": "D", "ResultPath": "$.went", "End": True}),
    )


IS_ONE = {"Variable": "$.n", "NumericEquals": 1, "Next": "A"}
IS_BIG = {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "B"}

ROUTES = [
    pytest.param({"Choices": [IS_ONE, IS_BIG]}, {"n": 1}, "A", id="first-rule"),
    pytest.param({"Choices": [IS_ONE, IS_BIG]}, {"n": 11}, "B", id="second-rule"),
    pytest.param({"Choices": [IS_ONE, IS_BIG], "Default": "D"}, {"n": 5}, "D", id="default"),
    pytest.param({"Choices": [IS_ONE, IS_BIG], "Default": "D"}, {"n": 1}, "A", id="rule-beats-default"),
    pytest.param(
        {"Choices": [{"Variable": "$.n", "NumericGreaterThan": 0, "Next": "A"}, IS_BIG]},
        {"n": 11},
        "A",
        id="first-match-wins",
    ),
    pytest.param(
        {"Choices": [{"Variable": "$.n", "IsPresent": False, "Next": "A"}], "Default": "D"},
        {},
        "A",
        id="absent-variable",
    ),
    pytest.param(
        {"Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "A"}], "Default": "D"},
        {"n": "1"},
        "D",
        id="type-mismatch-is-no-match",
    ),
    pytest.param(
        {
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.n", "NumericGreaterThanEquals": 2},
                        {"Not": {"Variable": "$.s", "StringEquals": "x"}},
                    ],
                    "Next": "A",
                },
                {
                    "Or": [
                        {"Variable": "$.s", "StringMatches": "x*"},
                        {"Variable": "$.n", "NumericLessThan": 0},
                    ],
                    "Next": "B",
                },
            ],
            "Default": "D",
        },
        {"n": 3, "s": "xyz"},
        "A",
        id="and-not",
    ),
    pytest.param(
        {"Choices": [{"Variable": "$.n", "NumericEqualsPath": "$.m", "Next": "A"}], "Default": "D"},
        {"n": 4, "m": 4},
        "A",
        id="path-comparison",
    ),
    pytest.param(
        {"Choices": [{"Variable": "$$.State.Name", "StringEquals": "C", "Next": "A"}], "Default": "D"},
        {},
        "A",
        id="context-variable",
    ),
    pytest.param(
        {"InputPath": "$.inner", "Choices": [IS_ONE], "Default": "D"},
        {"n": 5, "inner": {"n": 1}},
        "A",
        id="rules-see-inputpath-selection",
    ),
]


@pytest.mark.parametrize(("choice", "execution_input", "went"), ROUTES)
async def test_routes(run_machine: Any, choice: dict[str, Any], execution_input: Any, went: str) -> None:
    result = await run_machine(choosing(choice), execution_input)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output["went"] == went


OUTPUTS = [
    pytest.param(
        {"Choices": [IS_ONE]}, {"n": 1, "x": 2}, {"n": 1, "x": 2, "went": "A"}, id="passes-input-through"
    ),
    pytest.param(
        {"InputPath": "$.inner", "Choices": [IS_ONE]},
        {"inner": {"n": 1}, "other": 0},
        {"n": 1, "went": "A"},
        id="inputpath",
    ),
    pytest.param(
        {"OutputPath": "$.inner", "Choices": [IS_ONE]},
        {"n": 1, "inner": {"k": 1}},
        {"k": 1, "went": "A"},
        id="outputpath",
    ),
    pytest.param(
        {
            "InputPath": "$.a",
            "OutputPath": "$.b",
            "Choices": [{"Variable": "$.b", "IsPresent": True, "Next": "A"}],
        },
        {"a": {"b": {"k": 1}}},
        {"k": 1, "went": "A"},
        id="outputpath-applies-to-inputpath-selection",
    ),
    pytest.param(
        {"OutputPath": None, "Choices": [IS_ONE]},
        {"n": 1},
        {"went": "A"},
        id="outputpath-null",
    ),
]


@pytest.mark.parametrize(("choice", "execution_input", "expected"), OUTPUTS)
async def test_output(run_machine: Any, choice: dict[str, Any], execution_input: Any, expected: Any) -> None:
    result = await run_machine(choosing(choice), execution_input)
    assert (result.status, result.output) == ("SUCCEEDED", expected), (result.error, result.cause)


async def test_no_rule_and_no_default_is_no_choice_matched(run_machine: Any) -> None:
    result = await run_machine(choosing({"Choices": [IS_ONE, IS_BIG]}), {"n": 5})
    assert (result.status, result.error) == ("FAILED", "States.NoChoiceMatched")
    assert "'C'" in result.cause


async def test_no_choice_matched_can_be_caught_by_an_enclosing_parallel(run_machine: Any) -> None:
    branch = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [IS_ONE]},
            "A": {"Type": "Pass", "End": True},
        },
    }
    definition = machine(
        (
            "P",
            {
                "Type": "Parallel",
                "Branches": [branch],
                "Next": "Done",
                "Catch": [{"ErrorEquals": ["States.NoChoiceMatched"], "Next": "Handled"}],
            },
        ),
        ("Done", {"Type": "Pass", "End": True}),
        ("Handled", {"Type": "Pass", "Result": "handled", "End": True}),
    )
    result = await run_machine(definition, {"n": 2})
    assert (result.status, result.output) == ("SUCCEEDED", "handled"), (result.error, result.cause)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        pytest.param({"InputPath": "$.missing"}, "States.Runtime", id="inputpath-missing"),
        pytest.param({"OutputPath": "$.missing"}, "States.Runtime", id="outputpath-missing"),
    ],
)
async def test_path_errors(run_machine: Any, fields: dict[str, Any], error: str) -> None:
    result = await run_machine(choosing({"Choices": [IS_ONE], "Default": "D", **fields}), {"n": 1})
    assert (result.status, result.error) == ("FAILED", error)


async def test_a_counting_loop_ends(run_machine: Any) -> None:
    definition = machine(
        (
            "Check",
            {
                "Type": "Choice",
                "Default": "Add",
                "Choices": [{"Variable": "$.i", "NumericGreaterThanEquals": 5, "Next": "Done"}],
            },
        ),
        ("Add", {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Check"}),
        ("Done", {"Type": "Succeed"}),
    )
    result = await run_machine(definition, {"i": 0})
    assert (result.status, result.output) == ("SUCCEEDED", {"i": 5})
