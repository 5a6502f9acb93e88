"""The places a store can keep its executions, for the tests: `Backend(kind)` makes stores on
one of them (several stores of one backend, under other prefixes, share its data) and closes
them at the end.

    in-process     the library's store: `RedisStore.in_process()` behind a `LazyStore` (each
                   store has data of its own, as each process does)
    fakeredis      `RedisStore` on fakeredis, one fake server per backend, persistence check on
    redis-server   `RedisStore.connect` to the session's redis-server (`redis_server` fixture)
    cluster        `RedisStore.connect` to the session's 3-master cluster (`redis_cluster`)
"""

from __future__ import annotations

import time

import fakeredis
import pytest

from statebox.stores import Store
from statebox.stores.lazy import LazyStore
from statebox.stores.redis import RedisStore
from tests.support.servers import free_port

KINDS = ("in-process", "fakeredis", "redis-server", "cluster")


class Backend:
    def __init__(self, kind: str, url: str | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"no store kind {kind!r}")
        self.kind = kind
        self.url = url  # the server of "redis-server" and "cluster"
        self._fake_server = fakeredis.FakeServer()  # "fakeredis"'s data
        self._opened: list[RedisStore] = []

    @staticmethod
    def for_test(kind: str, request: pytest.FixtureRequest) -> Backend:
        """The backend `kind` names, starting the session's server it needs."""
        fixture = {"redis-server": "redis_server", "cluster": "redis_cluster"}.get(kind)
        return Backend(kind, request.getfixturevalue(fixture).url if fixture else None)

    def redis_store(self, prefix: str | None = None, lease_ms: int = 60_000) -> RedisStore:
        """A RedisStore on this backend (a fresh prefix unless given)."""
        prefix = prefix or f"t{time.monotonic_ns()}:"
        if self.kind == "in-process":
            store = RedisStore.in_process(prefix=prefix, lease_ms=lease_ms)
        elif self.kind == "fakeredis":
            client = fakeredis.FakeAsyncRedis(server=self._fake_server)
            store = RedisStore(client, prefix=prefix, lease_ms=lease_ms)
        else:
            assert self.url is not None, f"{self.kind} needs the server's URL"
            store = RedisStore.connect(self.url, prefix=prefix, lease_ms=lease_ms)
            assert store.cluster == (self.kind == "cluster")
        self._opened.append(store)
        return store

    def store(self, prefix: str | None = None, lease_ms: int = 60_000) -> Store:
        """The store the application would use on this backend."""
        if self.kind == "in-process":
            return LazyStore(lambda: self.redis_store(prefix, lease_ms))
        return self.redis_store(prefix, lease_ms)

    def unreachable_store(self) -> Store:
        """A store whose server is down (nothing listens; fakeredis: emulating it)."""
        if self.kind in ("in-process", "fakeredis"):
            dead = RedisStore(fakeredis.FakeAsyncRedis(connected=False))
            dead.persistence_checked = True  # a store call, not the check, is what must fail
            return LazyStore(lambda: dead) if self.kind == "in-process" else dead
        scheme = "redis+cluster" if self.kind == "cluster" else "redis"
        dead = RedisStore.connect(f"{scheme}://127.0.0.1:{free_port()}", timeout=2)
        self._opened.append(dead)
        return dead

    async def close(self) -> None:
        for store in self._opened:
            await store.close()
        self._opened.clear()
