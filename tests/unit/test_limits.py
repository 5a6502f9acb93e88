"""Limits from Settings: the payload size (States.DataLimitExceeded, which States.ALL neither
retries nor catches) and the transition cap that stops a runaway loop with a States.Runtime
error naming the limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import machine

import statebox
from statebox.config import Settings
from statebox.ports import FakeClock

LIMIT = 1000
SMALL = Settings(max_payload_bytes=LIMIT)


@pytest.fixture
def run(run_machine: Any, tmp_path: Path) -> Any:
    (tmp_path / "big.py").write_text("def main(args):\n    return {'blob': 'x' * args['size']}\n")

    async def go(definition: Any, execution_input: Any = None, **options: Any) -> Any:
        return await run_machine(definition, execution_input, actions=tmp_path, **options)

    return go


def big_task(**fields: Any) -> dict[str, Any]:
    states = [
        ("T", {"Type": "Task", "Resource": "module:big", "Next": "After", **fields}),
        ("After", {"Type": "Pass", "End": True}),
    ]
    if "Catch" in fields:
        states.append(("Handled", {"Type": "Pass", "Result": "handled", "End": True}))
    return machine(*states)


def assert_data_limit(result: Any) -> None:
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded"), result
    assert str(LIMIT) in result.cause


# --------------------------------------------------------------------------------------------
# Payload size


@pytest.mark.parametrize(
    ("execution_input", "over"),
    [
        pytest.param({"s": "x" * 900}, False, id="under"),
        pytest.param({"s": "x" * 1000}, True, id="over"),
        pytest.param({"s": "é" * 600}, True, id="utf8-bytes-not-characters"),
        pytest.param(["x" * 200] * 6, True, id="array"),
    ],
)
async def test_execution_input(run_machine: Any, execution_input: Any, over: bool) -> None:
    definition = machine(("P", {"Type": "Pass", "OutputPath": None, "End": True}))
    result = await run_machine(definition, execution_input, settings=SMALL)
    if over:
        assert_data_limit(result)
    else:
        assert (result.status, result.output) == ("SUCCEEDED", {})


@pytest.mark.parametrize(("size", "over"), [(900, False), (1200, True)])
async def test_task_result(run: Any, size: int, over: bool) -> None:
    result = await run(big_task(Parameters={"size": size}, OutputPath=None), {}, settings=SMALL)
    if over:
        assert_data_limit(result)
    else:
        assert (result.status, result.output) == ("SUCCEEDED", {})


async def test_a_pass_result_over_the_configured_limit(run_machine: Any) -> None:
    definition = machine(("P", {"Type": "Pass", "Result": "y" * 1500, "End": True}))
    assert_data_limit(await run_machine(definition, {}, settings=SMALL))


# Doubles the input: an execution input under the limit becomes an output over it.
DOUBLING = {"Type": "Pass", "Parameters": {"a.$": "$.s", "b.$": "$.s"}}


async def test_execution_output(run_machine: Any) -> None:
    definition = machine(("P", {**DOUBLING, "End": True}))
    assert_data_limit(await run_machine(definition, {"s": "x" * 600}, settings=SMALL))


async def test_the_default_limit_is_256_kib(run: Any) -> None:
    assert (await run(big_task(Parameters={"size": 200 * 1024}, OutputPath=None), {})).status == "SUCCEEDED"
    result = await run(big_task(Parameters={"size": 257 * 1024}, OutputPath=None), {})
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")


async def test_data_limit_is_not_caught_by_states_all(run: Any) -> None:
    definition = big_task(
        Parameters={"size": 2000}, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]
    )
    assert_data_limit(await run(definition, {}, settings=SMALL))


async def test_data_limit_is_not_retried_by_states_all(run: Any, fake_clock: FakeClock) -> None:
    definition = big_task(
        Parameters={"size": 2000}, Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}]
    )
    assert_data_limit(await run(definition, {}, settings=SMALL))
    assert fake_clock.slept == []


@pytest.mark.parametrize(
    "producer",
    [
        pytest.param({**DOUBLING, "ResultPath": "$.big"}, id="pass"),
        pytest.param(
            {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ResultPath": "$.big",
                "ItemSelector": {"pad": "z" * 300},
                "ItemProcessor": machine(("Item", {"Type": "Pass", "End": True})),
            },
            id="map",
        ),
    ],
)
async def test_an_oversized_state_output_fails_even_if_a_later_state_shrinks_it(
    run_machine: Any, producer: dict[str, Any]
) -> None:
    definition = machine(
        ("Produce", {**producer, "Next": "Shrink"}),
        ("Shrink", {"Type": "Pass", "OutputPath": "$.small", "End": True}),
    )
    execution_input = {"small": 1, "items": [1, 2, 3, 4, 5, 6], "s": "z" * 400}
    result = await run_machine(definition, execution_input, settings=SMALL)
    assert_data_limit(result)


# --------------------------------------------------------------------------------------------
# Transitions


def chain(length: int) -> dict[str, Any]:
    names = [f"S{i}" for i in range(length)]
    states = [
        (name, {"Type": "Pass", **({"Next": names[i + 1]} if i + 1 < length else {"End": True})})
        for i, name in enumerate(names)
    ]
    return machine(*states)


LOOP = machine(
    ("Work", {"Type": "Pass", "Next": "Again"}),
    (
        "Again",
        {
            "Type": "Choice",
            "Default": "Work",
            "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Done"}],
        },
    ),
    ("Done", {"Type": "Succeed"}),
)


def assert_transition_limit(result: Any, limit: int) -> None:
    assert (result.status, result.error) == ("FAILED", "States.Runtime"), result
    assert str(limit) in result.cause
    assert "transition" in result.cause


async def test_a_runaway_choice_loop_stops_at_the_limit(run_machine: Any) -> None:
    assert_transition_limit(await run_machine(LOOP, {}, settings=Settings(max_transitions=50)), 50)


async def test_the_same_loop_ends_normally_when_told_to_stop(run_machine: Any) -> None:
    result = await run_machine(LOOP, {"stop": True}, settings=Settings(max_transitions=50))
    assert (result.status, result.output) == ("SUCCEEDED", {"stop": True})


@pytest.mark.parametrize(
    ("length", "limit", "ok"), [(5, 5, True), (5, 4, False), (1, 1, True), (30, 29, False)]
)
async def test_every_state_entered_is_a_transition(
    run_machine: Any, length: int, limit: int, ok: bool
) -> None:
    result = await run_machine(chain(length), {"a": 1}, settings=Settings(max_transitions=limit))
    if ok:
        assert (result.status, result.output) == ("SUCCEEDED", {"a": 1})
    else:
        assert_transition_limit(result, limit)


async def test_map_iterations_count_towards_the_limit(run_machine: Any) -> None:
    definition = machine(
        ("M", {"Type": "Map", "End": True, "ItemProcessor": machine(("Item", {"Type": "Pass", "End": True}))})
    )
    assert (
        await run_machine(definition, [1, 2, 3], settings=Settings(max_transitions=4))
    ).status == "SUCCEEDED"
    assert_transition_limit(await run_machine(definition, [1, 2, 3], settings=Settings(max_transitions=3)), 3)


async def test_a_runaway_loop_in_a_branch_is_not_caught(run_machine: Any) -> None:
    branch = machine(
        ("Spin", {"Type": "Pass", "Next": "Check"}),
        (
            "Check",
            {
                "Type": "Choice",
                "Default": "Spin",
                "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Out"}],
            },
        ),
        ("Out", {"Type": "Succeed"}),
    )
    definition = machine(
        (
            "P",
            {
                "Type": "Parallel",
                "Branches": [branch],
                "Next": "Done",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
                "Retry": [{"ErrorEquals": ["States.ALL"]}],
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )
    assert_transition_limit(await run_machine(definition, {}, settings=Settings(max_transitions=40)), 40)


# AWS's most for a number of seconds; beyond it a date overflowed into a traceback before.
TOO_LONG = 100_000_000


@pytest.mark.parametrize(
    ("definition", "pointer"),
    [
        (machine(("T", {"Type": "Task", "Resource": "module:suspend", "TimeoutSeconds": TOO_LONG, "End": True})),
         "/States/T/TimeoutSeconds"),
        (machine(("T", {"Type": "Task", "Resource": "module:suspend", "HeartbeatSeconds": TOO_LONG, "End": True})),
         "/States/T/HeartbeatSeconds"),
        (machine(("W", {"Type": "Wait", "Seconds": TOO_LONG, "End": True})), "/States/W/Seconds"),
        ({"TimeoutSeconds": TOO_LONG, **machine(("P", {"Type": "Pass", "End": True}))}, "/TimeoutSeconds"),
    ],
)  # fmt: skip
async def test_seconds_past_the_aws_maximum_are_refused_in_the_definition(
    run: Any, definition: Any, pointer: str
) -> None:
    with pytest.raises(statebox.DefinitionError) as refused:
        await run(definition, {})
    assert [(p.pointer, p.message) for p in refused.value.problems] == [
        (pointer, f"must be at most 99999999, got {TOO_LONG}")
    ]


@pytest.mark.parametrize(
    "state",
    [
        {"Type": "Task", "Resource": "module:suspend", "TimeoutSecondsPath": "$.n"},
        {"Type": "Task", "Resource": "module:suspend", "HeartbeatSecondsPath": "$.n"},
        {"Type": "Task", "Resource": "module:suspend", "QueryLanguage": "JSONata", "TimeoutSeconds": "{% $states.input.n %}"},
        {"Type": "Wait", "SecondsPath": "$.n"},
        {"Type": "Wait", "QueryLanguage": "JSONata", "Seconds": "{% $states.input.n %}"},
    ],
)  # fmt: skip
async def test_seconds_past_the_aws_maximum_read_at_run_time_fail_the_state(run: Any, state: Any) -> None:
    result = await run(machine(("S", {**state, "End": True})), {"n": TOO_LONG})
    assert result.status == "FAILED" and str(TOO_LONG) in result.cause
    assert "99999999" in result.cause


# ------------------------------------------------ values measured while they are built (5a)


def doubling_loop(grow: dict[str, Any], passes: int = 60) -> dict[str, Any]:
    """A loop that runs `grow` `passes` times: each pass doubles $.s (sharing its halves, so
    without a measurement where it is built, 60 passes describe 2**60 items)."""
    return machine(
        ("Init", {"Type": "Pass", "Parameters": {"s": {"l": "ab"}, "i": 0}, "Next": "Grow"}),
        ("Grow", {**grow, "Next": "Count"}),
        (
            "Count",
            {"Type": "Pass", "Parameters": {"s.$": "$.s", "i.$": "States.MathAdd($.i, 1)"}, "Next": "Loop"},
        ),
        (
            "Loop",
            {
                "Type": "Choice",
                "Choices": [{"Variable": "$.i", "NumericLessThan": passes, "Next": "Grow"}],
                "Default": "Done",
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )


GROWERS = {
    "Array": {"Type": "Pass", "Parameters": {"s.$": "States.Array($.s, $.s)", "i.$": "$.i"}},
    "Format": {"Type": "Pass", "Parameters": {"s.$": "States.Format('{}{}', $.s, $.s)", "i.$": "$.i"}},
    "JsonToString": {
        "Type": "Pass",
        "Parameters": {"s.$": "States.JsonToString(States.Array($.s, $.s))", "i.$": "$.i"},
    },
    "ArrayPartition": {
        "Type": "Pass",
        "Parameters": {"s.$": "States.ArrayPartition(States.Array($.s, $.s, $.s), 1)", "i.$": "$.i"},
    },
    "template": {"Type": "Pass", "Parameters": {"s": {"l.$": "$.s", "r.$": "$.s"}, "i.$": "$.i"}},
}


@pytest.mark.parametrize("grow", list(GROWERS.values()), ids=list(GROWERS))
async def test_a_doubling_loop_stops_at_the_payload_limit(run_machine: Any, grow: dict[str, Any]) -> None:
    result = await run_machine(doubling_loop(grow), {})
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded"), result.cause
    assert "262144 bytes" in result.cause


async def test_a_doubling_loop_under_the_limit_still_runs(run_machine: Any) -> None:
    result = await run_machine(doubling_loop(GROWERS["Array"], passes=10), {})
    assert result.status == "SUCCEEDED", result.cause


async def test_a_large_document_carried_through_many_states_is_not_refused(run_machine: Any) -> None:
    """AWS limits a state's output, after OutputPath: a 200 KiB document copied beside itself
    by ResultPath and cut back by OutputPath (the peers' payload workload) stays within it."""
    names = [f"S{i}" for i in range(30)]
    states = [
        (
            name,
            {
                "Type": "Pass",
                "InputPath": "$.p",
                "ResultPath": "$.q.p",
                "OutputPath": "$.q",
                **({"Next": names[i + 1]} if i + 1 < len(names) else {"End": True}),
            },
        )
        for i, name in enumerate(names)
    ]
    document = {
        "p": {"records": [{"id": i, "name": f"user-{i:05d}", "tags": ["a", "b"]} for i in range(5000)]}
    }
    result = await run_machine(machine(*states), document)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == document


async def test_a_document_carried_through_a_chain_is_measured_once(
    run_machine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sizes are remembered by identity (budget.SizeMemo): a chain of states placing results
    into one large input walks that input once, not once per state."""
    import statebox.dataflow.budget as budget

    walked: list[int] = []
    real_put = budget.SizeMemo.put

    def counting(memo: Any, item: Any, size: int, exact: bool = True, new_bytes: Any = None) -> None:
        if exact:  # remembered after a walk of it
            walked.append(id(item))
        real_put(memo, item, size, exact, new_bytes)

    monkeypatch.setattr(budget.SizeMemo, "put", counting)
    names = [f"S{i}" for i in range(200)]
    states = [
        (
            name,
            {
                "Type": "Pass",
                "Parameters": {"i": i, "b.$": "$.b", "d.$": "$.big"},
                "ResultPath": "$.r",
                **({"Next": names[i + 1]} if i + 1 < len(names) else {"End": True}),
            },
        )
        for i, name in enumerate(names)
    ]
    big = [{"n": n, "text": "x" * 20} for n in range(2000)]
    result = await run_machine(machine(*states), {"b": "x", "big": big})
    assert result.status == "SUCCEEDED", result.cause
    assert walked.count(id(big)) == 1
    assert len(walked) < 3 * len(big)  # the document's items walked once, not 200 times


@pytest.mark.parametrize("output_path", [None, "$.wrap"])
async def test_a_loop_doubling_by_result_path_alone_stops_at_the_payload_limit(
    run_machine: Any, output_path: str | None
) -> None:
    """Passes without Parameters: one copies $.s beside itself, the next puts the whole input
    back at $.s, so each round doubles $.s (sharing its halves) with no template or intrinsic."""
    wrap = {"OutputPath": "$.wrap"} if output_path else {}
    at = "$.wrap." if output_path else "$."
    definition = machine(
        ("Init", {"Type": "Pass", "Result": {"s": {"l": "ab"}, "t": None}, "Next": "Copy"}),
        ("Copy", {"Type": "Pass", "InputPath": "$.s", "ResultPath": "$.t", "Next": "Fold"}),
        ("Fold", {"Type": "Pass", "ResultPath": at + "s", **wrap, "Next": "Copy"}),
    )
    result = await run_machine(definition, {})
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded"), result.cause
