"""Suspend and resume through the store, against fakeredis and a real redis-server alike."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from statebox.errors import (
    ContinuationAlreadyUsed,
    ContinuationExpired,
    ContinuationNotFound,
    InputError,
    PayloadTooLarge,
    StoreUnavailable,
)

ROOT = Path(__file__).resolve().parents[2]
INCSQUARE = json.loads((ROOT / "state_machines" / "incsquare.json").read_text())


def suspend_state(**extra: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": "module:suspend", **extra}


async def test_incsquare_suspends_at_49_and_resumes_once_to_50(store: Any, make_engine: Any) -> None:
    engine = make_engine(store)
    started = await engine.start(INCSQUARE, 6)
    assert started.status == "SUSPENDED"
    assert started.output == {"value": 49}
    assert started.pending[0]["resumeUrl"].startswith("http://statebox.test/?continuation=")
    finished = await engine.resume(started.continuation, {"approved": True})
    assert finished.status == "SUCCEEDED"
    assert finished.output == {"value": 50, "approved": True}
    with pytest.raises(ContinuationAlreadyUsed) as used:
        await engine.resume(started.continuation, {})
    assert used.value.execution_id == started.execution_id
    described = await engine.describe_execution(started.execution_id)
    assert described["status"] == "SUCCEEDED"
    assert [line["outcome"] for line in described["audit"]] == ["success"]
    events = [event["type"] for event in described["history"]]
    assert events[0] == "ExecutionStarted" and events[-1] == "ExecutionSucceeded"
    assert "ExecutionSuspended" in events and "ExecutionResumed" in events


async def test_forged_altered_and_expired_continuations(store: Any, make_engine: Any, clock: Any) -> None:
    engine = make_engine(store)
    machine = {"StartAt": "S", "States": {"S": suspend_state(TimeoutSeconds=60, End=True)}}
    started = await engine.start(machine, {})
    token = started.continuation
    body, mac = token.split(".")
    altered = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac
    for bad in ("", "garbage", altered, token + "x", "a.b"):
        with pytest.raises(ContinuationNotFound):
            await engine.resume(bad, {})
    clock.advance(61)
    with pytest.raises(ContinuationExpired):
        await engine.resume(token, {})


async def test_concurrent_resumes_of_one_continuation_let_exactly_one_proceed(
    store: Any, make_engine: Any
) -> None:
    engine = make_engine(store)
    started = await engine.start(INCSQUARE, 6)

    async def click(n: int) -> Any:
        try:
            return await engine.resume(started.continuation, {"click": n})
        except ContinuationAlreadyUsed as exc:
            return exc

    outcomes = await asyncio.gather(*(click(n) for n in range(50)))
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(winners) == 1
    assert winners[0].status == "SUCCEEDED" and winners[0].output["value"] == 50
    assert sum(isinstance(o, ContinuationAlreadyUsed) for o in outcomes) == 49
    record = await engine.describe_execution(started.execution_id)
    assert len(record["audit"]) == 1


async def test_timeout_routes_through_catch_when_the_worker_runs(store: Any, make_engine: Any, clock: Any) -> None:
    engine = make_engine(store)
    machine = {
        "StartAt": "Approve",
        "States": {
            "Approve": suspend_state(
                TimeoutSeconds=3600,
                Catch=[{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout", "Next": "Escalate"}],
                Next="Done",
            ),
            "Escalate": {"Type": "Pass", "Result": "escalated", "ResultPath": "$.decision", "End": True},
            "Done": {"Type": "Pass", "End": True},
        },
    }
    started = await engine.start(machine, {"doc": 1})
    assert await engine.run_due_timers() == 0  # not due yet
    clock.advance(3601)
    assert await engine.run_due_timers() == 1
    record = await engine.describe_execution(started.execution_id)
    assert record["status"] == "SUCCEEDED"
    assert record["output"]["decision"] == "escalated"
    assert record["output"]["timeout"]["Error"] == "States.Timeout"
    assert await engine.run_due_timers() == 0  # fired once only


async def test_parallel_with_two_suspended_branches_completes_after_both(store: Any, make_engine: Any) -> None:
    engine = make_engine(store)
    branch = lambda name: {"StartAt": name, "States": {name: suspend_state(End=True)}}  # noqa: E731
    machine = {
        "StartAt": "Both",
        "States": {"Both": {"Type": "Parallel", "Branches": [branch("A"), branch("B")], "End": True}},
    }
    started = await engine.start(machine, {"doc": "q3"})
    assert started.status == "SUSPENDED"
    tokens = {p["state"]: p["continuation"] for p in started.pending}
    assert set(tokens) == {"A", "B"}
    halfway = await engine.resume(tokens["B"], {"by": "bob"})
    assert halfway.status == "SUSPENDED"
    assert [p["state"] for p in halfway.pending] == ["A"]
    done = await engine.resume(tokens["A"], {"by": "alice"})
    assert done.status == "SUCCEEDED"
    assert done.output == [{"doc": "q3", "by": "alice"}, {"doc": "q3", "by": "bob"}]


async def test_failure_resume_is_caught(store: Any, make_engine: Any) -> None:
    engine = make_engine(store)
    machine = {
        "StartAt": "Ask",
        "States": {
            "Ask": suspend_state(
                Catch=[{"ErrorEquals": ["Rejected"], "Next": "Handle"}], Next="Ok"
            ),
            "Handle": {"Type": "Pass", "End": True},
            "Ok": {"Type": "Pass", "End": True},
        },
    }
    started = await engine.start(machine, {})
    result = await engine.resume(started.continuation, error="Rejected", cause="no budget")
    assert result.status == "SUCCEEDED"
    assert result.output == {"Error": "Rejected", "Cause": "no budget"}
    # Without a cause the error output still has both keys, as AWS's always do (issue 13 #16).
    again = await engine.start(machine, {})
    result = await engine.resume(again.continuation, error="Rejected")
    assert (result.status, result.output) == ("SUCCEEDED", {"Error": "Rejected", "Cause": ""})


async def test_resume_schema_refuses_bad_input_and_keeps_the_continuation(store: Any, make_engine: Any) -> None:
    engine = make_engine(store)
    schema = {"type": "object", "required": ["approved"], "properties": {"approved": {"type": "boolean"}}}
    machine = {"StartAt": "Ask", "States": {"Ask": suspend_state(ResumeSchema=schema, End=True)}}
    started = await engine.start(machine, {})
    with pytest.raises(InputError) as refused:
        await engine.resume(started.continuation, {"approved": "yes"})
    assert "approved" in str(refused.value)
    result = await engine.resume(started.continuation, {"approved": True})
    assert result.status == "SUCCEEDED" and result.output == {"approved": True}


async def test_wait_for_task_token_invokes_then_suspends(store: Any, make_engine: Any, tmp_path: Path) -> None:
    (tmp_path / "notify.py").write_text(
        "SENT = []\n\ndef main(args):\n    SENT.append(args)\n    return {'queued': True}\n"
    )
    engine = make_engine(store, actions_dir=tmp_path)
    machine = {
        "StartAt": "Notify",
        "States": {
            "Notify": {
                "Type": "Task",
                "Resource": "module:notify.waitForTaskToken",
                "Parameters": {"token.$": "$$.Task.Token", "url.$": "$$.Task.ResumeUrl", "who.$": "$.who"},
                "ResultPath": "$.answer",
                "End": True,
            }
        },
    }
    started = await engine.start(machine, {"who": "alice"})
    assert started.status == "SUSPENDED"
    sent = engine.invoker._modules[str(tmp_path / "notify.py")].SENT  # the action really ran
    assert sent[0]["token"] == started.continuation
    assert sent[0]["url"].endswith("?continuation=" + started.continuation)
    done = await engine.resume(started.continuation, {"decision": "approved"})
    assert done.output == {"who": "alice", "answer": {"decision": "approved"}}


async def test_long_wait_becomes_a_timer(store: Any, make_engine: Any, clock: Any) -> None:
    engine = make_engine(store)
    machine = {
        "StartAt": "Sleep",
        "States": {"Sleep": {"Type": "Wait", "Seconds": 3 * 86400, "Next": "After"},
                   "After": {"Type": "Pass", "Result": "woke", "End": True}},
    }
    started = await engine.start(machine, {})
    assert started.status == "SUSPENDED" and started.continuation is None
    clock.advance(3 * 86400)
    assert await engine.run_due_timers() == 1
    assert (await engine.describe_execution(started.execution_id))["output"] == "woke"


async def test_stop_at_a_state_boundary_and_continue(store: Any, make_engine: Any, clock: Any) -> None:
    engine = make_engine(store)
    stopped = await engine.start(INCSQUARE, 6, stop_at=clock.now())
    assert stopped.status == "RUNNING"
    resumed = await engine.continue_execution(stopped.execution_id)
    assert resumed.status == "SUSPENDED" and resumed.output == {"value": 49}


async def test_resumed_execution_can_suspend_again(store: Any, make_engine: Any) -> None:
    engine = make_engine(store)
    machine = {
        "StartAt": "First",
        "States": {"First": suspend_state(Next="Second"), "Second": suspend_state(End=True)},
    }
    started = await engine.start(machine, {"n": 1})
    again = await engine.resume(started.continuation, {"first": True})
    assert again.status == "SUSPENDED" and again.continuation != started.continuation
    done = await engine.resume(again.continuation, {"second": True})
    assert done.output == {"n": 1, "first": True, "second": True}


async def test_map_iterations_suspend_and_finish_in_order(store: Any, make_engine: Any) -> None:
    engine = make_engine(store)
    machine = {
        "StartAt": "Each",
        "States": {"Each": {"Type": "Map", "ItemProcessor": {"StartAt": "Ask", "States": {"Ask": suspend_state(End=True)}}, "End": True}},
    }
    started = await engine.start(machine, [{"i": 0}, {"i": 1}, {"i": 2}])
    tokens = [p["continuation"] for p in started.pending]
    assert len(tokens) == 3
    for n, token in enumerate(reversed(tokens)):
        result = await engine.resume(token, {"ok": n})
    assert result.status == "SUCCEEDED"
    assert result.output == [{"i": 0, "ok": 2}, {"i": 1, "ok": 1}, {"i": 2, "ok": 0}]


async def test_heartbeats_extend_the_window_and_a_missed_one_is_a_heartbeat_timeout(
    store: Any, make_engine: Any, clock: Any
) -> None:
    engine = make_engine(store)
    machine = {
        "StartAt": "Work",
        "States": {
            "Work": suspend_state(
                TimeoutSeconds=3600,
                HeartbeatSeconds=60,
                Catch=[{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "Lost"}],
                Next="Done",
            ),
            "Lost": {"Type": "Pass", "Result": "no heartbeat", "End": True},
            "Done": {"Type": "Pass", "End": True},
        },
    }
    started = await engine.start(machine, {})
    for _ in range(3):  # three heartbeats, 50 s apart, keep it alive past 60 s
        clock.advance(50)
        beat = await engine.heartbeat(started.continuation)
        assert beat["status"] == "SUSPENDED"
        assert await engine.run_due_timers() == 0
    clock.advance(61)
    assert await engine.run_due_timers() == 1
    record = await engine.describe_execution(started.execution_id)
    assert record["status"] == "SUCCEEDED" and record["output"] == "no heartbeat"
    assert [line["outcome"] for line in record["audit"]] == ["heartbeat"] * 3 + ["heartbeat_timeout"]


async def test_a_resume_longer_than_the_lease_keeps_it_and_runs_once(
    store: Any, make_engine: Any, tmp_path: Path
) -> None:
    (tmp_path / "slow_charge.py").write_text(
        "import time\nCHARGES = []\n\ndef main(args):\n    time.sleep(1.5)\n    CHARGES.append(1)\n    return {'charged': len(CHARGES)}\n"
    )
    store.lease_ms = 600  # a lease far shorter than the action: renewal must carry it
    engine = make_engine(store, actions_dir=tmp_path)
    machine = {
        "StartAt": "Ask",
        "States": {
            "Ask": suspend_state(Next="Charge"),
            "Charge": {"Type": "Task", "Resource": "module:slow_charge", "End": True},
        },
    }
    started = await engine.start(machine, {})

    async def click() -> Any:
        try:
            return await engine.resume(started.continuation, {})
        except Exception as exc:  # noqa: BLE001 - the loser's answer is checked below
            return exc

    first = asyncio.create_task(click())
    await asyncio.sleep(0.9)  # past the lease: without renewal the second click would win too
    second = await click()
    result = await first
    assert result.status == "SUCCEEDED" and result.output == {"charged": 1}
    assert not isinstance(second, Exception) or type(second).__name__ in (
        "ContinuationAlreadyUsed",
        "StoreUnavailable",
    )
    charges = engine.invoker._modules[str(tmp_path / "slow_charge.py")].CHARGES
    assert charges == [1]


async def test_a_suspended_record_stores_its_data_once(store: Any, make_engine: Any) -> None:
    engine = make_engine(store)
    data = {"doc": "x" * 10_000, "tags": ["a", "b"]}
    machine = {"StartAt": "Approve", "States": {"Approve": suspend_state(End=True)}}
    started = await engine.start(machine, data)
    stored = await store.client.strlen(store.record_key(started.execution_id))
    assert 10_000 < stored < 12_000  # input, state input and point data are one object
    finished = await engine.resume(started.continuation, {"approved": True})
    assert finished.output == {**data, "approved": True}
    described = await engine.describe_execution(started.execution_id)
    assert described["input"] == data


async def test_data_that_looks_like_a_position_is_only_data(store: Any, make_engine: Any) -> None:
    engine = make_engine(store)
    machine = {"StartAt": "Approve", "States": {"Approve": suspend_state(End=True)}}
    like_a_point = {"pending": {"id": "fake", "kind": "merge", "state": "Approve"}}
    like_a_boundary_stop = {"state": "A", "inner": None}
    for data in (like_a_point, like_a_boundary_stop):
        started = await engine.start(machine, data)
        assert started.status == "SUSPENDED"  # not RUNNING with a "continue" timer
        assert len(started.pending) == 1  # no point made of the data
        finished = await engine.resume(started.continuation, {"ok": 1})
        assert finished.output == {**data, "ok": 1}


async def test_a_heartbeat_window_read_from_the_input_is_enforced(store: Any, make_engine: Any, clock: Any) -> None:
    engine = make_engine(store)
    by_path = suspend_state(HeartbeatSecondsPath="$.beat", Next="Done")
    by_jsonata = suspend_state(QueryLanguage="JSONata", HeartbeatSeconds="{% $states.input.beat %}", Next="Done")
    for work in (by_path, by_jsonata):
        catch = [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "Lost"}]
        machine = {
            "StartAt": "Work",
            "States": {
                "Work": {**work, "TimeoutSeconds": 3600, "Catch": catch},
                "Lost": {"Type": "Pass", "Result": "no heartbeat", "End": True},
                "Done": {"Type": "Pass", "End": True},
            },
        }
        started = await engine.start(machine, {"beat": 30})
        clock.advance(25)
        await engine.heartbeat(started.continuation)
        clock.advance(25)  # 50 s in, but 25 s after the last heartbeat
        assert await engine.run_due_timers() == 0
        clock.advance(31)
        assert await engine.run_due_timers() == 1
        record = await engine.describe_execution(started.execution_id)
        assert record["output"] == "no heartbeat", work
        refused = await engine.start(machine, {"beat": "soon"})
        assert refused.status == "FAILED" and "must reference a positive integer" in refused.cause


async def test_integers_past_64_bits_survive_a_suspend_and_resume(store: Any, make_engine: Any) -> None:
    """2**70 came back as 1.18e21 after a resume (orjson reads such integers as floats); a run
    that never suspends kept them exact."""
    engine = make_engine(store)
    machine = {"StartAt": "Ask", "States": {"Ask": suspend_state(End=True)}}
    big = {"a": 2**70, "b": -(2**63) - 1, "c": [2**64, 2**63 - 1], "d": 10**40}
    started = await engine.start(machine, big)
    assert started.output == big
    finished = await engine.resume(started.continuation, {"e": -(2**70)})
    assert finished.output == {**big, "e": -(2**70)}
    described = await engine.describe_execution(started.execution_id)
    assert described["input"] == big and described["output"] == finished.output
    assert all(type(v) is int for v in (*described["output"]["c"], described["output"]["a"]))


DECISION_SCHEMA = {
    "type": "object",
    "required": ["decision"],
    "properties": {"decision": {"enum": ["approved", "rejected"]}},
}


async def test_a_genuine_click_racing_refused_ones_commits_or_is_told_to_retry(
    store: Any, make_engine: Any
) -> None:
    """Three {"decision": "maybe"} POSTs at the moment of one genuine click left 3 clicks in 10
    answered 409 with nothing recorded: the claim said "used" for a point only claimed, and a
    second read turned a released point into a 409. 409 only once a resume committed."""
    engine = make_engine(store)
    state = suspend_state(ResumeSchema=DECISION_SCHEMA, HeartbeatSeconds=3600, End=True)
    machine = {"StartAt": "Approve", "States": {"Approve": state}}

    async def outcome(call: Any) -> Any:
        try:
            return await call
        except (InputError, ContinuationAlreadyUsed, StoreUnavailable) as exc:
            return exc

    for trial in range(20):
        with_heartbeat = trial % 2 == 1  # 13 clicks in 40 were told 409 with a heartbeat too
        token = (await engine.start(machine, {"doc": "q3"})).continuation
        calls = [engine.resume(token, {"decision": "maybe"}) for _ in range(3)]
        calls.append(engine.resume(token, {"decision": "approved"}))
        if with_heartbeat:
            calls.append(engine.heartbeat(token))
        *refused, genuine = (await asyncio.gather(*map(outcome, calls)))[:4]
        status = (await engine.describe_execution(token_execution(engine, token)))["status"]
        assert not isinstance(genuine, ContinuationAlreadyUsed), f"409 while the execution is {status}"
        if isinstance(genuine, StoreUnavailable):
            assert status == "SUSPENDED"  # told to retry, and nothing was taken
            assert (await engine.resume(token, {"decision": "approved"})).status == "SUCCEEDED"
        else:
            assert genuine.status == "SUCCEEDED" and genuine.output["decision"] == "approved"
        assert all(isinstance(r, (InputError, ContinuationAlreadyUsed, StoreUnavailable)) for r in refused)


def token_execution(engine: Any, token: str) -> str:
    return engine.signer.verify(token, engine.clock.now()).execution_key


async def test_a_resume_gives_links_to_an_execution_started_without_a_base_url(
    store: Any, make_engine: Any
) -> None:
    """`Engine.resume` took `base_url` and ignored it: an execution started without one (the
    CLI, a worker) never got resume URLs. One it has is kept: a Host header of whoever resumes
    must not redirect the next approver's links."""
    engine = make_engine(store)
    engine.base_url = None
    machine = {
        "StartAt": "A",
        "States": {"A": suspend_state(Next="B"), "B": suspend_state(Next="C"), "C": suspend_state(End=True)},
    }
    started = await engine.start(machine, {})
    assert "resumeUrl" not in started.pending[0]
    second = await engine.resume(started.continuation, {}, base_url="https://new.example/flows")
    assert second.pending[0]["resumeUrl"] == f"https://new.example/flows?continuation={second.continuation}"
    third = await engine.resume(second.continuation, {}, base_url="http://attacker.example/")
    assert third.pending[0]["resumeUrl"].startswith("https://new.example/flows?continuation=")
    described = await engine.describe_execution(started.execution_id)
    assert described["pending"][0]["resumeUrl"].startswith("https://new.example/flows?continuation=")


async def test_a_resume_over_the_payload_limit_is_refused_and_the_point_keeps_waiting(
    store: Any, make_engine: Any
) -> None:
    """A 300 KB comment failed the approval (States.DataLimitExceeded) while the page said the
    answer was recorded: it is refused before anything is used up, as is one whose merge into
    the state's data would be over the limit."""
    engine = make_engine(store, max_payload_bytes=256 * 1024)
    machine = {"StartAt": "Approve", "States": {"Approve": suspend_state(End=True)}}
    started = await engine.start(machine, {"details": "d" * 100_000})
    key = started.execution_id
    point = (await store.load(key))["pending"][0]["id"]
    for too_big in ({"comment": "c" * 300_000}, {"comment": "c" * 200_000}):
        with pytest.raises(PayloadTooLarge, match="exceeding the limit of 262144 bytes"):
            await engine.resume(started.continuation, {"decision": "approved", **too_big})
        assert await store.point_status(key, point) == "pending"
        assert (await engine.describe_execution(key))["status"] == "SUSPENDED"
    with pytest.raises(PayloadTooLarge):
        await engine.resume(started.continuation, error="Rejected", cause="x" * 300_000)
    finished = await engine.resume(started.continuation, {"decision": "approved", "comment": "ok"})
    assert finished.status == "SUCCEEDED" and finished.output["decision"] == "approved"
    assert (await engine.describe_execution(key))["audit"][-1]["outcome"] == "success"


class BrokenEscalation:
    """An invoker whose `module:escalate` always breaks (not a task failure: a bug), so the
    timer that leads to it can never fire; every other action runs as usual."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0

    async def invoke(self, resource: Any, payload: Any, call: Any) -> Any:
        if resource.name == "escalate":
            self.calls += 1
            raise RuntimeError("the escalation invoker is broken")
        return await self.inner.invoke(resource, payload, call)


def escalating(seconds: int, escalation: dict[str, Any]) -> dict[str, Any]:
    catch = [{"ErrorEquals": ["States.Timeout"], "Next": "Escalate"}]
    ask = suspend_state(TimeoutSeconds=seconds, Catch=catch, End=True)
    return {"StartAt": "Approve", "States": {"Approve": ask, "Escalate": escalation}}


async def test_a_timer_that_always_fails_is_retried_then_fails_its_execution_alone(
    store: Any, make_engine: Any, clock: Any
) -> None:
    """`poison` stayed SUSPENDED 55 minutes past its 2 s deadline, a failed tick logged once a
    minute, and each tick skipped the timers due after it."""
    from statebox.execution.timers import MAX_TIMER_ATTEMPTS, retry_delay

    engine = make_engine(store)
    broken = engine.invoker = BrokenEscalation(engine.invoker)
    broken_escalation = {"Type": "Task", "Resource": "module:escalate", "End": True}
    poison = await engine.start(escalating(2, broken_escalation), {})
    escalation = {"Type": "Pass", "Result": "escalated", "End": True}
    good = [await engine.start(escalating(3, escalation), {"n": n}) for n in range(3)]
    clock.advance(4)
    assert await engine.run_due_timers() == 3  # the poison's timer was due first
    for started in good:
        assert (await engine.describe_execution(started.execution_id))["output"] == "escalated"
    assert broken.calls == 1
    for failures in range(1, MAX_TIMER_ATTEMPTS):
        clock.advance(retry_delay(failures) - 1)
        await engine.run_due_timers()
        assert broken.calls == failures  # backing off: not yet
        assert (await engine.describe_execution(poison.execution_id))["status"] == "SUSPENDED"
        clock.advance(2)
        await engine.run_due_timers()
        assert broken.calls == failures + 1
    described = await engine.describe_execution(poison.execution_id)
    assert described["status"] == "FAILED" and described["error"] == "States.Runtime"
    assert "The timer of the state 'Approve' failed to fire 5 times" in described["cause"]
    assert "RuntimeError: the escalation invoker is broken" in described["cause"]
    clock.advance(3600)
    assert await engine.run_due_timers() == 0
    assert await store.due_timers(clock.now().timestamp()) == []
    point = engine.signer.verify(poison.continuation, before_expiry(clock)).point_id
    assert await store.point_status(poison.execution_id, point) == "used"


def before_expiry(clock: Any) -> Any:
    return clock.now() - timedelta(hours=2)  # before the continuation's expiry


async def test_many_heartbeats_with_a_long_user_agent_keep_the_record_small(
    store: Any, make_engine: Any
) -> None:
    """700 heartbeats with a 7 KB User-Agent made a 5 MB record, each heartbeat slower."""
    engine = make_engine(store)
    machine = {"StartAt": "Work", "States": {"Work": suspend_state(HeartbeatSeconds=60, End=True)}}
    started = await engine.start(machine, {"job": 1})
    caller = {"address": "203.0.113.7", "userAgent": "Mozilla/5.0 " + "x" * 7000}
    for _ in range(300):
        await engine.heartbeat(started.continuation, caller=caller)
    record_key = store.record_key(started.execution_id)
    assert len(await store.client.get(record_key)) < 20_000
    finished = await engine.resume(started.continuation, {"done": True}, caller=caller)
    assert finished.status == "SUCCEEDED"
    audit = (await engine.describe_execution(started.execution_id))["audit"]
    assert audit[-1]["outcome"] == "success" and audit[0]["earlierHeartbeats"] == 300 - 19
