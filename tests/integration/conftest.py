"""Stores and engines on the in-process store (fakeredis), a real redis-server and a real Redis
Cluster (tests/support/stores.py; the servers are tests/conftest.py's session fixtures)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from statebox.config import Settings
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.ports import FakeClock
from tests.support.stores import Backend

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["in-process", "redis-server", "cluster"])
async def store(request: pytest.FixtureRequest) -> Any:
    """A RedisStore under a prefix of its own, on each backend in turn."""
    backend = Backend.for_test(request.param, request)
    yield backend.redis_store()
    await backend.close()


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
