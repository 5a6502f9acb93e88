"""The pure core: runs a StateGraph from its start to an end, one state at a time.

It talks to the outside only through the ports in `Runtime` (invoker, clock, entropy) and never
touches a store or HTTP. A `Frame` is one running graph (the machine, a Parallel branch or a Map
iteration); it is also the `Scope` paths read `$$` and variables from.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from .asl_errors import ErrorName
from .budget import SizeMemo
from .errors import StatesError
from .jsonio import encode_json, json_size
from .model import State, StateGraph
from .ports import ActionInvoker, Clock, Entropy
from .suspension import ResumeEvent, Suspension
from .timestamps import parse_timestamp
from .types import JSON


class ExecutionTimedOut(Exception):  # noqa: N818 - a control-flow signal, never caught by Catch
    """The machine's TimeoutSeconds has passed: the whole execution ends TIMED_OUT."""


def iso_timestamp(moment: datetime) -> str:
    """AWS's context-object time format: ISO-8601 UTC with milliseconds and a Z."""
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    # isoformat runs in C; strftime was a tenth of a dev-server request.
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


@dataclass(frozen=True, slots=True)
class Limits:
    max_payload_bytes: int = 256 * 1024
    max_transitions: int = 25_000
    max_map_concurrency: int = 40  # AWS runs at most 40 inline Map iterations at once


@dataclass(slots=True)
class Runtime:
    """Everything one execution shares across its frames."""

    invoker: ActionInvoker
    clock: Clock
    entropy: Entropy
    limits: Limits
    execution_id: str
    execution_name: str
    execution_input: JSON
    start_time: datetime
    state_machine_id: str
    state_machine_name: str
    transitions: int = 0
    stop_at: datetime | None = None  # stop at the next state boundary once this time is reached
    first_transition: int = -1  # the transition count this activation started from
    execution_deadline: datetime | None = None  # the machine's TimeoutSeconds, as a time
    resume_event: ResumeEvent | None = None
    issue_token: Callable[[str, datetime], str] | None = None  # continuation token for a point
    resume_url: Callable[[str], str] | None = None
    default_suspension_seconds: float = 7 * 24 * 3600
    wait_suspend_seconds: float | None = None  # Waits at least this long suspend as timers
    history: list[dict[str, Any]] | None = None  # events, kept only when someone will read them
    event_sink: Callable[[str, dict[str, Any]], None] | None = None  # live view (dev server log)
    # Set by an evaluation that ran long (dataflow/jsonata.py): the next state boundary lets the
    # event loop serve other requests before going on.
    yield_soon: bool = False
    sizes: SizeMemo = field(default_factory=SizeMemo)  # values measured as built (budget.py)

    def record_event(self, event: dict[str, Any]) -> None:
        if self.history is not None:
            self.history.append(event)
        if self.event_sink is not None:
            self.event_sink(self.execution_name, event)

    def new_point(self, kind: str, state: str, seconds: float | None, data: JSON) -> dict[str, Any]:
        """A fresh pending point with an unguessable id, its deadline and its token."""
        suspension_id = secrets.token_hex(16)
        due = self.clock.now() + timedelta(
            seconds=self.default_suspension_seconds if seconds is None else seconds
        )
        token = self.issue_token(suspension_id, due) if self.issue_token else suspension_id
        return {
            "id": suspension_id,
            "kind": kind,
            "state": state,
            "due": iso_timestamp(due),
            "data": data,
            "token": token,
        }

    def sleeps_as_timer(self, seconds: float) -> bool:
        """Should a wait this long become a durable timer (a Wait, a Retry's back-off) rather
        than a sleep here? Yes from `wait_suspend_seconds` on, or when it would run past this
        activation's deadline: an activation cannot sleep for days, and a sleep keeps the
        request (and, on OpenWhisk, the activation) alive with nothing stored."""
        threshold = self.wait_suspend_seconds
        if threshold is not None and seconds >= threshold:
            return True
        return self.stop_at is not None and self.clock.now() + timedelta(seconds=seconds) > self.stop_at

    def count_transition(self) -> None:
        self.transitions += 1
        if self.transitions > self.limits.max_transitions:
            raise self.too_many_transitions()

    def too_many_transitions(self) -> StatesError:
        return StatesError(
            ErrorName.RUNTIME,
            f"The execution exceeded the limit of {self.limits.max_transitions} state "
            "transitions (a runaway loop?).",
        )

    def check_size(self, value: JSON, what: str) -> bytes:
        """States.DataLimitExceeded when a value crossing a boundary is over the payload limit.
        Returns the value as compact UTF-8 JSON, for callers that need it anyway."""
        try:
            encoded = encode_json(value)
        except RecursionError:
            raise StatesError(ErrorName.RUNTIME, f"{what} is nested too deeply.") from None
        if len(encoded) > self.limits.max_payload_bytes:
            raise StatesError(
                ErrorName.DATA_LIMIT_EXCEEDED,
                f"{what} has a size of {len(encoded)} bytes, exceeding the limit of "
                f"{self.limits.max_payload_bytes} bytes.",
            )
        if type(value) is dict or type(value) is list:
            self.sizes.put(value, len(encoded), exact=False)  # its encoding bounds its size
        return encoded


MAX_SECONDS = 99_999_999  # AWS: the most a Wait, TimeoutSeconds or HeartbeatSeconds may say
MAX_VARIABLE_BYTES = 256 * 1024  # AWS: one variable, and all the values of one Assign
MAX_VARIABLES_BYTES = 10 * 1024 * 1024  # AWS: every variable of an execution together

_NO_VARIABLES: Mapping[str, JSON] = MappingProxyType({})


@dataclass(slots=True)
class Frame:
    """One running graph. Mutable by design: it tracks the current state for `$$`, and the
    workflow variables of its scope.

    `variables` is everything a state here can read: the variables this frame assigned
    (`local`) over those of the enclosing scopes (`outer`, read-only: a Parallel branch or Map
    iteration can read them but not assign them). Assigning replaces `local` with a new dict,
    never changes one in place, so a position or a child frame may keep the old one."""

    runtime: Runtime
    variables: Mapping[str, JSON] = field(default_factory=dict)
    map_item: tuple[int, JSON] | None = None
    state_name: str = ""
    entered_time: datetime | None = None
    retry_count: int = 0
    task_token: str | None = None
    # Plain None defaults (not default factories): a Map creates a frame per iteration, and
    # most frames never assign anything.
    outer: Mapping[str, JSON] | None = None
    local: dict[str, JSON] | None = None
    local_bytes: dict[str, int] | None = None
    outer_bytes: int = 0

    @property
    def entropy(self) -> Entropy:
        return self.runtime.entropy

    def child(self, map_item: tuple[int, JSON] | None = None, *, inherit: bool = True) -> Frame:
        """A frame for a Parallel branch or Map iteration: outer variables are visible and
        read-only (`inherit=False`, a distributed Map's child workflow, sees none)."""
        if not inherit:
            return Frame(
                runtime=self.runtime,
                variables=_NO_VARIABLES,
                map_item=map_item,
                state_name=self.state_name,
                entered_time=self.entered_time,
            )
        own_bytes = sum(self.local_bytes.values()) if self.local_bytes else 0
        return Frame(
            runtime=self.runtime,
            variables=self.variables,
            map_item=map_item,
            state_name=self.state_name,
            entered_time=self.entered_time,
            outer=self.variables or None,
            outer_bytes=self.outer_bytes + own_bytes,
        )

    def assign(self, values: Mapping[str, JSON]) -> None:
        """Commit one state's Assign: every value was computed from the old variables."""
        if not values:
            return
        outer = self.outer
        sizes: dict[str, int] = {}
        for name, value in values.items():
            if outer is not None and name in outer:
                raise StatesError(
                    ErrorName.RUNTIME,
                    f"The state '{self.state_name}' cannot assign the variable '{name}': it belongs "
                    "to an enclosing scope, which a Parallel branch or Map iteration can read but "
                    "not assign.",
                )
            size = json_size(value)
            if size > MAX_VARIABLE_BYTES:
                raise StatesError(
                    ErrorName.DATA_LIMIT_EXCEEDED,
                    f"The variable '{name}' assigned by the state '{self.state_name}' has a size of "
                    f"{size} bytes, exceeding the limit of {MAX_VARIABLE_BYTES} bytes.",
                )
            sizes[name] = size
        together = sum(sizes.values())
        if together > MAX_VARIABLE_BYTES:
            raise StatesError(
                ErrorName.DATA_LIMIT_EXCEEDED,
                f"The Assign of the state '{self.state_name}' has a size of {together} bytes, "
                f"exceeding the limit of {MAX_VARIABLE_BYTES} bytes.",
            )
        local_bytes = {**self.local_bytes, **sizes} if self.local_bytes else sizes
        total = self.outer_bytes + sum(local_bytes.values())
        if total > MAX_VARIABLES_BYTES:
            raise StatesError(
                ErrorName.DATA_LIMIT_EXCEEDED,
                f"The variables of the execution have a size of {total} bytes after the state "
                f"'{self.state_name}', exceeding the limit of {MAX_VARIABLES_BYTES} bytes.",
            )
        self.local_bytes = local_bytes
        self._set_local({**self.local, **values} if self.local else dict(values))

    def _set_local(self, local: dict[str, JSON]) -> None:
        self.local = local
        outer = self.outer
        self.variables = ChainMap(local, outer) if outer else local  # type: ignore[arg-type]

    def restore_variables(self, local: Mapping[str, JSON] | None) -> None:
        """This frame's own variables, from a snapshot position."""
        if local:
            self.local_bytes = {name: json_size(value) for name, value in local.items()}
            self._set_local(dict(local))

    def enter(self, state: State, data: JSON) -> None:
        runtime = self.runtime
        now = runtime.clock.now()
        # At least one state per activation, so an execution always makes progress.
        if (
            runtime.stop_at is not None
            and now >= runtime.stop_at
            and runtime.transitions > runtime.first_transition
        ):
            # Out of time in this activation: stop cleanly before the state starts.
            raise Suspension({"state": state.name, "input": data, "inner": None})
        if runtime.execution_deadline is not None and now >= runtime.execution_deadline:
            raise ExecutionTimedOut()
        runtime.transitions += 1
        if runtime.transitions > runtime.limits.max_transitions:
            raise runtime.too_many_transitions()
        if runtime.history is not None:
            runtime.record_event(
                {"timestamp": iso_timestamp(now), "type": f"{state.TYPE}StateEntered", "state": state.name}
            )
        self.state_name = state.name
        self.entered_time = now
        self.retry_count = 0

    def reenter(self, state_name: str, position: dict[str, Any]) -> None:
        """Continue a state from a snapshot: `$$.State` is as it was when it was entered."""
        self.state_name = state_name
        entered = position.get("entered")
        self.entered_time = parse_timestamp(entered) if entered else self.runtime.clock.now()
        self.retry_count = position.get("retries", 0)
        if position["inner"] is None:
            self.runtime.count_transition()

    def position(self, state_name: str, data: JSON, inner: Any) -> dict[str, Any]:
        position = {
            "state": state_name,
            "input": data,
            "inner": inner,
            "entered": iso_timestamp(self.entered_time or self.runtime.clock.now()),
            "retries": self.retry_count,
        }
        if self.local:
            # The variables this scope assigned so far (the enclosing scopes' are in the
            # enclosing positions): a resumed execution reads the same values.
            position["variables"] = self.local
        return position

    def context_object(self) -> JSON:
        """The `$$` document, built only when a path reads it."""
        runtime = self.runtime
        context: dict[str, Any] = {
            "Execution": {
                "Id": runtime.execution_id,
                "Input": runtime.execution_input,
                "Name": runtime.execution_name,
                "RoleArn": "arn:statebox:role:statebox",
                "StartTime": iso_timestamp(runtime.start_time),
                "RedriveCount": 0,
            },
            "State": {
                "Name": self.state_name,
                "EnteredTime": iso_timestamp(self.entered_time or runtime.start_time),
                "RetryCount": self.retry_count,
            },
            "StateMachine": {"Id": runtime.state_machine_id, "Name": runtime.state_machine_name},
        }
        if self.map_item is not None:
            context["Map"] = {"Item": {"Index": self.map_item[0], "Value": self.map_item[1]}}
        if self.task_token is not None:
            context["Task"] = {"Token": self.task_token}
            if runtime.resume_url is not None:
                context["Task"]["ResumeUrl"] = runtime.resume_url(self.task_token)
        return context


_YIELD_EVERY = 255  # transitions between two yields to the event loop (a mask: 2**n - 1)


async def run_graph(
    graph: StateGraph, data: JSON, frame: Frame, resume: dict[str, Any] | None = None
) -> JSON:
    """Run states from the graph's start (or from a resumed position) until one ends it.

    Raises StatesError when a state fails and nothing catches it, and Suspension (with this
    graph's position wrapped around the state's) when a state stops to wait."""
    states = graph.states
    name: str | None = graph.start_at
    if resume is not None:
        name = resume["state"]
        data = resume["input"]
        state = states[name]
        frame.restore_variables(resume.get("variables"))
        frame.reenter(name, resume)
        try:
            name, data = await state.run(data, frame, resume["inner"])
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
