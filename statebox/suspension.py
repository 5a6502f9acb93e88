"""Suspension as data: how a running execution stops and how it is told to continue.

When a state must wait for the outside world (`module:suspend`, `.waitForTaskToken`, a long
Wait, or the activation's deadline) it raises `Suspension` with a plain-JSON position. Each
enclosing graph, Parallel and Map adds its own layer, so the exception that leaves the
interpreter carries the whole position tree: the snapshot's heart. A `ResumeEvent` names the
pending point it is for; every other pending point stays pending.

Position tree (format version 1, documented in ARCHITECTURE.md):
    graph:    {"state": name, "input": raw input of that state, "inner": state position | null,
               "variables": {name: value} (optional)}
              ("inner": null means "stopped before starting this state"; "variables" are the
              workflow variables this graph's scope assigned so far, absent when none: older
              positions simply have none, so the key needs no format bump)
    task:     {"attempts": [n, ...], "step": {"pending": point}}
    wait:     {"pending": point}
    parallel: {"attempts": [...], "step": {"effective": x, "branches": [{"output": x} | {"position": graph}]}}
    map:      {"attempts": [...], "step": {"results": [x | null...], "open": {"index": graph}, "failures": n}}
    point:    {"id": sid, "kind": "merge" | "token" | "timer", "state": name, "due": iso | null,
               "data": effective input, "token": continuation | null, "schema": {...} | null}
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .types import JSON

POSITION_FORMAT = 1


class Suspension(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised inside the interpreter when a branch stops; carries its position."""

    def __init__(self, position: dict[str, Any]) -> None:
        super().__init__("suspended")
        self.position = position


@dataclass(frozen=True, slots=True)
class ResumeEvent:
    """What continues a suspended execution.

    kind: "success" (input is the resume input), "failure" (error / cause), "timeout" (the
    point's deadline passed), "timer" (a long Wait is over), or "continue" (restart states that
    stopped at a boundary; suspension_id is None)."""

    kind: str
    suspension_id: str | None = None
    input: JSON = None
    error: str | None = None
    cause: str | None = None


def pending_points(position: JSON) -> Iterator[dict[str, Any]]:
    """Every pending point in a position tree, in document order."""
    if isinstance(position, dict):
        point = position.get("pending")
        if isinstance(point, dict) and "id" in point:
            yield point
        for key, value in position.items():
            if key != "pending":
                yield from pending_points(value)
    elif isinstance(position, list):
        for item in position:
            yield from pending_points(item)


def has_boundary_stop(position: JSON) -> bool:
    """True when some graph stopped before a state (deadline), so a "continue" is due."""
    if isinstance(position, dict):
        if "state" in position and "inner" in position and position["inner"] is None:
            return True
        return any(has_boundary_stop(v) for v in position.values())
    if isinstance(position, list):
        return any(has_boundary_stop(v) for v in position)
    return False
