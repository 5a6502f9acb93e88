"""Parallel: runs every branch on the same input concurrently; the result is their outputs in
branch order. A failing branch fails the state with the branch's error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..dataflow.jsonpath import JsonPathFlow
from ..interpreter import Frame, gather_bounded, run_graph
from ..model import StateGraph
from ..types import JSON
from .recoverable import RecoverableState


@dataclass(frozen=True, slots=True, kw_only=True)
class ParallelState(RecoverableState):
    flow: JsonPathFlow
    branches: tuple[StateGraph, ...]

    async def attempt(self, raw_input: JSON, frame: Frame) -> JSON:
        effective = self.flow.effective_input(raw_input, frame)
        branches = self.branches

        async def run_branch(index: int) -> JSON:
            return await run_graph(branches[index], effective, frame.child())

        results = await gather_bounded(len(branches), run_branch, len(branches))
        return self.flow.output(raw_input, results, frame)


def build_parallel(spec: dict, *, name: str, at: str, builder: Any, language: str) -> ParallelState:
    from ..types import child

    return ParallelState(
        name=name,
        pointer=at,
        next=spec.get("Next"),
        flow=builder.flow(spec, at),
        branches=tuple(
            builder.graph(branch, child(at, "Branches", index), language)
            for index, branch in enumerate(spec["Branches"])
        ),
        retriers=builder.retriers(spec),
        catchers=builder.catchers(spec, at),
    )
