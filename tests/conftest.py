"""Shared fixtures: a fake clock, seeded entropy, a helper that runs a definition, a real
redis-server (`redis_server`) and a real 3-master Redis Cluster (`redis_cluster`), each started
once per session, for the integration and end-to-end tests (the servers: tests/support/servers.py).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import statebox
from statebox.ports import FakeClock, SeededEntropy
from tests.support.servers import RedisClusterNodes, RedisServer

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


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed; scripts/test.sh installs it (Debian package)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterNodes]:
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.fail("redis-server / redis-cli are missing; scripts/test.sh installs them (Debian package)")
    nodes = RedisClusterNodes(tmp_path_factory.mktemp("redis-cluster"))
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.stop()


# Python's names for JSON types and values, which no message about a value may use.
PYTHON_WORDS = re.compile(r"\b(dict|list|str|int|float|bool|NoneType|None|True|False)\b|'\w+':")


@dataclass(frozen=True)
class Fails:
    """An expected failure: the error name and, optionally, a substring of the cause."""

    error: str | None
    cause: str | None = None


def check(result: Any, expected: Any) -> None:
    """Assert a result: `Fails(...)` for a failure, else the expected output."""
    if isinstance(expected, Fails):
        assert (result.status, result.error) == ("FAILED", expected.error), (result, result.cause)
        if expected.cause is not None:
            assert expected.cause in (result.cause or ""), result.cause
    else:
        assert result.status == "SUCCEEDED", (result.error, result.cause)
        assert result.output == expected


def runner_with_actions(run_machine: Any, folder: Path, actions: dict[str, str]) -> Any:
    """`run_machine` with `module:` actions written into `folder` from {name: source}."""
    for name, source in actions.items():
        (folder / f"{name}.py").write_text(source)

    async def go(definition: Any, execution_input: Any = None, **options: Any) -> Any:
        return await run_machine(definition, execution_input, actions=folder, **options)

    return go
