"""Workflow variables (`Assign`, `$name`) in both query languages: what each Assign sees,
evaluation order, scoping across Parallel branches and Map iterations, names and size limits,
and variables surviving a suspension."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Fails, check, machine

import statebox
from statebox import DefinitionError
from statebox.ports import FakeClock, SeededEntropy


@pytest.fixture
def run(run_machine: Any) -> Any:
    return run_machine


def jsonata(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", **machine(*states)}


def show(expression: str) -> tuple[str, dict[str, Any]]:
    """A last JSONPath state whose output is one variable path (`$x`, `$x.y`)."""
    return ("Show", {"Type": "Pass", "Parameters": {"v.$": expression}, "OutputPath": "$.v", "End": True})


# ------------------------------------------------------------------------ what Assign sees


JSONPATH_ASSIGNS = [
    pytest.param({"Result": {"a": 1}, "Assign": {"x.$": "$.a"}}, {}, 1, id="from-result"),
    pytest.param(
        {"Parameters": {"p.$": "$.in"}, "Assign": {"x.$": "$.p"}}, {"in": 2}, 2, id="from-parameters"
    ),
    pytest.param({"InputPath": "$.in", "Assign": {"x.$": "$"}}, {"in": 3}, 3, id="from-inputpath"),
    pytest.param({"Assign": {"x": {"lit": [1, "$.no"]}}}, {}, {"lit": [1, "$.no"]}, id="literal"),
    pytest.param({"Assign": {"x.$": "$$.State.Name"}}, {}, "S", id="context"),
    pytest.param(
        {"Assign": {"x.$": "States.Format('{}-{}', $.a, $.b)"}}, {"a": 1, "b": 2}, "1-2", id="intrinsic"
    ),
    pytest.param(
        {"ResultPath": "$.r", "OutputPath": "$.r", "Result": 5, "Assign": {"x.$": "$"}},
        {},
        5,
        id="before-resultpath",
    ),
]


@pytest.mark.parametrize(("fields", "given", "expected"), JSONPATH_ASSIGNS)
async def test_jsonpath_assign_reads_the_result(
    run: Any, fields: dict[str, Any], given: Any, expected: Any
) -> None:
    definition = machine(("S", {"Type": "Pass", "Next": "Show", **fields}), show("$x"))
    check(await run(definition, given), expected)


async def test_jsonata_assign_sees_input_result_and_context(run: Any) -> None:
    definition = jsonata(
        (
            "S",
            {
                "Type": "Pass",
                "Assign": {
                    "input": "{% $states.input %}",
                    "result": "{% $states.result %}",
                    "name": "{% $states.context.State.Name %}",
                },
                "Output": {"out": 1},
                "Next": "Show",
            },
        ),
        (
            "Show",
            {
                "Type": "Pass",
                "Output": {
                    "i": "{% $input %}",
                    "r": "{% $result %}",
                    "n": "{% $name %}",
                    "o": "{% $states.input %}",
                },
                "End": True,
            },
        ),
    )
    check(await run(definition, {"a": 1}), {"i": {"a": 1}, "r": {"a": 1}, "n": "S", "o": {"out": 1}})


async def test_task_assign_sees_its_result_after_resultselector(run: Any) -> None:
    definition = machine(
        (
            "T",
            {
                "Type": "Task",
                "Resource": "module:increment",
                "ResultSelector": {"n.$": "$.value"},
                "ResultPath": "$.r",
                "Assign": {"got.$": "$.n"},  # $ is the selected result, not the ResultPath output
                "Next": "Show",
            },
        ),
        show("$got"),
    )
    check(await run(definition, {"value": 4}), 5)


# ---------------------------------------------------------------------- evaluation order


async def test_every_path_of_the_state_reads_the_old_values(run: Any) -> None:
    # variables/test_state_assign_evaluation_order: InputPath and OutputPath both read the value
    # from before the state's own Assign.
    definition = machine(
        ("A", {"Type": "Pass", "Assign": {"x": "old"}, "Next": "B"}),
        (
            "B",
            {
                "Type": "Pass",
                "InputPath": "$x",
                "ResultPath": "$.r",
                "OutputPath": "$x",
                "Assign": {"x": "new"},
                "Next": "Show",
            },
        ),
        ("Show", {"Type": "Pass", "Parameters": {"before.$": "$", "after.$": "$x"}, "End": True}),
    )
    check(await run(definition, {}), {"before": "old", "after": "new"})


@pytest.mark.parametrize("language", ["JSONPath", "JSONata"])
async def test_one_assign_sees_only_old_values(run: Any, language: str) -> None:
    if language == "JSONPath":
        swap = {"a.$": "$b", "b.$": "$a"}
    else:
        swap = {"a": "{% $b %}", "b": "{% $a %}"}
    definition = machine(
        ("Init", {"Type": "Pass", "Assign": {"a": 1, "b": 2}, "Next": "Swap"}),
        ("Swap", {"Type": "Pass", "QueryLanguage": language, "Assign": swap, "Next": "Show"}),
        ("Show", {"Type": "Pass", "Parameters": {"a.$": "$a", "b.$": "$b"}, "End": True}),
    )
    check(await run(definition, {}), {"a": 2, "b": 1})


async def test_jsonata_output_sees_old_values(run: Any) -> None:
    definition = jsonata(
        ("Init", {"Type": "Pass", "Assign": {"n": 1}, "Next": "Bump"}),
        (
            "Bump",
            {"Type": "Pass", "Assign": {"n": "{% $n + 1 %}"}, "Output": {"seen": "{% $n %}"}, "Next": "Show"},
        ),
        (
            "Show",
            {"Type": "Pass", "Output": {"seen": "{% $states.input.seen %}", "now": "{% $n %}"}, "End": True},
        ),
    )
    check(await run(definition, {}), {"seen": 1, "now": 2})


async def test_variables_cross_query_languages(run: Any) -> None:
    definition = machine(
        ("A", {"Type": "Pass", "Assign": {"fromPath.$": "$.v"}, "Next": "B"}),
        (
            "B",
            {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Assign": {"fromAta": "{% $fromPath * 10 %}"},
                "Next": "Show",
            },
        ),
        ("Show", {"Type": "Pass", "Parameters": {"p.$": "$fromPath", "a.$": "$fromAta"}, "End": True}),
    )
    check(await run(definition, {"v": 4}), {"p": 4, "a": 40})


# ----------------------------------------------------------------- Choice, Wait, Catch, Map


async def test_choice_rule_assign_and_default_assign(run: Any) -> None:
    def definition() -> dict[str, Any]:
        return machine(
            (
                "C",
                {
                    "Type": "Choice",
                    "Choices": [
                        {
                            "Variable": "$.n",
                            "NumericEquals": 1,
                            "Assign": {"how": "rule", "n.$": "$.n"},
                            "Next": "Show",
                        }
                    ],
                    "Assign": {"how": "default"},
                    "Default": "Show",
                },
            ),
            ("Show", {"Type": "Pass", "Parameters": {"how.$": "$how"}, "End": True}),
        )

    check(await run(definition(), {"n": 1}), {"how": "rule"})
    check(await run(definition(), {"n": 2}), {"how": "default"})


async def test_wait_assign(run: Any) -> None:
    definition = machine(
        ("W", {"Type": "Wait", "Seconds": 1, "Assign": {"w.$": "$.a"}, "Next": "Show"}), show("$w")
    )
    check(await run(definition, {"a": "x"}), "x")


@pytest.mark.parametrize("language", ["JSONPath", "JSONata"])
async def test_catch_assign_sees_the_error_output_and_drops_the_state_assign(run: Any, language: str) -> None:
    if language == "JSONPath":
        catch = {
            "ErrorEquals": ["States.ALL"],
            "Assign": {"err.$": "$.Error"},
            "ResultPath": "$.caught",
            "Next": "Show",
        }
    else:
        catch = {
            "ErrorEquals": ["States.ALL"],
            "Assign": {"err": "{% $states.errorOutput.Error %}"},
            "Next": "Show",
        }
    definition = machine(
        (
            "T",
            {
                "Type": "Task",
                "QueryLanguage": language,
                "Resource": "module:nope_such_action",
                "Assign": {"state": "assigned"},
                "Catch": [catch],
                "End": True,
            },
        ),
        (
            "Show",
            {
                "Type": "Pass",
                "Parameters": {"err.$": "$err", "stateAssigned.$": "States.ArrayLength(States.Array())"},
                "End": True,
            },
        ),
    )
    result = await run(definition, {})
    assert result.status == "SUCCEEDED", result.cause
    assert isinstance(result.output["err"], str) and result.output["err"]
    not_assigned = machine(
        *[*definition["States"].items()][:1],
        ("Show", {"Type": "Pass", "Parameters": {"s.$": "$state"}, "End": True}),
    )
    not_assigned["States"]["T"]["Catch"][0]["Next"] = "Show"
    check(await run(not_assigned, {}), Fails("States.Runtime", "state"))


async def test_variables_in_map_fields(run: Any) -> None:
    definition = machine(
        ("Init", {"Type": "Pass", "Assign": {"items": [1, 2, 3], "limit": "1", "tag": "t"}, "Next": "M"}),
        (
            "M",
            {
                "Type": "Map",
                "ItemsPath": "$items",
                "MaxConcurrencyPath": "$limit",
                "ItemSelector": {"v.$": "$$.Map.Item.Value", "tag.$": "$tag"},
                "ItemProcessor": {
                    "StartAt": "I",
                    "States": {
                        "I": {
                            "Type": "Pass",
                            "Parameters": {"s.$": "States.Format('{}{}', $tag, $.v)"},
                            "OutputPath": "$.s",
                            "End": True,
                        }
                    },
                },
                "End": True,
            },
        ),
    )
    check(await run(definition, {}), ["t1", "t2", "t3"])


async def test_an_undefined_variable_is_a_runtime_error(run: Any) -> None:
    check(await run(machine(show("$nope")), {}), Fails("States.Runtime", "nope"))
    check(
        await run(jsonata(("S", {"Type": "Pass", "Output": "{% $nope %}", "End": True})), {}),
        Fails("States.QueryEvaluationError", "undefined"),
    )


async def test_null_variables(run: Any) -> None:
    definition = jsonata(
        ("A", {"Type": "Pass", "Assign": {"n": None}, "Next": "B"}),
        ("B", {"Type": "Pass", "Output": {"isNull": "{% $n = null %}", "value": "{% $n %}"}, "End": True}),
    )
    check(await run(definition, {}), {"isNull": True, "value": None})


# ---------------------------------------------------------------------------------- scoping


def parallel(*branches: dict[str, Any], **fields: Any) -> tuple[str, dict[str, Any]]:
    return ("Par", {"Type": "Parallel", "Branches": list(branches), **fields})


def graph(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return machine(*states)


async def test_branches_read_outer_variables(run: Any) -> None:
    definition = machine(
        ("Init", {"Type": "Pass", "Assign": {"x": 42}, "Next": "Par"}),
        parallel(
            graph(("B1", {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": True})),
            graph(
                ("B2", {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $x + 1 %}", "End": True})
            ),
            End=True,
        ),
    )
    check(await run(definition, {}), [{"x": 42}, 43])


@pytest.mark.parametrize("language", ["JSONPath", "JSONata"])
async def test_a_branch_cannot_assign_an_outer_variable(run: Any, language: str) -> None:
    definition = machine(
        ("Init", {"Type": "Pass", "Assign": {"x": 1}, "Next": "Par"}),
        parallel(
            graph(("B", {"Type": "Pass", "QueryLanguage": language, "Assign": {"x": 2}, "End": True})),
            End=True,
        ),
    )
    check(await run(definition, {}), Fails("States.Runtime", "enclosing scope"))


async def test_a_map_iteration_cannot_assign_an_outer_variable(run: Any) -> None:
    definition = machine(
        ("Init", {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"}),
        (
            "M",
            {
                "Type": "Map",
                "ItemProcessor": graph(("I", {"Type": "Pass", "Assign": {"x": 2}, "End": True})),
                "End": True,
            },
        ),
    )
    check(await run(definition, [1]), Fails("States.Runtime", "'x'"))


async def test_inner_variables_do_not_leak_out(run: Any) -> None:
    definition = machine(
        parallel(graph(("B", {"Type": "Pass", "Assign": {"inner": 1}, "End": True})), Next="Show"),
        show("$inner"),
    )
    check(await run(definition, {}), Fails("States.Runtime", "inner"))


async def test_map_iterations_do_not_see_each_other(run: Any) -> None:
    iteration = graph(
        (
            "Seen",
            {
                "Type": "Choice",
                "Choices": [{"Variable": "$mine", "IsPresent": True, "Next": "Leaked"}],
                "Default": "Mark",
            },
        ),
        ("Mark", {"Type": "Pass", "Assign": {"mine.$": "$"}, "Next": "Echo"}),
        ("Echo", {"Type": "Pass", "Parameters": {"mine.$": "$mine"}, "End": True}),
        ("Leaked", {"Type": "Fail", "Error": "Leaked"}),
    )
    definition = machine(("M", {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": iteration, "End": True}))
    check(await run(definition, [1, 2, 3]), [{"mine": 1}, {"mine": 2}, {"mine": 3}])


async def test_the_map_state_assign_is_in_the_outer_scope(run: Any) -> None:
    definition = jsonata(
        (
            "M",
            {
                "Type": "Map",
                "ItemProcessor": graph(("I", {"Type": "Pass", "Assign": {"local": 1}, "End": True})),
                "Assign": {"total": "{% $sum($states.result) %}"},
                "Next": "Show",
            },
        ),
        ("Show", {"Type": "Pass", "Output": "{% $total %}", "End": True}),
    )
    check(await run(definition, [1, 2, 3]), 6)


async def test_a_distributed_map_sees_no_outer_variables(run: Any) -> None:
    definition = machine(
        ("Init", {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"}),
        (
            "M",
            {
                "Type": "Map",
                "ItemSelector": {"x.$": "$x"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    **graph(
                        (
                            "I",
                            {
                                "Type": "Pass",
                                "Parameters": {"fromSelector.$": "$.x", "inside.$": "$x"},
                                "End": True,
                            },
                        )
                    ),
                },
                "End": True,
            },
        ),
    )
    check(await run(definition, [0]), Fails("States.Runtime", "'x'"))


# ----------------------------------------------------------------------- names and limits


BAD_NAMES = [
    pytest.param("JSONPath", {"states": 1}, "/States/S/Assign/states", "reserved", id="reserved"),
    pytest.param("JSONPath", {"states.$": "$"}, "/States/S/Assign/states.$", "reserved", id="reserved-path"),
    pytest.param("JSONata", {"states": 1}, "/States/S/Assign/states", "reserved", id="reserved-jsonata"),
    pytest.param(
        "JSONPath", {"9lives": 1}, "/States/S/Assign/9lives", "not a valid variable name", id="digit-first"
    ),
    pytest.param("JSONPath", {"a-b": 1}, "/States/S/Assign/a-b", "not a valid variable name", id="dash"),
    pytest.param("JSONPath", {"x": 1, "x.$": "$"}, "/States/S/Assign/x.$", "assigned twice", id="twice"),
]


@pytest.mark.parametrize(("language", "assign", "pointer", "message"), BAD_NAMES)
def test_variable_names(language: str, assign: dict[str, Any], pointer: str, message: str) -> None:
    definition = machine(("S", {"Type": "Pass", "QueryLanguage": language, "Assign": assign, "End": True}))
    with pytest.raises(DefinitionError) as raised:
        statebox.parse(definition)
    assert any(p.pointer == pointer and message in p.message for p in raised.value.problems), (
        raised.value.problems
    )


def test_catch_and_choice_rule_assign_names_are_checked() -> None:
    definition = machine(
        (
            "C",
            {
                "Type": "Choice",
                "Choices": [{"Variable": "$.a", "IsPresent": True, "Assign": {"states": 1}, "Next": "E"}],
                "Default": "E",
            },
        ),
        ("E", {"Type": "Succeed"}),
    )
    with pytest.raises(DefinitionError) as raised:
        statebox.parse(definition)
    assert [p.pointer for p in raised.value.problems] == ["/States/C/Choices/0/Assign/states"]


async def test_a_variable_over_256_kib_fails(run: Any) -> None:
    definition = jsonata(
        ("S", {"Type": "Pass", "Assign": {"big": "{% $pad('', $states.input.n, 'x') %}"}, "End": True})
    )
    check(await run(definition, {"n": 1000}), {"n": 1000})
    # Stopped as the string is built, with the field that built it (jsonata_bounds.py).
    check(await run(definition, {"n": 256 * 1024}), Fails("States.DataLimitExceeded", "'Assign/big'"))


async def test_one_assign_over_256_kib_fails(run: Any) -> None:
    half = "y" * (150 * 1024)
    definition = machine(("S", {"Type": "Pass", "Assign": {"a.$": "$.v", "b.$": "$.v"}, "End": True}))
    check(await run(definition, {"v": half}), Fails("States.DataLimitExceeded", "Assign"))


# --------------------------------------------------------------------- suspend and resume


@pytest.mark.parametrize("language", ["JSONPath", "JSONata"])
async def test_variables_survive_a_suspension(language: str) -> None:
    clock = FakeClock()
    if language == "JSONPath":
        states = [
            ("Init", {"Type": "Pass", "Assign": {"who.$": "$.name", "n": 1}, "Next": "Ask"}),
            ("Ask", {"Type": "Task", "Resource": "module:suspend", "Assign": {"n": 2}, "Next": "Show"}),
            (
                "Show",
                {
                    "Type": "Pass",
                    "Parameters": {"who.$": "$who", "n.$": "$n", "answer.$": "$.answer"},
                    "End": True,
                },
            ),
        ]
    else:
        states = [
            ("Init", {"Type": "Pass", "Assign": {"who": "{% $states.input.name %}", "n": 1}, "Next": "Ask"}),
            (
                "Ask",
                {
                    "Type": "Task",
                    "Resource": "module:suspend",
                    "Assign": {"n": "{% $n + 1 %}"},
                    "Next": "Show",
                },
            ),
            (
                "Show",
                {
                    "Type": "Pass",
                    "Output": {"who": "{% $who %}", "n": "{% $n %}", "answer": "{% $states.input.answer %}"},
                    "End": True,
                },
            ),
        ]
    definition = {"QueryLanguage": language, **machine(*states)}
    started = await statebox.run_async(definition, {"name": "ada"}, clock=clock, entropy=SeededEntropy(1))
    assert started.status == "SUSPENDED"
    finished = await statebox.resume_async(started.continuation, {"answer": "yes"}, clock=clock)
    check(finished, {"who": "ada", "n": 2, "answer": "yes"})


async def test_iteration_variables_survive_a_suspension() -> None:
    clock = FakeClock()
    iteration = graph(
        ("Keep", {"Type": "Pass", "Assign": {"item.$": "$"}, "Next": "Ask"}),
        ("Ask", {"Type": "Task", "Resource": "module:suspend", "Next": "Show"}),
        ("Show", {"Type": "Pass", "Parameters": {"item.$": "$item", "outer.$": "$outer"}, "End": True}),
    )
    definition = machine(
        ("Init", {"Type": "Pass", "Assign": {"outer": "o"}, "Next": "M"}),
        ("M", {"Type": "Map", "ItemProcessor": iteration, "End": True}),
    )
    result = await statebox.run_async(definition, [1, 2], clock=clock, entropy=SeededEntropy(1))
    assert result.status == "SUSPENDED" and len(result.pending) == 2
    tokens = [point["continuation"] for point in result.pending]
    for token in tokens:
        result = await statebox.resume_async(token, {}, clock=clock)
    check(result, [{"item": 1, "outer": "o"}, {"item": 2, "outer": "o"}])
