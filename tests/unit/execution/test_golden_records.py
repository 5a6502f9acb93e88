"""Golden execution records: what the store holds, byte for byte.

Each file under tests/data/records/ was written by the engine as it stood before the execution
layer became a package (issue 14). These tests prove that (a) every stored record still decodes
and (b) the same run today writes the very same bytes, so records already in a Redis keep working
and none is written differently. The runs are deterministic: a fake clock, a fixed signing key and
`secrets.token_hex` counted. `STATEBOX_WRITE_GOLDEN=1` rewrites the files (only for a deliberate
format change, which also needs a new RECORD_FORMAT and a decoder for the old one).

format1.json and format2.json are hand-kept records of the older formats, with what they decode
to beside them (`*.decoded.json`).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Awaitable, Callable
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from statebox.config import Settings
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.encoding import decode_record, encode_record
from statebox.execution.engine import Engine
from statebox.execution.records import ExecutionRecord
from statebox.ports import FakeClock, ResourceRef, TaskCall
from statebox.stores.redis import RedisStore
from statebox.types import JSON

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "tests" / "data" / "records"
WRITE = os.environ.get("STATEBOX_WRITE_GOLDEN") == "1"
BASE_URL = "https://approvals.example.test/resume"
CALLER = {"address": "203.0.113.9", "userAgent": "golden-test"}


def machine(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "state_machines" / f"{name}.json").read_text())


class NoMail:
    """Lets the approval emails go nowhere; every other action runs from demo_actions/."""

    def __init__(self, inner: Any, broken: str | None = None) -> None:
        self.inner = inner
        self.broken = broken

    async def invoke(self, resource: ResourceRef, payload: JSON, call: TaskCall) -> JSON:
        if resource.name == "send_approval_email":
            return {"sent": True}
        if resource.name == self.broken:
            raise RuntimeError("the escalation invoker is broken")
        return await self.inner.invoke(resource, payload, call)


class Run:
    """One deterministic engine over an in-process store; `stored` reads a record's bytes."""

    def __init__(self, store: RedisStore, broken: str | None = None) -> None:
        self.clock = FakeClock()
        self.store = store
        self.engine = Engine(
            Settings(actions_dir=ROOT / "demo_actions"),
            store=store,
            signer=ContinuationSigner(b"golden"),
            clock=self.clock,
            base_url=BASE_URL,
        )
        self.engine.invoker = NoMail(self.engine.invoker, broken)

    async def stored(self, execution_key: str) -> bytes:
        raw = await self.store.client.get(self.store.record_key(execution_key))
        return raw if isinstance(raw, bytes) else raw.encode()


Scenario = Callable[[Run], Awaitable[bytes]]


async def incsquare_suspended(run: Run) -> bytes:
    started = await run.engine.start(machine("incsquare"), 6)
    return await run.stored(started.execution_id)


async def incsquare_succeeded(run: Run) -> bytes:
    started = await run.engine.start(machine("incsquare"), 6)
    run.clock.advance(30)
    await run.engine.resume(started.continuation or "", {"approved": True}, caller=CALLER)
    return await run.stored(started.execution_id)


PARALLEL_INPUT = {"approvers": ["alice@example.org", "bob@example.org"], "subject": "Budget 2027"}


async def parallel_suspended(run: Run) -> bytes:
    started = await run.engine.start(machine("parallel_approval"), PARALLEL_INPUT)
    return await run.stored(started.execution_id)


async def parallel_one_answer_audited(run: Run) -> bytes:
    started = await run.engine.start(machine("parallel_approval"), PARALLEL_INPUT)
    run.clock.advance(60)
    first = started.pending[0]["continuation"]
    await run.engine.resume(first, {"decision": "approved", "comment": "fine"}, caller=CALLER)
    return await run.stored(started.execution_id)


async def parallel_rejected(run: Run) -> bytes:
    started = await run.engine.start(machine("parallel_approval"), PARALLEL_INPUT)
    for point in started.pending:
        run.clock.advance(60)
        await run.engine.resume(point["continuation"], {"decision": "rejected"}, caller=CALLER)
    return await run.stored(started.execution_id)


async def heartbeat_audited(run: Run) -> bytes:
    ask = {"Type": "Task", "Resource": "module:suspend", "HeartbeatSeconds": 60, "TimeoutSeconds": 600}
    started = await run.engine.start({"StartAt": "Ask", "States": {"Ask": {**ask, "End": True}}}, {"a": 1})
    run.clock.advance(10)
    await run.engine.heartbeat(started.continuation or "", caller=CALLER)
    return await run.stored(started.execution_id)


async def timer_failed_five_times(run: Run) -> bytes:
    """A States.Timeout whose Catch runs a broken action: the timer fails, is retried with
    backoff, and its fifth failure fails the execution with States.Runtime."""
    from statebox.execution.timers import MAX_TIMER_ATTEMPTS, retry_delay

    catch = [{"ErrorEquals": ["States.Timeout"], "Next": "Escalate"}]
    ask = {"Type": "Task", "Resource": "module:suspend", "TimeoutSeconds": 2, "Catch": catch, "End": True}
    escalate = {"Type": "Task", "Resource": "module:escalate", "End": True}
    started = await run.engine.start({"StartAt": "Approve", "States": {"Approve": ask, "Escalate": escalate}})
    run.clock.advance(3)
    await run.engine.run_due_timers()
    for failures in range(1, MAX_TIMER_ATTEMPTS):
        run.clock.advance(retry_delay(failures) + 1)
        await run.engine.run_due_timers()
    return await run.stored(started.execution_id)


async def wide_integers_shared(run: Run) -> bytes:
    """Integers past 64 bits (written by the exact encoder) and data held in three places."""
    data = {"big": 2**70, "small": -(2**64) - 1, "exact": 10**40, "note": "n" * 100, "list": list(range(40))}
    ask = {"Type": "Task", "Resource": "module:suspend", "End": True}
    started = await run.engine.start({"StartAt": "Ask", "States": {"Ask": ask}}, data)
    return await run.stored(started.execution_id)


SCENARIOS: dict[str, tuple[Scenario, str | None]] = {
    "incsquare_suspended": (incsquare_suspended, None),
    "incsquare_succeeded": (incsquare_succeeded, None),
    "parallel_approval_suspended": (parallel_suspended, None),
    "parallel_approval_one_answer": (parallel_one_answer_audited, None),
    "parallel_approval_rejected": (parallel_rejected, None),
    "heartbeat_audited": (heartbeat_audited, None),
    "timer_failed_five_times": (timer_failed_five_times, "escalate"),
    "wide_integers_shared": (wide_integers_shared, None),
}
STATUSES = {
    "incsquare_suspended": "SUSPENDED",
    "incsquare_succeeded": "SUCCEEDED",
    "parallel_approval_suspended": "SUSPENDED",
    "parallel_approval_one_answer": "SUSPENDED",
    "parallel_approval_rejected": "SUCCEEDED",
    "heartbeat_audited": "SUSPENDED",
    "timer_failed_five_times": "FAILED",
    "wide_integers_shared": "SUSPENDED",
}


@pytest.fixture
def counted_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = count(1)
    monkeypatch.setattr(secrets, "token_hex", lambda size=32: f"{next(numbers):0{2 * size}x}")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_the_engine_writes_records_byte_for_byte_as_before(name: str, counted_tokens: None) -> None:
    scenario, broken = SCENARIOS[name]
    store = RedisStore.in_process()
    try:
        written = await scenario(Run(store, broken))
    finally:
        await store.close()
    golden = GOLDEN / f"{name}.json"
    if WRITE:
        golden.write_bytes(written)
    assert written == golden.read_bytes()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_golden_records_decode_and_encode_back_to_the_same_bytes(name: str) -> None:
    stored = (GOLDEN / f"{name}.json").read_bytes()
    record = decode_record(stored)
    assert record["status"] == STATUSES[name] and record["format"] == 3
    assert record["executionId"].endswith(record["executionKey"])
    assert encode_record(record) == stored
    assert encode_record(ExecutionRecord.from_json(record).to_json()) == stored  # through the types


def test_the_golden_records_cover_audits_shared_data_and_wide_integers() -> None:
    audited = decode_record((GOLDEN / "parallel_approval_one_answer.json").read_bytes())
    assert [line["outcome"] for line in audited["audit"]] == ["success"]
    assert audited["audit"][0]["address"] == CALLER["address"]
    beat = decode_record((GOLDEN / "heartbeat_audited.json").read_bytes())
    assert [line["outcome"] for line in beat["audit"]] == ["heartbeat"] and beat["pending"][0]["heartbeatDue"]
    failed = decode_record((GOLDEN / "timer_failed_five_times.json").read_bytes())
    assert failed["error"] == "States.Runtime" and "failed to fire 5 times" in failed["cause"]
    wide_bytes = (GOLDEN / "wide_integers_shared.json").read_bytes()
    assert wide_bytes.startswith(b'{"exact":true,') and b'"same":' in wide_bytes
    wide = decode_record(wide_bytes)
    assert wide["input"]["big"] == 2**70 and wide["input"]["exact"] == 10**40
    assert wide["input"] is wide["position"]["input"]


@pytest.mark.parametrize("name", ["format1", "format2"])
def test_records_of_older_formats_decode(name: str) -> None:
    record = decode_record((GOLDEN / f"{name}.json").read_bytes())
    expected = json.loads((GOLDEN / f"{name}.decoded.json").read_text())
    assert record == expected
    assert record["format"] == int(name[-1])


async def test_a_format_1_record_resumes_today(counted_tokens: None) -> None:
    """The stored format 1 record in place of the one a start wrote (same keys, same point):
    the resume reads it, runs on and writes the finished record."""
    store = RedisStore.in_process()
    try:
        run = Run(store)
        started = await run.engine.start(machine("incsquare"), 6)
        key = started.execution_id
        await store.client.set(store.record_key(key), (GOLDEN / "format1.json").read_bytes())
        done = await run.engine.resume(started.continuation or "", {"approved": True})
        assert (done.status, done.output) == ("SUCCEEDED", {"value": 50, "approved": True})
        finished = decode_record(await run.stored(key))
        # Nothing in it is shared, so it stays format 1 (format 3 is format 1 plus "same").
        assert finished["format"] == 1 and finished["status"] == "SUCCEEDED"
        assert [line["outcome"] for line in finished["audit"]] == ["success"]
    finally:
        await store.close()
