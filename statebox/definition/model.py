"""The immutable, validated model of a definition: Machine, StateGraph and the State base.

Built once by `parse.py`; the interpreter only ever reads it. Each state type lives in its own
module under `statebox/states/` and implements `run(raw_input, frame) -> (next, output)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ..types import JSON

if TYPE_CHECKING:
    from ..interpreter import Frame
    from ..interpreter.positions import Position


@dataclass(frozen=True, slots=True, kw_only=True)
class State:
    """What every state has. `next` is None for a terminal state."""

    TYPE: ClassVar[str] = ""
    # States whose work never waits (Pass, Choice, Succeed, Fail) implement `step` and set SYNC,
    # so the interpreter skips a coroutine per transition on the hot path.
    SYNC: ClassVar[bool] = False
    name: str
    pointer: str
    next: str | None = None

    async def run(
        self, raw_input: JSON, frame: Frame, resume: Position | None = None
    ) -> tuple[str | None, JSON]:
        """Do the state's work; return the next state's name (None: end) and the output.
        Raises StatesError when the state fails and its Catch does not handle it, and
        Suspension when it stops to wait. `resume` is this state's part of a snapshot."""
        return self.step(raw_input, frame)

    def step(self, raw_input: JSON, frame: Frame) -> tuple[str | None, JSON]:
        """`run` for SYNC states, without the coroutine."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class StateGraph:
    """A set of states with a start: the machine itself, a Parallel branch, a Map processor."""

    start_at: str
    states: Mapping[str, State]


@dataclass(frozen=True, slots=True)
class Machine:
    graph: StateGraph
    definition: JSON
    definition_hash: str
    name: str
    query_language: str = "JSONPath"
    timeout_seconds: float | None = None
    comment: str | None = None
    definition_text: str = ""  # the canonical JSON the hash is of: what the store keeps
