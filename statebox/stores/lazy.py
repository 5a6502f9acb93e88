"""`LazyStore`: a `Store` built on first use, so a run that never suspends never builds one
(building the in-process store imports redis-py and fakeredis: most of `statebox.run`'s cold
start when nothing waits)."""

from __future__ import annotations

from collections.abc import Callable

from .protocol import Claim, NewPoint, RecordJSON, Store


class LazyStore:
    """Every call goes to the store `make()` returns, made at the first call."""

    def __init__(self, make: Callable[[], Store]) -> None:
        self._make = make
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = self._make()
        return self._store

    @property
    def built(self) -> bool:
        return self._store is not None

    @property
    def lease_ms(self) -> int:
        return self.store.lease_ms

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
        return await self.store.save(
            record,
            ttl_seconds=ttl_seconds,
            new_points=new_points,
            finished_point=finished_point,
            owner=owner,
            definition=definition,
        )

    async def claim(self, execution_key: str, point_id: str, owner: str) -> Claim:
        return await self.store.claim(execution_key, point_id, owner)

    async def release(self, execution_key: str, point_id: str, owner: str) -> None:
        await self.store.release(execution_key, point_id, owner)

    async def renew(self, execution_key: str, owner: str) -> bool:
        return await self.store.renew(execution_key, owner)

    async def load(self, execution_key: str) -> RecordJSON | None:
        return await self.store.load(execution_key)

    async def point_status(self, execution_key: str, point_id: str) -> str | None:
        return await self.store.point_status(execution_key, point_id)

    async def load_definition(self, digest: str) -> str | None:
        return await self.store.load_definition(digest)

    async def due_timers(self, now_epoch: float, limit: int = 100) -> list[tuple[str, str]]:
        return await self.store.due_timers(now_epoch, limit)

    async def take_timer(self, execution_key: str, point_id: str, now_epoch: float) -> bool:
        return await self.store.take_timer(execution_key, point_id, now_epoch)

    async def count_timer_failure(self, execution_key: str, point_id: str) -> int:
        return await self.store.count_timer_failure(execution_key, point_id)

    async def reschedule_timer(self, execution_key: str, point_id: str, due_epoch: float) -> None:
        await self.store.reschedule_timer(execution_key, point_id, due_epoch)

    async def drop_timer(self, execution_key: str, point_id: str) -> None:
        await self.store.drop_timer(execution_key, point_id)
