"""Task with `module:` actions: results through the I/O pipeline, failures as ASL errors
(exception class names, Lambda-style causes, OpenWhisk application errors), Retry back-off
measured on the FakeClock, Catch, timeouts, and which action names may run at all."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Fails, check, machine

import statebox
from statebox.config import Settings
from statebox.interpreter import iso_timestamp
from statebox.ports import FakeClock, SeededEntropy
from statebox.states.retry import Retrier

ACTIONS = {
    "echo": "def main(args):\n    return {'got': args}\n",
    "constant": "def main(args):\n    return {'value': 42, 'extra': 'x'}\n",
    "declined": (
        "class PaymentDeclined(Exception):\n"
        "    pass\n\n"
        "def main(args):\n"
        "    raise PaymentDeclined('card expired')\n"
    ),
    "value_error": "def main(args):\n    raise ValueError('bad value')\n",
    "app_error": "def main(args):\n    return {'error': args['error']}\n",
    "async_echo": (
        "import asyncio\n\nasync def main(args):\n    await asyncio.sleep(0)\n    return {'async': args}\n"
    ),
    "slow": ("import asyncio\n\nasync def main(args):\n    await asyncio.sleep(30)\n    return args\n"),
    "mutate": (
        "def main(args):\n"
        "    args['nested']['value'] = 'changed'\n"
        "    args['list'].append('added')\n"
        "    args['new'] = True\n"
        "    return {'seen': args['nested']['value']}\n"
    ),
    # Fails while its `attempt` argument (fed from $$.State.RetryCount) is below `until`.
    "flaky": (
        "class NotYet(Exception):\n"
        "    pass\n\n"
        "def main(args):\n"
        "    if args['attempt'] < args['until']:\n"
        "        raise NotYet(f\"attempt {args['attempt']}\")\n"
        "    return {'succeeded_on': args['attempt']}\n"
    ),
    # Raises two frames deep, from a helper module of its own in the same folder.
    "deep_failure": "import helper_lib\n\ndef main(args):\n    return helper_lib.check(args)\n",
    "helper_lib": "def check(args):\n    raise KeyError('missing field')\n",
    "no_main": "VALUE = 1\n",
    "broken_import": "import a_module_that_does_not_exist\n\ndef main(args):\n    return {}\n",
}


def write_actions(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in ACTIONS.items():
        (folder / f"{name}.py").write_text(source)
    # A real action outside the folder: `module:../outside` must never reach it.
    (folder.parent / "outside.py").write_text("def main(args):\n    return {'escaped': True}\n")
    return folder


@pytest.fixture
def actions(tmp_path: Path) -> Path:
    return write_actions(tmp_path / "actions")


@pytest.fixture
def run(run_machine: Any, actions: Path) -> Any:
    async def go(definition: Any, execution_input: Any = None, **options: Any) -> Any:
        return await run_machine(definition, execution_input, actions=actions, **options)

    return go


def task(resource: str = "module:echo", **fields: Any) -> dict[str, Any]:
    return machine(("T", {"Type": "Task", "Resource": resource, "End": True, **fields}))


def with_handler(state: dict[str, Any]) -> dict[str, Any]:
    """A Task named T followed by Pass states Done (Next) and Handled (for Catch)."""
    return machine(
        ("T", {"Type": "Task", **state}),
        ("Done", {"Type": "Pass", "End": True}),
        ("Handled", {"Type": "Pass", "End": True}),
    )


# --------------------------------------------------------------------------------------------
# Results through the pipeline

PIPELINE = [
    pytest.param({}, {"a": 1}, {"got": {"a": 1}}, id="result-replaces-input"),
    pytest.param({"InputPath": "$.a"}, {"a": {"b": 2}}, {"got": {"b": 2}}, id="inputpath"),
    pytest.param({"InputPath": None}, {"a": 1}, {"got": {}}, id="inputpath-null"),
    pytest.param(
        {
            "Parameters": {
                "x.$": "$.a",
                "fixed": 1,
                "state.$": "$$.State.Name",
                "f.$": "States.Format('{}-{}', $.a, $.b)",
            }
        },
        {"a": 1, "b": "two"},
        {"got": {"x": 1, "fixed": 1, "state": "T", "f": "1-two"}},
        id="parameters-paths-context-intrinsic",
    ),
    pytest.param({"ResultSelector": {"v.$": "$.got.a"}}, {"a": 5}, {"v": 5}, id="resultselector"),
    pytest.param(
        {"ResultSelector": {"v.$": "$.got.a", "input.$": "$$.Execution.Input.a"}},
        {"a": 5},
        {"v": 5, "input": 5},
        id="resultselector-reads-result-and-context",
    ),
    pytest.param(
        {"ResultSelector": {"v.$": "$.nope"}},
        {"a": 5},
        Fails("States.Runtime", "$.nope"),
        id="resultselector-missing-path",
    ),
    pytest.param({"ResultPath": "$.r"}, {"a": 1}, {"a": 1, "r": {"got": {"a": 1}}}, id="resultpath"),
    pytest.param(
        {"ResultPath": "$.deep.er.r", "Parameters": {}},
        {"a": 1},
        {"a": 1, "deep": {"er": {"r": {"got": {}}}}},
        id="resultpath-nested-creation",
    ),
    pytest.param({"ResultPath": None}, {"a": 1}, {"a": 1}, id="resultpath-null"),
    pytest.param({"OutputPath": "$.got.a"}, {"a": 7}, 7, id="outputpath"),
    pytest.param({"OutputPath": None}, {"a": 7}, {}, id="outputpath-null"),
    pytest.param(
        {
            "InputPath": "$.in",
            "Parameters": {"n.$": "$.n"},
            "ResultSelector": {"n.$": "$.got.n"},
            "ResultPath": "$.out",
            "OutputPath": "$.out",
        },
        {"in": {"n": 3}},
        {"n": 3},
        id="whole-pipeline",
    ),
]


@pytest.mark.parametrize(("fields", "execution_input", "expected"), PIPELINE)
async def test_result_pipeline(run: Any, fields: dict[str, Any], execution_input: Any, expected: Any) -> None:
    check(await run(task(**fields), execution_input), expected)


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        pytest.param("module:async_echo", {"async": {"a": 1}}, id="async-main"),
        pytest.param("openwhisk:echo", {"got": {"a": 1}}, id="openwhisk-local-mode"),
        pytest.param("openwhisk:pkg/echo", {"got": {"a": 1}}, id="openwhisk-package-local-mode"),
        pytest.param("openwhisk:/ns/pkg/echo", {"got": {"a": 1}}, id="openwhisk-namespace-local-mode"),
    ],
)
async def test_resources_that_run(run: Any, resource: str, expected: Any) -> None:
    check(await run(task(resource), {"a": 1}), expected)


async def test_an_action_that_mutates_its_args_does_not_change_the_execution_data(run: Any) -> None:
    execution_input = {"nested": {"value": "original"}, "list": [1]}
    pristine = copy.deepcopy(execution_input)
    result = await run(task("module:mutate", ResultPath="$.result"), execution_input)
    check(result, {**pristine, "result": {"seen": "changed"}})
    assert execution_input == pristine


async def test_an_action_that_mutates_its_args_does_not_change_the_definition(run: Any) -> None:
    definition = task("module:mutate", Parameters={"nested": {"value": "literal"}, "list": []})
    pristine = copy.deepcopy(definition)
    check(await run(definition, {}), {"seen": "changed"})
    assert definition == pristine
    check(await run(pristine, {}), {"seen": "changed"})


# --------------------------------------------------------------------------------------------
# Failures


async def test_an_exception_class_name_is_the_error_and_the_cause_is_lambda_style(run: Any) -> None:
    result = await run(task("module:declined"), {})
    check(result, Fails("PaymentDeclined"))
    cause = json.loads(result.cause)
    assert cause["errorMessage"] == "card expired"
    assert cause["errorType"] == "PaymentDeclined"


async def test_a_builtin_exception_keeps_its_name(run: Any) -> None:
    result = await run(task("module:value_error"), {})
    check(result, Fails("ValueError"))
    assert json.loads(result.cause)["errorMessage"] == "bad value"


APPLICATION_ERRORS = [
    pytest.param("plain text", "ActionError", "plain text", id="string"),
    pytest.param(
        {"errorType": "Rejected", "errorMessage": "no"}, "Rejected", "no", id="errorType-errorMessage"
    ),
    pytest.param({"name": "Rejected", "message": "no"}, "Rejected", "no", id="name-message"),
    pytest.param({"errorType": "Rejected", "cause": "why"}, "Rejected", "why", id="errorType-cause"),
    pytest.param(
        {"errorType": "Rejected", "code": 7},
        "Rejected",
        '{"errorType":"Rejected","code":7}',
        id="errorType-without-message",
    ),
    pytest.param({"code": 7}, "ActionError", '{"code":7}', id="object-without-name"),
    pytest.param(404, "ActionError", "404", id="number"),
    pytest.param(None, "ActionError", "null", id="null"),
]


@pytest.mark.parametrize(("value", "error", "cause"), APPLICATION_ERRORS)
async def test_an_application_error_result_fails_the_task(
    run: Any, value: Any, error: str, cause: str
) -> None:
    result = await run(task("module:app_error"), {"error": value})
    assert (result.status, result.error, result.cause) == ("FAILED", error, cause)


REJECTED_RESOURCES = [
    pytest.param("module:../outside", id="parent-dir"),
    pytest.param("module:sub/echo", id="slash"),
    pytest.param("module:/etc/passwd", id="absolute"),
    pytest.param("module:os.path", id="dotted"),
    pytest.param("module:echo.py", id="file-suffix"),
    pytest.param("module:", id="empty"),
    pytest.param("module:does_not_exist", id="unknown"),
    pytest.param("module:no_main", id="no-main"),
    pytest.param("module:broken_import", id="import-fails"),
    pytest.param("arn:aws:lambda:us-east-1:123456789012:function:echo", id="aws-arn"),
]


@pytest.mark.parametrize("resource", REJECTED_RESOURCES)
async def test_resources_that_cannot_run(run: Any, actions: Path, resource: str) -> None:
    try:
        result = await run(task(resource), {})
    except statebox.DefinitionError:
        return  # refusing the definition outright is fine too
    check(result, Fails("States.TaskFailed"))
    assert "escaped" not in json.dumps(result.to_json())
    assert str(actions.parent) not in (result.cause or ""), result.cause  # no server paths


async def test_a_cause_shows_only_the_action_frames_relative_to_the_folder(
    run: Any, actions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(actions))  # so `import helper_lib` finds the folder's module
    result = await run(task("module:deep_failure"), {})
    check(result, Fails("KeyError"))
    cause = json.loads(result.cause)
    assert (cause["errorType"], cause["errorMessage"]) == ("KeyError", "'missing field'")
    assert [line.split("\n")[0] for line in cause["stackTrace"]] == [
        '  File "deep_failure.py", line 4, in main',
        '  File "helper_lib.py", line 2, in check',
    ]
    assert str(actions) not in result.cause


# --------------------------------------------------------------------------------------------
# Retry: the delays are what the FakeClock was asked to sleep

RETRY_DELAYS = [
    pytest.param({}, [1.0, 2.0, 4.0], id="defaults"),
    pytest.param({"MaxAttempts": 0}, [], id="max-attempts-0"),
    pytest.param({"MaxAttempts": 1, "IntervalSeconds": 5}, [5.0], id="one-attempt"),
    pytest.param(
        {"MaxAttempts": 4, "IntervalSeconds": 2, "BackoffRate": 3}, [2.0, 6.0, 18.0, 54.0], id="backoff"
    ),
    pytest.param({"MaxAttempts": 3, "IntervalSeconds": 2, "BackoffRate": 1}, [2.0, 2.0, 2.0], id="constant"),
    pytest.param(
        {"MaxAttempts": 4, "IntervalSeconds": 2, "BackoffRate": 3, "MaxDelaySeconds": 10},
        [2.0, 6.0, 10.0, 10.0],
        id="max-delay",
    ),
    pytest.param(
        {"MaxAttempts": 2, "IntervalSeconds": 1, "BackoffRate": 1.5}, [1.0, 1.5], id="fractional-rate"
    ),
]


@pytest.mark.parametrize(("retrier", "delays"), RETRY_DELAYS)
async def test_retry_delays(
    run: Any, fake_clock: FakeClock, retrier: dict[str, Any], delays: list[float]
) -> None:
    result = await run(task("module:declined", Retry=[{"ErrorEquals": ["States.ALL"], **retrier}]), {})
    check(result, Fails("PaymentDeclined"))
    assert fake_clock.slept == pytest.approx(delays)


async def test_full_jitter_stays_within_the_nominal_delays(run: Any, fake_clock: FakeClock) -> None:
    retrier = {
        "ErrorEquals": ["States.ALL"],
        "MaxAttempts": 6,
        "IntervalSeconds": 2,
        "BackoffRate": 2,
        "MaxDelaySeconds": 20,
        "JitterStrategy": "FULL",
    }
    check(await run(task("module:declined", Retry=[retrier]), {}), Fails("PaymentDeclined"))
    nominal = [2, 4, 8, 16, 20, 20]
    assert len(fake_clock.slept) == len(nominal)
    assert all(0 <= slept <= cap for slept, cap in zip(fake_clock.slept, nominal, strict=True))
    assert sum(fake_clock.slept) < sum(nominal)  # jitter actually shortened something


async def test_jitter_none_is_not_jittered(run: Any, fake_clock: FakeClock) -> None:
    retrier = {
        "ErrorEquals": ["States.ALL"],
        "MaxAttempts": 2,
        "IntervalSeconds": 3,
        "JitterStrategy": "NONE",
    }
    check(await run(task("module:declined", Retry=[retrier]), {}), Fails("PaymentDeclined"))
    assert fake_clock.slept == [3.0, 6.0]


async def test_retry_until_success_sees_the_retry_count(run: Any, fake_clock: FakeClock) -> None:
    definition = task(
        "module:flaky",
        Parameters={"attempt.$": "$$.State.RetryCount", "until": 2},
        Retry=[{"ErrorEquals": ["NotYet"], "IntervalSeconds": 1, "MaxAttempts": 5}],
    )
    check(await run(definition, {}), {"succeeded_on": 2})
    assert fake_clock.slept == [1.0, 2.0]


async def test_retry_gives_up_after_max_attempts(run: Any, fake_clock: FakeClock) -> None:
    definition = task(
        "module:flaky",
        Parameters={"attempt.$": "$$.State.RetryCount", "until": 3},
        Retry=[{"ErrorEquals": ["NotYet"], "IntervalSeconds": 1, "MaxAttempts": 2}],
    )
    result = await run(definition, {})
    check(result, Fails("NotYet"))
    assert json.loads(result.cause)["errorMessage"] == "attempt 2"


@pytest.mark.parametrize(
    ("retrier", "due"),
    [
        # Whatever back-off retry.py allows for this (it may cap it), it is a timer, not a sleep.
        pytest.param({"IntervalSeconds": 99999999}, None, id="huge-interval"),
        pytest.param({"IntervalSeconds": 60}, "2026-01-01T00:01:00.000Z", id="at-the-threshold"),
        pytest.param(
            {"IntervalSeconds": 20, "BackoffRate": 3, "MaxAttempts": 3},
            "2026-01-01T00:01:20.000Z",  # 20 s slept, then a 60 s back-off: a timer
            id="backoff",
        ),
    ],
)
async def test_a_long_retry_back_off_becomes_a_timer_not_a_sleep(
    run: Any, fake_clock: FakeClock, retrier: dict[str, Any], due: str | None
) -> None:
    """Waits of Settings.wait_suspend_seconds (60 s) or more are stored as timers (13.5i)."""
    if due is None:
        back_off = Retrier(("NotYet",), interval_seconds=retrier["IntervalSeconds"]).delay(0, SeededEntropy(1))
        due = iso_timestamp(fake_clock.now() + timedelta(seconds=back_off))
    definition = task(
        "module:flaky",
        Parameters={"attempt.$": "$$.State.RetryCount", "until": 5},
        Retry=[{"ErrorEquals": ["NotYet"], **retrier}],
    )
    result = await run(definition, {})
    assert result.status == "SUSPENDED", (result.error, result.cause)
    [point] = result.pending
    assert (point["state"], point["kind"], point["expiresAt"]) == ("T", "timer", due)
    assert all(seconds < 60 for seconds in fake_clock.slept)  # shorter back-offs still sleep


async def test_a_long_back_off_sleeps_when_timers_are_off(run: Any, fake_clock: FakeClock) -> None:
    definition = task(
        "module:flaky",
        Parameters={"attempt.$": "$$.State.RetryCount", "until": 1},
        Retry=[{"ErrorEquals": ["NotYet"], "IntervalSeconds": 3600}],
    )
    result = await run(definition, {}, settings=Settings(wait_suspend_seconds=None))
    check(result, {"succeeded_on": 1})
    assert fake_clock.slept == [3600.0]


async def test_the_first_matching_retrier_is_used(run: Any, fake_clock: FakeClock) -> None:
    definition = task(
        "module:declined",
        Retry=[
            {"ErrorEquals": ["Unrelated"], "IntervalSeconds": 100, "MaxAttempts": 5},
            {"ErrorEquals": ["PaymentDeclined"], "IntervalSeconds": 3, "MaxAttempts": 1},
            {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 7, "MaxAttempts": 5},
        ],
    )
    check(await run(definition, {}), Fails("PaymentDeclined"))
    # Exhausting the matching retrier does not fall through to a later one.
    assert fake_clock.slept == [3.0]


@pytest.mark.parametrize(
    ("error_equals", "retried"),
    [
        pytest.param(["PaymentDeclined"], True, id="by-name"),
        pytest.param(["States.TaskFailed"], True, id="task-failed"),
        pytest.param(["States.ALL"], True, id="all"),
        pytest.param(["Other", "PaymentDeclined"], True, id="in-a-list"),
        pytest.param(["paymentdeclined"], False, id="case-sensitive"),
        pytest.param(["States.Timeout"], False, id="timeout-only"),
        pytest.param(["Exception"], False, id="no-class-hierarchy"),
    ],
)
async def test_which_errors_a_retrier_selects(
    run: Any, fake_clock: FakeClock, error_equals: list[str], retried: bool
) -> None:
    retrier = {"ErrorEquals": error_equals, "IntervalSeconds": 1, "MaxAttempts": 1}
    check(await run(task("module:declined", Retry=[retrier]), {}), Fails("PaymentDeclined"))
    assert fake_clock.slept == ([1.0] if retried else [])


async def test_states_runtime_is_never_retried(run: Any, fake_clock: FakeClock) -> None:
    definition = task(
        OutputPath="$.no.such.path",
        Retry=[{"ErrorEquals": ["States.Runtime"]}, {"ErrorEquals": ["States.ALL"]}],
    )
    check(await run(definition, {}), Fails("States.Runtime"))
    assert fake_clock.slept == []


# --------------------------------------------------------------------------------------------
# Catch

CATCHES = [
    pytest.param(
        {
            "Resource": "module:declined",
            "Catch": [{"ErrorEquals": ["PaymentDeclined"], "Next": "Handled", "ResultPath": "$.error"}],
        },
        lambda out: out["error"]["Error"] == "PaymentDeclined" and out["keep"] == 1,
        id="resultpath-keeps-input",
    ),
    pytest.param(
        {"Resource": "module:declined", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]},
        lambda out: set(out) == {"Error", "Cause"} and out["Error"] == "PaymentDeclined",
        id="default-resultpath-replaces-input",
    ),
    pytest.param(
        {
            "Resource": "module:declined",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled", "ResultPath": None}],
        },
        lambda out: out == {"keep": 1},
        id="resultpath-null-keeps-input-only",
    ),
    pytest.param(
        {
            "Resource": "module:declined",
            "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Handled", "ResultPath": "$.e.detail"}],
        },
        lambda out: out["e"]["detail"]["Error"] == "PaymentDeclined",
        id="task-failed-nested-resultpath",
    ),
    pytest.param(
        {
            "Resource": "module:declined",
            "Catch": [
                {"ErrorEquals": ["Other"], "Next": "Done"},
                {"ErrorEquals": ["PaymentDeclined"], "Next": "Handled", "ResultPath": "$.first"},
                {"ErrorEquals": ["States.ALL"], "Next": "Done", "ResultPath": "$.second"},
            ],
        },
        lambda out: "first" in out and "second" not in out,
        id="first-match-wins",
    ),
    pytest.param(
        {
            "Resource": "module:declined",
            "OutputPath": "$.nowhere",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled", "ResultPath": "$.e"}],
        },
        lambda out: out["e"]["Error"] == "PaymentDeclined",
        id="outputpath-not-applied-to-caught-output",
    ),
    pytest.param(
        {
            "Resource": "module:app_error",
            "Parameters": {"error": {"errorType": "Rejected", "errorMessage": "no"}},
            "Catch": [{"ErrorEquals": ["Rejected"], "Next": "Handled"}],
        },
        lambda out: out == {"Error": "Rejected", "Cause": "no"},
        id="application-error",
    ),
]


@pytest.mark.parametrize(("state", "holds"), CATCHES)
async def test_catch(run: Any, state: dict[str, Any], holds: Any) -> None:
    result = await run(with_handler({**state, "Next": "Done"}), {"keep": 1})
    check(result, result.output)
    assert holds(result.output), result.output


async def test_catch_after_retries_are_exhausted(run: Any, fake_clock: FakeClock) -> None:
    definition = with_handler(
        {
            "Resource": "module:declined",
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled", "ResultPath": "$.e"}],
            "Next": "Done",
        }
    )
    result = await run(definition, {})
    check(result, result.output)
    assert result.output["e"]["Error"] == "PaymentDeclined"
    assert fake_clock.slept == [1.0, 2.0]


async def test_no_matching_catcher_fails_the_execution(run: Any) -> None:
    definition = with_handler(
        {
            "Resource": "module:declined",
            "Catch": [{"ErrorEquals": ["States.Timeout", "Other"], "Next": "Handled"}],
            "Next": "Done",
        }
    )
    check(await run(definition, {}), Fails("PaymentDeclined"))


@pytest.mark.parametrize("error_equals", [["States.ALL"], ["States.Runtime"], ["States.TaskFailed"]])
async def test_states_runtime_is_never_caught(run: Any, error_equals: list[str]) -> None:
    definition = with_handler(
        {
            "Resource": "module:echo",
            "OutputPath": "$.no.such.path",
            "Catch": [{"ErrorEquals": error_equals, "Next": "Handled"}],
            "Next": "Done",
        }
    )
    check(await run(definition, {}), Fails("States.Runtime", "$.no.such.path"))


async def test_catch_resultpath_that_cannot_apply_fails(run: Any) -> None:
    definition = with_handler(
        {
            "Resource": "module:declined",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled", "ResultPath": "$.e"}],
            "Next": "Done",
        }
    )
    check(await run(definition, [1, 2]), Fails("States.ResultPathMatchFailure"))


# --------------------------------------------------------------------------------------------
# Timeouts: real (one-second) time, so every case runs concurrently once per module

TIMEOUTS = {
    "timeout-seconds": (task("module:slow", TimeoutSeconds=1), {}, Fails("States.Timeout")),
    "timeout-seconds-path": (
        task("module:slow", TimeoutSecondsPath="$.limit"),
        {"limit": 1},
        Fails("States.Timeout"),
    ),
    "timeout-not-caught-by-task-failed": (
        with_handler(
            {
                "Resource": "module:slow",
                "TimeoutSeconds": 1,
                "Next": "Done",
                "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Handled"}],
            }
        ),
        {},
        Fails("States.Timeout"),
    ),
    "timeout-caught-by-name": (
        with_handler(
            {
                "Resource": "module:slow",
                "TimeoutSeconds": 1,
                "Next": "Done",
                "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Handled", "ResultPath": "$.e"}],
            }
        ),
        {"keep": 1},
        {"keep": 1, "e": {"Error": "States.Timeout", "Cause": ""}},
    ),
    "timeout-caught-by-all": (
        with_handler(
            {
                "Resource": "module:slow",
                "TimeoutSeconds": 1,
                "Next": "Done",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled", "ResultPath": None}],
            }
        ),
        {"keep": 1},
        {"keep": 1},
    ),
    "fast-action-within-timeout": (task("module:echo", TimeoutSeconds=1), {"a": 1}, {"got": {"a": 1}}),
}


@pytest.fixture(scope="module")
def timeout_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = write_actions(tmp_path_factory.mktemp("timeouts") / "actions")

    async def one(definition: Any, execution_input: Any) -> Any:
        return await statebox.run_async(
            definition, execution_input, actions=folder, clock=FakeClock(), entropy=SeededEntropy(1)
        )

    async def all_cases() -> list[Any]:
        return await asyncio.gather(*(one(d, i) for d, i, _ in TIMEOUTS.values()))

    return dict(zip(TIMEOUTS, asyncio.run(all_cases()), strict=True))


@pytest.mark.parametrize("case", list(TIMEOUTS))
def test_timeouts(timeout_outcomes: dict[str, Any], case: str) -> None:
    check(timeout_outcomes[case], TIMEOUTS[case][2])


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param(0, id="zero"),
        pytest.param(-1, id="negative"),
        pytest.param(1.5, id="fraction"),
        pytest.param("1", id="string"),
        pytest.param(True, id="boolean"),
        pytest.param(None, id="null"),
    ],
)
async def test_timeout_seconds_path_must_be_a_positive_integer(run: Any, limit: Any) -> None:
    check(
        await run(task("module:echo", TimeoutSecondsPath="$.limit"), {"limit": limit}),
        Fails("States.Runtime", "$.limit"),
    )


@pytest.mark.parametrize(
    ("limit", "shown"),
    [
        pytest.param(None, "got null.", id="null"),
        pytest.param(True, "got boolean true.", id="boolean"),
        pytest.param({"s": 1}, 'got object {"s":1}.', id="object"),
        pytest.param("1", 'got string "1".', id="string"),
    ],
)
async def test_a_bad_timeout_value_is_named_in_json(run: Any, limit: Any, shown: str) -> None:
    result = await run(task("module:echo", TimeoutSecondsPath="$.limit"), {"limit": limit})
    assert result.cause.endswith(shown), result.cause


async def test_timeout_seconds_path_that_does_not_resolve(run: Any) -> None:
    check(
        await run(task("module:echo", TimeoutSecondsPath="$.limit"), {}), Fails("States.Runtime", "$.limit")
    )
