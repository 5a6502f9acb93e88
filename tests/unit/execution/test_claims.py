"""Claiming a pending point exactly once (statebox/execution/claims.py), on the in-process
store: each outcome of the claim script becomes the error its caller answers with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from statebox.config import Settings
from statebox.errors import ContinuationAlreadyUsed, ContinuationNotFound, StoreUnavailable
from statebox.execution import claims
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.execution.records import ExecutionRecord, ExecutionStatus, PointKind
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore

ASK = {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "module:suspend", "End": True}}}


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    store = RedisStore.in_process(lease_ms=9_000)
    yield Engine(Settings(), store=store, signer=ContinuationSigner(b"k"), clock=FakeClock())
    await store.close()


async def suspended(engine: Engine) -> tuple[str, str, str]:
    started = await engine.start(ASK, {"a": 1})
    continuation = engine.signer.verify(started.continuation, engine.clock.now())
    return started.continuation or "", continuation.execution_key, continuation.point_id


async def test_a_claim_hands_over_the_typed_record_and_its_point(engine: Engine) -> None:
    _, key, point_id = await suspended(engine)
    owner, record, point = await claims.claim(engine.store, key, point_id)
    assert isinstance(record, ExecutionRecord) and record.status is ExecutionStatus.SUSPENDED
    assert point.id == point_id and point.kind is PointKind.MERGE and point.state == "Ask"
    assert await engine.store.point_status(key, point_id) == "claimed"
    await claims.release_quietly(engine.store, key, point_id, owner)
    assert await engine.store.point_status(key, point_id) == "pending"


async def test_a_point_claimed_by_another_resume_answers_503_after_the_wait(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(claims, "CLAIM_WAIT_SECONDS", 0.05)
    _, key, point_id = await suspended(engine)
    await claims.claim(engine.store, key, point_id)
    with pytest.raises(StoreUnavailable, match="being resumed right now"):
        await claims.claim(engine.store, key, point_id)


async def test_a_used_or_unknown_point_is_refused(engine: Engine) -> None:
    token, key, point_id = await suspended(engine)
    await engine.resume(token, {"ok": True})
    with pytest.raises(ContinuationAlreadyUsed):
        await claims.claim(engine.store, key, point_id)
    with pytest.raises(ContinuationNotFound):
        await claims.claim(engine.store, key, "0" * 32)


async def test_a_point_of_a_finished_execution_is_given_back_and_refused(engine: Engine) -> None:
    """A record that finished while the point still looked pending (a timer racing a resume)."""
    _, key, point_id = await suspended(engine)
    owner, record, _ = await claims.claim(engine.store, key, point_id)
    finished = {**record.to_json(), "status": "SUCCEEDED", "output": {}, "stopTime": "t"}
    assert await engine.store.save(finished, ttl_seconds=60, new_points=[], owner=owner)
    with pytest.raises(ContinuationAlreadyUsed, match="already finished"):
        await claims.claim(engine.store, key, point_id)
    assert await engine.store.point_status(key, point_id) == "pending"  # released again


async def test_the_lease_renewal_follows_the_store_s_lease(engine: Engine) -> None:
    """Read from the store itself (was `getattr(store, "lease_ms", 60_000)`)."""
    renewal = claims.LeaseRenewal(engine.store, "k", "owner")
    try:
        assert renewal.interval == 3.0  # a third of the 9 s lease
    finally:
        renewal.stop()


def test_a_store_without_a_lease_is_an_error_not_a_default() -> None:
    class NoLease:
        pass

    store: Any = NoLease()
    with pytest.raises(AttributeError):
        claims.LeaseRenewal(store, "k", "owner")
