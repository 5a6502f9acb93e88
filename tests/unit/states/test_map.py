"""Map (inline): ItemsPath, ItemSelector with `$$.Map.Item`, the legacy Parameters / Iterator
spelling, results in item order, MaxConcurrency (observed with an action that records how
many calls overlap), tolerated failures, and Retry / Catch around the whole Map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON_WORDS, machine, runner_with_actions

import statebox
from statebox.config import Settings
from statebox.ports import FakeClock

ACTIONS = {
    # Records how many calls run at once; every call returns the peak it has seen so far.
    "overlap": (
        "import asyncio\n\n"
        "ACTIVE = 0\n"
        "PEAK = 0\n\n"
        "async def main(args):\n"
        "    global ACTIVE, PEAK\n"
        "    ACTIVE += 1\n"
        "    PEAK = max(PEAK, ACTIVE)\n"
        "    await asyncio.sleep(0.01)\n"
        "    ACTIVE -= 1\n"
        "    return PEAK\n"
    ),
    "sleepy": (
        "import asyncio\n\n"
        "async def main(args):\n"
        "    await asyncio.sleep(args['delay'])\n"
        "    return args['tag']\n"
    ),
}


@pytest.fixture
def run(run_machine: Any, tmp_path: Path) -> Any:
    return runner_with_actions(run_machine, tmp_path, ACTIONS)


def processor(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"ProcessorConfig": {"Mode": "INLINE"}, **machine(*states)}


IDENTITY = processor(("Item", {"Type": "Pass", "End": True}))
DOUBLE = processor(("Double", {"Type": "Pass", "Parameters": {"v.$": "States.MathAdd($, $)"}, "End": True}))
# Fails for items {"fail": true}, passes the others through.
SOMETIMES_FAILS = processor(
    (
        "Check",
        {
            "Type": "Choice",
            "Default": "Ok",
            "Choices": [{"Variable": "$.fail", "BooleanEquals": True, "Next": "Bad"}],
        },
    ),
    ("Bad", {"Type": "Fail", "Error": "ItemFailed", "Cause": "bad item"}),
    ("Ok", {"Type": "Pass", "End": True}),
)
OVERLAP = processor(("Work", {"Type": "Task", "Resource": "module:overlap", "End": True}))


def mapping(item_processor: dict[str, Any] = IDENTITY, **fields: Any) -> dict[str, Any]:
    return machine(("M", {"Type": "Map", "ItemProcessor": item_processor, "End": True, **fields}))


OUTPUTS = [
    pytest.param(mapping(), [1, "two", {"three": 3}], [1, "two", {"three": 3}], id="identity"),
    pytest.param(mapping(), [], [], id="empty-array"),
    pytest.param(mapping(DOUBLE), [1, 2, 3], [{"v": 2}, {"v": 4}, {"v": 6}], id="processor-runs-per-item"),
    pytest.param(mapping(ItemsPath="$.items"), {"items": [1, 2], "other": 0}, [1, 2], id="itemspath"),
    pytest.param(mapping(ItemsPath="$.a.b[0]"), {"a": {"b": [[7, 8]]}}, [7, 8], id="itemspath-nested"),
    pytest.param(mapping(ItemsPath="$.items"), {"items": []}, [], id="itemspath-empty"),
    pytest.param(
        mapping(InputPath="$.in", ItemsPath="$.items"),
        {"in": {"items": [5]}, "items": [9]},
        [5],
        id="inputpath-then-itemspath",
    ),
    pytest.param(
        mapping(
            ItemsPath="$.items",
            ItemSelector={
                "index.$": "$$.Map.Item.Index",
                "value.$": "$$.Map.Item.Value",
                "shared.$": "$.shared",
                "literal": "x",
            },
        ),
        {"items": ["a", "b"], "shared": {"k": 1}},
        [
            {"index": 0, "value": "a", "shared": {"k": 1}, "literal": "x"},
            {"index": 1, "value": "b", "shared": {"k": 1}, "literal": "x"},
        ],
        id="itemselector",
    ),
    pytest.param(
        mapping(ItemSelector={"label.$": "States.Format('{}:{}', $$.Map.Item.Index, $$.Map.Item.Value)"}),
        ["a", "b"],
        [{"label": "0:a"}, {"label": "1:b"}],
        id="itemselector-intrinsic",
    ),
    pytest.param(
        machine(
            (
                "M",
                {
                    "Type": "Map",
                    "End": True,
                    "ItemsPath": "$.xs",
                    "Parameters": {"i.$": "$$.Map.Item.Index", "x.$": "$$.Map.Item.Value"},
                    "Iterator": machine(("Legacy", {"Type": "Pass", "End": True})),
                },
            )
        ),
        {"xs": [10, 20]},
        [{"i": 0, "x": 10}, {"i": 1, "x": 20}],
        id="legacy-parameters-iterator",
    ),
    pytest.param(
        mapping(ResultSelector={"count.$": "States.ArrayLength($)", "first.$": "$[0]"}),
        [4, 5, 6],
        {"count": 3, "first": 4},
        id="resultselector",
    ),
    pytest.param(
        mapping(ItemsPath="$.xs", ResultPath="$.results"),
        {"xs": [1]},
        {"xs": [1], "results": [1]},
        id="resultpath",
    ),
    pytest.param(mapping(ItemsPath="$.xs", ResultPath=None), {"xs": [1]}, {"xs": [1]}, id="resultpath-null"),
    pytest.param(mapping(OutputPath="$[1]"), ["a", "b"], "b", id="outputpath"),
    pytest.param(
        mapping(
            processor(
                (
                    "Inner",
                    {
                        "Type": "Map",
                        "End": True,
                        "ItemProcessor": processor(("Leaf", {"Type": "Pass", "End": True})),
                        "ItemSelector": {"outer.$": "$.outer", "inner.$": "$$.Map.Item.Index"},
                        "ItemsPath": "$.xs",
                    },
                )
            ),
            ItemSelector={"outer.$": "$$.Map.Item.Index", "xs.$": "$$.Map.Item.Value"},
        ),
        [["a", "b"], ["c"]],
        [[{"outer": 0, "inner": 0}, {"outer": 0, "inner": 1}], [{"outer": 1, "inner": 0}]],
        id="nested-map",
    ),
]


@pytest.mark.parametrize(("definition", "execution_input", "expected"), OUTPUTS)
async def test_outputs(run: Any, definition: dict[str, Any], execution_input: Any, expected: Any) -> None:
    result = await run(definition, execution_input)
    assert (result.status, result.output) == ("SUCCEEDED", expected), (result.error, result.cause)


async def test_results_keep_item_order_when_iterations_finish_out_of_order(run: Any) -> None:
    definition = mapping(processor(("Work", {"Type": "Task", "Resource": "module:sleepy", "End": True})))
    items = [{"delay": 0.05, "tag": "a"}, {"delay": 0.02, "tag": "b"}, {"delay": 0.0, "tag": "c"}]
    result = await run(definition, items)
    assert (result.status, result.output) == ("SUCCEEDED", ["a", "b", "c"])


@pytest.mark.parametrize(
    ("definition", "execution_input", "cause"),
    [
        pytest.param(
            mapping(ItemsPath="$.missing"),
            {},
            "Invalid path '$.missing' : No results for path: $['missing']",  # as InputPath words it
            id="itemspath-missing",
        ),
        pytest.param(
            mapping(ItemsPath="$.x"),
            {"x": {"a": 1}},
            """The ItemsPath '$.x' of the Map state 'M' must reference a JSON array, got object {"a":1}.""",
            id="itemspath-object",
        ),
        pytest.param(
            mapping(ItemsPath="$.x"),
            {"x": "abc"},
            """The ItemsPath '$.x' of the Map state 'M' must reference a JSON array, got string "abc".""",
            id="itemspath-string",
        ),
        pytest.param(
            mapping(ItemsPath="$.x"),
            {"x": None},
            "The ItemsPath '$.x' of the Map state 'M' must reference a JSON array, got null.",
            id="itemspath-null",
        ),
        pytest.param(
            mapping(),
            {"a": 1},
            """The ItemsPath '$' of the Map state 'M' must reference a JSON array, got object {"a":1}.""",
            id="input-not-an-array",
        ),
        pytest.param(mapping(ItemSelector={"v.$": "$.missing"}), [1], "$.missing", id="itemselector-missing"),
    ],
)
async def test_runtime_errors(run: Any, definition: dict[str, Any], execution_input: Any, cause: str) -> None:
    result = await run(definition, execution_input)
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert cause in result.cause


@pytest.mark.parametrize(
    ("fields", "value", "type_name"),
    [
        pytest.param({"ItemsPath": "$.v"}, {"a": 1}, "object", id="itemspath-object"),
        pytest.param({"ItemsPath": "$.v"}, None, "null", id="itemspath-null"),
        pytest.param({"ItemsPath": "$.v"}, 1.5, "number", id="itemspath-number"),
        pytest.param({"ItemsPath": "$.v"}, True, "boolean", id="itemspath-boolean"),
        pytest.param({"ItemsPath": "$.v", "MaxConcurrencyPath": "$.c"}, {}, None, id="max-concurrency"),
        pytest.param({"ItemsPath": "$.v", "ToleratedFailurePercentagePath": "$.c"}, {}, None, id="tolerated"),
    ],
)
async def test_messages_name_json_types_never_python_ones(
    run: Any, fields: dict[str, Any], value: Any, type_name: str | None
) -> None:
    """A message about a value speaks JSON: `object`, `null`, never `dict` / `NoneType`."""
    execution_input = {"v": value} if type_name else {"v": [1], "c": {"k": None, "t": True}}
    result = await run(mapping(**fields), execution_input)
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    if type_name is not None:
        assert f"got {type_name}" in result.cause
    else:
        assert '{"k":null,"t":true}' in result.cause
    assert not PYTHON_WORDS.search(result.cause), result.cause


# --------------------------------------------------------------------------------------------
# Concurrency


@pytest.mark.parametrize(
    ("fields", "execution_input", "peak"),
    [
        pytest.param({"MaxConcurrency": 1}, [0] * 5, 1, id="one-at-a-time"),
        pytest.param({"MaxConcurrency": 2}, [0] * 5, 2, id="two"),
        pytest.param({"MaxConcurrency": 3}, [0] * 2, 2, id="more-than-items"),
        pytest.param({"MaxConcurrency": 0}, [0] * 6, 6, id="zero-is-unbounded"),
        pytest.param({}, [0] * 6, 6, id="default-is-unbounded"),
        pytest.param(
            {"MaxConcurrencyPath": "$.limit", "ItemsPath": "$.xs"}, {"limit": 3, "xs": [0] * 7}, 3, id="path"
        ),
        pytest.param(
            {"MaxConcurrencyPath": "$.limit", "ItemsPath": "$.xs"},
            {"limit": 0, "xs": [0] * 4},
            4,
            id="path-zero",
        ),
    ],
)
async def test_max_concurrency(run: Any, fields: dict[str, Any], execution_input: Any, peak: int) -> None:
    result = await run(mapping(OVERLAP, **fields), execution_input)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert max(result.output) == peak


async def test_concurrency_is_capped_by_the_settings(run: Any) -> None:
    result = await run(mapping(OVERLAP), [0] * 8, settings=Settings(max_map_concurrency=3))
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert max(result.output) == 3


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param("NoNumber", id="string"),
        pytest.param(-1, id="negative"),
        pytest.param(1.5, id="fraction"),
        pytest.param(None, id="null"),
        pytest.param(True, id="boolean"),
    ],
)
async def test_invalid_max_concurrency_path(run: Any, limit: Any) -> None:
    definition = mapping(MaxConcurrencyPath="$.limit", ItemsPath="$.xs")
    result = await run(definition, {"limit": limit, "xs": [1]})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


# --------------------------------------------------------------------------------------------
# Failures

OK, BAD = {"fail": False}, {"fail": True}

TOLERANCE = [
    pytest.param({}, [OK, BAD, OK], "ItemFailed", id="no-tolerance-propagates-the-item-error"),
    pytest.param(
        {"ToleratedFailureCount": 0}, [OK, BAD, OK], "States.ExceedToleratedFailureThreshold", id="count-0"
    ),
    pytest.param({"ToleratedFailureCount": 0}, [OK, OK], None, id="count-0-no-failures"),
    pytest.param({"ToleratedFailureCount": 1}, [OK, BAD, OK], None, id="count-1-one-failure"),
    pytest.param(
        {"ToleratedFailureCount": 1},
        [BAD, OK, BAD],
        "States.ExceedToleratedFailureThreshold",
        id="count-1-two-failures",
    ),
    pytest.param({"ToleratedFailureCount": 5}, [BAD, BAD], None, id="count-above-items"),
    pytest.param({"ToleratedFailurePercentage": 50}, [OK, BAD, OK, BAD], None, id="percentage-at-threshold"),
    pytest.param(
        {"ToleratedFailurePercentage": 50},
        [BAD, BAD, OK, BAD],
        "States.ExceedToleratedFailureThreshold",
        id="percentage-above-threshold",
    ),
    pytest.param(
        {"ToleratedFailurePercentage": 0},
        [OK, BAD],
        "States.ExceedToleratedFailureThreshold",
        id="percentage-0",
    ),
    pytest.param({"ToleratedFailurePercentage": 100}, [BAD, BAD], None, id="percentage-100"),
    pytest.param(
        {"ToleratedFailureCountPath": "$.n", "ItemsPath": "$.xs"},
        {"n": 1, "xs": [BAD, OK]},
        None,
        id="count-path",
    ),
    pytest.param(
        {"ToleratedFailureCountPath": "$.n", "ItemsPath": "$.xs"},
        {"n": 0, "xs": [BAD, OK]},
        "States.ExceedToleratedFailureThreshold",
        id="count-path-0",
    ),
    pytest.param(
        {"ToleratedFailurePercentagePath": "$.p", "ItemsPath": "$.xs"},
        {"p": 50, "xs": [BAD, OK]},
        None,
        id="percentage-path",
    ),
    pytest.param(
        {"ToleratedFailurePercentagePath": "$.p", "ItemsPath": "$.xs"},
        {"p": 10, "xs": [BAD, OK]},
        "States.ExceedToleratedFailureThreshold",
        id="percentage-path-below",
    ),
    pytest.param(
        {"ToleratedFailureCountPath": "$.n", "ItemsPath": "$.xs"},
        {"n": -1, "xs": [OK]},
        "States.Runtime",
        id="count-path-negative",
    ),
    pytest.param(
        {"ToleratedFailureCountPath": "$.n", "ItemsPath": "$.xs"},
        {"n": "NoNumber", "xs": [OK]},
        "States.Runtime",
        id="count-path-not-a-number",
    ),
    pytest.param(
        {"ToleratedFailurePercentagePath": "$.p", "ItemsPath": "$.xs"},
        {"p": 101, "xs": [OK]},
        "States.Runtime",
        id="percentage-path-above-100",
    ),
    pytest.param(
        {"ToleratedFailurePercentagePath": "$.p", "ItemsPath": "$.xs"},
        {"p": "half", "xs": [OK]},
        "States.Runtime",
        id="percentage-path-not-a-number",
    ),
]


@pytest.mark.parametrize(("fields", "execution_input", "error"), TOLERANCE)
async def test_tolerated_failures(
    run: Any, fields: dict[str, Any], execution_input: Any, error: str | None
) -> None:
    result = await run(mapping(SOMETIMES_FAILS, MaxConcurrency=1, **fields), execution_input)
    if error is not None:
        assert (result.status, result.error) == ("FAILED", error), result
        return
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    items = execution_input["xs"] if isinstance(execution_input, dict) else execution_input
    assert len(result.output) == len(items)
    for item, output in zip(items, result.output, strict=True):
        if item["fail"]:
            assert output["Error"] == "ItemFailed"
        else:
            assert output == item


async def test_catch_an_item_failure(run: Any) -> None:
    # conformance: map/test_map_state_catch
    definition = machine(
        (
            "M",
            {
                "Type": "Map",
                "ItemsPath": "$.xs",
                "ResultPath": None,
                "ItemProcessor": SOMETIMES_FAILS,
                "Catch": [{"ErrorEquals": ["ItemFailed"], "Next": "Caught"}],
                "Next": "Done",
            },
        ),
        ("Caught", {"Type": "Pass", "End": True}),
        ("Done", {"Type": "Pass", "Result": "not caught", "End": True}),
    )
    result = await run(definition, {"xs": [OK, BAD]})
    assert (result.status, result.output) == ("SUCCEEDED", {"Error": "ItemFailed", "Cause": "bad item"})


async def test_exceeding_the_threshold_can_be_caught(run: Any) -> None:
    definition = machine(
        (
            "M",
            {
                "Type": "Map",
                "ItemProcessor": SOMETIMES_FAILS,
                "ToleratedFailureCount": 0,
                "Next": "Done",
                "Catch": [
                    {
                        "ErrorEquals": ["States.ExceedToleratedFailureThreshold"],
                        "Next": "Done",
                        "ResultPath": "$",
                    }
                ],
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )
    result = await run(definition, [BAD])
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output["Error"] == "States.ExceedToleratedFailureThreshold"


async def test_retry_reruns_the_whole_map(run: Any, fake_clock: FakeClock) -> None:
    # conformance: map/test_map_state_retry_multiple_retriers
    definition = mapping(
        SOMETIMES_FAILS,
        Retry=[
            {"ErrorEquals": ["NoSuchError"], "MaxAttempts": 1},
            {"ErrorEquals": ["State.ALL"], "MaxAttempts": 2},
            {"ErrorEquals": ["ItemFailed"], "MaxAttempts": 3},
        ],
    )
    result = await run(definition, [BAD])
    assert (result.status, result.error, result.cause) == ("FAILED", "ItemFailed", "bad item")
    assert fake_clock.slept == [1.0, 2.0, 4.0]


async def test_states_runtime_in_an_iteration_is_not_caught(run: Any) -> None:
    definition = machine(
        (
            "M",
            {
                "Type": "Map",
                "ItemProcessor": processor(("Read", {"Type": "Pass", "InputPath": "$.nope", "End": True})),
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
                "Next": "Done",
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )
    result = await run(definition, [{}])
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("ItemReader", {"Resource": "arn:aws:states:::s3:getObject"}, id="reader"),
        pytest.param("ItemBatcher", {"MaxItemsPerBatch": 2}, id="batcher"),
        pytest.param("ResultWriter", {"Resource": "arn:aws:states:::s3:putObject"}, id="writer"),
    ],
)
async def test_distributed_map_fields_are_refused_at_start_not_ignored(
    run: Any, field: str, value: dict[str, Any]
) -> None:
    """Running the Map inline over its input would not be what the definition says (13.18)."""
    with pytest.raises(statebox.DefinitionError) as refused:
        await run(mapping(**{field: value}), [1, 2, 3])
    [problem] = refused.value.problems
    assert problem.pointer == f"/States/M/{field}"
    assert "not supported yet" in problem.message and "Distributed Map" in problem.message


async def test_a_distributed_processor_over_the_input_still_runs(run: Any) -> None:
    distributed = {**IDENTITY, "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}}
    result = await run(mapping(distributed), [1, 2])
    assert (result.status, result.output) == ("SUCCEEDED", [1, 2])
