"""A resume does the work of the branch it resumes, not of the whole execution: the other
branches of a Parallel, the other iterations of a Map, stay as they are without running
(statebox/interpreter/suspension.py: `locate`, `leaves_as_is`). A 5,000-branch Parallel re-ran every
branch to resume one (0.45 s per resume; bench/resume_costs.py has the figures now)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import statebox.states.map as map_module
import statebox.states.parallel as parallel_module
from statebox.config import Settings
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.interpreter.suspension import locate
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore

ROOT = Path(__file__).resolve().parents[3]
ASK = {"Type": "Task", "Resource": "module:suspend", "End": True}


def wide_parallel(width: int) -> dict[str, Any]:
    branches = [{"StartAt": f"Ask{i}", "States": {f"Ask{i}": ASK}} for i in range(width)]
    return {"StartAt": "All", "States": {"All": {"Type": "Parallel", "Branches": branches, "End": True}}}


WIDE_MAP = {
    "StartAt": "Each",
    "States": {
        "Each": {"Type": "Map", "ItemProcessor": {"StartAt": "Ask", "States": {"Ask": ASK}}, "End": True}
    },
}


@pytest.fixture
async def engine() -> Any:
    store = RedisStore.in_process()
    yield Engine(
        Settings(actions_dir=ROOT / "demo_actions"),
        store=store,
        signer=ContinuationSigner(b"k"),
        clock=FakeClock(),
    )
    await store.close()


def count_graph_runs(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[int]:
    runs: list[int] = []
    real = module.run_graph

    async def counted(*args: Any) -> Any:
        runs.append(1)
        return await real(*args)

    monkeypatch.setattr(module, "run_graph", counted)
    return runs


@pytest.mark.parametrize(
    ("definition", "execution_input", "module"),
    [(wide_parallel(50), {"doc": 1}, parallel_module), (WIDE_MAP, list(range(50)), map_module)],
    ids=["parallel", "map"],
)
async def test_resuming_one_of_50_runs_only_that_one(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, definition: Any, execution_input: Any, module: Any
) -> None:
    started = await engine.start(definition, execution_input)
    tokens = [p["continuation"] for p in started.pending]
    assert len(tokens) == 50
    runs = count_graph_runs(monkeypatch, module)
    halfway = await engine.resume(tokens[7], {"by": "alice"})
    assert len(runs) == 1  # was 50: every open branch re-entered
    assert len(halfway.pending) == 49 and all(p["continuation"] != tokens[7] for p in halfway.pending)
    for token in tokens[:7] + tokens[8:]:
        result = await engine.resume(token, {"by": "bob"})
    assert result.status == "SUCCEEDED" and len(result.output) == 50
    assert sum(isinstance(item, dict) and item.get("by") == "alice" for item in result.output) == 1


def test_the_route_holds_the_nodes_on_the_way_to_the_point_and_never_data() -> None:
    point = {"id": "p2", "kind": "merge"}
    looks_like_a_point = {"pending": {"id": "p2"}}  # data, not a position
    branches = [
        {
            "position": {
                "state": "A",
                "input": looks_like_a_point,
                "inner": {"step": {"pending": {"id": "p1"}}},
            }
        },
        {"position": {"state": "B", "input": {}, "inner": {"step": {"pending": point}}}},
    ]
    position = {"state": "P", "input": {}, "inner": {"step": {"effective": {}, "branches": branches}}}
    found, route = locate(position, "p2")
    assert found is point and route is not None
    assert id(branches[1]["position"]) in route and id(branches[0]["position"]) not in route
    assert id(position) in route
    assert locate(position, "nowhere") == (None, None)
    branches[0]["position"]["inner"] = None  # stopped at a boundary: everything must run
    assert locate(position, "p2") == (point, None)
