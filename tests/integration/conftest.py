"""Stores and engines over fakeredis and a real redis-server (`redis_server`, `RedisServer` and
`free_port` live in tests/conftest.py, shared with the end-to-end tests; re-exported here)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from conftest import RedisServer, free_port  # noqa: F401 - re-exported for the tests here

from statebox.config import Settings
from statebox.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["fakeredis", "redis-server"])
async def store(request: pytest.FixtureRequest) -> Any:
    if request.param == "fakeredis":
        store = RedisStore.in_process(prefix=f"t{time.monotonic_ns()}:")
    else:
        server = request.getfixturevalue("redis_server")
        store = RedisStore.connect(server.url, prefix=f"t{time.monotonic_ns()}:")
    yield store
    await store.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_engine(clock: FakeClock):
    def make(store: Any, **settings: Any) -> Engine:
        return Engine(
            Settings(**{"actions_dir": ROOT / "demo_actions", **settings}),
            store=store,
            signer=ContinuationSigner(b"test-secret"),
            clock=clock,
            base_url="http://statebox.test/",
        )

    return make
