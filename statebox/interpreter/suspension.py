"""Suspension as data: how a running execution stops and how it is told to continue.

A state that must wait raises `Suspension` with its position; each enclosing level wraps its
own around it, so the exception that leaves the interpreter carries the whole position tree
(its layout: statebox/interpreter/positions.py). A `ResumeEvent` names the pending point it is
for; every other pending point stays pending. The walks here read a stored tree as JSON, for
the engine: its pending points, whether a graph stopped at a state boundary, the route to one
point.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..types import JSON


class Suspension(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised inside the interpreter when a branch stops; carries its position."""

    def __init__(self, position: dict[str, Any]) -> None:
        super().__init__("suspended")
        self.position = position


class ResumeKind(StrEnum):
    """What a `ResumeEvent` says. A StrEnum: the engine's plain strings compare equal."""

    SUCCESS = "success"  # `input` is the resume input
    FAILURE = "failure"  # `error` / `cause` fail the suspended task
    TIMEOUT = "timeout"  # the point's deadline passed: States.Timeout
    HEARTBEAT_TIMEOUT = "heartbeat_timeout"  # no heartbeat in time: States.HeartbeatTimeout
    TIMER = "timer"  # a long Wait or Retry back-off is over
    CONTINUE = "continue"  # restart states that stopped at a boundary
    EXPIRE = "expire"  # the machine's TimeoutSeconds passed (the engine's own timer)


@dataclass(frozen=True, slots=True)
class ResumeEvent:
    """What continues a suspended execution: `kind` (a ResumeKind; a plain string is taken
    and checked) for the pending point `suspension_id`."""

    kind: ResumeKind
    suspension_id: str | None = None
    input: JSON = None
    error: str | None = None
    cause: str | None = None
    # The ids of the position nodes on the way from the root to the pending point (`locate`),
    # or None. A Parallel branch or Map iteration whose position is off the route keeps it as
    # it is without running (`leaves_as_is`): a 5,000-branch Parallel re-ran every branch to
    # resume one. Sound because a state acts only on an event for its own point.
    route: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if type(self.kind) is not ResumeKind:
            object.__setattr__(self, "kind", ResumeKind(self.kind))

    def is_for(self, point_id: str, kind: ResumeKind | None = None) -> bool:
        """Whether this event resumes the point `point_id` (and is of `kind`, when given)."""
        return self.suspension_id == point_id and (kind is None or self.kind is kind)


# Keys whose values are the execution's data, not more position: a walk of the tree never
# descends into them, because data can look like a position (a state input holding
# {"pending": {"id": ...}} is not a pending point).
DATA_KEYS = frozenset({"input", "data", "schema", "effective", "output", "results", "variables"})


def position_nodes(position: JSON) -> list[dict[str, Any]]:
    """Every dict of a position tree's own structure, in document order (data not entered)."""
    nodes: list[dict[str, Any]] = []
    _collect_nodes(position, nodes)
    return nodes


def _collect_nodes(position: JSON, nodes: list[dict[str, Any]]) -> None:
    if type(position) is dict:
        nodes.append(position)
        for key, value in position.items():
            if key not in DATA_KEYS and type(value) in (dict, list):
                _collect_nodes(value, nodes)
    elif type(position) is list:
        for item in position:
            _collect_nodes(item, nodes)


def scan_position(position: JSON) -> tuple[list[dict[str, Any]], bool]:
    """In one walk: every pending point of a position tree in document order, and whether some
    graph stopped before a state (the activation's deadline), so a "continue" is due."""
    points: list[dict[str, Any]] = []
    boundary = False
    for node in position_nodes(position):
        point = node.get("pending")
        if type(point) is dict and "id" in point:
            points.append(point)
        if not boundary and "state" in node and "inner" in node and node["inner"] is None:
            boundary = True
    return points, boundary


def pending_points(position: JSON) -> list[dict[str, Any]]:
    """Every pending point in a position tree, in document order."""
    return scan_position(position)[0]


def locate(position: JSON, point_id: str) -> tuple[dict[str, Any] | None, frozenset[int] | None]:
    """In one walk: the pending point `point_id`, and the route to it (see ResumeEvent.route).
    The route is None when the point is not found or some graph stopped at a state boundary
    (that one continues on any activation, so the whole tree must run)."""
    found: list[dict[str, Any]] = []
    route: set[int] = set()
    boundary = _locate(position, point_id, found, route)
    point = found[0] if found else None
    return point, (frozenset(route) if point is not None and not boundary else None)


def _locate(node: JSON, point_id: str, found: list[dict[str, Any]], route: set[int]) -> bool:
    """Walk `node`; adds the ids of the nodes holding the point to `route` on the way back.
    Returns whether a boundary stop was seen."""
    boundary = False
    if type(node) is dict:
        holds = len(found)
        point = node.get("pending")
        if type(point) is dict and point.get("id") == point_id:
            found.append(point)
        if "state" in node and "inner" in node and node["inner"] is None:
            boundary = True
        for key, value in node.items():
            if key not in DATA_KEYS and type(value) in (dict, list):
                boundary = _locate(value, point_id, found, route) or boundary
        if len(found) > holds:
            route.add(id(node))
    elif type(node) is list:
        holds = len(found)
        for item in node:
            boundary = _locate(item, point_id, found, route) or boundary
        if len(found) > holds:
            route.add(id(node))
    return boundary


def leaves_as_is(event: ResumeEvent | None, position: Any) -> bool:
    """Whether resuming `event` leaves this part of the position tree as it is (off its route)."""
    return event is not None and event.route is not None and id(position) not in event.route
