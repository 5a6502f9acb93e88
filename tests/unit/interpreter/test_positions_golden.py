"""The position tree and its pending points are written byte for byte as before the typed
model (statebox/interpreter/positions.py, points.py): real suspensions (a callback task, two
approvals in a Parallel, a Map with open iterations, a Retry back-off timer, a long Wait, a
stop at a state boundary) against positions recorded by the code before it
(tests/data/positions/golden.json).

Regenerate (only for a deliberate format change, which also needs a new POSITION_FORMAT):
    PYTHONPATH=<tree> python tests/unit/interpreter/test_positions_golden.py \
        > tests/data/positions/golden.json
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from statebox.config import Settings
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.jsonio import encode_json
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "tests" / "data" / "positions" / "golden.json"
SUSPEND = {"Type": "Task", "Resource": "module:suspend"}
INCSQUARE = json.loads((ROOT / "state_machines" / "incsquare.json").read_text())
SCHEMA = {"type": "object", "required": ["decision"]}


def approval(index: int) -> dict[str, Any]:
    return {
        "StartAt": f"Ask{index}",
        "States": {
            f"Ask{index}": {
                "Type": "Task",
                "Resource": "module:increment.waitForTaskToken",
                "Parameters": {"value": index, "url.$": "$$.Task.ResumeUrl"},
                "TimeoutSeconds": 259200,
                "HeartbeatSeconds": 3600,
                "ResumeSchema": SCHEMA,
                "ResultPath": "$.reply",
                "End": True,
            }
        },
    }


SCENARIOS: dict[str, tuple[dict[str, Any], Any, dict[str, Any]]] = {
    "incsquare": (INCSQUARE, 6, {}),
    # Stopped at a state boundary (the activation's deadline): the graph level without `$$`.
    "boundary_stop": (INCSQUARE, 6, {"stop": True}),
    "parallel_approval": (
        {
            "StartAt": "Both",
            "States": {
                "Both": {
                    "Type": "Parallel",
                    "Branches": [approval(0), approval(1)],
                    "Retry": [{"ErrorEquals": ["Nope"], "MaxAttempts": 2}],
                    "End": True,
                }
            },
        },
        {"who": ["a", "b"]},
        {},
    ),
    "map_open_iterations": (
        {
            "StartAt": "Each",
            "States": {
                "Each": {
                    "Type": "Map",
                    "MaxConcurrency": 2,
                    "ItemProcessor": {
                        "StartAt": "Mark",
                        "States": {
                            "Mark": {"Type": "Pass", "Assign": {"seen.$": "$"}, "Next": "Ask"},
                            "Ask": {**SUSPEND, "TimeoutSeconds": 60, "End": True},
                        },
                    },
                    "End": True,
                }
            },
        },
        [1, 2, 3],
        {},
    ),
    "retry_timer": (
        {
            "StartAt": "Flaky",
            "States": {
                "Flaky": {
                    "Type": "Task",
                    "Resource": "module:flaky",
                    "Parameters": {"item": "x", "failures": 5, "attempt.$": "$$.State.RetryCount"},
                    "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 600, "MaxAttempts": 3}],
                    "End": True,
                }
            },
        },
        {},
        {"wait_suspend_seconds": 60},
    ),
    "long_wait": (
        {
            "StartAt": "Set",
            "States": {
                "Set": {"Type": "Pass", "Assign": {"n": 1}, "Next": "Sleep"},
                "Sleep": {"Type": "Wait", "Seconds": 3600, "End": True},
            },
        },
        {"a": 1},
        {"wait_suspend_seconds": 60},
    ),
}


async def _positions() -> dict[str, list[str]]:
    """Each scenario's stored position after its start and after resuming its first point."""
    out: dict[str, list[str]] = {}
    for name, (definition, execution_input, settings) in SCENARIOS.items():
        counter = itertools.count()
        real = secrets.token_hex
        secrets.token_hex = lambda nbytes=16, n=counter: f"{next(n):0{2 * nbytes}x}"  # type: ignore[assignment]
        store = RedisStore.in_process(prefix=f"golden-{name}:")
        clock = FakeClock()
        settings = dict(settings)
        stop_at = clock.now() - timedelta(seconds=1) if settings.pop("stop", False) else None
        try:
            engine = Engine(
                Settings(actions_dir=ROOT / "demo_actions", **settings),
                store=store,
                signer=ContinuationSigner(b"golden"),
                clock=clock,
                base_url="http://statebox.test/",
            )
            started = await engine.start(definition, execution_input, stop_at=stop_at)
            record = await store.load(started.execution_id)
            steps = [encode_json(record["position"]).decode()]
            first = record["pending"][0]
            if first["kind"] in ("timer", "continue"):
                clock.advance(3601)
                await engine.run_due_timers()
            else:
                await engine.resume(started.continuation, {"decision": "approved"})
            record = await store.load(started.execution_id)
            steps.append(encode_json(record["position"]).decode())
            out[name] = steps
        finally:
            secrets.token_hex = real  # type: ignore[assignment]
            await store.close()
    return out


async def collect() -> dict[str, list[str]]:
    return await _positions()


@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_positions_are_written_as_before(scenario: str) -> None:
    expected = json.loads(GOLDEN.read_text())[scenario]
    got = (await collect())[scenario]
    assert got == expected  # the encoded JSON text: same keys, same order, same values


if __name__ == "__main__":
    json.dump(asyncio.run(collect()), sys.stdout, indent=1)
    sys.stdout.write("\n")
