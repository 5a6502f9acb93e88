"""The Retry / Catch loop shared by Task, Parallel and Map: written once, used by all three."""

from __future__ import annotations

from dataclasses import dataclass

from ..dataflow.jsonpath import DISCARD
from ..definition.model import State
from ..errors import StatesError
from ..interpreter import Frame
from ..interpreter.points import PointKind
from ..interpreter.positions import AttemptPosition, Position
from ..interpreter.suspension import ResumeKind, Suspension
from ..types import JSON
from .retry import Catcher, Retrier, find_catcher, find_retrier


@dataclass(frozen=True, slots=True, kw_only=True)
class RecoverableState(State):
    retriers: tuple[Retrier, ...] = ()
    catchers: tuple[Catcher, ...] = ()

    async def attempt(self, raw_input: JSON, frame: Frame, resume: Position | None = None) -> JSON:
        """One try of the state's whole work, input to output. Raises StatesError, or
        Suspension with this try's position; `resume` is that position from a snapshot."""
        raise NotImplementedError

    async def run(
        self, raw_input: JSON, frame: Frame, resume: Position | None = None
    ) -> tuple[str | None, JSON]:
        runtime = frame.runtime
        if resume is None:
            attempts = [0] * len(self.retriers)
            step = None
        else:
            at = AttemptPosition.from_json(resume)
            attempts = at.attempts
            step = at.step
            if at.retry is not None:
                event = runtime.resume_event
                if event is None or not event.is_for(at.retry.id, ResumeKind.TIMER):
                    raise Suspension(resume)  # another point is being resumed; the back-off goes on
                # The back-off is over: the next attempt runs (its counters came with the position).
        while True:
            try:
                return self.next, await self.attempt(raw_input, frame, step)
            except Suspension as stop:
                raise Suspension(AttemptPosition(attempts, stop.position).to_json()) from None
            except StatesError as failure:
                step = None
                index = find_retrier(self.retriers, failure.error)
                if index is not None and attempts[index] < self.retriers[index].max_attempts:
                    retrier = self.retriers[index]
                    delay = retrier.delay(attempts[index], runtime.entropy)
                    attempts[index] += 1
                    frame.retry_count += 1
                    if runtime.sleeps_as_timer(delay):
                        # A long back-off is a durable timer, as a long Wait is: nothing held in
                        # memory, and the attempt counters travel in the position.
                        point = runtime.new_point(PointKind.TIMER, self.name, delay)
                        raise Suspension(AttemptPosition(attempts, retry=point).to_json()) from None
                    await runtime.clock.sleep(delay)
                    continue
                catcher = find_catcher(self.catchers, failure.error)
                if catcher is None:
                    raise
                return catcher.next, _caught_output(catcher, raw_input, failure, frame)


def _caught_output(catcher: Catcher, raw_input: JSON, failure: StatesError, frame: Frame) -> JSON:
    if catcher.flow is not None:
        # The catch's ResultPath or Output, and its Assign, in the state's query language.
        return catcher.flow.recover(raw_input, failure.as_error_output(), frame)
    if catcher.result_path is None or catcher.result_path is DISCARD:
        return raw_input
    return catcher.result_path.write(raw_input, failure.as_error_output())
