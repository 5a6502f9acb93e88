"""The live event view the dev server logs: one event per state entered, progress for long Maps."""

from __future__ import annotations

from typing import Any

from statebox.config import Settings
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore


async def test_every_transition_and_long_map_progress_reach_the_sink() -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    engine = Engine(
        Settings(),
        store=RedisStore.in_process(),
        signer=ContinuationSigner(b"k"),
        clock=FakeClock(),
        event_sink=lambda execution, event: seen.append((execution, event)),
    )
    machine = {
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Next": "Each"},
            "Each": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}},
                "End": True,
            },
        },
    }
    result = await engine.start(machine, list(range(200)))
    assert result.status == "SUCCEEDED"
    assert {execution for execution, _ in seen} == {result.execution_id}
    types = [event["type"] for _, event in seen]
    assert types[:2] == ["PassStateEntered", "MapStateEntered"]
    assert types.count("PassStateEntered") == 1 + 200
    progress = [event for _, event in seen if event["type"] == "MapProgress"]
    assert [event["done"] for event in progress] == list(range(20, 201, 20))
    assert all(event["total"] == 200 and event["state"] == "Each" for event in progress)
    assert types[-1] == "ExecutionSucceeded"
