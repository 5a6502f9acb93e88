"""An activation near its deadline stops at a state boundary and the execution continues in
fresh activations of the same action (here: followed by hand, as the platform would run the
non-blocking self-invocations), finishing with the right output."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from statebox.web import action


@pytest.fixture
def activations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    started: list[str] = []

    async def record_continuation(execution_id: str, service: Any, config: dict[str, Any]) -> None:
        started.append(execution_id)

    monkeypatch.setattr(action, "continue_elsewhere", record_continuation)
    monkeypatch.setattr(action, "CONTAINER", action.Container())
    yield started


def chain(count: int) -> dict[str, Any]:
    states = {
        f"Step{i}": {
            "Type": "Pass",
            "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
            **({"Next": f"Step{i + 1}"} if i < count - 1 else {"End": True}),
        }
        for i in range(count)
    }
    return {"StartAt": "Step0", "States": states}


def raw_request(method: str, query: str, body: Any = None) -> dict[str, Any]:
    encoded = base64.b64encode(json.dumps(body).encode()).decode() if body is not None else ""
    return {
        "__ow_method": method,
        "__ow_headers": {"content-type": "application/json"},
        "__ow_path": "",
        "__ow_query": query,
        "__ow_body": encoded,
    }


def test_a_near_deadline_continues_in_new_activations(
    redis_server: Any, monkeypatch: pytest.MonkeyPatch, activations: list[str]
) -> None:
    params = {"statebox_redis_url": redis_server.url, "statebox_secret": "long-run-secret"}
    # The deadline has already passed: every activation runs exactly one state, then hands over.
    monkeypatch.setenv("__OW_DEADLINE", str(int(time.time() * 1000)))
    first = action.main({**params, **raw_request("post", "input=%7B%22n%22%3A0%7D", chain(5))})
    assert first["statusCode"] == 202
    assert first["body"]["status"] == "RUNNING"
    execution_id = first["body"]["executionId"]
    hops = 0
    while activations:
        assert activations.pop() == execution_id
        answer = action.main({**params, "statebox_continue": execution_id})
        assert answer["statusCode"] == 200
        hops += 1
    assert hops == 4
    status = action.main({**params, **raw_request("get", f"execution={execution_id}")})
    assert status["body"]["status"] == "SUCCEEDED"
    assert status["body"]["output"] == {"n": 5}


def test_without_a_near_deadline_nothing_is_handed_over(
    redis_server: Any, monkeypatch: pytest.MonkeyPatch, activations: list[str]
) -> None:
    params = {"statebox_redis_url": redis_server.url, "statebox_secret": "long-run-secret"}
    monkeypatch.setenv("__OW_DEADLINE", str(int((time.time() + 300) * 1000)))
    answer = action.main({**params, **raw_request("post", "input=%7B%22n%22%3A0%7D", chain(5))})
    assert answer["statusCode"] == 200 and answer["body"]["output"] == {"n": 5}
    assert activations == []
