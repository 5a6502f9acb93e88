"""Pass, and through it the JSONPath I/O pipeline every state shares: InputPath → Parameters
(paths, `$$`, intrinsics) → Result → ResultPath → OutputPath, with the null forms."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import Fails, check, machine

import statebox


def passing(**fields: Any) -> dict[str, Any]:
    return machine(("P", {"Type": "Pass", "End": True, **fields}))


CASES = [
    # Identity and Result
    pytest.param({}, {"a": 1}, {"a": 1}, id="identity"),
    pytest.param({}, [1, "x", None], [1, "x", None], id="identity-array"),
    pytest.param({"Result": {"r": 1}}, {"a": 1}, {"r": 1}, id="result-replaces"),
    pytest.param({"Result": None}, {"a": 1}, None, id="result-null"),
    pytest.param(
        {"Result": "text", "Parameters": {"p": 1}}, {"a": 1}, "text", id="result-wins-over-parameters"
    ),
    # InputPath
    pytest.param({"InputPath": "$.a"}, {"a": {"b": 2}}, {"b": 2}, id="inputpath"),
    pytest.param({"InputPath": "$.a[1]"}, {"a": [10, 20]}, 20, id="inputpath-index"),
    pytest.param({"InputPath": "$['odd key']"}, {"odd key": 3}, 3, id="inputpath-bracket"),
    pytest.param({"InputPath": "$.a[*].b"}, {"a": [{"b": 1}, {"b": 2}]}, [1, 2], id="inputpath-wildcard"),
    pytest.param({"InputPath": None}, {"a": 1}, {}, id="inputpath-null"),
    pytest.param({"InputPath": "$"}, {"a": 1}, {"a": 1}, id="inputpath-root"),
    pytest.param(
        {"InputPath": "$.missing"}, {"a": 1}, Fails("States.Runtime", "$.missing"), id="inputpath-missing"
    ),
    # Parameters
    pytest.param(
        {"Parameters": {"x.$": "$.a", "lit": "$.a", "n": {"y.$": "$.b[0]"}}},
        {"a": 1, "b": [7]},
        {"x": 1, "lit": "$.a", "n": {"y": 7}},
        id="parameters-paths-and-literals",
    ),
    pytest.param(
        {"Parameters": {"list": [{"v.$": "$.a"}, 2, "c"]}},
        {"a": "A"},
        {"list": [{"v": "A"}, 2, "c"]},
        id="parameters-path-inside-array",
    ),
    pytest.param(
        {"InputPath": "$.inner", "Parameters": {"v.$": "$.v"}},
        {"inner": {"v": 5}, "v": 0},
        {"v": 5},
        id="parameters-after-inputpath",
    ),
    pytest.param(
        {"InputPath": None, "Parameters": {"whole.$": "$"}},
        {"a": 1},
        {"whole": {}},
        id="parameters-after-null-inputpath",
    ),
    pytest.param(
        {"Parameters": {"items.$": "$.items[?(@.n > 1)].n"}},
        {"items": [{"n": 1}, {"n": 2}, {"n": 3}]},
        {"items": [2, 3]},
        id="parameters-filter",
    ),
    pytest.param(
        {"Parameters": {"item.$": "$.items[:1].v"}},
        {},
        {"item": []},
        id="parameters-indefinite-path-no-match-is-empty-list",
    ),
    pytest.param(
        {"Parameters": {"x.$": "$.nope"}},
        {"a": 1},
        Fails("States.Runtime", "$.nope"),
        id="parameters-missing-path",
    ),
    # Parameters: the context object
    pytest.param(
        {
            "Parameters": {
                "state.$": "$$.State.Name",
                "entered.$": "$$.State.EnteredTime",
                "input.$": "$$.Execution.Input",
                "retries.$": "$$.State.RetryCount",
                "start.$": "$$.Execution.StartTime",
            }
        },
        {"a": 1},
        {
            "state": "P",
            "entered": "2026-01-01T00:00:00.000Z",
            "input": {"a": 1},
            "retries": 0,
            "start": "2026-01-01T00:00:00.000Z",
        },
        id="parameters-context",
    ),
    pytest.param(
        {"Parameters": {"x.$": "$$.Map.Item.Index"}},
        {},
        Fails("States.Runtime"),
        id="parameters-context-map-outside-map",
    ),
    # Parameters: intrinsic functions
    pytest.param(
        {"Parameters": {"greeting.$": "States.Format('Hello, {}! You are {}.', $.name, $.age)"}},
        {"name": "Ann", "age": 30},
        {"greeting": "Hello, Ann! You are 30."},
        id="intrinsic-format",
    ),
    pytest.param(
        {
            "Parameters": {
                "a.$": "States.Array($.x, 'two', 3)",
                "sum.$": "States.MathAdd($.x, 41)",
                "obj.$": "States.StringToJson($.json)",
            }
        },
        {"x": 1, "json": '{"k": [true]}'},
        {"a": [1, "two", 3], "sum": 42, "obj": {"k": [True]}},
        id="intrinsic-array-mathadd-stringtojson",
    ),
    pytest.param(
        {"Parameters": {"name.$": "States.Format('{} in {}', $$.State.Name, $.where)"}},
        {"where": "here"},
        {"name": "P in here"},
        id="intrinsic-with-context-argument",
    ),
    pytest.param(
        {"Parameters": {"x.$": "States.StringToJson($.bad)"}},
        {"bad": "{not json"},
        Fails("States.IntrinsicFailure"),
        id="intrinsic-failure",
    ),
    # ResultPath
    pytest.param({"Result": 9, "ResultPath": "$"}, {"a": 1}, 9, id="resultpath-root"),
    pytest.param({"Result": 9, "ResultPath": "$.r"}, {"a": 1}, {"a": 1, "r": 9}, id="resultpath-field"),
    pytest.param({"Result": 9, "ResultPath": "$.a"}, {"a": 1}, {"a": 9}, id="resultpath-overwrites"),
    pytest.param(
        {"Result": 9, "ResultPath": "$.x.y.z"},
        {"a": 1},
        {"a": 1, "x": {"y": {"z": 9}}},
        id="resultpath-creates-nested",
    ),
    pytest.param(
        {"Result": 9, "ResultPath": "$.x.y"},
        {"x": {"keep": True}},
        {"x": {"keep": True, "y": 9}},
        id="resultpath-merges-into-existing-object",
    ),
    pytest.param({"Result": 9, "ResultPath": "$.a[1]"}, {"a": [0, 1]}, {"a": [0, 9]}, id="resultpath-index"),
    pytest.param({"Result": 9, "ResultPath": None}, {"a": 1}, {"a": 1}, id="resultpath-null-discards-result"),
    pytest.param(
        {"InputPath": "$.a", "ResultPath": "$.copy"},
        {"a": {"b": 1}},
        {"a": {"b": 1}, "copy": {"b": 1}},
        id="resultpath-writes-into-raw-input-not-effective-input",
    ),
    pytest.param(
        {"Result": 9, "ResultPath": "$.a.b"},
        {"a": "scalar"},
        Fails("States.ResultPathMatchFailure"),
        id="resultpath-through-scalar",
    ),
    pytest.param(
        {"Result": 9, "ResultPath": "$.r"},
        [1, 2],
        Fails("States.ResultPathMatchFailure"),
        id="resultpath-field-on-array-input",
    ),
    pytest.param(
        {"Result": 9, "ResultPath": "$.a[5]"},
        {"a": [0]},
        Fails("States.ResultPathMatchFailure"),
        id="resultpath-index-out-of-range",
    ),
    # OutputPath
    pytest.param({"OutputPath": "$.a"}, {"a": {"b": 1}, "c": 2}, {"b": 1}, id="outputpath"),
    pytest.param({"OutputPath": None}, {"a": 1}, {}, id="outputpath-null"),
    pytest.param(
        {"Result": {"v": 1}, "ResultPath": "$.r", "OutputPath": "$.r.v"},
        {"a": 1},
        1,
        id="outputpath-after-resultpath",
    ),
    pytest.param(
        {"OutputPath": "$.nope"}, {"a": 1}, Fails("States.Runtime", "$.nope"), id="outputpath-missing"
    ),
    # The whole pipeline at once
    pytest.param(
        {
            "InputPath": "$.in",
            "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"},
            "ResultPath": "$.out.calc",
            "OutputPath": "$.out",
        },
        {"in": {"n": 4}, "other": True},
        {"calc": {"doubled": 8}},
        id="pipeline",
    ),
]


@pytest.mark.parametrize(("fields", "execution_input", "expected"), CASES)
async def test_pass(run_machine: Any, fields: dict[str, Any], execution_input: Any, expected: Any) -> None:
    check(await run_machine(passing(**fields), execution_input), expected)


async def test_no_input_means_an_empty_object(run_machine: Any) -> None:
    check(await run_machine(passing(Result=1, ResultPath="$.r")), {"r": 1})


async def test_context_execution_fields_are_consistent(run_machine: Any) -> None:
    result = await run_machine(
        passing(
            Parameters={
                "id.$": "$$.Execution.Id",
                "name.$": "$$.Execution.Name",
                "machine.$": "$$.StateMachine.Name",
            }
        ),
        {},
    )
    check(result, result.output)
    out = result.output
    assert out["id"].endswith(":" + out["name"])
    assert out["machine"] in out["id"]


async def test_entered_time_follows_the_clock(run_machine: Any, fake_clock: Any) -> None:
    definition = machine(
        ("W", {"Type": "Wait", "Seconds": 30, "Next": "P"}),
        ("P", {"Type": "Pass", "Parameters": {"t.$": "$$.State.EnteredTime"}, "End": True}),
    )
    check(await run_machine(definition, {}), {"t": "2026-01-01T00:00:30.000Z"})


async def test_states_run_in_order_and_see_the_previous_output(run_machine: Any) -> None:
    definition = machine(
        ("A", {"Type": "Pass", "Result": 1, "ResultPath": "$.a", "Next": "B"}),
        ("B", {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "Next": "C"}),
        ("C", {"Type": "Pass", "ResultPath": "$.copy", "End": True}),
    )
    check(await run_machine(definition, {"b": 2}), {"sum": 3, "copy": {"sum": 3}})


async def test_the_execution_input_is_never_mutated(run_machine: Any) -> None:
    execution_input = {"a": {"b": [1, {"c": 2}]}, "x": 1}
    before = copy.deepcopy(execution_input)
    definition = machine(
        ("A", {"Type": "Pass", "Result": "r", "ResultPath": "$.a.b", "Next": "B"}),
        ("B", {"Type": "Pass", "Result": "s", "ResultPath": "$.a.new", "Next": "C"}),
        ("C", {"Type": "Pass", "Result": "t", "ResultPath": "$.x", "End": True}),
    )
    result = await run_machine(definition, execution_input)
    check(result, {"a": {"b": "r", "new": "s"}, "x": "t"})
    assert execution_input == before


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"Parameters": {"list": [1, 2], "obj": {"k": "v"}}}, id="parameters"),
        pytest.param({"Result": {"list": [1, 2], "obj": {"k": "v"}}}, id="result"),
    ],
)
async def test_a_result_does_not_alias_the_definition(run_machine: Any, fields: dict[str, Any]) -> None:
    definition = passing(**fields)
    pristine = copy.deepcopy(definition)
    first = await run_machine(definition, {})
    first.output["list"].append(3)
    first.output["obj"]["k"] = "changed"
    assert definition == pristine
    check(await run_machine(pristine, {}), {"list": [1, 2], "obj": {"k": "v"}})


@pytest.mark.parametrize(
    "literal",
    [
        pytest.param("text", id="string"),
        pytest.param({"deep": 1}, id="object"),
        pytest.param(None, id="null"),
    ],
)
async def test_a_field_given_both_literally_and_by_path_is_refused_at_start(
    run_machine: Any, literal: Any
) -> None:
    """ASL: no duplicate names once '.$' is stripped. Neither one wins, whatever the literal."""
    with pytest.raises(statebox.DefinitionError) as refused:
        await run_machine(passing(Parameters={"k": literal, "k.$": "$.a"}), {"a": "from path"})
    [problem] = refused.value.problems
    assert problem.pointer == "/States/P/Parameters/k.$"
    assert "'k.$' and 'k' both name one field" in problem.message
