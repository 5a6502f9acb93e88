"""Properties of the interpreter: random machines on random inputs end in an ExecutionResult."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import given, seed
from hypothesis import strategies as st

import statebox
from statebox.config import Settings
from statebox.errors import DefinitionError
from statebox.execution.views import ExecutionResult
from statebox.ports import FakeClock, SeededEntropy
from tests.property.fuzzing import JSON_VALUES, ROOT, SCALARS, fuzz_settings, tick

# ---------------------------------------------------------------------------- the interpreter
PATHS = st.sampled_from(
    ["$", "$.a", "$.b", "$.a.b", "$[0]", "$.items", "$.n", "$$.Execution.Input", "$.missing"]
)


REF_PATHS = st.sampled_from(["$", "$.a", "$.r", "$.a.b", None])


INTRINSICS = st.sampled_from(
    [
        "States.Format('{} and {}', $.a, $.b)",
        "States.StringToJson($.s)",
        "States.JsonToString($)",
        "States.Array($.a, $.b, 1)",
        "States.ArrayPartition($.items, 2)",
        "States.ArrayContains($.items, $.a)",
        "States.ArrayRange(1, $.n, 1)",
        "States.ArrayGetItem($.items, $.n)",
        "States.ArrayLength($.items)",
        "States.ArrayUnique($.items)",
        "States.Base64Encode($.s)",
        "States.Base64Decode($.s)",
        "States.Hash($.s, 'SHA-256')",
        "States.JsonMerge($.a, $.b, false)",
        "States.MathRandom(1, $.n)",
        "States.MathAdd($.n, $.a)",
        "States.StringSplit($.s, ',')",
        "States.UUID()",
    ]
)


TEMPLATES = st.recursive(
    st.dictionaries(st.sampled_from(["x", "y", "z"]), SCALARS, max_size=2)
    | st.fixed_dictionaries({"x.$": PATHS})
    | st.fixed_dictionaries({"x.$": INTRINSICS}),
    lambda inner: st.dictionaries(st.sampled_from(["p", "q", "r.$"]), inner | PATHS, max_size=3),
    max_leaves=6,
)


RULES = st.sampled_from(
    [
        {"Variable": "$.n", "NumericGreaterThan": 2},
        {"Variable": "$.a", "IsPresent": True},
        {"Variable": "$.s", "StringMatches": "*a*b*"},
        {"Variable": "$.a", "StringEquals": "x"},
        {"Variable": "$.n", "NumericEqualsPath": "$.a"},
        {"Not": {"Variable": "$.b", "IsNull": True}},
        {"Or": [{"Variable": "$.n", "IsNumeric": True}, {"Variable": "$.s", "IsString": True}]},
        {"Variable": "$.t", "TimestampLessThan": "2026-01-01T00:00:00Z"},
    ]
)


ERRORS = st.lists(
    st.sampled_from(["States.ALL", "States.TaskFailed", "States.Runtime", "Boom", "ValueError"]),
    min_size=1,
    max_size=2,
)


INPUTS = (
    st.fixed_dictionaries(
        {},
        optional={
            "a": JSON_VALUES,
            "b": JSON_VALUES,
            "s": st.text(max_size=20) | st.sampled_from(['{"k": 1}', "a,b", "aXb", "SGVsbG8="]),
            "n": st.integers(-3, 30)
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.sampled_from([99_999_999, 100_000_000, 10**12, 2**70]),  # past AWS's most seconds
            "items": st.lists(JSON_VALUES, max_size=6),
            "t": st.sampled_from(["2025-01-01T00:00:00Z", "nope", 3]),
        },
    )
    | JSON_VALUES
)


@st.composite
def machines(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    count = draw(st.integers(1, 5))
    names = [f"S{depth}_{i}" for i in range(count)]
    states: dict[str, Any] = {}
    for i, name in enumerate(names):
        later = names[i + 1 :]
        flow = {"Next": draw(st.sampled_from(later))} if later and draw(st.booleans()) else {"End": True}
        kinds = ["Pass", "Pass", "Task", "Choice", "Wait", "Fail", "Succeed"] + (
            ["Map", "Parallel"] if depth < 2 else []
        )
        kind = draw(st.sampled_from(kinds))
        state: dict[str, Any] = {"Type": kind}
        if kind in ("Pass", "Task", "Map", "Parallel"):
            state.update(flow)
            for field, strategy in (("InputPath", PATHS), ("ResultPath", REF_PATHS), ("OutputPath", PATHS)):
                if draw(st.booleans()):
                    state[field] = draw(strategy)
            if draw(st.booleans()) and kind != "Map":
                state["Parameters"] = draw(TEMPLATES)
        if kind == "Pass" and draw(st.booleans()):
            state["Result"] = draw(JSON_VALUES)
        if kind == "Task":
            state["Resource"] = draw(
                st.sampled_from(
                    ["module:increment", "module:square", "module:flaky", "module:nope", "module:suspend"]
                )
            )
            if draw(st.booleans()):
                state["ResultSelector"] = draw(TEMPLATES)
            if draw(st.booleans()):
                state[draw(st.sampled_from(["TimeoutSecondsPath", "HeartbeatSecondsPath"]))] = "$.n"
        if kind in ("Task", "Map", "Parallel") and draw(st.booleans()):
            state["Retry"] = [
                {"ErrorEquals": draw(ERRORS), "MaxAttempts": draw(st.integers(0, 2)), "IntervalSeconds": 1}
            ]
        if kind in ("Task", "Map", "Parallel") and later and draw(st.booleans()):
            state["Catch"] = [{"ErrorEquals": draw(ERRORS), "Next": draw(st.sampled_from(later))}]
        if kind == "Choice":
            targets = later or [name]  # a loop back to itself: the transition cap ends it
            state["Choices"] = [{**draw(RULES), "Next": draw(st.sampled_from(targets))}]
            if draw(st.booleans()):
                state["Default"] = draw(st.sampled_from(targets))
        if kind == "Wait":
            state.update(flow)
            state[draw(st.sampled_from(["Seconds", "SecondsPath", "Timestamp"]))] = draw(
                st.sampled_from(
                    [0, 1, 99_999_999, 10**12, "$.n", "2026-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "$.t"]
                )
            )
        if kind == "Fail":
            state.update({"Error": "Boom", "Cause": "fuzz"})
        if kind == "Map":
            state["ItemProcessor"] = draw(machines(depth + 1))
            if draw(st.booleans()):
                state["ItemsPath"] = draw(PATHS)
            if draw(st.booleans()):
                state["MaxConcurrency"] = draw(st.integers(0, 3))
        if kind == "Parallel":
            state["Branches"] = [draw(machines(depth + 1)) for _ in range(draw(st.integers(1, 2)))]
        states[name] = state
    return {"StartAt": names[0], "States": states}


def test_the_interpreter_returns_results_for_random_machines() -> None:
    loop = asyncio.new_event_loop()
    outcomes: set[str] = set()
    limits = Settings(max_transitions=200, actions_dir=ROOT / "demo_actions")

    @seed(8004)
    @fuzz_settings(150)
    @given(definition=machines(), execution_input=INPUTS)
    def check(definition: dict[str, Any], execution_input: Any) -> None:
        tick("interpreter")
        try:
            statebox.parse(definition)
        except DefinitionError:
            outcomes.add("invalid")
            return
        result = loop.run_until_complete(
            statebox.run_async(
                definition, execution_input, clock=FakeClock(), entropy=SeededEntropy(1), settings=limits
            )
        )
        assert isinstance(result, ExecutionResult)
        assert result.status in ("SUCCEEDED", "FAILED", "TIMED_OUT", "SUSPENDED")
        if result.status == "FAILED":
            assert result.error, result
        json.dumps(result.to_json())
        outcomes.add(result.status if result.status != "FAILED" else f"FAILED {result.error}")

    try:
        check()
    finally:
        loop.close()
    print("interpreter outcomes:", sorted(outcomes))
    assert "SUCCEEDED" in outcomes and any(o.startswith("FAILED") for o in outcomes), outcomes


N = "{% $states.input.n %}"


SUSPEND = {"Type": "Task", "Resource": "module:suspend"}


SECONDS_STATES = [
    {"Type": "Wait", "SecondsPath": "$.n"},
    {"Type": "Wait", "QueryLanguage": "JSONata", "Seconds": N},
    {**SUSPEND, "TimeoutSecondsPath": "$.n"},
    {**SUSPEND, "HeartbeatSecondsPath": "$.n"},
    {**SUSPEND, "QueryLanguage": "JSONata", "TimeoutSeconds": N},
    {**SUSPEND, "QueryLanguage": "JSONata", "HeartbeatSeconds": N},
]


@seed(8009)
@fuzz_settings(150)
@given(
    state=st.sampled_from(SECONDS_STATES),
    n=st.integers(-(2**70), 2**70) | st.floats() | st.sampled_from([99_999_999, 100_000_000, 10**12]),
)
def test_any_number_of_seconds_read_at_run_time_ends_cleanly(state: dict[str, Any], n: Any) -> None:
    """Waits and task deadlines from the input: too big, negative, fractional or not finite, the
    state fails or the execution suspends or ends; nothing overflows into a traceback."""
    tick("seconds")
    definition = {"StartAt": "S", "States": {"S": {**state, "End": True}}}
    result = asyncio.run(
        statebox.run_async(definition, {"n": n}, clock=FakeClock(), entropy=SeededEntropy(1))
    )
    assert result.status in ("SUCCEEDED", "FAILED", "SUSPENDED"), result
    if result.status == "FAILED":
        assert result.error and result.cause
