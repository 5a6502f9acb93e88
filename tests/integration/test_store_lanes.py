"""The store's lanes (single-connection clients lent one per script call) on a real
redis-server: more callers than lanes wait for one, and a call interrupted mid-answer leaves
no answer behind for the next borrower of its lane."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis

from statebox.errors import StoreUnavailable
from statebox.stores.redis import RedisStore, _Lanes


def one_lane_store(url: str, timeout: float = 5.0) -> RedisStore:
    store = RedisStore.connect(url, prefix="lanes:")
    store._lanes = _Lanes(
        lambda: redis.asyncio.Redis.from_url(url, single_connection_client=True), 1, timeout
    )
    return store


async def test_more_callers_than_lanes_wait_for_one(redis_server: Any) -> None:
    store = one_lane_store(redis_server.url)
    try:
        await store.client.set(store.lock_key("e"), "owner")
        renewed = await asyncio.gather(*(store.renew("e", "owner") for _ in range(20)))
        assert renewed == [True] * 20
        assert not await store.renew("e", "someone else")
    finally:
        await store.close()


async def test_an_interrupted_call_leaves_no_answer_for_the_next_borrower(redis_server: Any) -> None:
    store = one_lane_store(redis_server.url)
    admin = redis.Redis.from_url(redis_server.url)
    try:
        await store.client.set(store.lock_key("e"), "owner")
        assert await store.renew("e", "owner")  # the lane is connected
        admin.execute_command("CLIENT", "PAUSE", "300", "ALL")  # the next answer comes late
        interrupted = asyncio.create_task(store.renew("e", "owner"))
        await asyncio.sleep(0.1)
        interrupted.cancel()
        await asyncio.sleep(0.4)  # the server answers the interrupted call now
        # The lane's next call reads its own answer, not the one left over.
        assert not await store.renew("e", "someone else")
        assert await store.renew("e", "owner")
    finally:
        admin.close()
        await store.close()


async def test_a_lane_call_that_gets_no_answer_in_time_is_store_unavailable(redis_server: Any) -> None:
    store = one_lane_store(redis_server.url, timeout=0.2)
    admin = redis.Redis.from_url(redis_server.url)
    try:
        await store.client.set(store.lock_key("e"), "owner")
        admin.execute_command("CLIENT", "PAUSE", "600", "ALL")
        with pytest.raises(StoreUnavailable):
            await store.renew("e", "owner")
        await asyncio.sleep(0.6)
        assert await store.renew("e", "owner")  # the same lane, reconnected, answers again
    finally:
        admin.close()
        await store.close()


async def test_lanes_take_the_options_the_url_gives_the_pool(redis_server: Any) -> None:
    store = RedisStore.connect(redis_server.url + "?timeout=3&health_check_interval=10", prefix="lanes:")
    try:
        await store.client.set(store.lock_key("e"), "owner")
        assert await store.renew("e", "owner")  # a script: on a lane
        assert await store.load("e") is None  # a plain command: on the pool
    finally:
        await store.close()
