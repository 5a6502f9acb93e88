"""Frame (statebox/interpreter/frame.py): what a graph level carries across a suspension."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from statebox.config import Settings
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore

ROOT = Path(__file__).resolve().parents[3]
# The Wait sleeps in process on the fake clock up to the activation's deadline: the execution
# stops before `Use`, and a `continue` timer runs it on.
SET_THEN_USE = {
    "StartAt": "Set",
    "States": {
        "Set": {"Type": "Pass", "Assign": {"n": 41}, "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Use"},
        "Use": {"Type": "Pass", "Parameters": {"n.$": "$n"}, "End": True},
    },
}
IN_A_BRANCH = {
    "StartAt": "Both",
    "States": {"Both": {"Type": "Parallel", "Branches": [SET_THEN_USE], "End": True}},
}


@pytest.mark.parametrize(("definition", "output"), [(SET_THEN_USE, {"n": 41}), (IN_A_BRANCH, [{"n": 41}])])
async def test_variables_survive_a_stop_at_a_state_boundary(definition: dict[str, Any], output: Any) -> None:
    # The variables `Set` assigned were not in the stored position: `Use` failed on `$n`.
    store = RedisStore.in_process(prefix="frame-boundary:")
    clock = FakeClock()
    engine = Engine(
        Settings(actions_dir=ROOT / "demo_actions"), store=store, signer=ContinuationSigner(b"k"), clock=clock
    )
    try:
        started = await engine.start(definition, {}, stop_at=clock.now() + timedelta(seconds=1))
        assert started.status == "RUNNING"
        clock.advance(3601)
        assert await engine.run_due_timers() == 1
        described = await engine.describe_execution(started.execution_id)
        assert (described["status"], described.get("cause")) == ("SUCCEEDED", None)
        assert described["output"] == output
    finally:
        await store.close()
