"""A hostile JSONata expression posted to the dev server (issue 13, 5b): each evaluation is
bounded, it fails with a clear ASL error that Catch routes, and the server answers other requests
while the hostile execution is still running. Generous timeouts only; nothing is timed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from statebox.config import Settings
from statebox.dataflow import jsonata_bounds
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.stores.redis import RedisStore
from statebox.web.devserver import build_app
from statebox.web.handler import Service

from .conftest import served

ROOT = Path(__file__).resolve().parents[2]
ENDLESS = "{% ($f := function($x){ $f($x) }; $f(1)) %}"
ROUNDS = 20
# The endless expression, caught and tried again: an execution that keeps the server busy for
# ROUNDS evaluation bounds in a row.
HOSTILE = {
    "QueryLanguage": "JSONata",
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Assign": {"rounds": 0}, "Next": "Loop"},
        "Loop": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "In", "States": {"In": {"Type": "Pass", "Output": ENDLESS, "End": True}}}
            ],
            "Catch": [
                {
                    "ErrorEquals": ["States.QueryEvaluationError"],
                    "Assign": {"rounds": "{% $rounds + 1 %}", "cause": "{% $states.errorOutput.Cause %}"},
                    "Next": "Again",
                }
            ],
            "End": True,
        },
        "Again": {
            "Type": "Choice",
            "Choices": [{"Condition": "{% $rounds < " + str(ROUNDS) + " %}", "Next": "Loop"}],
            "Default": "Done",
        },
        "Done": {"Type": "Pass", "Output": "{% {'rounds': $rounds, 'cause': $cause} %}", "End": True},
    },
}


async def test_an_endless_expression_fails_and_the_server_answers_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jsonata_bounds, "MAX_SECONDS", 0.2)  # the server runs in this process
    store = RedisStore.in_process()
    engine = Engine(Settings(actions_dir=ROOT / "demo_actions"), store=store, signer=ContinuationSigner(b"k"))
    app = build_app(Service(engine, ROOT / "state_machines"), timer_interval=None)
    try:
        async with (
            served(app) as url,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session,
        ):

            async def start_hostile() -> Any:
                async with session.post(url, json=HOSTILE) as response:
                    assert response.status == 200
                    return await response.json()

            hostile = asyncio.create_task(start_hostile())
            await asyncio.sleep(0.3)  # the hostile request is being evaluated by now
            async with session.get(url) as response:
                assert response.status < 500
            # Had the server held GET / until the end, the hostile answer would be here too.
            await asyncio.wait({hostile}, timeout=0.5)
            answered_while_running = not hostile.done()
            answer = await hostile
    finally:
        await store.close()
    assert answer["status"] == "SUCCEEDED", answer
    assert answer["output"]["rounds"] == ROUNDS
    assert "the evaluation" in answer["output"]["cause"] and "$f($x)" in answer["output"]["cause"]
    assert answered_while_running, "GET / was answered only after the hostile execution ended"
