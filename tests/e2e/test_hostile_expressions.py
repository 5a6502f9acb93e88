"""A hostile JSONata expression posted to the dev server (issue 13, 5b): the evaluation is
bounded, the server keeps answering other requests, and the execution fails with a clear ASL
error. Generous timeouts only; before the bound, the GET below never got an answer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from statebox.config import Settings
from statebox.continuations import ContinuationSigner
from statebox.engine import Engine
from statebox.stores.redis import RedisStore
from statebox.web.devserver import build_app
from statebox.web.handler import Service

from .conftest import served

ROOT = Path(__file__).resolve().parents[2]
ENDLESS = {
    "QueryLanguage": "JSONata",
    "StartAt": "Loop",
    "States": {"Loop": {"Type": "Pass", "Output": "{% ($f := function($x){ $f($x) }; $f(1)) %}", "End": True}},
}


async def test_an_endless_expression_fails_and_the_server_answers_meanwhile() -> None:
    store = RedisStore.in_process()
    engine = Engine(Settings(actions_dir=ROOT / "demo_actions"), store=store, signer=ContinuationSigner(b"k"))
    app = build_app(Service(engine, ROOT / "state_machines"), timer_interval=None)
    timeout = aiohttp.ClientTimeout(total=120)
    try:
        async with served(app) as url, aiohttp.ClientSession(timeout=timeout) as session:

            async def start_hostile() -> dict:
                async with session.post(url, json=ENDLESS) as response:
                    assert response.status == 200
                    return await response.json()

            hostile = asyncio.create_task(start_hostile())
            await asyncio.sleep(0.2)  # let the hostile request reach the server first
            async with session.get(url) as response:
                assert response.status < 500
            answer = await hostile
    finally:
        await store.close()
    assert answer["status"] == "FAILED"
    assert answer["error"] == "States.QueryEvaluationError"
    assert "the evaluation" in answer["cause"]
