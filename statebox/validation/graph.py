"""The graph: StartAt, transitions (Next, Default, Choices, Catch) naming a state of their own
machine, every state reachable, state names unique in the whole definition."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import Problem
from ..messages import did_you_mean, quoted
from ..types import child
from .machines import TERMINAL, Machine, states_of, type_of


def check_start_at(machine: dict[str, Any], at: str) -> Iterator[Problem]:
    """StartAt must name a state of this machine."""
    states = machine.get("States")
    start = machine.get("StartAt")
    if isinstance(states, dict) and isinstance(start, str) and start not in states:
        yield Problem(child(at, "StartAt"), _not_a_state(start, states, None))


def check_reachable(machine: dict[str, Any], at: str) -> Iterator[Problem]:
    """Every state can be reached from StartAt (AWS rejects unreachable states)."""
    states = machine.get("States")
    start = machine.get("StartAt")
    if not isinstance(states, dict) or not isinstance(start, str) or start not in states:
        return  # a bad StartAt is reported once, not as every state being unreachable
    seen = {start}
    todo = [start]
    while todo:
        state = states[todo.pop()]
        if not isinstance(state, dict):
            continue
        for _, target in _transitions(state, ""):
            if target in states and target not in seen:
                seen.add(target)
                todo.append(target)
    for name, state in states.items():
        # A state that is not even an object is reported by the schema; one problem is enough.
        if name not in seen and isinstance(state, dict):
            yield Problem(
                child(at, "States", name),
                f"state {quoted(name)} cannot be reached from StartAt {quoted(start)}",
            )


def check_targets(
    machine: dict[str, Any], at: str, everywhere: dict[str, str] | None = None
) -> Iterator[Problem]:
    """Next, Default, Choices[].Next and Catch[].Next must name a state of the same machine.

    `everywhere` (state name -> pointer, all machines) only improves the message when a target
    lives in another machine: transitions never cross a branch or processor boundary.
    """
    states = machine.get("States")
    if not isinstance(states, dict):
        return
    for name, state in states_of(machine):
        for target_at, target in _transitions(state, child(at, "States", name)):
            if target not in states:
                yield Problem(target_at, _not_a_state(target, states, everywhere))


def _transitions(state: dict[str, Any], at: str) -> Iterator[tuple[str, str]]:
    """(pointer, target name) for every transition a state declares with a string target."""
    kind = type_of(state)
    if kind not in TERMINAL and kind != "Choice" and isinstance(state.get("Next"), str):
        yield child(at, "Next"), state["Next"]
    if kind == "Choice":
        rules = state.get("Choices")
        if isinstance(rules, list):
            for index, rule in enumerate(rules):
                if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
                    yield child(at, "Choices", index, "Next"), rule["Next"]
        if isinstance(state.get("Default"), str):
            yield child(at, "Default"), state["Default"]
    catchers = state.get("Catch")
    if isinstance(catchers, list):
        for index, catcher in enumerate(catchers):
            if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
                yield child(at, "Catch", index, "Next"), catcher["Next"]


def _not_a_state(name: str, states: dict[str, Any], everywhere: dict[str, str] | None) -> str:
    if everywhere and name in everywhere:
        return (
            f"{quoted(name)} is not a state in this machine (it is defined at {everywhere[name]}; "
            "transitions cannot cross into or out of a Parallel branch or Map processor)"
        )
    return f"{quoted(name)} is not a state in this machine{did_you_mean(name, states)}"


def state_locations(machines: list[Machine]) -> dict[str, str]:
    where: dict[str, str] = {}
    for machine in machines:
        for name, _ in states_of(machine.raw):
            where.setdefault(name, child(machine.at, "States", name))
    return where


def check_unique_names(machines: list[Machine]) -> Iterator[Problem]:
    """State names are unique across the whole definition, nested machines included (AWS)."""
    first: dict[str, str] = {}
    for machine in machines:
        states = machine.raw.get("States")
        if not isinstance(states, dict):
            continue
        for name in states:
            at = child(machine.at, "States", name)
            if name in first:
                yield Problem(
                    at,
                    f"state name {quoted(name)} is already used at {first[name]}; "
                    "state names must be unique in the whole definition",
                )
            else:
                first[name] = at
