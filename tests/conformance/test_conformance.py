"""The AWS-recorded corpus in ../shared/conformance, run as part of the suite.

This module is only the corpus's own loader and comparison (imported from its run.py) plus
assertions. Every case runs once, all concurrently in one event loop, with a FakeClock, so
Waits and Retry back-off cost no real time (task timeouts still use real time: they are
measured by asyncio against actions that really block). Known gaps are reasoned skips below,
never silent ones.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

import statebox
from statebox.ports import FakeClock, SeededEntropy

# Resolved: shared/ may be a symlink, and the runner compares paths against its own real location.
CONFORMANCE = (Path(__file__).resolve().parents[2].parent / "shared" / "conformance").resolve()

if not (CONFORMANCE / "run.py").is_file():
    pytest.skip(
        f"the conformance corpus is absent ({CONFORMANCE} not found): clone statebox beside "
        "shared/ to run it",
        allow_module_level=True,
    )


def _load_runner() -> Any:
    spec = importlib.util.spec_from_file_location("statebox_conformance_runner", CONFORMANCE / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


RUNNER = _load_runner()
CASES = RUNNER.load_cases(CONFORMANCE / "cases")


def _uses(definition: Any, key: str, value: Any = None) -> bool:
    if isinstance(definition, dict):
        for k, v in definition.items():
            if k == key and (value is None or v == value):
                return True
            if _uses(v, key, value):
                return True
    elif isinstance(definition, list):
        return any(_uses(item, key, value) for item in definition)
    return False


def known_gap(case: Any) -> str | None:
    """Why a case cannot pass yet, or None. Each reason names the issue that closes it.

    None today: JSONata and variables (issue #6) pass every recorded case."""
    return None


async def _run_case(case: Any) -> Any:
    options: dict[str, Any] = {"clock": FakeClock(), "entropy": SeededEntropy(7)}
    if case.actions:
        options["actions"] = case.actions_dir
    try:
        return await statebox.run_async(case.definition, case.input, **options)
    except NotImplementedError as exc:
        return exc


@pytest.fixture(scope="session")
def outcomes() -> dict[str, Any]:
    async def run_all() -> list[Any]:
        return await asyncio.gather(*(_run_case(case) for case in CASES), return_exceptions=True)

    results = asyncio.run(run_all())
    return {case.case_id: result for case, result in zip(CASES, results)}


@pytest.mark.conformance
@pytest.mark.parametrize("case", CASES, ids=[case.case_id for case in CASES])
def test_case(case: Any, outcomes: dict[str, Any]) -> None:
    gap = known_gap(case)
    result = outcomes[case.case_id]
    if gap is not None:
        pytest.skip(gap)
    if isinstance(result, BaseException):
        raise result
    problems = RUNNER.compare(case, result.status, result.output, result.error, result.cause)
    assert not problems, "\n".join(problems)
