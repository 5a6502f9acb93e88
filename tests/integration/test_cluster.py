"""The store on a real 3-master Redis Cluster on loopback: every scenario of test_durable.py,
plus what only a cluster shows (keys across slots, NOSCRIPT after a script flush, round trips).

The cluster is started once per session: three `redis-server --cluster-enabled yes` processes
(each with its own config file, bus port and no persistence) joined by
`redis-cli --cluster create ... --cluster-replicas 0`, and stopped at the end.
"""

from __future__ import annotations

import asyncio
import inspect
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio.connection import AbstractConnection

from statebox.stores.redis import RedisStore

from . import test_durable as durable

MACHINE = durable.INCSQUARE


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (all held open while choosing, so none repeats)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class RedisClusterNodes:
    """Three masters on free loopback ports (client and cluster-bus port each), no replicas."""

    def __init__(self, directory: Path, masters: int = 3) -> None:
        self.directory = directory
        ports = free_ports(2 * masters)
        self.ports, self.bus_ports = ports[:masters], ports[masters:]
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.ports[0]}"

    def cli(self, port: int, *args: str) -> str:
        done = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args],
            capture_output=True, text=True, timeout=10,
        )
        return done.stdout

    def start(self) -> None:
        for port, bus_port in zip(self.ports, self.bus_ports, strict=True):
            node_dir = self.directory / str(port)
            node_dir.mkdir()
            self.processes.append(subprocess.Popen(
                [
                    "redis-server", "--port", str(port), "--cluster-port", str(bus_port),
                    "--bind", "127.0.0.1", "--dir", str(node_dir),
                    "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf",
                    "--save", "", "--appendonly", "no", "--daemonize", "no",
                    "--protected-mode", "yes", "--loglevel", "warning",
                ],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
        for port in self.ports:
            self._wait(lambda port=port: self.cli(port, "PING").strip() == "PONG", "a node did not start")
        created = subprocess.run(
            ["redis-cli", "--cluster", "create", *(f"127.0.0.1:{p}" for p in self.ports),
             "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True, text=True, timeout=30,
        )
        if created.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed:\n{created.stdout}\n{created.stderr}")
        self._wait(
            lambda: all("cluster_state:ok" in self.cli(p, "CLUSTER", "INFO") for p in self.ports),
            "the cluster did not reach cluster_state:ok",
        )

    @staticmethod
    def _wait(ready: Any, message: str, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if ready():
                return
            time.sleep(0.05)
        raise RuntimeError(message)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(10)
        self.processes.clear()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterNodes]:
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.fail("redis-server / redis-cli are missing; scripts/test.sh installs them (Debian package)")
    nodes = RedisClusterNodes(tmp_path_factory.mktemp("redis-cluster"))
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.stop()


@pytest.fixture
async def cluster_store(redis_cluster: RedisClusterNodes) -> Any:
    store = RedisStore.connect(redis_cluster.url, prefix=f"c{time.monotonic_ns()}:")
    assert store.cluster
    yield store
    await store.close()


# Every scenario of test_durable.py, with the store on the cluster.
SCENARIOS = [
    f for name, f in vars(durable).items() if name.startswith("test_") and inspect.iscoroutinefunction(f)
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__.removeprefix("test_"))
async def test_durable_scenario_on_a_cluster(
    scenario: Any, cluster_store: RedisStore, request: pytest.FixtureRequest
) -> None:
    fixtures = {
        name: cluster_store if name == "store" else request.getfixturevalue(name)
        for name in inspect.signature(scenario).parameters
    }
    await scenario(**fixtures)


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
    if request.param == "cluster":
        url = request.getfixturevalue("redis_cluster").url
    else:
        url = request.getfixturevalue("redis_server").url
    store = RedisStore.connect(url, prefix=f"a{time.monotonic_ns()}:")
    assert store.cluster == (request.param == "cluster")
    yield store
    await store.close()


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
    cluster_store: RedisStore, make_engine: Any, caplog: pytest.LogCaptureFixture, redis_cluster: RedisClusterNodes
) -> None:
    """The nodes here run with --appendonly no: each primary is named in its own warning."""
    import logging

    with caplog.at_level(logging.WARNING, logger="statebox.store"):
        await make_engine(cluster_store).start(MACHINE, 6)
        await cluster_store.persistence_check_done()
    warnings = [r.getMessage() for r in caplog.records if "appendonly no" in r.getMessage()]
    assert sorted(w.split(" runs ")[0] for w in warnings) == sorted(
        f"Redis node 127.0.0.1:{port}" for port in redis_cluster.ports
    )
