"""Succeed: ends its (sub)machine successfully, with InputPath / OutputPath applied."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import machine


@pytest.mark.parametrize(
    ("fields", "execution_input", "expected"),
    [
        pytest.param({}, {"a": 1}, {"a": 1}, id="identity"),
        pytest.param({}, "text", "text", id="scalar"),
        pytest.param({"InputPath": "$.a"}, {"a": {"b": 1}}, {"b": 1}, id="inputpath"),
        pytest.param({"OutputPath": "$.a.b"}, {"a": {"b": 1}}, 1, id="outputpath"),
        pytest.param({"InputPath": "$.a", "OutputPath": "$.b"}, {"a": {"b": [2]}}, [2], id="both"),
        pytest.param({"InputPath": None}, {"a": 1}, {}, id="inputpath-null"),
        pytest.param({"OutputPath": None}, {"a": 1}, {}, id="outputpath-null"),
    ],
)
async def test_succeed(run_machine: Any, fields: dict[str, Any], execution_input: Any, expected: Any) -> None:
    result = await run_machine(machine(("S", {"Type": "Succeed", **fields})), execution_input)
    assert (result.status, result.output) == ("SUCCEEDED", expected), (result.error, result.cause)


@pytest.mark.parametrize("fields", [{"InputPath": "$.missing"}, {"OutputPath": "$.missing"}])
async def test_a_path_that_does_not_resolve(run_machine: Any, fields: dict[str, Any]) -> None:
    result = await run_machine(machine(("S", {"Type": "Succeed", **fields})), {"a": 1})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


async def test_succeed_from_a_choice_skips_the_rest(run_machine: Any) -> None:
    definition = machine(
        (
            "C",
            {
                "Type": "Choice",
                "Default": "Later",
                "Choices": [{"Variable": "$.stop", "BooleanEquals": True, "Next": "Stop"}],
            },
        ),
        ("Stop", {"Type": "Succeed"}),
        ("Later", {"Type": "Pass", "Result": "ran", "End": True}),
    )
    assert (await run_machine(definition, {"stop": True})).output == {"stop": True}
    assert (await run_machine(definition, {"stop": False})).output == "ran"


async def test_succeed_in_a_branch_ends_only_that_branch(run_machine: Any) -> None:
    branches = [
        {"StartAt": "S", "States": {"S": {"Type": "Succeed", "OutputPath": "$.x"}}},
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "second", "End": True}}},
    ]
    definition = machine(
        ("Par", {"Type": "Parallel", "Branches": branches, "Next": "After"}),
        ("After", {"Type": "Pass", "Parameters": {"outputs.$": "$"}, "End": True}),
    )
    result = await run_machine(definition, {"x": "first"})
    assert (result.status, result.output) == ("SUCCEEDED", {"outputs": ["first", "second"]})
