"""Shared fixtures: a fake clock, seeded entropy, and a helper that runs a definition."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import statebox
from statebox.ports import FakeClock, SeededEntropy

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def run_machine(fake_clock: FakeClock):
    """Run a definition to its end on a FakeClock; returns the ExecutionResult."""

    async def run(definition: Any, execution_input: Any = None, **options: Any) -> statebox.ExecutionResult:
        options.setdefault("clock", fake_clock)
        options.setdefault("entropy", SeededEntropy(1))
        options.setdefault("actions", ROOT / "demo_actions")
        return await statebox.run_async(definition, execution_input, **options)

    return run


def machine(*states: tuple[str, dict[str, Any]], start: str | None = None) -> dict[str, Any]:
    """A definition from (name, state) pairs; the first is the start."""
    return {"StartAt": start or states[0][0], "States": dict(states)}
