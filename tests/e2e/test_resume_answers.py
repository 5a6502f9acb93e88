"""Answers to resumes over HTTP, against the dev server app on a real redis-server: a genuine
click racing others is answered 200 or 503 (retry), never 409 unless a resume committed; an
answer too large to record is a 413 (a page that says so) and the request keeps waiting."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

from statebox.config import Settings
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.stores.redis import RedisStore
from statebox.web.devserver import build_app
from statebox.web.handler import Service

from .conftest import served

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = {
    "type": "object",
    "required": ["decision"],
    "properties": {"decision": {"enum": ["approved", "rejected"]}},
}
MACHINE = {
    "StartAt": "Approve",
    "States": {
        "Approve": {
            "Type": "Task",
            "Resource": "module:suspend",
            "ResumeSchema": SCHEMA,
            "HeartbeatSeconds": 3600,
            "End": True,
        }
    },
}


@contextlib.asynccontextmanager
async def dev_server(redis_server: Any) -> AsyncIterator[tuple[str, aiohttp.ClientSession, RedisStore]]:
    store = RedisStore.connect(redis_server.url, prefix=f"answers{time.monotonic_ns()}:")
    engine = Engine(Settings(actions_dir=ROOT / "demo_actions"), store=store, signer=ContinuationSigner("s"))
    app = build_app(Service(engine, ROOT / "state_machines"), timer_interval=None)
    try:
        async with served(app) as url, aiohttp.ClientSession() as session:
            yield url, session, store
    finally:
        await store.close()


async def test_refused_clicks_and_heartbeats_racing_a_genuine_click_never_409_it(redis_server: Any) -> None:
    async with dev_server(redis_server) as (url, session, store):

        async def post(query: str, body: Any = None) -> tuple[int, Any]:
            data = None if body is None else json.dumps(body)
            headers = {"Content-Type": "application/json"}
            async with session.post(f"{url}?{query}", data=data, headers=headers) as answer:
                return answer.status, await answer.json()

        for _ in range(10):
            status, started = await post("", MACHINE)
            assert status == 202
            token = started["continuation"]
            calls = [post(f"continuation={token}", {"decision": "maybe"}) for _ in range(3)]
            calls.append(post(f"continuation={token}&heartbeat=1"))
            calls.append(post(f"continuation={token}", {"decision": "approved"}))
            *others, (status, genuine) = await asyncio.gather(*calls)
            execution = (await store.load(started["executionId"]))["status"]
            assert status in (200, 503), (status, genuine, execution)
            if status == 200:
                assert genuine["status"] == "SUCCEEDED" and genuine["output"]["decision"] == "approved"
            else:
                assert execution == "SUSPENDED"
            assert {code for code, _ in others} <= {200, 400, 409, 503}
            if any(code == 409 for code, _ in others):
                assert execution == "SUCCEEDED"  # 409 only once a resume committed


async def test_a_comment_too_large_to_record_is_a_413_page_and_the_request_keeps_waiting(
    redis_server: Any,
) -> None:
    """A 300 KB comment ended the approval FAILED (States.DataLimitExceeded) while the page said
    "Approved - your answer was recorded"."""
    async with dev_server(redis_server) as (url, session, store):
        body = {"definition": MACHINE, "input": {"subject": "Publish the Q3 report?"}}
        async with session.post(url, json=body) as answer:
            assert answer.status == 202
            started = await answer.json()
        form = {"decision": "approved", "comment": "c" * 300_000}
        browser = {"Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded"}
        target = f"{url}?continuation={started['continuation']}"
        async with session.post(target, data=urlencode(form), headers=browser) as answer:
            page = await answer.text()
            assert answer.status == 413 and answer.content_type == "text/html"
        assert "too large" in page and "Nothing was recorded" in page and "Approved" not in page
        assert (await store.load(started["executionId"]))["status"] == "SUSPENDED"
        form["comment"] = "looks good"
        async with session.post(target, data=urlencode(form), headers=browser) as answer:
            assert answer.status == 200 and "Approved" in await answer.text()
        record = await store.load(started["executionId"])
        assert record["status"] == "SUCCEEDED" and record["output"]["decision"] == "approved"


async def test_integers_past_64_bits_come_back_exactly_over_http(redis_server: Any) -> None:
    """2**70 came back as 1.18e21 once the execution had suspended and resumed."""
    machine = {
        "StartAt": "Ask",
        "States": {"Ask": {"Type": "Task", "Resource": "module:suspend", "End": True}},
    }
    body = f'{{"definition": {json.dumps(machine)}, "input": {{"n": {2**70}, "m": {-(2**63) - 1}}}}}'
    async with dev_server(redis_server) as (url, session, _store):
        async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as answer:
            started = json.loads(await answer.read())
        assert started["output"] == {"n": 2**70, "m": -(2**63) - 1}
        resume = f'{{"k": {2**64}}}'
        target = f"{url}?continuation={started['continuation']}"
        async with session.post(target, data=resume, headers={"Content-Type": "application/json"}) as answer:
            text = await answer.text()
        assert f'"n":{2**70}' in text.replace(" ", "") and f'"k":{2**64}' in text.replace(" ", "")
        assert json.loads(text)["output"] == {"n": 2**70, "m": -(2**63) - 1, "k": 2**64}
