"""Parallel: runs every branch on the same input concurrently; the result is their outputs in
branch order. A failing branch fails the state with the branch's error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ..dataflow.flow import DataFlow
from ..definition.model import StateGraph
from ..interpreter import Frame, gather_bounded, run_graph
from ..interpreter.positions import ParallelPosition, Position
from ..interpreter.suspension import Suspension, leaves_as_is
from ..types import JSON, child
from .recoverable import RecoverableState

if TYPE_CHECKING:
    from ..definition.parse import Builder


@dataclass(frozen=True, slots=True, kw_only=True)
class ParallelState(RecoverableState):
    TYPE: ClassVar[str] = "Parallel"
    flow: DataFlow
    branches: tuple[StateGraph, ...]

    async def attempt(self, raw_input: JSON, frame: Frame, resume: Position | None = None) -> JSON:
        at = None if resume is None else ParallelPosition.from_json(resume)
        effective = self.flow.effective_input(raw_input, frame) if at is None else at.effective
        branches = self.branches
        stopped: dict[int, Position] = {}
        results: list[JSON] = [None] * len(branches)
        to_run: list[int] = []
        event = frame.runtime.resume_event
        for index in range(len(branches)):
            before = None if at is None else at.stopped.get(index)
            if at is None:
                to_run.append(index)
            elif before is None:
                results[index] = at.outputs[index]
            elif leaves_as_is(event, before):
                stopped[index] = before  # resumed elsewhere: waits on as it was
            else:
                to_run.append(index)

        async def run_branch(index: int) -> JSON:
            position = None if at is None else at.stopped.get(index)
            try:
                return await run_graph(branches[index], effective, frame.child(), position)
            except Suspension as stop:
                stopped[index] = stop.position
                return None

        outputs = await gather_bounded(len(to_run), lambda k: run_branch(to_run[k]), len(to_run))
        for index, output in zip(to_run, outputs, strict=True):
            results[index] = output
        if stopped:
            raise Suspension(ParallelPosition(effective, results, stopped).to_json())
        return self.flow.output(raw_input, results, frame)


def build_parallel(spec: dict, *, name: str, at: str, builder: Builder, language: str) -> ParallelState:
    return ParallelState(
        name=name,
        pointer=at,
        next=spec.get("Next"),
        flow=builder.flow(spec, at, language=language),
        branches=tuple(
            builder.graph(branch, child(at, "Branches", index), builder.top_language)
            for index, branch in enumerate(spec["Branches"])
        ),
        retriers=builder.retriers(spec),
        catchers=builder.catchers(spec, at, language),
    )
