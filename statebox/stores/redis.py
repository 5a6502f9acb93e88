"""The Redis store (redis-py asyncio API): one execution record, one small hash per pending
point, a lease lock per execution, and one sorted set of timers. Runs unchanged on a single
Redis server (or fakeredis) and on a Redis Cluster.

Keys (prefix `statebox:` by default; it must not contain `{` or `}`); every key of an
execution carries the hash tag `{<execution key>}`, so they share one Redis Cluster slot and a
script may touch them together:

    statebox:def:<sha256>                 the definition, stored once, shared by executions
    statebox:{<exec>}:rec                 the execution record (JSON, versioned)
    statebox:{<exec>}:pt:<point id>       {"status": pending | claimed | used, "timerFailures": n}
    statebox:{<exec>}:lock                lease held by the one resume running the execution
    statebox:timers                       sorted set "<exec>:<point id>" → due time (epoch s)

Connecting: `RedisStore.connect("redis://host:6379/0")` (or `rediss://`) is one server;
`RedisStore.connect("redis+cluster://host:7000")` (or `rediss+cluster://`, or any URL with
`cluster=True`) is a Redis Cluster through `redis.asyncio.cluster.RedisCluster`: the URL names
one node, the others are discovered. `REDIS_URL` takes the same forms. `RedisStore(client)`
picks the cluster path whenever `client` is a `RedisCluster`.

Writing an execution (`save`) touches three slots: the execution's, the definition's and the
timers'. Crash safety needs the new points' timers and the definition in place no later than
the record that refers to them, and the finished point's timer removed only after the commit
(the other orders could leave a point with no timeout, or a record with no definition).

- Single server: one script does it all atomically, after the lease check: definition
  (SET NX), new timers (ZADD), record and points, finished timer (ZREM). A "lost" lease
  writes nothing at all.
- Cluster: a script may only touch one slot and redis-py's cluster pipeline refuses scripts,
  so the same script commits the execution's slot alone, bracketed by plain commands:
  definition + new timers first (one cluster pipeline, sent to their nodes in parallel), then
  the commit script, then ZREM of the finished timer if the commit went through. A crash or
  a "lost" lease between them leaves at worst a timer for a point that is not pending (the
  worker drops it) or a definition no execution uses yet.

Round trips (steady state: scripts cached on the server; a NOSCRIPT after a restart or
failover costs one SCRIPT LOAD and a retry, handled by redis-py):

    operation                       single server          cluster
    start → suspend                 1 (commit script)      2 (def + timers, commit)
    resume → finished               2 (claim, commit)      3 (claim, commit, ZREM)
    resume → suspended again        2 (claim, commit)      4 (claim, timers, commit, ZREM)

plus one GET of the definition when the resuming process has not parsed it yet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from ..errors import StoreUnavailable
from ..execution.encoding import decode_record, encode_record
from .durability import check_persistence
from .protocol import Claim, NewPoint, RecordJSON

log = logging.getLogger("statebox.store")
STORE_UNAVAILABLE = "the store is unavailable; nothing is lost, try again later"
MAX_CONNECTIONS = 64  # per process; more concurrent calls wait for one of them

# Claim: a pending point can be claimed once. "used" only once a resume committed; a point
# "claimed" under a live lease is a resume in flight (it may still release it: bad input), and
# one whose lease has lapsed belonged to a resume that died before committing: claimed again.
_CLAIM = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'missing'} end
if status == 'used' then return {'used'} end
local holder = redis.call('GET', KEYS[2])
if status == 'claimed' and holder then return {'claimed'} end
if holder then return {'busy'} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('HSET', KEYS[1], 'status', 'claimed')
return {'ok', redis.call('GET', KEYS[3])}
"""

# Commit: only the lease holder (or a fresh execution, owner '') writes; "lost" writes nothing.
# KEYS: rec, lock, finished point (any key of the slot when none), the ARGV[5] new points, then,
#       when ARGV[6] == '1' (single server), the timers set and the definition key.
# ARGV: owner, record JSON, ttl s, '1' if a point finished, #new points, shared ('1'/'0'),
#       finished timer member, definition text ('' = none), then member, due per new timer.
_COMMIT = """
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return 'lost' end
local n = tonumber(ARGV[5])
if ARGV[6] == '1' then
  if ARGV[8] ~= '' then redis.call('SET', KEYS[5 + n], ARGV[8], 'NX') end
  for i = 9, #ARGV, 2 do redis.call('ZADD', KEYS[4 + n], ARGV[i + 1], ARGV[i]) end
  if ARGV[4] == '1' then redis.call('ZREM', KEYS[4 + n], ARGV[7]) end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[3], 'status', 'used')
  redis.call('EXPIRE', KEYS[3], ARGV[3])
end
for i = 4, 3 + n do
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

# Renew: the resume still running keeps its lease (only while it is still the holder).
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

# Take a due timer: move its score past a lease so no other worker takes it meanwhile; if the
# taker dies the timer comes back when the lease ends.
_TAKE_TIMER = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
"""

# Count a failure to fire a point's timer (0 when the point is gone: nothing to count on).
_COUNT_TIMER_FAILURE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HINCRBY', KEYS[1], 'timerFailures', 1)
"""


class RedisStore:
    """Executions in Redis (the `Store` protocol). `client` is a redis.asyncio client, a
    redis.asyncio RedisCluster, or fakeredis's async client."""

    def __init__(
        self, client: Any, prefix: str = "statebox:", lease_ms: int = 60_000, lanes: _Lanes | None = None
    ) -> None:
        from redis.asyncio.cluster import RedisCluster

        if "{" in prefix or "}" in prefix:
            raise ValueError("the key prefix must not contain '{' or '}' (Redis Cluster hash tags)")
        self.client = client
        self.prefix = prefix
        self.lease_ms = lease_ms
        self.cluster = isinstance(client, RedisCluster)
        self._claim = client.register_script(_CLAIM)
        self._commit = client.register_script(_COMMIT)
        self._release = client.register_script(_RELEASE)
        self._renew = client.register_script(_RENEW)
        self._take_timer = client.register_script(_TAKE_TIMER)
        self._count_timer_failure = client.register_script(_COUNT_TIMER_FAILURE)
        self._lanes = lanes
        self.persistence_checked = False  # see durability.py; the in-process store skips it
        self._persistence_check: asyncio.Task[None] | None = None

    @staticmethod
    def connect(url: str, *, cluster: bool = False, timeout: float = 5.0, **options: Any) -> RedisStore:
        """A store on the server `url` names: `redis://` / `rediss://` for one server,
        `redis+cluster://` / `rediss+cluster://` (or `cluster=True`) for a Redis Cluster
        reached through any one of its nodes. A call that gets no answer within `timeout`
        seconds fails with StoreUnavailable.

        On one server, the scripts (claim, commit, release, renew, take a timer: the work of
        every suspend and resume) run on lanes, single-connection clients lent one per call,
        and the other commands on a pool; each holds at most MAX_CONNECTIONS connections, and
        a call beyond them waits for a free one. A command that meets a dead connection (the
        server restarted since) is sent once more on a fresh one, so a restart costs no request
        a 503. That is safe for every command here: a replayed claim or commit is refused by its
        own lease check (at worst a 503), never applied twice."""
        scheme, separator, rest = url.partition("://")
        if scheme.endswith("+cluster"):
            cluster = True
            url = scheme.removesuffix("+cluster") + separator + rest
        timeouts = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
        if cluster:
            from redis.asyncio.cluster import RedisCluster

            return RedisStore(RedisCluster.from_url(url, **timeouts), **options)
        import redis.asyncio as redis_asyncio
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError

        def blocking_pool(size: int, socket_timeout: float | None) -> Any:
            # A bounded pool that queues callers for a free connection (up to `timeout`) rather
            # than failing them: redis-py's default pool refuses the 101st concurrent call.
            # Options in the URL win over these, as redis-py reads URLs.
            return redis_asyncio.BlockingConnectionPool.from_url(
                url,
                max_connections=size,
                timeout=timeout,
                retry=Retry(NoBackoff(), 1),
                retry_on_error=[RedisConnectionError],
                socket_timeout=socket_timeout,
                socket_connect_timeout=timeout,
            )

        def lane() -> Any:
            # The lane's calls are timed by RedisStore._call instead of a socket timeout, under
            # which redis-py sends every command through asyncio.wait_for (a task per command).
            own = blocking_pool(1, socket_timeout=None)
            client = redis_asyncio.Redis(connection_pool=own, single_connection_client=True)
            client.auto_close_connection_pool = True  # its pool is its own
            return client

        pool = blocking_pool(MAX_CONNECTIONS, socket_timeout=timeout)
        lanes = _Lanes(lane, pool.max_connections, timeout)
        return RedisStore(redis_asyncio.Redis.from_pool(pool), lanes=lanes, **options)

    @staticmethod
    def in_process(**options: Any) -> RedisStore:
        """An embedded store that forgets everything when the process exits."""
        import fakeredis

        store = RedisStore(fakeredis.FakeAsyncRedis(), **options)
        store.persistence_checked = True  # forgets everything on exit anyway
        return store

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
    async def _call(self, coroutine: Any, timeout: float | None = None) -> Any:
        """Run one store call, within `timeout` seconds if given; any Redis or network failure
        (a timeout too) becomes StoreUnavailable. Its message is the same whatever failed: the
        detail (which may name the server's address) goes to the log only, never into an
        answer."""
        from redis.exceptions import RedisClusterException, RedisError

        try:
            if timeout is None:
                return await coroutine
            async with asyncio.timeout(timeout):
                return await coroutine
        # TimeoutError is an OSError; a cluster none of whose nodes answers raises
        # RedisClusterException, which is not a RedisError.
        except (RedisError, RedisClusterException, OSError) as exc:
            log.warning("store call failed: %s: %s", type(exc).__name__, exc)
            raise StoreUnavailable(STORE_UNAVAILABLE) from None

    async def _script(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        """Run one of the scripts, on a lane when the store has them."""
        lanes = self._lanes
        if lanes is None:
            return await self._call(script(keys=keys, args=args))
        lane = await lanes.borrow()
        try:
            return await self._call(script(keys=keys, args=args, client=lane), lanes.timeout)
        finally:
            await lanes.give_back(lane)

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
        """Write a record with its new pending points and timers (one round trip on a single
        server; see the module docstring for a cluster). Returns False when `owner` no longer
        holds the execution's lease (then the execution's keys are untouched)."""
        if not self.persistence_checked:
            # Asked beside the first write, not before it: the answer only goes to the log.
            self.persistence_checked = True  # concurrent first writes ask once
            self._persistence_check = asyncio.get_running_loop().create_task(self._check_persistence())
        key = record["executionKey"]
        timers = {f"{key}:{p.point_id}": p.due_epoch for p in new_points}
        finished_member = f"{key}:{finished_point}" if finished_point else ""
        keys = [
            self.record_key(key),
            self.lock_key(key),
            self.point_key(key, finished_point or "none"),
            *(self.point_key(key, p.point_id) for p in new_points),
        ]
        args: list[Any] = [
            owner,
            encode_record(record),
            ttl_seconds,
            "1" if finished_point else "0",
            len(new_points),
        ]
        if not self.cluster:
            keys += [self.timers_key, self.definition_key(definition[0] if definition else "none")]
            args += ["1", finished_member, definition[1] if definition else ""]
            for member, due in timers.items():
                args += [member, repr(due)]
            return _text(await self._script(self._commit, keys, args)) == "ok"
        # Cluster: the definition and the timers live in other slots than the execution.
        if definition is not None or timers:
            pipe = self.client.pipeline()
            if definition is not None:
                pipe.set(self.definition_key(definition[0]), definition[1], nx=True)
            if timers:
                pipe.zadd(self.timers_key, timers)
            await self._call(pipe.execute())
        verdict = _text(await self._script(self._commit, keys, [*args, "0"]))
        if verdict == "ok" and finished_point:
            await self._call(self.client.zrem(self.timers_key, finished_member))
        return verdict == "ok"

    async def claim(self, execution_key: str, point_id: str, owner: str) -> Claim:
        keys = [
            self.point_key(execution_key, point_id),
            self.lock_key(execution_key),
            self.record_key(execution_key),
        ]
        reply = await self._script(self._claim, keys, [owner, self.lease_ms])
        status = _text(reply[0])
        if status != "ok":
            return Claim(status)
        if reply[1] is None:
            return Claim("missing")
        return Claim("ok", decode_record(reply[1]))

    async def release(self, execution_key: str, point_id: str, owner: str) -> None:
        keys = [self.point_key(execution_key, point_id), self.lock_key(execution_key)]
        await self._script(self._release, keys, [owner])

    async def renew(self, execution_key: str, owner: str) -> bool:
        """Extend `owner`'s lease on the execution; False when it is no longer the holder."""
        renewed = await self._script(self._renew, [self.lock_key(execution_key)], [owner, self.lease_ms])
        return bool(renewed)

    async def load(self, execution_key: str) -> RecordJSON | None:
        raw = await self._call(self.client.get(self.record_key(execution_key)))
        return None if raw is None else decode_record(raw)

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
            execution_key, _, point_id = _text(member).partition(":")
            out.append((execution_key, point_id))
        return out

    async def take_timer(self, execution_key: str, point_id: str, now_epoch: float) -> bool:
        member = f"{execution_key}:{point_id}"
        taken = await self._script(
            self._take_timer, [self.timers_key], [member, now_epoch, now_epoch + self.lease_ms / 1000]
        )
        return bool(taken)

    async def count_timer_failure(self, execution_key: str, point_id: str) -> int:
        """One more failure to fire this point's timer; how many so far (0: no such point)."""
        keys = [self.point_key(execution_key, point_id)]
        return int(await self._script(self._count_timer_failure, keys, []))

    async def reschedule_timer(self, execution_key: str, point_id: str, due_epoch: float) -> None:
        await self._call(self.client.zadd(self.timers_key, {f"{execution_key}:{point_id}": due_epoch}))

    async def drop_timer(self, execution_key: str, point_id: str) -> None:
        await self._call(self.client.zrem(self.timers_key, f"{execution_key}:{point_id}"))

    async def _check_persistence(self) -> None:
        if not await check_persistence(self.client, self.cluster):
            self.persistence_checked = False  # the server could not be asked: on a later write

    async def persistence_check_done(self) -> None:
        """Wait for the persistence check the first write started (tests, tools)."""
        if self._persistence_check is not None:
            await self._persistence_check

    async def close(self) -> None:
        if self._persistence_check is not None and not self._persistence_check.done():
            self._persistence_check.cancel()
        if self._lanes is not None:
            await self._lanes.close()
        await self.client.aclose()


class _Lanes:
    """Single-connection redis-py clients, lent one per call. A pooled client spends about a
    third of a loopback round trip checking its connection out of the pool and back (measured:
    a suspend + resume takes 1.08 ms on single-connection clients, 1.21 ms on the pool); a lane
    holds its connection. redis-py still does the rest: reconnecting a dead connection once,
    and dropping one whose command was interrupted, so no lane is lent with an answer unread."""

    def __init__(self, make: Callable[[], Any], size: int, timeout: float) -> None:
        self._make = make
        self._size = size
        self.timeout = timeout
        self._made = 0
        self._idle: asyncio.Queue[Any] = asyncio.Queue()
        self._closed = False

    async def borrow(self) -> Any:
        try:
            return self._idle.get_nowait()
        except asyncio.QueueEmpty:
            pass
        if self._made < self._size:
            lane = self._make()
            self._made += 1
            return lane
        try:
            async with asyncio.timeout(self.timeout):
                return await self._idle.get()
        except TimeoutError:
            log.warning("no Redis lane came free within %g s", self.timeout)
            raise StoreUnavailable(STORE_UNAVAILABLE) from None

    async def give_back(self, lane: Any) -> None:
        if self._closed:
            await lane.aclose()  # lent when the store was closed: closed on its way back
        else:
            self._idle.put_nowait(lane)

    async def close(self) -> None:
        """Close the idle lanes now, and the lent ones as they come back."""
        self._closed = True
        while not self._idle.empty():
            await self._idle.get_nowait().aclose()


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value
