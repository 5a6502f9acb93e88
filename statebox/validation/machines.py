"""The walk every check shares: the machines in a definition (the top level, Parallel branches,
Map processors), their states, and the names both query languages and all state types go by."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import Problem
from ..types import child

MAX_MACHINE_DEPTH = 100
"""Deepest allowed nesting of Parallel branches / Map processors. Real machines stay in single
digits; the limit bounds the work (and the pointers) an absurd or hostile document can cause."""

JSONPATH = "JSONPath"
JSONATA = "JSONata"
LANGUAGES = (JSONPATH, JSONATA)

STATE_TYPES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
NEEDS_TRANSITION = frozenset({"Pass", "Task", "Wait", "Parallel", "Map"})
TERMINAL = frozenset({"Succeed", "Fail"})

# Must stay identical to the pattern in asl.schema.json: messages name it in plain words.
JSONATA_PATTERN = r"^\s*\{%[\s\S]*%\}\s*$"
_JSONATA = re.compile(JSONATA_PATTERN)


def is_jsonata_text(value: object) -> bool:
    """A '{% ... %}' string: a JSONata expression where a field may hold one."""
    return isinstance(value, str) and _JSONATA.match(value) is not None


@dataclass(frozen=True, slots=True)
class Machine:
    """One state machine in the document: the top level, a Parallel branch or a Map processor."""

    raw: dict[str, Any]
    at: str
    depth: int
    kind: str  # "root", "branch" or "processor": which schema describes it


def machines(doc: dict[str, Any]) -> Iterator[Machine]:
    """Every machine, parents before children, walked without recursion."""
    stack = [Machine(doc, "", 0, "root")]
    while stack:
        machine = stack.pop()
        yield machine
        nested: list[Machine] = []
        for name, state in states_of(machine.raw):
            state_at = child(machine.at, "States", name)
            branches = state.get("Branches")
            if isinstance(branches, list):
                for index, branch in enumerate(branches):
                    if isinstance(branch, dict):
                        nested.append(
                            Machine(
                                branch,
                                child(state_at, "Branches", index),
                                machine.depth + 1,
                                "branch",
                            )
                        )
            for field in ("ItemProcessor", "Iterator"):
                processor = state.get(field)
                if isinstance(processor, dict):
                    nested.append(Machine(processor, child(state_at, field), machine.depth + 1, "processor"))
        stack.extend(reversed(nested))


def states_of(machine: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    states = machine.get("States")
    if isinstance(states, dict):
        for name, state in states.items():
            if isinstance(state, dict):
                yield name, state


def nesting_problem(doc: dict[str, Any]) -> Problem | None:
    for machine in machines(doc):
        if machine.depth > MAX_MACHINE_DEPTH:
            return Problem(
                machine.at,
                f"state machines are nested more than {MAX_MACHINE_DEPTH} levels deep "
                "(Parallel branches and Map processors)",
            )
    return None


def type_of(state: dict[str, Any]) -> str | None:
    """The state's Type if it is one of the eight; None otherwise (the schema reports it)."""
    kind = state.get("Type")
    return kind if isinstance(kind, str) and kind in STATE_TYPES else None
