"""Parallel: every branch gets the same effective input, outputs come back in branch order
(whatever order the branches finish in), branches really overlap, a failing branch fails the
state with that branch's error, and Retry / Catch / nesting work around it."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
from conftest import machine, runner_with_actions

from statebox.ports import FakeClock

ACTIONS = {
    # Sleeps `delay` real seconds (small), then returns `tag`: branches finish out of order.
    "sleepy": (
        "import asyncio\n\n"
        "async def main(args):\n"
        "    await asyncio.sleep(args['delay'])\n"
        "    return args['tag']\n"
    ),
    # Records how many calls run at once; every call returns the peak it has seen.
    "overlap": (
        "import asyncio\n\n"
        "ACTIVE = 0\n"
        "PEAK = 0\n\n"
        "async def main(args):\n"
        "    global ACTIVE, PEAK\n"
        "    ACTIVE += 1\n"
        "    PEAK = max(PEAK, ACTIVE)\n"
        "    await asyncio.sleep(0.02)\n"
        "    ACTIVE -= 1\n"
        "    return PEAK\n"
    ),
    "hang": "import asyncio\n\nasync def main(args):\n    await asyncio.sleep(60)\n    return args\n",
    "boom": ("class Boom(Exception):\n    pass\n\ndef main(args):\n    raise Boom('branch exploded')\n"),
}


@pytest.fixture
def run(run_machine: Any, tmp_path: Path) -> Any:
    return runner_with_actions(run_machine, tmp_path, ACTIONS)


def branch(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return machine(*states)


_NAMES = itertools.count()


def pass_branch(name: str | None = None, **fields: Any) -> dict[str, Any]:
    """A one-Pass branch; names are unique (ASL wants them unique in the whole definition)."""
    return branch((name or f"B{next(_NAMES)}", {"Type": "Pass", "End": True, **fields}))


def parallel(branches: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return machine(("Par", {"Type": "Parallel", "Branches": branches, "End": True, **fields}))


OUTPUTS = [
    pytest.param([pass_branch()], {}, {"a": 1}, [{"a": 1}], id="one-branch"),
    pytest.param(
        [pass_branch(Result=1), pass_branch(Result=2), pass_branch(Result=3)],
        {},
        {},
        [1, 2, 3],
        id="branch-order",
    ),
    pytest.param(
        [pass_branch(InputPath="$.a"), pass_branch(InputPath="$.b")],
        {},
        {"a": 1, "b": 2},
        [1, 2],
        id="same-input-for-every-branch",
    ),
    pytest.param(
        [pass_branch()],
        {"InputPath": "$.in"},
        {"in": {"x": 1}, "out": 0},
        [{"x": 1}],
        id="inputpath",
    ),
    pytest.param(
        [pass_branch(), pass_branch(Parameters={"n.$": "$.n"})],
        {"Parameters": {"n.$": "$.value", "state.$": "$$.State.Name"}},
        {"value": 5},
        [{"n": 5, "state": "Par"}, {"n": 5}],
        id="parameters",
    ),
    pytest.param(
        [pass_branch(Result="x"), pass_branch(Result="y")],
        {"ResultSelector": {"first.$": "$[0]", "all.$": "$"}},
        {},
        {"first": "x", "all": ["x", "y"]},
        id="resultselector",
    ),
    pytest.param(
        [pass_branch(Result="x")],
        {"ResultPath": "$.results"},
        {"keep": 1},
        {"keep": 1, "results": ["x"]},
        id="resultpath",
    ),
    pytest.param(
        [pass_branch(Result="x")], {"ResultPath": None}, {"keep": 1}, {"keep": 1}, id="resultpath-null"
    ),
    pytest.param([pass_branch(Result="x")], {"OutputPath": "$[0]"}, {}, "x", id="outputpath"),
    pytest.param(
        [pass_branch("Named", Parameters={"name.$": "$$.State.Name"})],
        {},
        {},
        [{"name": "Named"}],
        id="context-names-the-branch-state",
    ),
    pytest.param(
        [
            branch(
                ("One", {"Type": "Pass", "Result": 1, "ResultPath": "$.one", "Next": "Two"}),
                ("Two", {"Type": "Pass", "Result": 2, "ResultPath": "$.two", "End": True}),
            )
        ],
        {},
        {"start": 0},
        [{"start": 0, "one": 1, "two": 2}],
        id="multi-state-branch",
    ),
    pytest.param(
        [
            pass_branch(Result="outer"),
            branch(
                (
                    "Inner",
                    {
                        "Type": "Parallel",
                        "End": True,
                        "Branches": [pass_branch(Result="a"), pass_branch(Result="b")],
                    },
                )
            ),
        ],
        {},
        {},
        ["outer", ["a", "b"]],
        id="nested",
    ),
]


@pytest.mark.parametrize(("branches", "fields", "execution_input", "expected"), OUTPUTS)
async def test_outputs(
    run: Any, branches: list[dict[str, Any]], fields: dict[str, Any], execution_input: Any, expected: Any
) -> None:
    result = await run(parallel(branches, **fields), execution_input)
    assert (result.status, result.output) == ("SUCCEEDED", expected), (result.error, result.cause)


async def test_outputs_keep_branch_order_when_branches_finish_out_of_order(run: Any) -> None:
    branches = [
        branch(
            (
                tag,
                {
                    "Type": "Task",
                    "Resource": "module:sleepy",
                    "End": True,
                    "Parameters": {"delay": delay, "tag": tag},
                },
            )
        )
        for delay, tag in ((0.06, "slowest"), (0.03, "middle"), (0.0, "fastest"))
    ]
    result = await run(parallel(branches), {})
    assert (result.status, result.output) == ("SUCCEEDED", ["slowest", "middle", "fastest"])


async def test_branches_run_concurrently(run: Any) -> None:
    branches = [
        branch((f"B{i}", {"Type": "Task", "Resource": "module:overlap", "End": True})) for i in range(4)
    ]
    result = await run(parallel(branches), {})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert max(result.output) == 4


FAILURES = [
    pytest.param(
        [branch(("F", {"Type": "Fail", "Error": "FailureType"}))],
        "FailureType",
        None,
        id="fail-state",  # conformance: parallel/test_parallel_state_fail
    ),
    pytest.param(
        [pass_branch(), branch(("F", {"Type": "Fail", "Error": "E2", "Cause": "second branch"}))],
        "E2",
        "second branch",
        id="one-of-several",
    ),
    pytest.param(
        [branch(("T", {"Type": "Task", "Resource": "module:boom", "End": True}))],
        "Boom",
        "branch exploded",
        id="task-error",
    ),
    pytest.param(
        [
            branch(
                ("C", {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "P"}]}),
                ("P", {"Type": "Pass", "End": True}),
            )
        ],
        "States.NoChoiceMatched",
        "'C'",
        id="no-choice-matched",
    ),
    pytest.param(
        [
            branch(
                (
                    "Inner",
                    {
                        "Type": "Parallel",
                        "End": True,
                        "Branches": [branch(("F2", {"Type": "Fail", "Error": "Deep", "Cause": "nested"}))],
                    },
                )
            )
        ],
        "Deep",
        "nested",
        id="nested",
    ),
]


@pytest.mark.parametrize(("branches", "error", "cause"), FAILURES)
async def test_a_failing_branch_fails_the_state_with_its_error(
    run: Any, branches: list[dict[str, Any]], error: str, cause: str | None
) -> None:
    result = await run(parallel(branches), {})
    assert (result.status, result.error) == ("FAILED", error)
    if cause is not None:
        assert cause in result.cause
    else:
        assert result.cause is None


async def test_a_failing_branch_cancels_the_others(run: Any) -> None:
    branches = [
        branch(("Hang", {"Type": "Task", "Resource": "module:hang", "End": True})),
        branch(("F", {"Type": "Fail", "Error": "Stop"})),
    ]
    # Without cancellation the hanging branch would hold the execution for a minute.
    result = await asyncio.wait_for(run(parallel(branches), {}), timeout=10)
    assert (result.status, result.error) == ("FAILED", "Stop")


async def test_catch_a_branch_failure(run: Any) -> None:
    definition = machine(
        (
            "Par",
            {
                "Type": "Parallel",
                "Next": "Done",
                "Branches": [pass_branch(), branch(("F", {"Type": "Fail", "Error": "E", "Cause": "c"}))],
                "Catch": [{"ErrorEquals": ["E"], "ResultPath": "$.error", "Next": "Done"}],
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )
    result = await run(definition, {"keep": 1})
    assert (result.status, result.output) == ("SUCCEEDED", {"keep": 1, "error": {"Error": "E", "Cause": "c"}})


async def test_retry_runs_every_branch_again(run: Any, fake_clock: FakeClock) -> None:
    # conformance: parallel/test_parallel_state_retry
    definition = parallel(
        [branch(("F", {"Type": "Fail", "Error": "FailureType", "Cause": "Cause description"}))],
        Retry=[{"ErrorEquals": ["FailureType"], "MaxAttempts": 2}],
    )
    result = await run(definition, {})
    assert (result.status, result.error, result.cause) == ("FAILED", "FailureType", "Cause description")
    assert fake_clock.slept == [1.0, 2.0]


async def test_retry_then_succeed_sees_the_retry_count(run: Any, fake_clock: FakeClock) -> None:
    # The branch fails until the Parallel's $$.State.RetryCount (passed in) reaches 2.
    flaky = branch(
        (
            "C",
            {
                "Type": "Choice",
                "Default": "F",
                "Choices": [{"Variable": "$.retry", "NumericGreaterThanEquals": 2, "Next": "Ok"}],
            },
        ),
        ("F", {"Type": "Fail", "Error": "NotYet"}),
        ("Ok", {"Type": "Pass", "End": True}),
    )
    definition = parallel(
        [flaky],
        Parameters={"retry.$": "$$.State.RetryCount"},
        Retry=[{"ErrorEquals": ["NotYet"], "IntervalSeconds": 3, "MaxAttempts": 5}],
    )
    result = await run(definition, {})
    assert (result.status, result.output) == ("SUCCEEDED", [{"retry": 2}]), (result.error, result.cause)
    assert fake_clock.slept == [3.0, 6.0]


async def test_states_runtime_in_a_branch_is_not_caught(run: Any) -> None:
    definition = machine(
        (
            "Par",
            {
                "Type": "Parallel",
                "Next": "Done",
                "Branches": [pass_branch(InputPath="$.missing")],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )
    result = await run(definition, {})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
