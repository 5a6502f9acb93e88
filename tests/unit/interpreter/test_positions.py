"""Every level of the position tree (statebox/interpreter/positions.py) decodes and encodes
back to the same bytes, on trees recorded from real suspensions (tests/data/positions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from statebox.interpreter.positions import (
    AttemptPosition,
    GraphPosition,
    MapPosition,
    ParallelPosition,
    PointPosition,
)
from statebox.jsonio import encode_json

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "positions" / "golden.json"


def recorded_trees() -> list[dict[str, Any]]:
    trees = []
    for steps in json.loads(GOLDEN.read_text()).values():
        trees.extend(tree for tree in map(json.loads, steps) if tree is not None)
    return trees


def same_bytes(level: Any, raw: dict[str, Any]) -> None:
    assert encode_json(level.to_json()) == encode_json(raw)


def check_graph(raw: dict[str, Any], seen: set[str]) -> None:
    graph = GraphPosition.from_json(raw)
    same_bytes(graph, raw)
    seen.add("graph")
    if graph.at_boundary:
        seen.add("boundary")
        return
    check_state(graph.inner, seen)


def check_state(raw: dict[str, Any], seen: set[str]) -> None:
    if "pending" in raw:  # a Wait
        same_bytes(PointPosition.from_json(raw), raw)
        seen.add("wait")
        return
    attempt = AttemptPosition.from_json(raw)
    same_bytes(attempt, raw)
    if attempt.retry is not None:
        seen.add("retry timer")
        return
    step = attempt.step
    if "pending" in step:
        same_bytes(PointPosition.from_json(step), step)
        seen.add("task")
    elif "branches" in step:
        parallel = ParallelPosition.from_json(step)
        same_bytes(parallel, step)
        seen.add("parallel")
        for branch in parallel.stopped.values():
            check_graph(branch, seen)
    else:
        map_position = MapPosition.from_json(step)
        same_bytes(map_position, step)
        seen.add("map")
        for iteration in map_position.open.values():
            check_graph(iteration, seen)


def test_every_level_round_trips_to_the_same_bytes() -> None:
    seen: set[str] = set()
    for tree in recorded_trees():
        check_graph(tree, seen)
    assert seen == {"graph", "boundary", "wait", "retry timer", "task", "parallel", "map"}


def test_a_level_keeps_the_levels_below_it_as_the_stored_objects() -> None:
    # The engine's route to a point is made of the ids of the stored objects
    # (suspension.locate): decoding a level must not copy the positions below it.
    tree = next(t for t in recorded_trees() if "branches" in json.dumps(t))
    step = AttemptPosition.from_json(tree["inner"]).step
    parallel = ParallelPosition.from_json(step)
    assert all(parallel.stopped[i] is step["branches"][i]["position"] for i in parallel.stopped)
    assert GraphPosition.from_json(tree).inner is tree["inner"]


def test_map_iterations_keep_the_order_they_stopped_in() -> None:
    raw = {"results": [None, None, 5], "open": {"1": {"x": 1}, "0": {"x": 0}}, "failures": 0}
    decoded = MapPosition.from_json(raw)
    assert list(decoded.open) == [1, 0]
    assert list(decoded.to_json()["open"]) == ["1", "0"]
