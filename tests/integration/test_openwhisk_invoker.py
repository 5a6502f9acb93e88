"""`openwhisk:` Tasks against OpenWhiskControllerDouble (a test double of the controller's
documented REST behaviour, see openwhisk_double.py), run as real machines through
`statebox.run_async(..., invoker=...)`."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

import statebox
from statebox.invokers import openwhisk
from statebox.invokers.local import LocalActionInvoker
from statebox.invokers.openwhisk import OpenWhiskInvoker, resolve_action
from statebox.invokers.routing import RoutingInvoker, build_invoker
from statebox.ports import FakeClock, ResourceRef, TaskCall
from tests.support.servers import free_port

from .openwhisk_double import DeveloperError, OpenWhiskControllerDouble

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def controller():
    double = OpenWhiskControllerDouble(blocking_wait=60.0)
    double.action("square", lambda p: {**p, "value": p["value"] ** 2})
    double.action("utils/echo", lambda p: p)
    await double.start()
    yield double
    await double.stop()


@pytest.fixture
async def invoker(controller: OpenWhiskControllerDouble):
    yield OpenWhiskInvoker(
        controller.url, controller.api_key, poll_initial_seconds=0.02, poll_max_seconds=0.1
    )
    await openwhisk.close_client_session()


def task(resource: str, **extra: Any) -> dict[str, Any]:
    return {
        "StartAt": "Call",
        "States": {"Call": {"Type": "Task", "Resource": resource, "End": True, **extra}},
    }


async def run(
    definition: Any, execution_input: Any, invoker: Any, **options: Any
) -> statebox.ExecutionResult:
    options.setdefault("clock", FakeClock())
    return await statebox.run_async(
        definition, execution_input, invoker=invoker, actions=ROOT / "demo_actions", **options
    )


# ---------------------------------------------------------------------------- success
async def test_blocking_invoke_returns_the_result(controller, invoker) -> None:
    result = await run(task("openwhisk:square"), {"value": 7}, invoker)
    assert (result.status, result.output) == ("SUCCEEDED", {"value": 49})
    [call] = controller.invocations()
    assert call.path == "/api/v1/namespaces/_/actions/square"
    assert call.query == {"blocking": "true"}  # no result=true: the record tells the error kinds apart
    assert call.login == controller.uuid and call.body == {"value": 7} and call.status == 200


async def test_names_resolve_like_the_js_client(controller, invoker) -> None:
    assert resolve_action("a") == ("_", "a")
    assert resolve_action("pkg/a", "me") == ("me", "pkg/a")
    assert resolve_action("/ns/a") == ("ns", "a")
    assert resolve_action("ns/pkg/a") == ("ns", "pkg/a")
    assert resolve_action("/ns/pkg/a") == ("ns", "pkg/a")
    for bad in ("/ns", "a/b/c/d", "/ns/pkg/a/b", "", "pkg/", "-a"):
        with pytest.raises(ValueError):
            resolve_action(bad)
    controller.action("my pkg/echo", lambda p: p)
    result = await run(task("openwhisk:/guest/utils/echo"), 5, invoker)
    assert result.output == {"value": 5}  # a non-object input travels as {"value": input}
    await run(task("openwhisk:guest/my pkg/echo"), {}, invoker)
    paths = [c.path for c in controller.invocations()]
    assert paths == [
        "/api/v1/namespaces/guest/actions/utils/echo",
        "/api/v1/namespaces/guest/actions/my%20pkg/echo",
    ]
    failed = await run(task("openwhisk:/just-a-namespace"), {}, invoker)
    assert failed.error == "States.TaskFailed" and "not a valid OpenWhisk action name" in failed.cause


async def test_a_202_is_polled_until_the_record_exists(controller, invoker) -> None:
    controller.blocking_wait = 0.05
    controller.action("slow", lambda p: {"done": True}, duration=0.3)
    result = await run(task("openwhisk:slow"), {}, invoker)
    assert (result.status, result.output) == ("SUCCEEDED", {"done": True})
    post, *polls = controller.requests
    assert post.status == 202
    assert {p.path for p in polls} == {
        f"/api/v1/namespaces/_/activations/{next(iter(controller.activations))}"
    }
    assert [p.status for p in polls][-1] == 200 and 404 in [p.status for p in polls]


# ---------------------------------------------------------------------------- errors
async def test_an_application_error_is_an_asl_error_a_catch_sees(controller, invoker) -> None:
    controller.action("reject", lambda p: {"error": {"name": "Order.Rejected", "message": "too big"}})
    controller.action("crash", lambda p: 1 / 0)  # the Python launcher's {"error": str(exc)}
    definition = {
        "StartAt": "Reject",
        "States": {
            "Reject": {
                "Type": "Task",
                "Resource": "openwhisk:reject",
                "Catch": [{"ErrorEquals": ["Order.Rejected"], "ResultPath": "$.rejected", "Next": "Crash"}],
                "Next": "Crash",
            },
            "Crash": {
                "Type": "Task",
                "Resource": "openwhisk:crash",
                "Catch": [{"ErrorEquals": ["ActionError"], "ResultPath": "$.crashed", "Next": "Done"}],
                "End": True,
            },
            "Done": {"Type": "Succeed"},
        },
    }
    result = await run(definition, {"order": 1}, invoker)
    assert result.status == "SUCCEEDED"
    assert result.output == {
        "order": 1,
        "rejected": {"Error": "Order.Rejected", "Cause": "too big"},
        "crashed": {"Error": "ActionError", "Cause": "division by zero"},
    }
    assert [c.status for c in controller.invocations()] == [502, 502]


async def test_a_developer_error_is_task_failed_with_the_reason(controller, invoker) -> None:
    controller.action(
        "broken",
        lambda p: (_ for _ in ()).throw(
            DeveloperError("The action did not initialize and exited unexpectedly.")
        ),
    )
    controller.action("overtime", lambda p: {}, duration=0.2, timeout_ms=100)
    controller.action("number", lambda p: 42)
    for name, reason in (
        ("broken", "did not initialize"),
        ("overtime", "exceeded its time limits of 100 milliseconds"),
        ("number", "did not produce a valid JSON"),
    ):
        result = await run(task(f"openwhisk:{name}"), {}, invoker)
        assert (result.status, result.error) == ("FAILED", "States.TaskFailed"), name
        assert "action developer error" in result.cause and reason in result.cause, result.cause


async def test_throttling_is_retried_by_a_retry_and_then_succeeds(controller, invoker) -> None:
    controller.throttle(2)
    retry = [
        {"ErrorEquals": ["OpenWhisk.Throttled"], "IntervalSeconds": 1, "BackoffRate": 2, "MaxAttempts": 3}
    ]
    clock = FakeClock()
    result = await run(task("openwhisk:square", Retry=retry), {"value": 3}, invoker, clock=clock)
    assert (result.status, result.output) == ("SUCCEEDED", {"value": 9})
    assert [c.status for c in controller.invocations()] == [429, 429, 200]
    assert clock.slept == [1, 2]


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, "OpenWhisk.Throttled"),
        (503, "OpenWhisk.Unavailable"),
        (500, "OpenWhisk.Unavailable"),
        (408, "OpenWhisk.Unavailable"),
    ],
)
async def test_transient_statuses_are_named_retriable_errors(controller, invoker, status, error) -> None:
    controller.fail_next(1, status)
    result = await run(task("openwhisk:square"), {"value": 3}, invoker)
    assert (result.status, result.error) == ("FAILED", error)
    assert str(status) in result.cause


async def test_refused_credentials_and_unknown_actions_are_task_failed(controller, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = OpenWhiskInvoker(controller.url, f"{controller.uuid}:not-the-key")
    result = await run(task("openwhisk:square"), {"value": 3}, wrong)
    assert (result.error, controller.requests[-1].status) == ("States.TaskFailed", 401)
    assert "401" in result.cause and "provide-api-key" in result.cause
    assert "not-the-key" not in result.cause + repr(wrong) + caplog.text

    right = OpenWhiskInvoker(controller.url, controller.api_key)
    missing = await run(task("openwhisk:nope"), {}, right)
    assert missing.error == "States.TaskFailed" and "does not exist (404)" in missing.cause
    controller.action("private", lambda p: p, namespace="someone-else")
    forbidden = await run(task("openwhisk:/someone-else/private"), {}, right)
    assert forbidden.error == "States.TaskFailed" and "403" in forbidden.cause
    keyless = await run(task("openwhisk:square"), {}, OpenWhiskInvoker(controller.url, None))
    assert keyless.error == "States.TaskFailed" and "provide-api-key true" in keyless.cause
    assert controller.key not in repr(right)
    await openwhisk.close_client_session()


async def test_timeout_seconds_shorter_than_the_action_is_states_timeout(controller, invoker) -> None:
    controller.action("slow", lambda p: {"late": True}, duration=5)
    started = time.monotonic()
    result = await run(task("openwhisk:slow", TimeoutSeconds=1), {}, invoker)
    assert (result.status, result.error) == ("FAILED", "States.Timeout")
    assert time.monotonic() - started < 3
    # The cancellation dropped only the request in flight: the shared pool still works.
    session = openwhisk.client_session()
    assert not session.closed
    again = await run(task("openwhisk:square"), {"value": 2}, invoker)
    assert again.output == {"value": 4} and openwhisk.client_session() is session


async def test_a_network_failure_is_task_failed_with_a_cause() -> None:
    closed = OpenWhiskInvoker(f"http://127.0.0.1:{free_port()}", "u:k")
    result = await run(task("openwhisk:square"), {"value": 1}, closed)
    assert (result.status, result.error) == ("FAILED", "States.TaskFailed")
    assert "could not be reached" in result.cause and "ClientConnectorError" in result.cause
    await openwhisk.close_client_session()


# ---------------------------------------------------------------------------- the pool
async def test_one_session_and_its_connections_are_reused(controller, invoker) -> None:
    chain = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": "openwhisk:square", "Next": "B"},
            "B": {"Type": "Task", "Resource": "openwhisk:square", "Next": "C"},
            "C": {"Type": "Task", "Resource": "openwhisk:utils/echo", "End": True},
        },
    }
    first = await run(chain, {"value": 2}, invoker)
    session = openwhisk.client_session()
    other_invoker = OpenWhiskInvoker(controller.url, controller.api_key)  # same container, new engine
    second = await run(chain, {"value": 3}, other_invoker)
    assert (first.output, second.output) == ({"value": 16}, {"value": 81})
    assert openwhisk.client_session() is session and len(openwhisk._SESSIONS) == 1
    assert len({c.peer for c in controller.requests}) == 1  # keep-alive: one TCP connection


async def test_a_nonblocking_invoke_returns_the_activation_id(controller, invoker) -> None:
    activation = await invoker.invoke_nonblocking("utils/echo", {"a": 1})
    assert activation in controller.activations
    assert controller.invocations()[-1].query == {}


# ---------------------------------------------------------------------------- routing and wiring
async def test_routing_sends_openwhisk_to_rest_only_when_configured(controller, invoker) -> None:
    local = LocalActionInvoker(ROOT / "demo_actions")
    definition = {
        "StartAt": "Inc",
        "States": {
            "Inc": {"Type": "Task", "Resource": "module:increment", "Next": "Sq"},
            "Sq": {"Type": "Task", "Resource": "openwhisk:square", "End": True},
        },
    }
    routed = await run(definition, {"value": 2}, RoutingInvoker(local, invoker))
    assert routed.output == {"value": 9} and len(controller.invocations()) == 1
    local_only = build_invoker(ROOT / "demo_actions", None, None)
    assert not local_only.remote
    assert (await run(definition, {"value": 2}, local_only)).output == {"value": 9}
    assert len(controller.invocations()) == 1  # local mode ran demo_actions/square.py
    configured = build_invoker(ROOT / "demo_actions", controller.url, controller.api_key)
    assert (await run(definition, {"value": 4}, configured)).output == {"value": 25}
    assert len(controller.invocations()) == 2 and controller.key not in repr(configured)
    call = TaskCall(state_name="X", execution_id="e")
    assert await configured.invoke(ResourceRef.parse("module:increment"), {"value": 1}, call) == {"value": 2}


def test_the_web_action_and_the_cli_build_the_invoker_from_their_configuration(monkeypatch) -> None:
    from statebox.cli.common import engine_for, settings_for
    from statebox.web import action

    monkeypatch.setattr(action, "CONTAINER", action.Container())
    monkeypatch.setenv("__OW_API_HOST", "openwhisk.example")
    monkeypatch.setenv("__OW_API_KEY", "uuid:secret-key")
    params = {"statebox_redis_url": "redis://127.0.0.1:1/0", "statebox_secret": "s"}
    engine = action.CONTAINER.service(action._settings(params)).engine
    assert engine.invoker.remote and engine.invoker.openwhisk().api_host == "https://openwhisk.example"
    overridden = action._settings({"statebox_ow_api_host": "http://other:3233", "statebox_ow_api_key": "a:b"})
    assert (overridden.ow_api_host, overridden.ow_api_key) == ("http://other:3233", "a:b")
    monkeypatch.delenv("__OW_API_HOST")
    assert not action.CONTAINER.service(action._settings(params)).engine.invoker.remote
    assert action.is_tick({"statebox_tick": True}) and action.is_tick({"statebox_tick": "true"})
    assert not action.is_tick({"statebox_tick": True, "__ow_method": "post"})

    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("STATEBOX_OW_API_HOST", "http://127.0.0.1:3233")
    assert engine_for(settings_for()).invoker.remote
    monkeypatch.delenv("STATEBOX_OW_API_HOST")
    assert not engine_for(settings_for()).invoker.remote


# ---------------------------------------------------------------------------- faults a machine handles
def catching(resource: str, errors: list[str], **extra: Any) -> dict[str, Any]:
    """A Task whose Catch routes `errors` to a state that keeps the error object."""
    return {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": resource,
                "Catch": [{"ErrorEquals": errors, "ResultPath": "$.caught", "Next": "Handled"}],
                "End": True,
                **extra,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    }


@pytest.mark.parametrize("status", [200, 502, 503])
async def test_a_body_that_is_not_json_is_an_asl_error_a_catch_sees(controller, invoker, status) -> None:
    controller.garble_next(1, status)
    result = await run(catching("openwhisk:square", ["States.ALL"]), {"value": 3}, invoker)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    caught = result.output["caught"]
    expected = {200: "States.TaskFailed", 502: "States.TaskFailed", 503: "OpenWhisk.Unavailable"}[status]
    assert caught["Error"] == expected and "square" in caught["Cause"], caught
    assert "<html>" not in caught["Cause"]


async def test_5xx_is_retried_then_caught_when_it_persists(controller, invoker) -> None:
    controller.fail_next(3, 503)
    retry = [{"ErrorEquals": ["OpenWhisk.Unavailable"], "IntervalSeconds": 1, "MaxAttempts": 2}]
    clock = FakeClock()
    definition = catching("openwhisk:square", ["OpenWhisk.Unavailable"], Retry=retry)
    result = await run(definition, {"value": 3}, invoker, clock=clock)
    assert result.status == "SUCCEEDED"
    caught = result.output["caught"]
    assert caught["Error"] == "OpenWhisk.Unavailable" and "503" in caught["Cause"]
    assert [c.status for c in controller.invocations()] == [503, 503, 503] and clock.slept == [1, 2]
    controller.fail_next(1, 500)  # one failure, then the Retry gets the result
    again = await run(task("openwhisk:square", Retry=retry), {"value": 3}, invoker, clock=FakeClock())
    assert (again.status, again.output) == ("SUCCEEDED", {"value": 9})


async def test_an_action_that_times_out_is_caught_either_way(controller, invoker) -> None:
    # Past the action's own time limit: OpenWhisk ends it ("action developer error").
    controller.action("overtime", lambda p: {}, duration=0.2, timeout_ms=50)
    limit = await run(catching("openwhisk:overtime", ["States.TaskFailed"]), {}, invoker)
    assert limit.status == "SUCCEEDED" and "exceeded its time limits" in limit.output["caught"]["Cause"]
    # Past the Task's TimeoutSeconds: statebox stops waiting (States.Timeout).
    controller.action("slow", lambda p: {}, duration=3)
    timeout = await run(catching("openwhisk:slow", ["States.Timeout"], TimeoutSeconds=1), {}, invoker)
    assert timeout.status == "SUCCEEDED" and timeout.output["caught"]["Error"] == "States.Timeout"
