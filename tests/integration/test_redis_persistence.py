"""Exactly-once needs a Redis that remembers its commits across a crash: the store checks the
server's persistence on its first write and warns; the configuration docs/reliability.md asks
for (appendonly yes, appendfsync always) keeps a used link used across SIGKILL and restart."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from statebox.errors import ContinuationAlreadyUsed
from statebox.stores.durability import REQUIRED
from statebox.stores.redis import RedisStore
from tests.support.servers import RedisServer

ROOT = Path(__file__).resolve().parents[2]
INCSQUARE = json.loads((ROOT / "state_machines" / "incsquare.json").read_text())


def persistence_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "statebox.store" and REQUIRED in r.getMessage()
    ]


async def test_a_redis_without_aof_is_warned_about_once(
    redis_server: RedisServer, make_engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    assert not redis_server.aof  # the session's server: --appendonly no, --save ""
    store = RedisStore.connect(redis_server.url, prefix=f"p{time.monotonic_ns()}:")
    engine = make_engine(store)
    with caplog.at_level(logging.WARNING, logger="statebox.store"):
        started = await engine.start(INCSQUARE, 6)
        await engine.resume(started.continuation, {})
        await engine.start(INCSQUARE, 7)
        await store.persistence_check_done()
    await store.close()
    warnings = persistence_warnings(caplog)
    assert len(warnings) == 1, warnings
    assert "appendonly no" in warnings[0] and "second time" in warnings[0]


async def test_the_documented_aof_settings_keep_a_used_link_used_across_a_crash(
    tmp_path: Path, make_engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server = RedisServer(tmp_path, aof=True)  # --appendonly yes --appendfsync always
    server.start()
    try:
        store = RedisStore.connect(server.url)
        engine = make_engine(store)
        with caplog.at_level(logging.WARNING, logger="statebox.store"):
            started = await engine.start(INCSQUARE, 6)
            finished = await engine.resume(started.continuation, {})
            await store.persistence_check_done()
        assert finished.output == {"value": 50}
        assert persistence_warnings(caplog) == []  # nothing to warn about
        await store.close()
        server.kill()  # SIGKILL right after the committed resume
        server.start()
        store = RedisStore.connect(server.url)
        engine = make_engine(store)
        with pytest.raises(ContinuationAlreadyUsed):
            await engine.resume(started.continuation, {})
        assert (await engine.describe_execution(started.execution_id))["status"] == "SUCCEEDED"
        await store.close()
    finally:
        server.stop()


async def test_everysec_is_warned_about_too(
    tmp_path: Path, make_engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server = RedisServer(tmp_path, aof=True, extra=("--appendfsync", "everysec"))
    server.start()
    try:
        store = RedisStore.connect(server.url)
        with caplog.at_level(logging.WARNING, logger="statebox.store"):
            await make_engine(store).start(INCSQUARE, 6)
            await store.persistence_check_done()
        await store.close()
    finally:
        server.stop()
    warnings = persistence_warnings(caplog)
    assert len(warnings) == 1 and "appendfsync everysec" in warnings[0]


async def test_a_refused_config_command_is_said_once_and_nothing_fails(
    redis_server: RedisServer, make_engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Managed Redis often keeps CONFIG from its users (an ACL, or the command renamed)."""
    admin = RedisStore.connect(redis_server.url)
    user = f"app{time.monotonic_ns()}"
    await admin.client.execute_command("ACL", "SETUSER", user, "on", ">pw", "~*", "&*", "+@all", "-config")
    try:
        url = redis_server.url.replace("redis://", f"redis://{user}:pw@")
        store = RedisStore.connect(url, prefix=f"p{time.monotonic_ns()}:")
        engine = make_engine(store)
        with caplog.at_level(logging.WARNING, logger="statebox.store"):
            started = await engine.start(INCSQUARE, 6)
            assert (await engine.resume(started.continuation, {})).output == {"value": 50}
            await engine.start(INCSQUARE, 7)
            await store.persistence_check_done()
        await store.close()
    finally:
        await admin.client.execute_command("ACL", "DELUSER", user)
        await admin.close()
    said = [r.getMessage() for r in caplog.records if "could not check Redis persistence" in r.getMessage()]
    assert len(said) == 1 and REQUIRED in said[0]
