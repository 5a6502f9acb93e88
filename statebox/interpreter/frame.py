"""A `Frame` is one running graph (the machine, a Parallel branch or a Map iteration); it is
also the `Scope` paths read `$$` and variables from."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ..asl_errors import ErrorName
from ..definition.model import State
from ..errors import StatesError
from ..jsonio import json_size
from ..ports import Entropy
from ..timestamps import parse_timestamp
from ..types import JSON
from .positions import GraphPosition, Position
from .runtime import ExecutionTimedOut, Runtime
from .suspension import Suspension
from .times import iso_timestamp

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
            # Out of time in this activation: stop cleanly before the state starts, keeping
            # what this scope assigned so far (they were lost here once).
            raise Suspension(GraphPosition(state.name, data, variables=self.local).to_json())
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

    def reenter(self, position: GraphPosition) -> None:
        """Continue a state from a snapshot: `$$.State` is as it was when it was entered."""
        self.state_name = position.state
        entered = position.entered
        self.entered_time = parse_timestamp(entered) if entered else self.runtime.clock.now()
        self.retry_count = position.retries
        if position.at_boundary:
            self.runtime.count_transition()

    def position(self, state_name: str, data: JSON, inner: Position) -> Position:
        """This graph's level of the position tree, around its state's own position."""
        entered = iso_timestamp(self.entered_time or self.runtime.clock.now())
        # The variables this scope assigned so far (the enclosing scopes' are in the
        # enclosing positions): a resumed execution reads the same values.
        return GraphPosition(state_name, data, inner, entered, self.retry_count, self.local).to_json()

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
            url = runtime.points.resume_url(self.task_token)
            if url is not None:
                context["Task"]["ResumeUrl"] = url
        return context
