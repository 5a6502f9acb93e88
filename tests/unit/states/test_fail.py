"""Fail: Error / Cause literals, ErrorPath / CausePath read from the input (paths, the context
object, intrinsic calls), and how a Fail inside a branch reaches the enclosing state."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import machine


def failing(**fields: Any) -> dict[str, Any]:
    return machine(("F", {"Type": "Fail", **fields}))


FAILURES = [
    pytest.param({"Error": "Oops", "Cause": "because"}, {}, "Oops", "because", id="error-and-cause"),
    pytest.param({"Error": "Oops"}, {}, "Oops", None, id="error-only"),
    pytest.param({"Cause": "because"}, {}, None, "because", id="cause-only"),
    pytest.param({}, {}, None, None, id="neither"),
    pytest.param({"Error": "", "Cause": ""}, {}, "", "", id="empty-strings"),
    pytest.param(
        {"ErrorPath": "$.e", "CausePath": "$.c"},
        {"e": "FromInput", "c": "text"},
        "FromInput",
        "text",
        id="paths",
    ),
    pytest.param(
        {"ErrorPath": "$.detail.kind", "Cause": "fixed"},
        {"detail": {"kind": "Nested"}},
        "Nested",
        "fixed",
        id="nested-path-and-literal",
    ),
    pytest.param(
        {"Error": "E", "CausePath": "$$.State.Name"},
        {},
        "E",
        "F",
        id="context-path",
    ),
    pytest.param(
        {"Error": "E", "CausePath": "$$.Execution.Input.why"},
        {"why": "input"},
        "E",
        "input",
        id="context-execution-input",
    ),
    pytest.param(
        {
            "ErrorPath": "States.Format('{}', $.Error)",
            "CausePath": (
                "States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)"
            ),
        },
        {"Error": "error string", "Cause": "cause string"},
        "error string",
        "This is a custom error message for error string, caused by cause string.",
        id="intrinsic-format",  # conformance: intrinsics/test_state_fail_intrinsic
    ),
    pytest.param(
        {"Error": "E", "CausePath": "States.JsonToString($.detail)"},
        {"detail": {"a": [1, 2]}},
        "E",
        '{"a":[1,2]}',
        id="intrinsic-json-to-string",
    ),
]


@pytest.mark.parametrize(("fields", "execution_input", "error", "cause"), FAILURES)
async def test_fail(
    run_machine: Any, fields: dict[str, Any], execution_input: Any, error: str | None, cause: str | None
) -> None:
    result = await run_machine(failing(**fields), execution_input)
    assert (result.status, result.error, result.cause) == ("FAILED", error, cause)


RUNTIME_ERRORS = [
    pytest.param({"ErrorPath": "$.missing"}, {}, id="error-path-missing"),
    pytest.param({"Error": "E", "CausePath": "$.missing"}, {}, id="cause-path-missing"),
    pytest.param({"ErrorPath": "$.n"}, {"n": 1}, id="error-path-not-a-string"),
    pytest.param({"Error": "E", "CausePath": "$.o"}, {"o": {"a": 1}}, id="cause-path-not-a-string"),
    pytest.param({"Error": "E", "CausePath": "$.n"}, {"n": None}, id="cause-path-null"),
]


@pytest.mark.parametrize(("fields", "execution_input"), RUNTIME_ERRORS)
async def test_paths_that_do_not_give_a_string(
    run_machine: Any, fields: dict[str, Any], execution_input: Any
) -> None:
    result = await run_machine(failing(**fields), execution_input)
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param({"a": None}, 'object {"a":null}', id="object"),
        pytest.param(None, "null", id="null"),
        pytest.param(True, "boolean true", id="boolean"),
        pytest.param([1], "array [1]", id="array"),
    ],
)
async def test_a_value_that_is_not_a_string_is_named_in_json(
    run_machine: Any, value: Any, shown: str
) -> None:
    result = await run_machine(failing(Error="E", CausePath="$.c"), {"c": value})
    assert result.cause == f"The CausePath of the Fail state 'F' must resolve to a string, got {shown}."


async def test_an_intrinsic_failure_in_cause_path(run_machine: Any) -> None:
    result = await run_machine(failing(Error="E", CausePath="States.StringToJson($.s)"), {"s": "{oops"})
    assert (result.status, result.error) == ("FAILED", "States.IntrinsicFailure")


async def test_fail_after_other_states(run_machine: Any) -> None:
    definition = machine(
        ("Prepare", {"Type": "Pass", "Parameters": {"code.$": "States.Format('E{}', $.n)"}, "Next": "F"}),
        ("F", {"Type": "Fail", "ErrorPath": "$.code", "Cause": "prepared"}),
    )
    result = await run_machine(definition, {"n": 42})
    assert (result.status, result.error, result.cause) == ("FAILED", "E42", "prepared")


async def test_a_fail_in_a_branch_is_caught_by_the_enclosing_state(run_machine: Any) -> None:
    branch = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Custom.Error", "Cause": "inner"}}}
    definition = machine(
        (
            "P",
            {
                "Type": "Parallel",
                "Branches": [branch],
                "Next": "Done",
                "Catch": [{"ErrorEquals": ["Custom.Error"], "ResultPath": "$.caught", "Next": "Done"}],
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )
    result = await run_machine(definition, {"keep": True})
    assert (result.status, result.output) == (
        "SUCCEEDED",
        {"keep": True, "caught": {"Error": "Custom.Error", "Cause": "inner"}},
    )


@pytest.mark.parametrize(
    ("error_equals", "caught"),
    [
        pytest.param(["States.ALL"], True, id="all"),
        pytest.param(["Custom.Error"], True, id="by-name"),
        pytest.param(["States.TaskFailed"], True, id="task-failed"),
        pytest.param(["Custom"], False, id="prefix-is-not-a-match"),
    ],
)
async def test_which_catchers_select_a_fail_state_error(
    run_machine: Any, error_equals: list[str], caught: bool
) -> None:
    branch = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Custom.Error"}}}
    definition = machine(
        (
            "P",
            {
                "Type": "Parallel",
                "Branches": [branch],
                "Next": "Done",
                "Catch": [{"ErrorEquals": error_equals, "Next": "Done"}],
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )
    result = await run_machine(definition, {})
    if caught:
        assert (result.status, result.output) == ("SUCCEEDED", {"Error": "Custom.Error", "Cause": ""})
    else:
        assert (result.status, result.error) == ("FAILED", "Custom.Error")


CAUGHT_OUTPUTS = [
    pytest.param({"Error": "MyError"}, {"Error": "MyError", "Cause": ""}, id="error-only"),
    pytest.param({"Cause": "why"}, {"Error": "", "Cause": "why"}, id="cause-only"),
    pytest.param({}, {"Error": "", "Cause": ""}, id="neither"),
]


@pytest.mark.parametrize("container", ["Parallel", "Map"])
@pytest.mark.parametrize(("fields", "error_output"), CAUGHT_OUTPUTS)
async def test_a_caught_error_output_always_has_both_keys(
    run_machine: Any, container: str, fields: dict[str, Any], error_output: dict[str, str]
) -> None:
    """AWS binds "" to a missing Error or Cause, so a following `$.Cause` resolves (issue 13.16)."""
    inner = {"StartAt": "F", "States": {"F": {"Type": "Fail", **fields}}}
    body: dict[str, Any] = (
        {"Branches": [inner]} if container == "Parallel" else {"ItemProcessor": inner, "ItemsPath": "$.items"}
    )
    definition = machine(
        (
            "Fails",
            {
                "Type": container,
                **body,
                "Next": "Done",
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": "Read"}],
            },
        ),
        (
            "Read",
            {"Type": "Pass", "Parameters": {"a.$": "$.caught.Error", "b.$": "$.caught.Cause"}, "End": True},
        ),
        ("Done", {"Type": "Succeed"}),
    )
    result = await run_machine(definition, {"items": [1]})
    assert (result.status, result.output) == (
        "SUCCEEDED",
        {"a": error_output["Error"], "b": error_output["Cause"]},
    ), (result.error, result.cause)


async def test_jsonata_error_output_has_both_keys(run_machine: Any) -> None:
    branch = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "MyError"}}}
    definition = {
        "QueryLanguage": "JSONata",
        **machine(
            (
                "P",
                {
                    "Type": "Parallel",
                    "Branches": [branch],
                    "End": True,
                    "Catch": [
                        {"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "Done"}
                    ],
                },
            ),
            ("Done", {"Type": "Succeed"}),
        ),
    }
    result = await run_machine(definition, {})
    assert (result.status, result.output) == ("SUCCEEDED", {"Error": "MyError", "Cause": ""})


async def test_an_uncaught_fail_still_reports_what_it_has(run_machine: Any) -> None:
    """Only the Catch output fills in "": the execution's own error and cause stay absent."""
    result = await run_machine(failing(Error="MyError"), {})
    assert (result.status, result.error, result.cause) == ("FAILED", "MyError", None)
