"""Faults injected into a real redis-server, started, SIGKILLed, restarted and slowed down by
the tests themselves. 16 cases; each must end in exactly one of: finished correctly, still
pending and resumable, or a clear 503, and never in a double resume, a lost continuation or a
half-written record (`assert_consistent` checks every record, point and timer left in Redis).

    #   fault                                                   Redis after     ends in
    1   killed between suspend and resume                       AOF restart     finished, once
    2   killed between suspend and resume                       no AOF          404 (data gone), never 500
    3   killed between suspend and resume, resumed while down   (down)          503, then finished once
    4   killed inside an action the resumed execution runs      AOF restart     503, retry finished once
    5   killed inside an action the resumed execution runs      no AOF          503, retry 404
    6   killed between the claim and the commit                 AOF restart     503, retry finished once
    7   killed between the claim and the commit                 no AOF          503, retry 404
    8   commit applied, then killed before the answer           AOF restart     503, then 409: finished once
    9   commit applied, then killed before the answer           no AOF          503, then 404
    10  killed during a worker tick (timer taken, not fired)    AOF restart     timer fires once, later
    11  killed during a worker tick                             no AOF          next tick: nothing, no error
    12  killed while a resume waits for a busy sibling point    AOF restart     503, retry finished once
    13  slow (DEBUG SLEEP) past the client timeout, resume      awake again     503, retry finished once
    14  slow past the client timeout, start                     awake again     503; stored whole or not
    15  slow past the client timeout, worker tick               awake again     StoreUnavailable, fires later
    16  slow past the client timeout, GET of a continuation     awake again     503, then the page

A resume that died mid-way (4, 6, 12) leaves its point claimed under a lease; the retry waits
for the lease to lapse (here 0.6 s; 60 s by default, after which it answers 503 "try again"),
never 409. Side effects of actions are at least once (4 runs its action twice); the resume
itself commits exactly once. docs/reliability.md has the same table.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from statebox.config import Settings
from statebox.errors import ContinuationAlreadyUsed, ContinuationNotFound, StoreUnavailable
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.encoding import decode_record
from statebox.execution.engine import Engine
from statebox.execution.records import RECORD_FORMAT
from statebox.ports import FakeClock, ResourceRef
from statebox.stores.redis import STORE_UNAVAILABLE, RedisStore
from statebox.web.handler import Service, handle
from statebox.web.protocol import HttpRequest
from tests.support.servers import RedisServer

ROOT = Path(__file__).resolve().parents[2]
INCSQUARE = json.loads((ROOT / "state_machines" / "incsquare.json").read_text())
PREFIX = "fault:"
LEASE_MS = 600
CASES: set[int] = set()  # the table's case numbers, ticked off by the tests that ran

# Suspends, then runs module:crash (which can kill Redis from inside the resume).
CRASHING = {
    "StartAt": "Ask",
    "States": {
        "Ask": {"Type": "Task", "Resource": "module:suspend", "Next": "Work"},
        "Work": {"Type": "Task", "Resource": "module:crash", "ResultPath": "$.work", "End": True},
    },
}
CRASH_ACTION = """
RUNS = []
ON_RUN = None

def main(args):
    RUNS.append(args)
    if ON_RUN is not None:
        ON_RUN()
    return {"runs": len(RUNS)}
"""
# Times out after 60 s; the Catch routes the timeout to Escalate.
TIMES_OUT = {
    "StartAt": "Approve",
    "States": {
        "Approve": {
            "Type": "Task",
            "Resource": "module:suspend",
            "TimeoutSeconds": 60,
            "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout", "Next": "Escalate"}],
            "Next": "Done",
        },
        "Escalate": {"Type": "Pass", "Result": "escalated", "ResultPath": "$.decision", "End": True},
        "Done": {"Type": "Pass", "End": True},
    },
}


# ---------------------------------------------------------------------------- helpers
@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Any]:
    started: list[RedisServer] = []

    def make(*, aof: bool, debug: bool = False) -> RedisServer:
        directory = tmp_path / f"redis{len(started)}"
        directory.mkdir()
        extra = ("--enable-debug-command", "yes") if debug else ()
        server = RedisServer(directory, aof=aof, extra=extra)
        server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


class Harness:
    """One engine over one redis-server, with a store whose client times out quickly."""

    def __init__(self, server: RedisServer, actions: Path, *, timeout: float = 2.0) -> None:
        self.server = server
        self.clock = FakeClock()
        self.store = RedisStore.connect(server.url, timeout=timeout, prefix=PREFIX, lease_ms=LEASE_MS)
        self.engine = Engine(
            Settings(actions_dir=actions),
            store=self.store,
            signer=ContinuationSigner(b"fault-secret"),
            clock=self.clock,
            base_url="http://statebox.test/",
        )
        self.service = Service(self.engine, ROOT / "state_machines")

    def action(self, name: str) -> Any:
        return self.engine.invoker._load(ResourceRef.parse(f"module:{name}"))  # type: ignore[union-attr]

    def restart(self) -> None:
        if self.server.process is not None:
            self.server.kill()
        self.server.start()

    async def close(self) -> None:
        await self.store.close()


@pytest.fixture
def actions(tmp_path: Path) -> Path:
    folder = tmp_path / "actions"
    folder.mkdir()
    (folder / "crash.py").write_text(CRASH_ACTION)
    for name in ("increment", "square"):
        (folder / f"{name}.py").write_text((ROOT / "demo_actions" / f"{name}.py").read_text())
    return folder


@pytest.fixture
async def harnesses(actions: Path) -> Any:
    made: list[Harness] = []

    def make(server: RedisServer, **options: Any) -> Harness:
        harness = Harness(server, actions, **options)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        await harness.close()


def sync_client(server: RedisServer) -> redis.Redis:
    return redis.Redis.from_url(server.url, socket_timeout=10)


def assert_consistent(server: RedisServer) -> dict[str, dict[str, Any]]:
    """No half-written state: every record parses and is complete; a suspended one has each
    open point's hash (pending or claimed) and its timer; a finished one has no open point.
    Returns the records by execution key."""
    client = sync_client(server)
    try:
        records = {}
        timers = {m.decode() for m in client.zrange(f"{PREFIX}timers", 0, -1)}
        for key in client.scan_iter(f"{PREFIX}{{*}}:rec"):
            record = decode_record(client.get(key))
            execution = record["executionKey"]
            assert key.decode() == f"{PREFIX}{{{execution}}}:rec"
            assert record["format"] == RECORD_FORMAT and record["definitionHash"]
            assert client.exists(f"{PREFIX}def:{record['definitionHash']}"), "record without its definition"
            if record["status"] in ("SUSPENDED", "RUNNING"):
                assert record["position"] is not None and record["pending"]
                for point in record["pending"]:
                    status = client.hget(f"{PREFIX}{{{execution}}}:pt:{point['id']}", "status")
                    assert status in (b"pending", b"claimed"), (point, status)
                    assert f"{execution}:{point['id']}" in timers, "an open point without its timer"
            else:
                assert record["status"] in ("SUCCEEDED", "FAILED", "TIMED_OUT")
                assert record["pending"] == [] and record["position"] is None
            records[execution] = record
        return records
    finally:
        client.close()


def assert_empty(server: RedisServer) -> None:
    client = sync_client(server)
    try:
        assert client.keys("*") == []
    finally:
        client.close()


def successes(record: dict[str, Any]) -> int:
    return sum(1 for line in record["audit"] if line["outcome"] == "success")


async def assert_resumed_once(harness: Harness, token: str, execution: str, output: Any) -> None:
    records = assert_consistent(harness.server)
    assert records[execution]["status"] == "SUCCEEDED" and records[execution]["output"] == output
    assert successes(records[execution]) == 1
    with pytest.raises(ContinuationAlreadyUsed):
        await harness.engine.resume(token, {})


def debug_sleep(server: RedisServer, seconds: float) -> threading.Thread:
    """Make the server unresponsive for `seconds` (DEBUG SLEEP blocks its event loop)."""

    def sleep() -> None:
        client = sync_client(server)
        try:
            client.execute_command("DEBUG", "SLEEP", seconds)
        finally:
            client.close()

    thread = threading.Thread(target=sleep)
    thread.start()
    time.sleep(0.1)  # let the server start sleeping
    return thread


def stop_with(harness: Harness) -> Any:
    """A callable that SIGKILLs the harness's server (from inside an action or a wrapper)."""
    return harness.server.kill


# ---------------------------------------------------------------------------- 1-3 between suspend and resume
@pytest.mark.parametrize("aof", [True, False], ids=["aof", "no-aof"])
async def test_killed_between_suspend_and_resume(servers: Any, harnesses: Any, aof: bool) -> None:
    harness = harnesses(servers(aof=aof))
    started = await harness.engine.start(INCSQUARE, 6)
    harness.restart()
    if aof:
        CASES.add(1)
        assert_consistent(harness.server)
        finished = await harness.engine.resume(started.continuation, {"ok": True})
        assert finished.output == {"value": 50, "ok": True}
        await assert_resumed_once(harness, started.continuation, started.execution_id, finished.output)
    else:
        CASES.add(2)
        assert_empty(harness.server)  # the data is gone: then 404, as for any unknown link
        for method in ("GET", "POST"):
            answer = await handle(
                HttpRequest(method, "/", {"continuation": started.continuation}), harness.service
            )
            assert answer.status == 404, answer.body
        assert await harness.engine.run_due_timers() == 0


async def test_resumed_while_down_is_a_503_then_finishes_once(servers: Any, harnesses: Any) -> None:
    CASES.add(3)
    harness = harnesses(servers(aof=True))
    started = await harness.engine.start(INCSQUARE, 6)
    harness.server.kill()
    for _ in range(2):
        answer = await handle(
            HttpRequest("POST", "/", {"continuation": started.continuation}), harness.service
        )
        assert (answer.status, answer.body["message"]) == (503, STORE_UNAVAILABLE)
    harness.server.start()
    finished = await harness.engine.resume(started.continuation, {})
    await assert_resumed_once(harness, started.continuation, started.execution_id, finished.output)


# ---------------------------------------------------------------------------- 4-7 during a resume
@pytest.mark.parametrize("aof", [True, False], ids=["aof", "no-aof"])
async def test_killed_inside_an_action_the_resume_runs(servers: Any, harnesses: Any, aof: bool) -> None:
    CASES.add(4 if aof else 5)
    harness = harnesses(servers(aof=aof))
    crash = harness.action("crash")
    crash.RUNS.clear()
    started = await harness.engine.start(CRASHING, {"doc": 1})
    crash.ON_RUN = stop_with(harness)  # the first run kills Redis between the claim and the commit
    answer = await handle(
        HttpRequest(
            "POST", "/", {"continuation": started.continuation}, {"content-type": "application/json"}, b"{}"
        ),
        harness.service,
    )
    assert (answer.status, answer.body["message"]) == (503, STORE_UNAVAILABLE)
    crash.ON_RUN = None
    harness.server.start()
    if not aof:
        assert_empty(harness.server)
        with pytest.raises(ContinuationNotFound):
            await harness.engine.resume(started.continuation, {})
        return
    assert_consistent(harness.server)  # the old record, its point claimed under a lease
    finished = await harness.engine.resume(started.continuation, {"again": True})  # waits for the lease
    assert finished.output == {"doc": 1, "again": True, "work": {"runs": 2}}
    assert len(crash.RUNS) == 2  # the action's side effects: at least once
    await assert_resumed_once(harness, started.continuation, started.execution_id, finished.output)


class KillingStore:
    """Wraps a RedisStore: `kill_before` / `kill_after` name a method around which the server
    is SIGKILLed (once)."""

    def __init__(self, store: RedisStore, kill: Any, *, kill_before: str = "", kill_after: str = "") -> None:
        self._store, self._kill = store, kill
        self.kill_before, self.kill_after = kill_before, kill_after

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)
        if name not in (self.kill_before, self.kill_after):
            return method

        async def wrapped(*args: Any, **kwargs: Any) -> Any:
            if name == self.kill_before:
                self.kill_before = ""
                self._kill()
                return await method(*args, **kwargs)
            await method(*args, **kwargs)
            self.kill_after = ""
            self._kill()
            raise StoreUnavailable(STORE_UNAVAILABLE)  # the answer never reached us

        return wrapped


@pytest.mark.parametrize("aof", [True, False], ids=["aof", "no-aof"])
async def test_killed_between_the_claim_and_the_commit(servers: Any, harnesses: Any, aof: bool) -> None:
    CASES.add(6 if aof else 7)
    harness = harnesses(servers(aof=aof))
    started = await harness.engine.start(INCSQUARE, 6)
    harness.engine.store = KillingStore(harness.store, stop_with(harness), kill_before="save")
    with pytest.raises(StoreUnavailable):
        await harness.engine.resume(started.continuation, {})
    harness.server.start()
    if not aof:
        assert_empty(harness.server)
        with pytest.raises(ContinuationNotFound):
            await harness.engine.resume(started.continuation, {})
        return
    records = assert_consistent(harness.server)
    assert records[started.execution_id]["status"] == "SUSPENDED"  # nothing of the failed resume
    finished = await harness.engine.resume(started.continuation, {})
    assert finished.output == {"value": 50}
    await assert_resumed_once(harness, started.continuation, started.execution_id, finished.output)


@pytest.mark.parametrize("aof", [True, False], ids=["aof", "no-aof"])
async def test_commit_applied_but_its_answer_lost(servers: Any, harnesses: Any, aof: bool) -> None:
    CASES.add(8 if aof else 9)
    harness = harnesses(servers(aof=aof))
    started = await harness.engine.start(INCSQUARE, 6)
    harness.engine.store = KillingStore(harness.store, stop_with(harness), kill_after="save")
    with pytest.raises(StoreUnavailable):
        await harness.engine.resume(started.continuation, {"first": True})
    harness.server.start()
    harness.engine.store = harness.store
    if not aof:
        assert_empty(harness.server)
        with pytest.raises(ContinuationNotFound):
            await harness.engine.resume(started.continuation, {})
        return
    # The resume did happen: the retry is told so (409), and the record shows it once.
    await assert_resumed_once(
        harness, started.continuation, started.execution_id, {"value": 50, "first": True}
    )


# ---------------------------------------------------------------------------- 10-11 during a worker tick
@pytest.mark.parametrize("aof", [True, False], ids=["aof", "no-aof"])
async def test_killed_during_a_worker_tick(servers: Any, harnesses: Any, aof: bool) -> None:
    CASES.add(10 if aof else 11)
    harness = harnesses(servers(aof=aof))
    started = await harness.engine.start(TIMES_OUT, {"doc": 1})
    harness.clock.advance(61)
    # The timer is taken (moved past a lease), then Redis dies before the timeout is fired.
    harness.engine.store = KillingStore(harness.store, stop_with(harness), kill_before="load")
    with pytest.raises(StoreUnavailable):
        await harness.engine.run_due_timers()
    harness.server.start()
    harness.engine.store = harness.store
    if not aof:
        assert_empty(harness.server)
        assert await harness.engine.run_due_timers() == 0
        return
    assert_consistent(harness.server)
    assert await harness.engine.run_due_timers() == 0  # taken: not due again before its lease lapses
    harness.clock.advance(LEASE_MS / 1000 + 1)
    assert await harness.engine.run_due_timers() == 1
    assert await harness.engine.run_due_timers() == 0
    record = assert_consistent(harness.server)[started.execution_id]
    assert record["status"] == "SUCCEEDED" and record["output"]["decision"] == "escalated"
    assert [line["outcome"] for line in record["audit"]] == ["timeout"]


async def test_killed_while_waiting_behind_a_sibling_point(servers: Any, harnesses: Any) -> None:
    CASES.add(12)
    harness = harnesses(servers(aof=True))

    def branch(name: str) -> dict[str, Any]:
        suspend = {"Type": "Task", "Resource": "module:suspend", "End": True}
        return {"StartAt": name, "States": {name: suspend}}

    both = {
        "StartAt": "Both",
        "States": {"Both": {"Type": "Parallel", "Branches": [branch("A"), branch("B")], "End": True}},
    }
    started = await harness.engine.start(both, {})
    tokens = {p["state"]: p["continuation"] for p in started.pending}
    continuation = harness.engine.signer.verify(tokens["A"], harness.clock.now())
    # Another resume holds the execution's lease; then Redis dies while B waits for it.
    assert (
        await harness.store.claim(continuation.execution_key, continuation.point_id, "other")
    ).status == "ok"
    waiting = asyncio.create_task(harness.engine.resume(tokens["B"], {"b": 1}))
    await asyncio.sleep(0.1)
    harness.server.kill()
    with pytest.raises(StoreUnavailable):
        await waiting
    harness.server.start()
    assert_consistent(harness.server)
    halfway = await harness.engine.resume(tokens["B"], {"b": 1})
    assert halfway.status == "SUSPENDED"
    done = await harness.engine.resume(tokens["A"], {"a": 1})  # A's dead claim lapsed: resumable
    assert done.output == [{"a": 1}, {"b": 1}]
    record = assert_consistent(harness.server)[started.execution_id]
    assert successes(record) == 2


# ---------------------------------------------------------------------------- 13-16 slow Redis
async def test_slow_redis_during_a_resume_is_a_503_and_the_same_resume_works_afterwards(
    servers: Any, harnesses: Any
) -> None:
    CASES.add(13)
    harness = harnesses(servers(aof=False, debug=True), timeout=0.3)
    started = await harness.engine.start(INCSQUARE, 6)
    sleeper = debug_sleep(harness.server, 1.0)
    answer = await handle(HttpRequest("POST", "/", {"continuation": started.continuation}), harness.service)
    sleeper.join()
    assert (answer.status, answer.body["message"]) == (503, STORE_UNAVAILABLE)
    assert_consistent(harness.server)
    again = await handle(HttpRequest("POST", "/", {"continuation": started.continuation}), harness.service)
    assert (again.status, again.body["output"]) == (200, {"value": 50})
    await assert_resumed_once(harness, started.continuation, started.execution_id, {"value": 50})


async def test_slow_redis_during_a_start_stores_the_execution_whole_or_not_at_all(
    servers: Any, harnesses: Any
) -> None:
    CASES.add(14)
    harness = harnesses(servers(aof=False, debug=True), timeout=0.3)
    sleeper = debug_sleep(harness.server, 1.0)
    answer = await handle(
        HttpRequest("POST", "/incsquare", {}, {"content-type": "application/json"}, b"6"), harness.service
    )
    sleeper.join()
    assert (answer.status, answer.body["message"]) == (503, STORE_UNAVAILABLE)
    # The commit may have run once the server woke (a timeout is not a refusal): then it is
    # whole, suspended with its point and timer, and times out through ASL like any other.
    records = assert_consistent(harness.server)
    assert len(records) <= 1 and all(r["status"] == "SUSPENDED" for r in records.values())
    retried = await handle(
        HttpRequest("POST", "/incsquare", {}, {"content-type": "application/json"}, b"6"), harness.service
    )
    assert retried.status == 202 and retried.body["output"] == {"value": 49}
    assert_consistent(harness.server)


async def test_slow_redis_during_a_worker_tick(servers: Any, harnesses: Any) -> None:
    CASES.add(15)
    harness = harnesses(servers(aof=False, debug=True), timeout=0.3)
    started = await harness.engine.start(TIMES_OUT, {"doc": 1})
    harness.clock.advance(61)
    sleeper = debug_sleep(harness.server, 1.0)
    with pytest.raises(StoreUnavailable):
        await harness.engine.run_due_timers()
    sleeper.join()
    assert_consistent(harness.server)
    harness.clock.advance(LEASE_MS / 1000 + 1)
    assert await harness.engine.run_due_timers() == 1
    assert await harness.engine.run_due_timers() == 0
    record = assert_consistent(harness.server)[started.execution_id]
    assert record["output"]["decision"] == "escalated"


async def test_slow_redis_during_a_get_of_a_continuation(servers: Any, harnesses: Any) -> None:
    CASES.add(16)
    harness = harnesses(servers(aof=False, debug=True), timeout=0.3)
    started = await harness.engine.start(INCSQUARE, 6)
    browser = {"accept": "text/html"}
    sleeper = debug_sleep(harness.server, 1.0)
    answer = await handle(
        HttpRequest("GET", "/", {"continuation": started.continuation}, browser), harness.service
    )
    sleeper.join()
    assert answer.status == 503 and "Nothing was lost" in answer.body
    page = await handle(
        HttpRequest("GET", "/", {"continuation": started.continuation}, browser), harness.service
    )
    assert page.status == 200 and "Approve" in page.body
    assert (await harness.engine.resume(started.continuation, {})).output == {"value": 50}


def test_every_case_of_the_table_ran() -> None:
    """Runs last in this module: the docstring's count is the count of cases exercised."""
    if len(CASES) < 16:
        pytest.skip("run the whole module to check the count")
    assert CASES == set(range(1, 17))
