"""The small interfaces the pure interpreter is given: invoker, clock, entropy.

The interpreter never touches Redis, HTTP or the wall clock directly; adapters pass real
implementations, tests pass fakes (FakeClock advances instantly, so a 3-day Wait takes no time).
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from .types import JSON


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """A Task's Resource, parsed once: `module:increment`, `openwhisk:pkg/act.waitForTaskToken`."""

    kind: str  # "module" or "openwhisk"; other ARNs keep their text as the kind "arn"
    name: str
    wait_for_token: bool = False
    text: str = ""

    @property
    def is_suspend(self) -> bool:
        """`module:suspend`: the built-in that only suspends (no action runs)."""
        return self.kind == "module" and self.name == "suspend"

    @staticmethod
    def parse(text: str) -> ResourceRef:
        name = text
        wait = False
        if name.endswith(".waitForTaskToken"):
            name, wait = name[: -len(".waitForTaskToken")], True
        for kind in ("module", "openwhisk"):
            if name.startswith(kind + ":"):
                return ResourceRef(kind=kind, name=name[len(kind) + 1 :], wait_for_token=wait, text=text)
        return ResourceRef(kind="arn", name=name, wait_for_token=wait, text=text)


@dataclass(frozen=True, slots=True)
class TaskCall:
    """What an invoker is told besides the payload."""

    state_name: str
    execution_id: str
    timeout_seconds: float | None = None
    task_token: str | None = None
    extra: Mapping[str, JSON] = field(default_factory=dict)


class ActionInvoker(Protocol):
    """Runs a Task's resource. Raises StatesError for a task failure; returns the result."""

    async def invoke(self, resource: ResourceRef, payload: JSON, call: TaskCall) -> JSON: ...


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class Entropy(Protocol):
    def random(self) -> float: ...

    def uuid4(self) -> str: ...


class SystemClock:
    """The real clock: UTC wall time and asyncio.sleep."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)


class FakeClock:
    """A clock that never blocks: sleeping advances its time at once (tests, time skipping)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if seconds > 0:
            self.advance(seconds)
        await asyncio.sleep(0)


class SystemEntropy:
    def random(self) -> float:
        return random.random()

    def uuid4(self) -> str:
        return str(uuid.uuid4())


class SeededEntropy:
    """Deterministic entropy for tests."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)

    def random(self) -> float:
        return self._rng.random()

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
