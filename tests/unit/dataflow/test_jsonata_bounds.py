"""JSONata evaluations are bounded (issue 13, 5a / 5b): endless and exponential recursion,
catastrophic regular expressions and values that double fail the state with a clear ASL error
(States.QueryEvaluationError, or States.DataLimitExceeded for size) that Catch can route.

The time bound is lowered for these tests (jsonata_bounds.MAX_SECONDS); nothing here measures
time: each case asserts which error it ends with."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Fails, check

from statebox.dataflow import jsonata_bounds

QUERY, DATA_LIMIT = "States.QueryEvaluationError", "States.DataLimitExceeded"
SLOW_PATTERN = "/(a|aa)+$/"
SLOW_SUBJECT = "$pad('', 40, 'a') & 'b'"


@pytest.fixture(autouse=True)
def short_time_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonata_bounds, "MAX_SECONDS", 0.5)


def output_of(expression: str, catch: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Pass", "Output": "{% " + expression + " %}", "End": True}
    states: dict[str, Any] = {"P": state}
    if catch:
        state["Type"] = "Parallel"
        state["Branches"] = [
            {"StartAt": "In", "States": {"In": {"Type": "Pass", "Output": state.pop("Output"), "End": True}}}
        ]
        state["Catch"] = [
            {"ErrorEquals": ["States.ALL"], "Next": "Caught", "Output": "{% $states.errorOutput.Error %}"}
        ]
        states["Caught"] = {"Type": "Pass", "End": True}
    return {"QueryLanguage": "JSONata", "StartAt": "P", "States": states}


HOSTILE = [
    ("($f := function($x){ $f($x) }; $f(1))", Fails(QUERY, "threw an error during evaluation")),
    ("($f := function($n){ $n = 0 ? 0 : $f($n-1) + $f($n-1) }; $f(60))", Fails(QUERY, "the evaluation")),
    ("($f := function($n){ 1 + $f($n + 1) }; $f(1))", Fails(QUERY, "nested too deeply")),
    (f"$match({SLOW_SUBJECT}, {SLOW_PATTERN})", Fails(QUERY, "regular expression")),
    (f"$replace({SLOW_SUBJECT}, {SLOW_PATTERN}, 'x')", Fails(QUERY, "regular expression")),
    (f"$split({SLOW_SUBJECT}, {SLOW_PATTERN})", Fails(QUERY, "regular expression")),
    (f"$contains({SLOW_SUBJECT}, {SLOW_PATTERN})", Fails(QUERY, "regular expression")),
    ("$pad('x', 1e12)", Fails(DATA_LIMIT, "payload size limit")),
    ("$pad('x', -1e12)", Fails(DATA_LIMIT, "payload size limit")),
    ("$reduce([1..60], function($a, $i){ $a & $a }, 'ab')", Fails(DATA_LIMIT, "payload size limit")),
    ("$reduce([1..60], function($a, $i){ [$a, $a] }, 'ab')", Fails(DATA_LIMIT, "payload size limit")),
    (
        "$reduce([1..60], function($a, $i){ {'l': $a, 'r': $a} }, 'ab')",
        Fails(DATA_LIMIT, "payload size limit"),
    ),
    ("($s := $pad('', 1000, 'a'); $replace($s, /a/, $s))", Fails(DATA_LIMIT, "payload size limit")),
    ("($s := $pad('', 1000, 'a'); $replace($s, /a/, function($m){ $s }))", Fails(DATA_LIMIT, "payload")),
]


@pytest.mark.parametrize(("expression", "expected"), HOSTILE)
async def test_a_hostile_expression_fails_the_state(
    run_machine: Any, expression: str, expected: Fails
) -> None:
    check(await run_machine(output_of(expression)), expected)


@pytest.mark.parametrize(
    ("expression", "error"),
    [("($f := function($x){ $f($x) }; $f(1))", QUERY), ("$pad('x', 1e9)", "States.ALL-excluded")],
)
async def test_the_errors_flow_into_catch_as_aws_allows(
    run_machine: Any, expression: str, error: str
) -> None:
    result = await run_machine(output_of(expression, catch=True))
    if error == QUERY:
        check(result, QUERY)  # caught by States.ALL; the Catch's Output is the error name
    else:
        # States.ALL does not match States.DataLimitExceeded (AWS): the execution fails.
        check(result, Fails(DATA_LIMIT))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$sum($map([1..1000], function($v){ $v * 2 }))", 1001000),
        ("$replace('hello world', /(o)/, '[$1]')", "hell[o] w[o]rld"),
        ("$replace('abc', /(b)/, '$2')", "ac"),
        ("$match('ab12cd3', /[0-9]+/).match", ["12", "3"]),
        ("$split('a1b22c', /[0-9]+/)", ["a", "b", "c"]),
        ("$contains('Hello', /hello/i)", True),
        ("'x' ~> $pad(4, '-')", "x---"),
        ("$pad('x', -3)", "  x"),
        ("($f := function($n){ $n <= 1 ? 1 : $n * $f($n - 1) }; $f(150) > 0)", True),
    ],
)
async def test_ordinary_expressions_are_untouched(run_machine: Any, expression: str, expected: Any) -> None:
    check(await run_machine(output_of(expression)), expected)


async def test_an_output_object_that_doubles_its_input_stops_at_the_limit(run_machine: Any) -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Grow",
        "States": {
            "Grow": {
                "Type": "Pass",
                "Output": {"l": "{% $states.input %}", "r": "{% $states.input %}"},
                "Next": "Grow",
            }
        },
    }
    check(await run_machine(definition, {"s": "ab"}), Fails(DATA_LIMIT, "the state's Output"))
