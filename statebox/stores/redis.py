"""The Redis store (redis-py asyncio API): one execution record, one small hash per pending
point, a lease lock per execution, and one sorted set of timers.

Keys (prefix `statebox:` by default); every key of an execution carries the hash tag
`{<execution key>}`, so Lua scripts touch one Redis Cluster slot:

    statebox:def:<sha256>                 the definition, stored once, shared by executions
    statebox:{<exec>}:rec                 the execution record (JSON, versioned)
    statebox:{<exec>}:pt:<point id>       {"status": pending | claimed | used}
    statebox:{<exec>}:lock                lease held by the one resume running the execution
    statebox:timers                       sorted set "<exec>:<point id>" → due time (epoch s)

Round trips: a suspend is one pipeline; a resume is a claim script plus one pipeline.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import StoreUnavailable
from . import Claim, NewPoint

# Claim: a pending point can be claimed once. A point marked "claimed" whose lock lease has
# lapsed belonged to a resume that died before committing, so it may be claimed again.
_CLAIM = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'missing'} end
if status == 'used' then return {'used'} end
local holder = redis.call('GET', KEYS[2])
if status == 'claimed' and holder then return {'used'} end
if holder then return {'busy'} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('HSET', KEYS[1], 'status', 'claimed')
return {'ok', redis.call('GET', KEYS[3])}
"""

# Commit: only the lease holder (or a fresh execution, owner '') writes. KEYS: rec, lock,
# finished point ('' slot allowed), then the new points.
_COMMIT = """
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return 'lost' end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[3], 'status', 'used')
  redis.call('EXPIRE', KEYS[3], ARGV[3])
end
for i = 4, #KEYS do
  redis.call('HSET', KEYS[i], 'status', 'pending')
  redis.call('EXPIRE', KEYS[i], ARGV[3])
end
if ARGV[1] ~= '' then redis.call('DEL', KEYS[2]) end
return 'ok'
"""

# Release: a refused resume (bad input) gives the point back untouched.
_RELEASE = """
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
  if redis.call('HGET', KEYS[1], 'status') == 'claimed' then
    redis.call('HSET', KEYS[1], 'status', 'pending')
  end
end
return 'ok'
"""

# Take a due timer: move its score past a lease so no other worker takes it meanwhile; if the
# taker dies the timer comes back when the lease ends.
_TAKE_TIMER = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
"""


class RedisStore:
    """Executions in Redis. `client` is a redis.asyncio client (or fakeredis's)."""

    def __init__(self, client: Any, prefix: str = "statebox:", lease_ms: int = 60_000) -> None:
        self.client = client
        self.prefix = prefix
        self.lease_ms = lease_ms
        self._claim = client.register_script(_CLAIM)
        self._commit = client.register_script(_COMMIT)
        self._release = client.register_script(_RELEASE)
        self._take_timer = client.register_script(_TAKE_TIMER)

    @staticmethod
    def connect(url: str, **options: Any) -> RedisStore:
        import redis.asyncio as redis_asyncio

        client = redis_asyncio.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        return RedisStore(client, **options)

    @staticmethod
    def in_process(**options: Any) -> RedisStore:
        """An embedded store that forgets everything when the process exits."""
        import fakeredis

        return RedisStore(fakeredis.FakeAsyncRedis(), **options)

    # -- keys
    def definition_key(self, digest: str) -> str:
        return f"{self.prefix}def:{digest}"

    def record_key(self, execution_key: str) -> str:
        return f"{self.prefix}{{{execution_key}}}:rec"

    def point_key(self, execution_key: str, point_id: str) -> str:
        return f"{self.prefix}{{{execution_key}}}:pt:{point_id}"

    def lock_key(self, execution_key: str) -> str:
        return f"{self.prefix}{{{execution_key}}}:lock"

    @property
    def timers_key(self) -> str:
        return f"{self.prefix}timers"

    # -- operations
    async def _call(self, coroutine: Any) -> Any:
        from redis.exceptions import RedisError

        try:
            return await coroutine
        except RedisError as exc:
            raise StoreUnavailable(f"the store is unavailable ({type(exc).__name__})") from None
        except OSError as exc:
            raise StoreUnavailable(f"the store is unavailable ({exc.strerror or exc})") from None

    async def save(
        self,
        record: dict[str, Any],
        *,
        ttl_seconds: int,
        new_points: list[NewPoint],
        finished_point: str | None = None,
        owner: str = "",
        definition: tuple[str, str] | None = None,
    ) -> bool:
        """Write a record with its new pending points and timers in one round trip.
        Returns False when `owner` no longer holds the execution's lease (nothing written)."""
        key = record["executionKey"]
        pipe = self.client.pipeline(transaction=False)
        if definition is not None:
            pipe.set(self.definition_key(definition[0]), definition[1], nx=True)
        if new_points:
            # Timers first: a crash after this leaves a timer for a point that does not exist,
            # which the worker ignores; the other order could leave a point with no timeout.
            pipe.zadd(self.timers_key, {f"{key}:{p.point_id}": p.due_epoch for p in new_points})
        keys = [
            self.record_key(key),
            self.lock_key(key),
            self.point_key(key, finished_point or "none"),
            *(self.point_key(key, p.point_id) for p in new_points),
        ]
        args = [owner, json.dumps(record, separators=(",", ":")), ttl_seconds, "1" if finished_point else "0"]
        await self._commit(keys=keys, args=args, client=pipe)
        if finished_point:
            pipe.zrem(self.timers_key, f"{key}:{finished_point}")
        results = await self._call(pipe.execute())
        verdict = results[-2] if finished_point else results[-1]
        return (verdict.decode() if isinstance(verdict, bytes) else verdict) == "ok"

    async def claim(self, execution_key: str, point_id: str, owner: str) -> Claim:
        reply = await self._call(
            self._claim(
                keys=[
                    self.point_key(execution_key, point_id),
                    self.lock_key(execution_key),
                    self.record_key(execution_key),
                ],
                args=[owner, self.lease_ms],
            )
        )
        status = reply[0].decode() if isinstance(reply[0], bytes) else reply[0]
        if status != "ok":
            return Claim(status)
        if reply[1] is None:
            return Claim("missing")
        return Claim("ok", json.loads(reply[1]))

    async def release(self, execution_key: str, point_id: str, owner: str) -> None:
        await self._call(
            self._release(
                keys=[self.point_key(execution_key, point_id), self.lock_key(execution_key)],
                args=[owner],
            )
        )

    async def load(self, execution_key: str) -> dict[str, Any] | None:
        raw = await self._call(self.client.get(self.record_key(execution_key)))
        return None if raw is None else json.loads(raw)

    async def point_status(self, execution_key: str, point_id: str) -> str | None:
        raw = await self._call(self.client.hget(self.point_key(execution_key, point_id), "status"))
        return None if raw is None else raw.decode()

    async def load_definition(self, digest: str) -> str | None:
        raw = await self._call(self.client.get(self.definition_key(digest)))
        return None if raw is None else raw.decode()

    async def due_timers(self, now_epoch: float, limit: int = 100) -> list[tuple[str, str]]:
        members = await self._call(
            self.client.zrangebyscore(self.timers_key, "-inf", now_epoch, start=0, num=limit)
        )
        out = []
        for member in members:
            text = member.decode() if isinstance(member, bytes) else member
            execution_key, _, point_id = text.partition(":")
            out.append((execution_key, point_id))
        return out

    async def take_timer(self, execution_key: str, point_id: str, now_epoch: float) -> bool:
        taken = await self._call(
            self._take_timer(
                keys=[self.timers_key],
                args=[f"{execution_key}:{point_id}", now_epoch, now_epoch + self.lease_ms / 1000],
            )
        )
        return bool(taken)

    async def drop_timer(self, execution_key: str, point_id: str) -> None:
        await self._call(self.client.zrem(self.timers_key, f"{execution_key}:{point_id}"))

    async def close(self) -> None:
        await self.client.aclose()
