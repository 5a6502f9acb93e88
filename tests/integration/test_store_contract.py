"""The `Store` contract (statebox/stores/protocol.py), one suite for every store: the
in-process one (the library's), RedisStore on fakeredis, on a real redis-server and on a real
3-master Redis Cluster (tests/support/stores.py). Each test calls the protocol's methods
directly; what the engine builds on them is tested through the engine in test_durable.py.

A few tests wait for a lease or a TTL to run out: they wait well past it, and what they
assert does not depend on how much longer the machine took.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from statebox.errors import StoreUnavailable
from statebox.stores import NewPoint, RecordJSON, Store
from tests.support.stores import KINDS, Backend

DAY = 86_400


@pytest.fixture(params=KINDS)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    backend = Backend.for_test(request.param, request)
    yield backend
    await backend.close()


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.store()


def new_key() -> str:
    return secrets.token_hex(8)


def record(key: str, **fields: Any) -> RecordJSON:
    """A suspended execution's record: its input is also the suspended state's (stored once)."""
    data = {"order": "o-" + "x" * 80, "lines": [1, 2, 3]}
    return {
        "format": 3,
        "executionKey": key,
        "status": "SUSPENDED",
        "input": data,
        "position": {"state": "Ask", "input": data, "pending": {"id": "p1", "kind": "callback"}},
        "output": None,
        **fields,
    }


def point(point_id: str, due_epoch: float = 0.0) -> NewPoint:
    return NewPoint(point_id, due_epoch or time.time() + DAY, "callback")


async def suspended(store: Store, key: str, *points: NewPoint, **fields: Any) -> RecordJSON:
    """A fresh execution (no lease yet) saved with `points` pending."""
    saved = record(key, **fields)
    assert await store.save(saved, ttl_seconds=DAY, new_points=list(points))
    return saved


async def commit(store: Store, key: str, finished: str, owner: str, **fields: Any) -> bool:
    """The save of a resume of `finished` by `owner`: True if it committed."""
    return await store.save(
        record(key, **fields), ttl_seconds=DAY, new_points=[], finished_point=finished, owner=owner
    )


# -- records


async def test_a_saved_record_reads_back_as_it_was(store: Store) -> None:
    key = new_key()
    saved = await suspended(store, key, point("p1"), big=2**70, text="é\u2028\U0001f600")
    loaded = await store.load(key)
    assert loaded == saved
    assert loaded is not None and loaded["position"]["input"] is loaded["input"]  # one object again
    assert await store.load(new_key()) is None


async def test_a_later_save_replaces_the_record(store: Store) -> None:
    key = new_key()
    await suspended(store, key, point("p1"))
    owner = "resume-1"
    claimed = await store.claim(key, "p1", owner)
    finished = record(key, status="SUCCEEDED", output={"done": True}, position=None)
    assert await store.save(finished, ttl_seconds=DAY, new_points=[], finished_point="p1", owner=owner)
    assert claimed.record is not None and claimed.record["status"] == "SUSPENDED"
    assert await store.load(key) == finished


# -- claim once


async def test_a_point_goes_pending_claimed_used_and_is_claimed_once(store: Store) -> None:
    key = new_key()
    saved = await suspended(store, key, point("p1"))
    assert await store.point_status(key, "p1") == "pending"
    first = await store.claim(key, "p1", "resume-1")
    assert (first.status, first.record) == ("ok", saved)
    assert await store.point_status(key, "p1") == "claimed"
    assert (await store.claim(key, "p1", "resume-2")).status == "claimed"  # in flight: not "used"
    assert await commit(store, key, "p1", "resume-1")
    assert await store.point_status(key, "p1") == "used"
    again = await store.claim(key, "p1", "resume-3")
    assert (again.status, again.record) == ("used", None)
    assert not await store.renew(key, "resume-1")  # the commit ended the lease


async def test_unknown_points_and_executions_are_missing(store: Store) -> None:
    key = new_key()
    await suspended(store, key, point("p1"))
    assert (await store.claim(key, "nope", "resume-1")).status == "missing"
    assert (await store.claim(new_key(), "p1", "resume-1")).status == "missing"
    assert await store.point_status(key, "nope") is None
    assert await store.point_status(key, "p1") == "pending"  # nothing claimed on the way


async def test_a_sibling_point_is_busy_until_the_lease_ends(store: Store) -> None:
    key = new_key()
    await suspended(store, key, point("a"), point("b"))
    assert (await store.claim(key, "a", "resume-a")).status == "ok"
    assert (await store.claim(key, "b", "resume-b")).status == "busy"
    assert await store.point_status(key, "b") == "pending"
    assert await commit(store, key, "a", "resume-a")
    assert (await store.claim(key, "b", "resume-b")).status == "ok"


async def test_a_save_by_anyone_but_the_lease_holder_writes_nothing(backend: Backend) -> None:
    """Nothing of the execution changes. On a cluster the new points' timers are written before
    the commit script (another slot) and stay: timers of points that are not pending, which
    the worker drops (execution/timers.py)."""
    store = backend.store()
    key = new_key()
    saved = await suspended(store, key, point("p1"))
    assert (await store.claim(key, "p1", "resume-1")).status == "ok"
    changed = record(key, status="SUCCEEDED")
    written = await store.save(
        changed, ttl_seconds=DAY, new_points=[point("p2", 1.0)], finished_point="p1", owner="intruder"
    )
    assert written is False
    assert await store.load(key) == saved
    assert await store.point_status(key, "p1") == "claimed"
    assert await store.point_status(key, "p2") is None
    left = [] if backend.kind != "cluster" else [(key, "p2")]
    assert await store.due_timers(2.0) == left


async def test_release_gives_the_point_back_only_for_its_claimant(store: Store) -> None:
    key = new_key()
    await suspended(store, key, point("p1"))
    assert (await store.claim(key, "p1", "resume-1")).status == "ok"
    await store.release(key, "p1", "someone-else")
    assert await store.point_status(key, "p1") == "claimed"
    assert (await store.claim(key, "p1", "resume-2")).status == "claimed"
    await store.release(key, "p1", "resume-1")
    assert await store.point_status(key, "p1") == "pending"
    assert (await store.claim(key, "p1", "resume-2")).status == "ok"


async def test_a_used_point_stays_used_after_a_late_release(store: Store) -> None:
    key = new_key()
    await suspended(store, key, point("p1"))
    await store.claim(key, "p1", "resume-1")
    assert await commit(store, key, "p1", "resume-1")
    await store.release(key, "p1", "resume-1")  # a lost commit answer is released: harmless
    assert await store.point_status(key, "p1") == "used"


# -- leases


async def test_the_lease_is_the_stores_lease_ms(backend: Backend) -> None:
    assert backend.store(lease_ms=1234).lease_ms == 1234


async def test_a_lapsed_lease_lets_the_point_be_claimed_again(backend: Backend) -> None:
    store = backend.store(lease_ms=200)
    key = new_key()
    await suspended(store, key, point("p1"))
    assert (await store.claim(key, "p1", "died")).status == "ok"
    await asyncio.sleep(0.7)  # the claimant died before committing: its lease lapses
    assert not await store.renew(key, "died")
    assert (await store.claim(key, "p1", "resume-2")).status == "ok"
    late = await commit(store, key, "p1", "died")
    assert late is False
    assert await commit(store, key, "p1", "resume-2")
    assert await store.point_status(key, "p1") == "used"


async def test_renewal_keeps_the_lease_past_lease_ms(backend: Backend) -> None:
    store = backend.store(lease_ms=1500)
    key = new_key()
    await suspended(store, key, point("p1"))
    assert (await store.claim(key, "p1", "resume-1")).status == "ok"
    await asyncio.sleep(0.9)
    assert await store.renew(key, "resume-1")
    await asyncio.sleep(0.9)  # 1.8 s after the claim: held only thanks to the renewal
    assert (await store.claim(key, "p1", "resume-2")).status == "claimed"
    assert not await store.renew(key, "resume-2")


# -- timers


async def test_due_timers_come_earliest_first_up_to_the_limit(store: Store) -> None:
    first, second = new_key(), new_key()
    await suspended(store, first, point("late", 300.0), point("early", 100.0))
    await suspended(store, second, point("middle", 200.0))
    assert await store.due_timers(99.0) == []
    assert await store.due_timers(200.0) == [(first, "early"), (second, "middle")]
    assert await store.due_timers(1000.0) == [(first, "early"), (second, "middle"), (first, "late")]
    assert await store.due_timers(1000.0, limit=1) == [(first, "early")]


async def test_a_due_timer_is_taken_once_and_comes_back_after_the_lease(backend: Backend) -> None:
    store = backend.store(lease_ms=10_000)
    key = new_key()
    await suspended(store, key, point("p1", 100.0), point("future", 500.0))
    assert await store.take_timer(key, "p1", 100.0)
    assert not await store.take_timer(key, "p1", 100.0)  # a second worker
    assert await store.due_timers(105.0) == []  # hidden while the taker works on it
    assert await store.due_timers(110.0) == [(key, "p1")]  # the taker died: back after lease_ms
    assert not await store.take_timer(key, "future", 100.0)  # not due yet
    assert not await store.take_timer(key, "nope", 100.0)


async def test_a_timer_is_rescheduled_and_dropped(store: Store) -> None:
    key = new_key()
    await suspended(store, key, point("p1", 100.0))
    await store.reschedule_timer(key, "p1", 400.0)
    assert await store.due_timers(399.0) == []
    assert await store.due_timers(400.0) == [(key, "p1")]
    await store.drop_timer(key, "p1")
    assert await store.due_timers(1e12) == []
    await store.drop_timer(key, "p1")  # dropping again is harmless


async def test_timer_failures_are_counted_per_point(store: Store) -> None:
    key = new_key()
    await suspended(store, key, point("p1"), point("p2"))
    assert [await store.count_timer_failure(key, "p1") for _ in range(3)] == [1, 2, 3]
    assert await store.count_timer_failure(key, "p2") == 1
    assert await store.count_timer_failure(key, "nope") == 0
    assert await store.count_timer_failure(new_key(), "p1") == 0
    assert await store.point_status(key, "p1") == "pending"  # counting changes nothing else


async def test_a_commit_removes_the_finished_points_timer_and_adds_the_new_ones(store: Store) -> None:
    key = new_key()
    await suspended(store, key, point("p1", 100.0))
    await store.claim(key, "p1", "resume-1")
    committed = await store.save(
        record(key), ttl_seconds=DAY, new_points=[point("p2", 200.0)], finished_point="p1", owner="resume-1"
    )
    assert committed
    assert await store.due_timers(1000.0) == [(key, "p2")]
    assert await store.point_status(key, "p2") == "pending"


# -- definitions


async def test_a_definition_is_stored_once_under_its_hash(store: Store) -> None:
    digest = secrets.token_hex(32)
    text = '{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}'
    first, second = new_key(), new_key()
    assert await store.save(record(first), ttl_seconds=DAY, new_points=[], definition=(digest, text))
    assert await store.load_definition(digest) == text
    assert await store.save(record(second), ttl_seconds=DAY, new_points=[], definition=(digest, "other"))
    assert await store.load_definition(digest) == text  # never replaced
    assert await store.load_definition(secrets.token_hex(32)) is None


# -- TTLs


async def test_a_record_and_its_points_expire_after_the_saves_ttl(store: Store) -> None:
    kept, expiring = new_key(), new_key()
    await suspended(store, kept, point("p1"))
    saved = record(expiring)
    assert await store.save(saved, ttl_seconds=1, new_points=[point("p1")])
    assert await store.load(expiring) == saved
    await asyncio.sleep(2.2)
    assert await store.load(expiring) is None
    assert await store.point_status(expiring, "p1") is None
    assert (await store.claim(expiring, "p1", "resume-1")).status == "missing"
    assert await store.point_status(kept, "p1") == "pending"


# -- prefixes


async def test_stores_under_other_prefixes_see_none_of_each_others_keys(backend: Backend) -> None:
    ours, theirs = backend.store(prefix="ours:"), backend.store(prefix="theirs:")
    key, digest = new_key(), secrets.token_hex(32)
    saved = record(key)
    assert await ours.save(saved, ttl_seconds=DAY, new_points=[point("p1", 100.0)], definition=(digest, "{}"))
    assert await theirs.load(key) is None
    assert await theirs.point_status(key, "p1") is None
    assert (await theirs.claim(key, "p1", "resume-1")).status == "missing"
    assert await theirs.load_definition(digest) is None
    assert await theirs.due_timers(1000.0) == []
    assert not await theirs.take_timer(key, "p1", 1000.0)
    assert await ours.load(key) == saved
    assert await ours.due_timers(1000.0) == [(key, "p1")]


# -- an unreachable server


async def test_every_call_to_an_unreachable_server_is_store_unavailable(backend: Backend) -> None:
    store = backend.unreachable_store()
    key = new_key()
    calls = {
        "save": lambda: store.save(record(key), ttl_seconds=DAY, new_points=[point("p1")]),
        "claim": lambda: store.claim(key, "p1", "resume-1"),
        "release": lambda: store.release(key, "p1", "resume-1"),
        "renew": lambda: store.renew(key, "resume-1"),
        "load": lambda: store.load(key),
        "point_status": lambda: store.point_status(key, "p1"),
        "load_definition": lambda: store.load_definition("0" * 64),
        "due_timers": lambda: store.due_timers(1000.0),
        "take_timer": lambda: store.take_timer(key, "p1", 1000.0),
        "count_timer_failure": lambda: store.count_timer_failure(key, "p1"),
        "reschedule_timer": lambda: store.reschedule_timer(key, "p1", 1000.0),
        "drop_timer": lambda: store.drop_timer(key, "p1"),
    }
    for name, call in calls.items():
        with pytest.raises(StoreUnavailable):
            await call()
            pytest.fail(f"{name} answered without a server")
