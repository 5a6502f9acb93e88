"""Exactly once: a resume claims its pending point, holds a lease on the execution while it runs,
renews the lease if it runs long, and gives the claim back if it does not commit.

The store's claim script answers with one of five outcomes (`stores.Claim`): "ok" (the point is
this resume's, with the record), "missing", "used" (a resume committed), "claimed" (this very
point's resume is in flight, or died before committing and its lease has not lapsed) and "busy"
(a sibling point of the same execution is being resumed). "claimed" and "busy" wait a little and
then answer 503, never 409: a 409 would tell the approver their answer was taken when it may not
have been. Releasing is harmless in any order with the commit, since the store checks the lease
owner.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from ..errors import ContinuationAlreadyUsed, ContinuationNotFound, StoreUnavailable
from ..stores import Claim
from .records import ExecutionRecord, OpenPoint

log = logging.getLogger("statebox.engine")
CLAIM_WAIT_SECONDS = 10.0  # how long a resume queues behind another one of the same execution


async def claim(store: Any, execution_key: str, point_id: str) -> tuple[str, ExecutionRecord, OpenPoint]:
    """Claim a pending point for this caller: (lease owner, record, point). Raises
    StoreUnavailable (busy or claimed past the wait), ContinuationNotFound or
    ContinuationAlreadyUsed (used, or its execution has finished)."""
    owner = secrets.token_hex(8)
    outcome = await claim_once(store, execution_key, point_id, owner)
    waited, pause = 0.0, 0.01
    while outcome.status in ("busy", "claimed") and waited < CLAIM_WAIT_SECONDS:
        await asyncio.sleep(pause)
        waited += pause
        pause = min(pause * 2, 0.25)
        outcome = await claim_once(store, execution_key, point_id, owner)
    if outcome.status == "busy":
        raise StoreUnavailable("the execution is busy; try again")
    if outcome.status == "claimed":
        raise StoreUnavailable("this continuation is being resumed right now; try again in a minute")
    if outcome.status == "missing":
        raise ContinuationNotFound("unknown continuation")
    if outcome.status == "used" or outcome.record is None:
        raise ContinuationAlreadyUsed("this continuation was already resumed", execution_key)
    record = ExecutionRecord.from_json(outcome.record)
    point = record.point(point_id)
    if point is None or record.status.is_final:
        await store.release(execution_key, point_id, owner)
        raise ContinuationAlreadyUsed("this execution has already finished", execution_key)
    return owner, record, point


async def claim_once(store: Any, execution_key: str, point_id: str, owner: str) -> Claim:
    try:
        return await store.claim(execution_key, point_id, owner)
    except StoreUnavailable:
        # The claim may still have run (a timeout, not a refusal): give it back if so.
        await release_quietly(store, execution_key, point_id, owner)
        raise


async def release_quietly(store: Any, execution_key: str, point_id: str, owner: str) -> None:
    """Give a claim back if this owner still holds it (a no-op otherwise, whatever order
    the server sees this and the claim or commit in): best effort, the lease lapses anyway."""
    try:
        await store.release(execution_key, point_id, owner)
    except StoreUnavailable:
        pass


class LeaseRenewal:
    """Renews a resume's lease every third of the lease while the resume runs. Most resumes end
    long before a renewal is due, so the renewal task is only started when the first one is (a
    timer handle costs far less than a task)."""

    def __init__(self, store: Any, execution_key: str, owner: str) -> None:
        self.store = store
        self.execution_key = execution_key
        self.owner = owner
        self.interval = store.lease_ms / 3000
        self.task: asyncio.Task[None] | None = None
        self.timer = asyncio.get_running_loop().call_later(self.interval, self._start)

    def _start(self) -> None:
        self.task = asyncio.create_task(self._renew_until_stopped())

    async def _renew_until_stopped(self) -> None:
        while True:
            try:
                if not await self.store.renew(self.execution_key, self.owner):
                    return  # committed meanwhile, or taken over (then the commit is refused)
            except StoreUnavailable:
                log.warning("could not renew the lease on %s (store unavailable)", self.execution_key[:8])
            await asyncio.sleep(self.interval)

    def stop(self) -> None:
        self.timer.cancel()
        if self.task is not None:
            self.task.cancel()
