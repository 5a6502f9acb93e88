"""The position tree: where a suspended execution stands. Its one description is here.

When a state must wait for the outside world (`module:suspend`, `.waitForTaskToken`, a long
Wait, a long Retry back-off, or the activation's deadline) it raises `Suspension` with its
position; each enclosing graph, Parallel and Map wraps its own level around it, so the
exception that leaves the interpreter carries the whole tree, which the engine stores in the
execution record as plain JSON (format version 1):

    graph:    {"state": name, "input": raw input of that state, "inner": state position | null,
               "entered": iso, "retries": n, "variables": {name: value} (optional)}
              "inner": null means "stopped before starting this state" (the activation's
              deadline): then "entered" and "retries" are absent. "variables" are the
              workflow variables this graph's scope assigned so far, absent when none.
    Task, Parallel, Map (the Retry / Catch loop, states/recoverable.py):
              {"attempts": [n per retrier], "step": the attempt's position}, or, during a Retry
              back-off that became a timer, {"attempts": [...], "retry": {"pending": point}}:
              when the timer fires the next attempt runs ("attempts" already counts the failed one)
    task:     {"pending": point}                      (the attempt's position)
    wait:     {"pending": point}
    parallel: {"effective": x, "branches": [{"output": x} | {"position": graph}, ...]}
    map:      {"results": [x | null, ...], "open": {"index": graph}, "failures": n}
    point:    see points.PendingPoint

Each level is a class here with `to_json` / `from_json`. A level is decoded only by the code
that runs it, and keeps the levels below it as JSON (`inner`, `step`, a branch's or an
iteration's position): those stay the very objects the engine's walk of the stored tree
located (`ResumeEvent.route` holds their ids, `suspension.leaves_as_is` reads them). Walks of
the tree (suspension.py) never enter the data keys (`DATA_KEYS`): data can look like a position.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..types import JSON
from .points import PendingPoint

POSITION_FORMAT = 1

Position = dict[str, Any]  # one level of the tree, as stored


@dataclass(frozen=True, slots=True)
class GraphPosition:
    """A graph (the machine, a branch, an iteration) stopped in `state`."""

    state: str
    input: JSON
    inner: Position | None = None  # the state's own position; None: stopped before the state started
    entered: str | None = None  # `$$.State.EnteredTime`; None for a stop before the state
    retries: int = 0  # `$$.State.RetryCount`
    variables: Mapping[str, JSON] | None = None  # what this scope assigned so far

    @property
    def at_boundary(self) -> bool:
        return self.inner is None

    def to_json(self) -> Position:
        out: Position = {"state": self.state, "input": self.input, "inner": self.inner}
        if self.entered is not None:
            out["entered"] = self.entered
            out["retries"] = self.retries
        if self.variables:
            out["variables"] = self.variables
        return out

    @classmethod
    def from_json(cls, raw: Position) -> GraphPosition:
        return cls(
            state=raw["state"],
            input=raw["input"],
            inner=raw["inner"],
            entered=raw.get("entered"),
            retries=raw.get("retries", 0),
            variables=raw.get("variables"),
        )


@dataclass(frozen=True, slots=True)
class AttemptPosition:
    """The Retry / Catch loop of a Task, Parallel or Map: its attempt counters, and either the
    running attempt's position (`step`) or the back-off timer before the next one (`retry`)."""

    attempts: list[int]
    step: Position | None = None
    retry: PendingPoint | None = None

    def to_json(self) -> Position:
        if self.retry is not None:
            return {"attempts": self.attempts, "retry": PointPosition(self.retry).to_json()}
        return {"attempts": self.attempts, "step": self.step}

    @classmethod
    def from_json(cls, raw: Position) -> AttemptPosition:
        waiting = raw.get("retry")
        return cls(
            attempts=list(raw["attempts"]),
            step=raw.get("step"),
            retry=None if waiting is None else PointPosition.from_json(waiting).pending,
        )


@dataclass(frozen=True, slots=True)
class PointPosition:
    """A Task or Wait waiting on one pending point."""

    pending: PendingPoint

    def to_json(self) -> Position:
        return {"pending": self.pending.to_json()}

    @classmethod
    def from_json(cls, raw: Position) -> PointPosition:
        return cls(PendingPoint.from_json(raw["pending"]))


@dataclass(frozen=True, slots=True)
class ParallelPosition:
    """A Parallel attempt: its effective input, every branch's output (read only for the
    finished ones) and the graph positions of the stopped branches, by index."""

    effective: JSON
    outputs: list[JSON]
    stopped: Mapping[int, Position]

    def to_json(self) -> Position:
        stopped = self.stopped
        return {
            "effective": self.effective,
            "branches": [
                {"position": stopped[i]} if i in stopped else {"output": output}
                for i, output in enumerate(self.outputs)
            ],
        }

    @classmethod
    def from_json(cls, raw: Position) -> ParallelPosition:
        outputs: list[JSON] = []
        stopped: dict[int, Position] = {}
        for index, branch in enumerate(raw["branches"]):
            if "output" in branch:
                outputs.append(branch["output"])
            else:
                outputs.append(None)
                stopped[index] = branch["position"]
        return cls(raw["effective"], outputs, stopped)


@dataclass(frozen=True, slots=True)
class MapPosition:
    """A Map attempt: every iteration's result (None for an open one), the graph positions of
    the open iterations (by index, in the order they stopped) and the failures tolerated."""

    results: list[JSON]
    open: Mapping[int, Position]
    failures: int = 0

    def to_json(self) -> Position:
        return {
            "results": self.results,
            "open": {str(index): position for index, position in self.open.items()},
            "failures": self.failures,
        }

    @classmethod
    def from_json(cls, raw: Position) -> MapPosition:
        return cls(
            results=raw["results"],
            open={int(index): position for index, position in raw["open"].items()},
            failures=raw["failures"],
        )
