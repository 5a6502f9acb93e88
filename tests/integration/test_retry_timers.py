"""A Retry back-off of Settings.wait_suspend_seconds or more is a durable timer, as a long Wait
is: the execution is stored, the worker's timer tick makes the next attempt, and the attempt
counters (MaxAttempts, $$.State.RetryCount) survive each suspension. Against fakeredis and a
real redis-server alike (the `store` fixture)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

FLAKY = (
    "class NotYet(Exception):\n"
    "    pass\n\n"
    "def main(args):\n"
    "    if args['attempt'] < args['until']:\n"
    "        raise NotYet(f\"attempt {args['attempt']}\")\n"
    "    return {'succeeded_on': args['attempt']}\n"
)
HOUR = 3600


@pytest.fixture
def actions(tmp_path: Path) -> Path:
    (tmp_path / "flaky.py").write_text(FLAKY)
    return tmp_path


def flaky_task(until: int, **fields: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "module:flaky",
        "Parameters": {"attempt.$": "$$.State.RetryCount", "until": until},
        "Retry": [{"ErrorEquals": ["NotYet"], "IntervalSeconds": HOUR, "BackoffRate": 2, "MaxAttempts": 2}],
        **fields,
    }


async def fire_after(engine: Any, clock: Any, seconds: float) -> int:
    """Nothing fires a second early; at the due time the timers fire."""
    clock.advance(seconds - 1)
    assert await engine.run_due_timers() == 0
    clock.advance(1)
    return await engine.run_due_timers()


async def test_each_back_off_is_a_timer_and_the_retry_count_survives(
    store: Any, make_engine: Any, clock: Any, actions: Path
) -> None:
    engine = make_engine(store, actions_dir=actions)
    started = await engine.start({"StartAt": "T", "States": {"T": flaky_task(until=2, End=True)}}, {})
    assert started.status == "SUSPENDED" and started.continuation is None
    [point] = (await engine.describe_execution(started.execution_id))["pending"]
    assert (point["state"], point["kind"]) == ("T", "timer")

    assert await fire_after(engine, clock, HOUR) == 1  # attempt 1 fails: a 2-hour back-off
    waiting = await engine.describe_execution(started.execution_id)
    assert waiting["status"] == "SUSPENDED" and [p["kind"] for p in waiting["pending"]] == ["timer"]

    assert await fire_after(engine, clock, 2 * HOUR) == 1
    done = await engine.describe_execution(started.execution_id)
    assert (done["status"], done["output"]) == ("SUCCEEDED", {"succeeded_on": 2})


async def test_max_attempts_counts_across_suspensions_then_catch(
    store: Any, make_engine: Any, clock: Any, actions: Path
) -> None:
    engine = make_engine(store, actions_dir=actions)
    definition = {
        "StartAt": "T",
        "States": {
            "T": flaky_task(
                until=99,
                Catch=[{"ErrorEquals": ["NotYet"], "ResultPath": "$.caught", "Next": "Handled"}],
                End=True,
            ),
            "Handled": {"Type": "Pass", "End": True},
        },
    }
    started = await engine.start(definition, {"keep": 1})
    assert await fire_after(engine, clock, HOUR) == 1
    assert await fire_after(engine, clock, 2 * HOUR) == 1  # the third failure: no attempts left
    done = await engine.describe_execution(started.execution_id)
    assert done["status"] == "SUCCEEDED", done
    assert done["output"]["keep"] == 1 and done["output"]["caught"]["Error"] == "NotYet"
    assert '"attempt 2"' in done["output"]["caught"]["Cause"]
    assert await engine.run_due_timers() == 0  # no timer left behind


async def test_map_iterations_back_off_on_their_own_timers(
    store: Any, make_engine: Any, clock: Any, actions: Path
) -> None:
    engine = make_engine(store, actions_dir=actions)
    processor = {"StartAt": "T", "States": {"T": flaky_task(until=1, End=True)}}
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True}}}
    started = await engine.start(definition, [1, 2, 3])
    described = await engine.describe_execution(started.execution_id)
    assert [p["kind"] for p in described["pending"]] == ["timer", "timer", "timer"]
    assert await fire_after(engine, clock, HOUR) == 3
    done = await engine.describe_execution(started.execution_id)
    assert (done["status"], done["output"]) == ("SUCCEEDED", [{"succeeded_on": 1}] * 3)


async def test_a_parallel_state_retries_itself_after_a_timer(
    store: Any, make_engine: Any, clock: Any, actions: Path
) -> None:
    engine = make_engine(store, actions_dir=actions)
    branch = {
        "StartAt": "B",
        "States": {
            "B": {
                "Type": "Task",
                "Resource": "module:flaky",
                "Parameters": {"attempt.$": "$.attempt", "until": 1},
                "End": True,
            }
        },
    }
    parallel = {
        "Type": "Parallel",
        "Parameters": {"attempt.$": "$$.State.RetryCount"},
        "Branches": [branch],
        "Retry": [{"ErrorEquals": ["NotYet"], "IntervalSeconds": 600}],
        "End": True,
    }
    started = await engine.start({"StartAt": "P", "States": {"P": parallel}}, {})
    assert started.status == "SUSPENDED"
    assert await fire_after(engine, clock, 600) == 1
    done = await engine.describe_execution(started.execution_id)
    assert (done["status"], done["output"]) == ("SUCCEEDED", [{"succeeded_on": 1}])
