"""Real redis-server faults: killed with SIGKILL between suspend and resume (AOF on), and
unreachable. Each ends finished correctly, still resumable, or with a clear StoreUnavailable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from statebox.errors import ContinuationAlreadyUsed, StoreUnavailable
from statebox.stores.redis import RedisStore
from tests.support.servers import RedisServer

ROOT = Path(__file__).resolve().parents[2]
INCSQUARE = json.loads((ROOT / "state_machines" / "incsquare.json").read_text())


@pytest.fixture
def aof_server(tmp_path: Path) -> Any:
    server = RedisServer(tmp_path, aof=True)
    server.start()
    yield server
    server.stop()


async def test_resume_works_after_redis_is_killed_and_restarted_with_aof(aof_server: RedisServer, make_engine: Any) -> None:
    store = RedisStore.connect(aof_server.url)
    engine = make_engine(store)
    started = await engine.start(INCSQUARE, 6)
    await store.close()
    aof_server.kill()
    aof_server.start()
    store = RedisStore.connect(aof_server.url)
    engine = make_engine(store)
    finished = await engine.resume(started.continuation, {})
    assert finished.output == {"value": 50}
    with pytest.raises(ContinuationAlreadyUsed):
        await engine.resume(started.continuation, {})
    await store.close()


async def test_store_down_is_a_clear_error_and_nothing_is_lost(aof_server: RedisServer, make_engine: Any) -> None:
    store = RedisStore.connect(aof_server.url)
    engine = make_engine(store)
    started = await engine.start(INCSQUARE, 6)
    aof_server.kill()
    with pytest.raises(StoreUnavailable):
        await engine.resume(started.continuation, {})
    aof_server.start()
    finished = await engine.resume(started.continuation, {})
    assert finished.output == {"value": 50}
    await store.close()
