"""Running a graph: `run_graph` steps one state at a time from the start (or a resumed
position) to an end; `gather_bounded` runs the children of a Parallel or Map."""

from __future__ import annotations

import asyncio
from typing import Any

from ..definition.model import StateGraph
from ..types import JSON
from .frame import Frame
from .positions import GraphPosition, Position
from .suspension import Suspension

_YIELD_EVERY = 255  # transitions between two yields to the event loop (a mask: 2**n - 1)


async def run_graph(graph: StateGraph, data: JSON, frame: Frame, resume: Position | None = None) -> JSON:
    """Run states from the graph's start (or from a resumed position) until one ends it.

    Raises StatesError when a state fails and nothing catches it, and Suspension (with this
    graph's position wrapped around the state's) when a state stops to wait."""
    states = graph.states
    name: str | None = graph.start_at
    if resume is not None:
        at = GraphPosition.from_json(resume)
        data = at.input
        state = states[at.state]
        frame.restore_variables(at.variables)
        frame.reenter(at)
        try:
            name, data = await state.run(data, frame, at.inner)
        except Suspension as stop:
            raise Suspension(frame.position(state.name, data, stop.position)) from None
    runtime = frame.runtime
    while name is not None:
        state = states[name]
        if runtime.yield_soon or runtime.transitions & _YIELD_EVERY == _YIELD_EVERY:
            # SYNC states never await: without this a loop of them (or of long evaluations)
            # would hold the event loop, and every other request, until the execution ends.
            runtime.yield_soon = False
            await asyncio.sleep(0)
        frame.enter(state, data)
        try:
            if state.SYNC:
                name, data = state.step(data, frame)
            else:
                name, data = await state.run(data, frame, None)
        except Suspension as stop:
            raise Suspension(frame.position(state.name, data, stop.position)) from None
    return data


async def gather_bounded(count: int, work: Any, limit: int) -> list[JSON]:
    """Run work(0..count-1) with at most `limit` running at once; results in index order.
    The first StatesError cancels the rest and propagates, as a failed branch does in AWS."""
    results: list[JSON] = [None] * count
    if count == 0:
        return results
    if limit <= 1 or count == 1:
        for index in range(count):
            results[index] = await work(index)
        return results
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < count:
            index = next_index
            next_index += 1
            results[index] = await work(index)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(limit, count)):
                group.create_task(worker())
    except BaseExceptionGroup as group_error:
        raise _first_error(group_error) from None
    return results


def _first_error(group_error: BaseExceptionGroup) -> BaseException:
    for exc in group_error.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _first_error(exc)
        return exc
    return group_error
