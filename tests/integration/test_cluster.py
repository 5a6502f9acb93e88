"""What only a Redis Cluster shows (keys across slots, NOSCRIPT after a script flush, round
trips, every primary checked). The suspend / resume scenarios of test_durable.py run on the
cluster through the `store` fixture, the store's contract in test_store_contract.py; the
cluster itself is tests/conftest.py's session fixture `redis_cluster`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import AbstractConnection

from statebox.errors import StoreUnavailable
from statebox.stores.durability import check_persistence
from statebox.stores.redis import RedisStore
from tests.support.servers import RedisClusterNodes, free_port
from tests.support.stores import Backend

from . import test_durable as durable

MACHINE = durable.INCSQUARE


@pytest.fixture
async def cluster_store(redis_cluster: RedisClusterNodes) -> Any:
    backend = Backend("cluster", redis_cluster.url)
    yield backend.redis_store()
    await backend.close()


def test_the_cluster_has_three_masters(redis_cluster: RedisClusterNodes) -> None:
    info = redis_cluster.cli(redis_cluster.ports[0], "CLUSTER", "INFO")
    assert "cluster_state:ok" in info and "cluster_size:3" in info


async def test_executions_live_in_their_own_slot_and_share_one_definition(
    cluster_store: RedisStore, make_engine: Any
) -> None:
    engine = make_engine(cluster_store)
    client = cluster_store.client
    first = await engine.start(MACHINE, 6)
    second = await engine.start(MACHINE, 7)
    digest = (await cluster_store.load(first.execution_id))["definitionHash"]
    slots = set()
    for started in (first, second):
        record = await cluster_store.load(started.execution_id)
        point = record["pending"][0]["id"]
        key = started.execution_id
        keys = [cluster_store.record_key(key), cluster_store.point_key(key, point)]
        assert await client.exists(*keys) == 2
        assert len({client.keyslot(k) for k in keys}) == 1  # one hash tag, one slot
        slots.add(client.keyslot(keys[0]))
    slots |= {client.keyslot(cluster_store.definition_key(digest)), client.keyslot(cluster_store.timers_key)}
    assert len(slots) == 4  # the save really spans slots (definition, timers, each execution)
    definitions = [key async for key in client.scan_iter(match=f"{cluster_store.prefix}def:*")]
    assert definitions == [cluster_store.definition_key(digest).encode()]
    assert await client.zcard(cluster_store.timers_key) == 2


@pytest.fixture(params=["redis-server", "cluster"])
async def any_store(request: pytest.FixtureRequest) -> Any:
    backend = Backend.for_test(request.param, request)
    yield backend.redis_store()
    await backend.close()


async def test_a_flushed_script_cache_is_reloaded(any_store: RedisStore, make_engine: Any) -> None:
    """After a restart or a failover the scripts are gone (NOSCRIPT): they are loaded again."""
    engine = make_engine(any_store)
    started = await engine.start(MACHINE, 6)
    await any_store.client.script_flush()
    assert (await engine.resume(started.continuation, {})).output == {"value": 50}
    await any_store.client.script_flush()
    again = await engine.start(MACHINE, 6)
    assert again.status == "SUSPENDED"


async def test_round_trips_per_suspend_and_resume(
    any_store: RedisStore, make_engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One network write of a command or a pipeline = one round trip (the module docstring's
    table). On a cluster, the definition and timers go out together, to one or two nodes."""
    engine = make_engine(any_store)
    writes: list[str] = []
    send = AbstractConnection.send_packed_command

    async def counted(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        writes.append(f"{self.host}:{self.port}")
        await send(self, command, check_health)

    warm = await engine.start(MACHINE, 6)  # connections and scripts in place
    await engine.resume(warm.continuation, {})
    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    started = await engine.start(MACHINE, 6)
    suspend_writes, writes[:] = len(writes), []
    await engine.resume(started.continuation, {})
    resume_writes = len(writes)
    if not any_store.cluster:
        assert (suspend_writes, resume_writes) == (1, 2)
    else:
        client = any_store.client
        digest = (await any_store.load(started.execution_id))["definitionHash"]
        shared_nodes = {
            client.get_node_from_key(key).name
            for key in (any_store.definition_key(digest), any_store.timers_key)
        }
        assert suspend_writes == len(shared_nodes) + 1  # definition + timers, then the commit
        assert resume_writes == 3  # claim, commit, then ZREM of the finished point's timer


async def test_connect_reads_the_cluster_scheme_and_option(redis_cluster: RedisClusterNodes) -> None:
    plain_url = redis_cluster.url.replace("redis+cluster://", "redis://")
    for store in (RedisStore.connect(redis_cluster.url), RedisStore.connect(plain_url, cluster=True)):
        assert store.cluster
        assert await store.client.ping()
        await store.close()
    with pytest.raises(ValueError):
        RedisStore.connect(redis_cluster.url, prefix="app{x}:")


async def test_concurrent_resumes_across_many_executions(cluster_store: RedisStore, make_engine: Any) -> None:
    """Executions spread over all three masters, resumed at once, each exactly once."""
    engine = make_engine(cluster_store)
    started = [await engine.start(MACHINE, n) for n in range(12)]
    node_of = cluster_store.client.get_node_from_key
    nodes = {node_of(cluster_store.record_key(s.execution_id)).name for s in started}
    assert len(nodes) >= 2
    results = await asyncio.gather(*(engine.resume(s.continuation, {}) for s in started))
    assert [r.output["value"] for r in results] == [(n + 1) ** 2 + 1 for n in range(12)]


async def test_every_primary_without_aof_is_warned_about(
    cluster_store: RedisStore,
    make_engine: Any,
    caplog: pytest.LogCaptureFixture,
    redis_cluster: RedisClusterNodes,
) -> None:
    """The nodes here run with --appendonly no: each primary is named in its own warning."""
    with caplog.at_level(logging.WARNING, logger="statebox.store"):
        await make_engine(cluster_store).start(MACHINE, 6)
        await cluster_store.persistence_check_done()
    warnings = [r.getMessage() for r in caplog.records if "appendonly no" in r.getMessage()]
    assert sorted(w.split(" runs ")[0] for w in warnings) == sorted(
        f"Redis node 127.0.0.1:{port}" for port in redis_cluster.ports
    )


async def test_a_cluster_no_node_of_which_answers_is_store_unavailable(make_engine: Any) -> None:
    """redis-py says so with RedisClusterException, which is no RedisError: it was a 500."""
    unreachable = f"redis+cluster://127.0.0.1:{free_port()}"
    store = RedisStore.connect(unreachable, timeout=2)
    with pytest.raises(StoreUnavailable):
        await make_engine(store).start(MACHINE, 6)
    await store.close()
    client = RedisCluster.from_url(unreachable.replace("+cluster", ""), socket_connect_timeout=2)
    assert await check_persistence(client, cluster=True) is False  # asked again on a later write
    await client.aclose()
