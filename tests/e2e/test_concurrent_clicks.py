"""Clicks racing over HTTP against the dev server app on a real redis-server: a genuine click
is answered 200 or 503 (retry), never 409 unless a resume committed."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import aiohttp

from statebox.config import Settings
from statebox.continuations import ContinuationSigner
from statebox.engine import Engine
from statebox.stores.redis import RedisStore
from statebox.web.devserver import build_app
from statebox.web.handler import Service

from .conftest import served

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = {"type": "object", "required": ["decision"], "properties": {"decision": {"enum": ["approved", "rejected"]}}}
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


async def test_refused_clicks_and_heartbeats_racing_a_genuine_click_never_409_it(redis_server: Any) -> None:
    store = RedisStore.connect(redis_server.url, prefix=f"clicks{time.monotonic_ns()}:")
    engine = Engine(Settings(actions_dir=ROOT / "demo_actions"), store=store, signer=ContinuationSigner("s"))
    app = build_app(Service(engine, ROOT / "state_machines"), timer_interval=None)
    try:
        async with served(app) as url, aiohttp.ClientSession() as session:

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
    finally:
        await store.close()
