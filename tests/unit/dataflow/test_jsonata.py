"""QueryLanguage JSONata: every field AWS accepts an expression in, `$states`, the Step
Functions extensions, AWS's error names flowing into Retry / Catch, validation, lazy import."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Fails, check, machine

import statebox
from statebox import DefinitionError
from statebox.ports import FakeClock, SeededEntropy

QEE = "States.QueryEvaluationError"

ACTIONS = {
    "identity": "def main(args):\n    return args\n",
    "boom": "def main(args):\n    raise ValueError('boom')\n",
    "slow": "import asyncio\n\nasync def main(args):\n    await asyncio.sleep(30)\n    return args\n",
}


@pytest.fixture
def actions(tmp_path: Path) -> Path:
    for name, source in ACTIONS.items():
        (tmp_path / f"{name}.py").write_text(source)
    return tmp_path


@pytest.fixture
def run(fake_clock: FakeClock, actions: Path):
    async def run(definition: Any, execution_input: Any = None, **options: Any) -> statebox.ExecutionResult:
        options.setdefault("clock", fake_clock)
        options.setdefault("entropy", SeededEntropy(3))
        options.setdefault("actions", actions)
        return await statebox.run_async(definition, execution_input, **options)

    return run


def jsonata(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", **machine(*states)}


def passing(**fields: Any) -> dict[str, Any]:
    return jsonata(("P", {"Type": "Pass", "End": True, **fields}))


# ------------------------------------------------------------------------------ Output


OUTPUTS = [
    pytest.param(None, {"a": 1}, {"a": 1}, id="no-output-is-the-input"),
    pytest.param("{% $states.input.a + 1 %}", {"a": 1}, 2, id="expression"),
    pytest.param(
        {"x": "{% $states.input.a %}", "k": [1, "{% 'two' %}"]},
        {"a": 1},
        {"x": 1, "k": [1, "two"]},
        id="template",
    ),
    pytest.param(
        {"lit": "$.a", "spaced": " {% 1 %} "}, {}, {"lit": "$.a", "spaced": " {% 1 %} "}, id="literals-stay"
    ),
    pytest.param("{% null %}", {}, None, id="null-is-not-undefined"),
    pytest.param("{% $states.input.n %}", {"n": None}, None, id="null-field"),
    pytest.param("{% $sum([1.5, 1.5]) %}", {}, 3, id="whole-numbers-are-ints"),
    pytest.param("{% [1..3] %}", {}, [1, 2, 3], id="range-operator"),
    pytest.param(
        "{% $states.input.items[price > 2].name %}",
        {"items": [{"name": "a", "price": 1}, {"name": "b", "price": 3}]},
        "b",
        id="filter-singleton",
    ),
    pytest.param("{% $states.context.State.Name %}", {}, "P", id="context"),
    pytest.param("{% $states.context.Execution.Input.a %}", {"a": 5}, 5, id="context-execution-input"),
    pytest.param("{% $merge([$states.input, {'b': 2}]) %}", {"a": 1}, {"a": 1, "b": 2}, id="merge"),
    pytest.param("{% $doesNotExist %}", {}, Fails(QEE, "returned nothing (undefined)"), id="undefined"),
    pytest.param(
        {"r": "{% $states.input.nope %}"}, {}, Fails(QEE, "field 'Output/r'"), id="undefined-in-template"
    ),
    pytest.param("{% function($x){$x} %}", {}, Fails(QEE, "unsupported result type"), id="function-result"),
    pytest.param("{% 'a' + 1 %}", {}, Fails(QEE, "T2001"), id="type-error"),
    pytest.param("{% 1/0 %}", {}, Fails(QEE, "D1001"), id="division-by-zero"),
    pytest.param(
        "{% $randomSeeded(1) %}",
        {},
        Fails(QEE, "T1006: Attempted to invoke a non-function"),
        id="unknown-function",
    ),
]


@pytest.mark.parametrize(("output", "given", "expected"), OUTPUTS)
async def test_output(run: Any, output: Any, given: Any, expected: Any) -> None:
    fields = {} if output is None else {"Output": output}
    check(await run(passing(**fields), given), expected)


async def test_literal_outputs_are_fresh_copies(run: Any) -> None:
    definition = passing(Output={"list": [1, 2], "nested": {"x": "{% 1 %}", "keep": {"k": 1}}})
    first = await run(definition, {})
    first.output["list"].append(3)
    first.output["nested"]["keep"]["k"] = 99
    check(await run(definition, {}), {"list": [1, 2], "nested": {"x": 1, "keep": {"k": 1}}})


async def test_jsonpath_and_jsonata_states_mix(run: Any) -> None:
    definition = machine(
        ("A", {"Type": "Pass", "Parameters": {"v.$": "$.v"}, "Next": "B"}),
        (
            "B",
            {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {"w": "{% $states.input.v * 2 %}"},
                "Next": "C",
            },
        ),
        ("C", {"Type": "Pass", "InputPath": "$.w", "End": True}),
    )
    check(await run(definition, {"v": 21}), 42)


async def test_nested_states_default_to_the_machine_language(run: Any) -> None:
    definition = jsonata(
        (
            "Par",
            {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "In",
                        "States": {"In": {"Type": "Pass", "Output": "{% $states.input.a %}", "End": True}},
                    }
                ],
                "End": True,
            },
        )
    )
    check(await run(definition, {"a": 7}), [7])


# ------------------------------------------------------------------ Task: Arguments, timeouts


async def test_task_arguments_output_and_result(run: Any) -> None:
    definition = jsonata(
        (
            "T",
            {
                "Type": "Task",
                "Resource": "module:identity",
                "Arguments": {"twice": "{% $states.input.n * 2 %}", "fixed": "x"},
                "Output": {"result": "{% $states.result %}", "input": "{% $states.input %}"},
                "End": True,
            },
        )
    )
    check(await run(definition, {"n": 4}), {"result": {"twice": 8, "fixed": "x"}, "input": {"n": 4}})


async def test_task_without_output_returns_its_result(run: Any) -> None:
    definition = jsonata(
        ("T", {"Type": "Task", "Resource": "module:identity", "Arguments": "{% [1, 2] %}", "End": True})
    )
    check(await run(definition, {"ignored": True}), [1, 2])


async def test_task_timeout_seconds_expression(run: Any) -> None:
    definition = jsonata(
        (
            "T",
            {
                "Type": "Task",
                "Resource": "module:slow",
                "TimeoutSeconds": "{% $states.input.t %}",
                "End": True,
            },
        )
    )
    check(await run(definition, {"t": 0.01}), Fails(QEE, "positive integer"))
    check(await run(definition, {"t": "x"}), Fails(QEE, "TimeoutSeconds"))


async def test_task_timeout_seconds_expression_times_out(run: Any) -> None:
    definition = jsonata(
        ("T", {"Type": "Task", "Resource": "module:slow", "TimeoutSeconds": "{% 1 %}", "End": True})
    )
    check(await run(definition, {}), Fails("States.Timeout"))


# ------------------------------------------------------------------------- Retry and Catch


async def test_catch_output_and_error_output(run: Any) -> None:
    definition = jsonata(
        (
            "T",
            {
                "Type": "Task",
                "Resource": "module:boom",
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Output": {"error": "{% $states.errorOutput.Error %}", "was": "{% $states.input %}"},
                        "Next": "Done",
                    }
                ],
                "End": True,
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )
    check(await run(definition, {"a": 1}), {"error": "ValueError", "was": {"a": 1}})


async def test_catch_without_output_is_the_error_output(run: Any) -> None:
    definition = jsonata(
        (
            "T",
            {
                "Type": "Task",
                "Resource": "module:identity",
                "Output": "{% $nope %}",
                "Catch": [{"ErrorEquals": [QEE], "Next": "Done"}],
                "End": True,
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )
    result = await run(definition, {})
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == QEE
    assert "returned nothing (undefined)" in result.output["Cause"]


async def test_query_evaluation_errors_are_retried(run: Any, fake_clock: FakeClock) -> None:
    definition = jsonata(
        (
            "T",
            {
                "Type": "Task",
                "Resource": "module:identity",
                "Arguments": "{% $states.context.State.RetryCount < 2 ? $error('not yet') : 'done' %}",
                "Retry": [{"ErrorEquals": [QEE], "IntervalSeconds": 1, "MaxAttempts": 3}],
                "End": True,
            },
        )
    )
    check(await run(definition, {}), "done")


async def test_states_all_catches_query_evaluation_errors(run: Any) -> None:
    definition = jsonata(
        (
            "M",
            {
                "Type": "Map",
                "Items": "{% 'not an array' %}",
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Output": "{% $states.errorOutput.Error %}",
                        "Next": "Done",
                    }
                ],
                "End": True,
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )
    check(await run(definition, {}), QEE)


# ---------------------------------------------------------------------------------- Choice


def choice(**fields: Any) -> dict[str, Any]:
    return jsonata(
        ("C", {"Type": "Choice", **fields}),
        ("Yes", {"Type": "Pass", "Output": {"went": "yes", "got": "{% $states.input %}"}, "End": True}),
        ("No", {"Type": "Pass", "Output": {"went": "no", "got": "{% $states.input %}"}, "End": True}),
    )


CHOICES = [
    pytest.param(
        {"Choices": [{"Condition": "{% $states.input.n > 1 %}", "Next": "Yes"}], "Default": "No"},
        {"n": 2},
        {"went": "yes", "got": {"n": 2}},
        id="condition-true",
    ),
    pytest.param(
        {"Choices": [{"Condition": "{% $states.input.n > 1 %}", "Next": "Yes"}], "Default": "No"},
        {"n": 0},
        {"went": "no", "got": {"n": 0}},
        id="condition-false",
    ),
    pytest.param(
        {"Choices": [{"Condition": True, "Next": "Yes"}], "Default": "No"},
        {},
        {"went": "yes", "got": {}},
        id="literal-true",
    ),
    pytest.param(
        {"Choices": [{"Condition": False, "Next": "Yes"}], "Default": "No"},
        {},
        {"went": "no", "got": {}},
        id="literal-false",
    ),
    pytest.param(
        {
            "Choices": [{"Condition": "{% true %}", "Output": {"from": "rule"}, "Next": "Yes"}],
            "Output": {"from": "state"},
            "Default": "No",
        },
        {},
        {"went": "yes", "got": {"from": "rule"}},
        id="rule-output",
    ),
    pytest.param(
        {
            "Choices": [{"Condition": "{% false %}", "Output": {"from": "rule"}, "Next": "Yes"}],
            "Output": {"from": "state"},
            "Default": "No",
        },
        {},
        {"went": "no", "got": {"from": "state"}},
        id="default-output",
    ),
    pytest.param(
        {
            "Choices": [{"Condition": "{% true %}", "Next": "Yes"}],
            "Output": {"from": "state"},
            "Default": "No",
        },
        {"a": 1},
        {"went": "yes", "got": {"a": 1}},
        id="state-output-is-only-for-default",
    ),
    pytest.param(
        {
            "Choices": [
                {"Condition": "{% $states.input.n %}", "Next": "Yes"},
                {"Condition": False, "Next": "No"},
            ]
        },
        {"n": 1},
        Fails(QEE, "Expected 'boolean'"),
        id="not-a-boolean",
    ),
    pytest.param(
        {"Choices": [{"Condition": "{% false %}", "Next": "Yes"}, {"Condition": False, "Next": "No"}]},
        {},
        Fails("States.NoChoiceMatched"),
        id="no-match",
    ),
]


@pytest.mark.parametrize(("fields", "given", "expected"), CHOICES)
async def test_choice(run: Any, fields: dict[str, Any], given: Any, expected: Any) -> None:
    check(await run(choice(**fields), given), expected)


async def test_choice_rule_and_default_assign(run: Any) -> None:
    def definition(n: int) -> dict[str, Any]:
        return jsonata(
            (
                "C",
                {
                    "Type": "Choice",
                    "Choices": [
                        {
                            "Condition": "{% $states.input.n = 1 %}",
                            "Assign": {"picked": "rule"},
                            "Next": "Out",
                        }
                    ],
                    "Assign": {"picked": "default"},
                    "Default": "Out",
                },
            ),
            ("Out", {"Type": "Pass", "Output": "{% $picked %}", "End": True}),
        )

    check(await run(definition(1), {"n": 1}), "rule")
    check(await run(definition(2), {"n": 2}), "default")


# ------------------------------------------------------------------------------------- Map


def mapping(**fields: Any) -> dict[str, Any]:
    return jsonata(
        (
            "M",
            {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
                "End": True,
                **fields,
            },
        )
    )


MAPS = [
    pytest.param({}, [1, 2], [1, 2], id="input-is-the-items"),
    pytest.param(
        {}, {"a": 1}, Fails(QEE, 'Map state input must be an array but was: {"a":1}'), id="input-not-an-array"
    ),
    pytest.param({"Items": "{% $states.input.xs %}"}, {"xs": [3, 4]}, [3, 4], id="items-expression"),
    pytest.param(
        {"Items": [1, "{% $states.input.y %}"]}, {"y": 2}, [1, 2], id="items-literal-with-expression"
    ),
    pytest.param(
        {"Items": "{% $states.input.xs %}"},
        {"xs": 5},
        Fails(QEE, "Expected 'array', but was 'number' for value: 5"),
        id="items-not-an-array",
    ),
    pytest.param(
        {
            "Items": "{% $states.input.xs %}",
            "ItemSelector": {
                "i": "{% $states.context.Map.Item.Index %}",
                "v": "{% $states.context.Map.Item.Value %}",
                "all": "{% $count($states.input.xs) %}",
            },
        },
        {"xs": ["a", "b"]},
        [{"i": 0, "v": "a", "all": 2}, {"i": 1, "v": "b", "all": 2}],
        id="item-selector",
    ),
    pytest.param(
        {"Items": "{% $states.input.xs %}", "MaxConcurrency": "{% $states.input.c %}"},
        {"xs": [1, 2, 3], "c": 2},
        [1, 2, 3],
        id="max-concurrency-expression",
    ),
    pytest.param(
        {"MaxConcurrency": "{% 'many' %}"},
        [1],
        Fails(QEE, "not a valid integer"),
        id="max-concurrency-not-an-integer",
    ),
    pytest.param(
        {"Output": {"n": "{% $count($states.result) %}"}}, [1, 2, 3], {"n": 3}, id="output-of-the-results"
    ),
]


@pytest.mark.parametrize(("fields", "given", "expected"), MAPS)
async def test_map(run: Any, fields: dict[str, Any], given: Any, expected: Any) -> None:
    check(await run(mapping(**fields), given), expected)


async def test_map_tolerated_failures_expressions(run: Any) -> None:
    definition = jsonata(
        (
            "M",
            {
                "Type": "Map",
                "Items": [1, 2, 3, 4],
                "ToleratedFailureCount": "{% $states.input.count %}",
                "ToleratedFailurePercentage": "{% $states.input.percent %}",
                "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}},
                "End": True,
            },
        )
    )
    result = await run(definition, {"count": 4, "percent": 100})
    assert result.status == "SUCCEEDED"
    assert [item["Error"] for item in result.output] == ["E"] * 4
    exceeded = Fails("States.ExceedToleratedFailureThreshold")
    check(await run(definition, {"count": 1, "percent": 100}), exceeded)


# ---------------------------------------------------------------------------- Parallel


async def test_parallel_arguments_and_output(run: Any) -> None:
    def branch(name: str) -> dict[str, Any]:
        return {
            "StartAt": name,
            "States": {name: {"Type": "Pass", "Output": "{% $states.input.x + 1 %}", "End": True}},
        }

    definition = jsonata(
        (
            "Par",
            {
                "Type": "Parallel",
                "Arguments": {"x": "{% $states.input.base %}"},
                "Branches": [branch("B1"), branch("B2")],
                "Output": "{% $sum($states.result) %}",
                "End": True,
            },
        )
    )
    check(await run(definition, {"base": 1}), 4)


# ------------------------------------------------------------------------------- Wait, Fail


async def test_wait_seconds_and_timestamp_expressions(run: Any, fake_clock: FakeClock) -> None:
    start = fake_clock.now()
    definition = jsonata(("W", {"Type": "Wait", "Seconds": "{% $states.input.s %}", "End": True}))
    check(await run(definition, {"s": 3}), {"s": 3})
    assert fake_clock.now() - start == timedelta(seconds=3)
    later = (fake_clock.now() + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    definition = jsonata(
        ("W", {"Type": "Wait", "Timestamp": "{% $states.input.t %}", "Output": {"waited": True}, "End": True})
    )
    check(await run(definition, {"t": later}), {"waited": True})


WAIT_ERRORS = [
    pytest.param(
        {"Seconds": "{% $states.input.v %}"},
        {"v": "ten"},
        "cannot be parsed as a long value",
        id="seconds-string",
    ),
    pytest.param({"Seconds": "{% $states.input.v %}"}, {"v": -1}, "negative", id="seconds-negative"),
    pytest.param(
        {"Timestamp": "{% $states.input.v %}"},
        {"v": "2016-12-05 21:29:29Z"},
        "Timestamp field cannot be parsed",
        id="timestamp-no-t",
    ),
]


@pytest.mark.parametrize(("fields", "given", "cause"), WAIT_ERRORS)
async def test_wait_errors(run: Any, fields: dict[str, Any], given: Any, cause: str) -> None:
    check(await run(jsonata(("W", {"Type": "Wait", "End": True, **fields})), given), Fails(QEE, cause))


FAILS = [
    pytest.param(
        {"Error": "{% $states.input.e %}", "Cause": "{% 'because ' & $states.input.c %}"},
        {"e": "E", "c": "c"},
        Fails("E", "because c"),
        id="both",
    ),
    pytest.param({"Cause": "{% $states.input.c %}"}, {"c": "only"}, Fails(None, "only"), id="cause-only"),
    pytest.param({"Error": "Literal", "Cause": "text"}, {}, Fails("Literal", "text"), id="literals"),
    pytest.param({"Error": "{% 42 %}"}, {}, Fails(QEE, "must resolve to a string"), id="error-not-a-string"),
]


@pytest.mark.parametrize(("fields", "given", "expected"), FAILS)
async def test_fail(run: Any, fields: dict[str, Any], given: Any, expected: Fails) -> None:
    check(await run(jsonata(("F", {"Type": "Fail", **fields})), given), expected)


# ----------------------------------------------------------------------------- extensions


EXTENSIONS = [
    pytest.param("{% $partition([1, 2, 3, 4, 5], 2) %}", [[1, 2], [3, 4], [5]], id="partition"),
    pytest.param("{% $partition([0], 1) %}", [[0]], id="partition-singleton-stays-nested"),
    pytest.param("{% $range(0, 10, 3) %}", [0, 3, 6, 9], id="range"),
    pytest.param("{% $range(1, 9, 9) %}", 1, id="range-singleton-collapses"),
    pytest.param("{% $range(5, 1, -2) %}", [5, 3, 1], id="range-down"),
    pytest.param("{% $hash('abc', 'SHA-256') %}", hashlib.sha256(b"abc").hexdigest(), id="hash-sha256"),
    pytest.param("{% $hash('abc', 'MD5') %}", hashlib.md5(b"abc").hexdigest(), id="hash-md5"),
    pytest.param("{% $parse('{\"a\": [1, null]}') %}", {"a": [1, None]}, id="parse"),
    pytest.param("{% $random(7) = $random(7) %}", True, id="random-seeded-is-repeatable"),
    pytest.param("{% $random() >= 0 and $random() < 1 %}", True, id="random"),
    pytest.param("{% $length($uuid()) %}", 36, id="uuid"),
    pytest.param("{% $partition([1], 0) %}", Fails(QEE, "greater than 0"), id="partition-size-zero"),
    pytest.param("{% $hash('abc', 'CRC32') %}", Fails(QEE, "algorithm"), id="hash-unknown-algorithm"),
    pytest.param("{% $parse('{nope') %}", Fails(QEE, "not valid JSON"), id="parse-invalid"),
    pytest.param(
        "{% ($f := $eval; $f('1 + 1')) %}",
        Fails(QEE, "$eval is not supported"),
        id="eval-refused-at-run-time",
    ),
]


@pytest.mark.parametrize(("output", "expected"), EXTENSIONS)
async def test_extensions(run: Any, output: str, expected: Any) -> None:
    check(await run(passing(Output=output), {}), expected)


async def test_uuid_and_random_come_from_the_entropy_port(run: Any) -> None:
    definition = passing(Output={"u": "{% $uuid() %}", "r": "{% $random() %}"})
    first = await run(definition, {}, entropy=SeededEntropy(11))
    again = await run(definition, {}, entropy=SeededEntropy(11))
    other = await run(definition, {}, entropy=SeededEntropy(12))
    assert first.output == again.output != other.output


async def test_now_and_millis_read_the_clock(run: Any, fake_clock: FakeClock) -> None:
    result = await run(passing(Output={"now": "{% $now() %}", "millis": "{% $millis() %}"}), {})
    expected = fake_clock.now()
    assert result.output["millis"] == int(expected.timestamp() * 1000)
    assert result.output["now"].startswith(expected.strftime("%Y-%m-%dT%H:%M:%S"))


# ------------------------------------------------------------------------------ validation


INVALID = [
    pytest.param(passing(Output="{% $states.input. %}"), "/States/P/Output", "S0207", id="syntax-error"),
    pytest.param(
        passing(Output={"a": ["{% $eval('1') %}"]}),
        "/States/P/Output/a/0",
        "$eval is not supported",
        id="eval-refused",
    ),
    pytest.param(
        passing(Assign={"x": "{% ( %}"}), "/States/P/Assign/x", "invalid JSONata", id="assign-syntax"
    ),
    pytest.param(
        passing(Parameters={"a": 1}), "/States/P/Parameters", "use 'Arguments'", id="parameters-forbidden"
    ),
    pytest.param(passing(ResultPath="$.x"), "/States/P/ResultPath", "JSONPath", id="resultpath-forbidden"),
    pytest.param(
        jsonata(("W", {"Type": "Wait", "Seconds": "{% ) %}", "End": True})),
        "/States/W/Seconds",
        "invalid JSONata",
        id="wait-seconds-syntax",
    ),
    pytest.param(
        jsonata(("C", {"Type": "Choice", "Choices": [{"Condition": "{% = %}", "Next": "C"}]})),
        "/States/C/Choices/0",
        "invalid JSONata",
        id="condition-syntax",
    ),
]


@pytest.mark.parametrize(("definition", "pointer", "message"), INVALID)
def test_invalid_definitions(definition: dict[str, Any], pointer: str, message: str) -> None:
    with pytest.raises(DefinitionError) as raised:
        statebox.parse(definition)
    assert any(p.pointer == pointer and message in p.message for p in raised.value.problems), (
        raised.value.problems
    )


# ----------------------------------------------------------------------------- lazy import


LAZY_IMPORT_PROBE = """
import sys
import statebox

def pass_state(**fields):
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True, **fields}}}

assert "jsonata" not in sys.modules, "imported by statebox"
statebox.parse(pass_state(Assign={"x": 1}))
assert "jsonata" not in sys.modules, "imported by a JSONPath machine"
limit = sys.getrecursionlimit()
statebox.parse({"QueryLanguage": "JSONata", **pass_state(Output="{% 1 %}")})
assert "jsonata" in sys.modules
assert sys.getrecursionlimit() == limit, "jsonata changed the recursion limit"
print("ok")
"""


def test_importing_statebox_does_not_import_jsonata() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LAZY_IMPORT_PROBE], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_machines_compile_expressions_once() -> None:
    import uuid

    from statebox.dataflow import jsonata as module

    definition = {**passing(Output={"a": "{% $states.input.a %}"}), "Comment": str(uuid.uuid4())}
    compiled = []
    original = module.Expression.__init__

    def counting(self: Any, text: str, field: str) -> None:
        compiled.append(text)
        original(self, text, field)

    module.Expression.__init__ = counting  # type: ignore[method-assign]
    try:
        statebox.parse(json.dumps(definition))
        assert statebox.run(definition, {"a": 1}, clock=FakeClock()).output == {"a": 1}
        assert statebox.run(definition, {"a": 2}, clock=FakeClock()).output == {"a": 2}
    finally:
        module.Expression.__init__ = original  # type: ignore[method-assign]
    assert compiled == ["$states.input.a"]


async def test_recursive_functions_recurse_deeply_only_while_evaluating(run: Any) -> None:
    limit = sys.getrecursionlimit()
    recursive = "{% ($f := function($n){$n <= 1 ? 1 : $n + $f($n - 1)}; $f($states.input.n)) %}"
    check(await run(passing(Output=recursive), {"n": 300}), 300 * 301 // 2)
    check(await run(passing(Output=recursive), {"n": 100_000}), Fails(QEE, "nested too deeply"))
    assert sys.getrecursionlimit() == limit
