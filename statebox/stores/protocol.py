"""`Store`: what the engine needs from the place executions live between activations.

Every store (the in-process one, `RedisStore` on fakeredis, on one Redis server and on a Redis
Cluster, and `LazyStore` in front of any of them) keeps the same contract; one suite checks it
against each (tests/integration/test_store_contract.py):

- A record is saved whole with its new pending points and their timers, or not at all. A save
  by an `owner` whose lease on the execution has lapsed or passed to another changes nothing
  of the execution and returns False (on a cluster the new points' timers, in another slot,
  may stay: the worker drops a timer whose point is not pending); `owner=""` is a fresh
  execution (no lease to hold).
- A point is claimed once: pending → claimed (under a lease of `lease_ms` on the execution) →
  used (only when the claimant's save commits with `finished_point`). `release` gives a
  claimed point back; a claim whose lease lapsed can be made again.
- Timers are "execution key, point id" pairs with a due time; `take_timer` hides a due one
  for `lease_ms` so one worker fires it, and it comes back if that worker dies.
- Records, points and the lease expire after the `ttl_seconds` of the last save; a definition
  is stored once under its hash and never replaced.
- Any failure to reach the backing server raises `errors.StoreUnavailable`; nothing partial
  is left behind by a save.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

RecordJSON = dict[str, Any]  # the execution record as JSON (records.py encodes it)


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of trying to claim a pending point for one resume."""

    # "ok"; "missing"; "used" (a resume committed); "claimed" (this point's resume is in
    # flight); "busy" (a sibling point's resume is)
    status: str
    record: RecordJSON | None = None


@dataclass(frozen=True, slots=True)
class NewPoint:
    point_id: str
    due_epoch: float
    kind: str


class Store(Protocol):
    """The operations the execution layer calls, and nothing else (adapters only build a store)."""

    @property
    def lease_ms(self) -> int:
        """How long a claim holds an execution (and a taken timer stays hidden) unless renewed."""
        ...

    async def save(
        self,
        record: RecordJSON,
        *,
        ttl_seconds: int,
        new_points: list[NewPoint],
        finished_point: str | None = None,
        owner: str = "",
        definition: tuple[str, str] | None = None,
    ) -> bool:
        """Write `record` (its "executionKey" names the execution), mark its `new_points`
        pending with their timers, and `finished_point` used with its timer gone; `definition`
        is (hash, text), stored only if that hash is new. False: `owner` lost the lease."""
        ...

    async def claim(self, execution_key: str, point_id: str, owner: str) -> Claim: ...

    async def release(self, execution_key: str, point_id: str, owner: str) -> None:
        """Give back a point `owner` claimed (pending again); anyone else's release does nothing."""
        ...

    async def renew(self, execution_key: str, owner: str) -> bool:
        """Extend `owner`'s lease by `lease_ms`; False when it is no longer the holder."""
        ...

    async def load(self, execution_key: str) -> RecordJSON | None: ...

    async def point_status(self, execution_key: str, point_id: str) -> str | None:
        """ "pending", "claimed", "used", or None for no such point."""
        ...

    async def load_definition(self, digest: str) -> str | None: ...

    async def due_timers(self, now_epoch: float, limit: int = 100) -> list[tuple[str, str]]:
        """Up to `limit` (execution key, point id) pairs due at `now_epoch`, earliest first."""
        ...

    async def take_timer(self, execution_key: str, point_id: str, now_epoch: float) -> bool:
        """True for the one caller that takes a due timer (hidden for `lease_ms`)."""
        ...

    async def count_timer_failure(self, execution_key: str, point_id: str) -> int:
        """One more failure to fire this point's timer: the count so far (0: no such point)."""
        ...

    async def reschedule_timer(self, execution_key: str, point_id: str, due_epoch: float) -> None: ...

    async def drop_timer(self, execution_key: str, point_id: str) -> None: ...
