"""Shared setup for the pytest-benchmark suites in bench/ (kept out of the default test run:
pytest's `testpaths` is `tests`).

    .venv/bin/python -m pytest bench --benchmark-only                 # scale 1.0, prints the table
    .venv/bin/python -m pytest bench --benchmark-only --bench-scale 0.1
    .venv/bin/python -m pytest bench --benchmark-only --bench-markdown /tmp/flow.md

The workloads come from the peer harness (`../shared/perf/workloads.py`, or $STATEBOX_PERF_DIR)
so the definitions are byte-for-byte those `run.py` gives the peers; without it, the copy in
`bench/_workloads_fallback.py` is used (same definitions, same floors).

At the end of the session a table is printed: per workload the median of the hand-written floor
and of statebox, µs per state transition (median, and best round: the machine is shared, so
the best round is the least disturbed one) and the ratio of medians to the floor measured in
the same run.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
PERF_DIR = Path(os.environ.get("STATEBOX_PERF_DIR", HERE.parent.parent / "shared" / "perf"))

WORKLOADS_USED = ("chain", "loop", "map", "parallel", "payload")


def _load_workloads() -> tuple[Any, str]:
    shared = PERF_DIR / "workloads.py"
    if shared.is_file():
        spec = importlib.util.spec_from_file_location("perf_workloads", shared)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module, str(shared)
    sys.path.insert(0, str(HERE))
    import _workloads_fallback as module  # type: ignore[import-not-found]

    return module, str(HERE / "_workloads_fallback.py")


WORKLOADS, WORKLOADS_SOURCE = _load_workloads()

# (workload, variant) -> {"median": s, "min": s, "rounds": int, "transitions": int, "n": int}
RESULTS: dict[tuple[str, str], dict[str, Any]] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("statebox bench")
    group.addoption(
        "--bench-scale", type=float, default=1.0, help="multiply the workload sizes (peer harness --scale)"
    )
    group.addoption("--bench-markdown", default=None, help="also write the summary table to this file")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run each workload's floor and statebox variants back to back, so a ratio compares
    measurements taken close together (the machine's load drifts)."""
    order = {name: i for i, name in enumerate(WORKLOADS_USED)}
    position = {id(item): i for i, item in enumerate(items)}

    def key(item: pytest.Item) -> tuple[int, int]:
        params = getattr(item, "callspec", None)
        workload = params.params.get("name") if params else None
        return (order.get(workload, len(order)), position[id(item)])

    items.sort(key=key)


@pytest.fixture(scope="session")
def scale(request: pytest.FixtureRequest) -> float:
    return float(request.config.getoption("--bench-scale"))


def record(benchmark: Any, workload: str, variant: str, n: int, transitions: int) -> None:
    """Keep a finished benchmark's figures for the end-of-session table."""
    stats = benchmark.stats.stats
    RESULTS[(workload, variant)] = {
        "median": stats.median,
        "min": stats.min,
        "rounds": stats.rounds,
        "n": n,
        "transitions": transitions,
    }
    benchmark.extra_info.update(
        workload=workload,
        variant=variant,
        n=n,
        transitions=transitions,
        us_per_transition=round(stats.median * 1e6 / transitions, 3),
    )


def _fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


VARIANT_ORDER = ("floor", "statebox.run(definition)", "statebox.run(machine)", "parse (uncached)")


def summary_lines(scale: float) -> list[str]:
    lines = [
        f"Scale {scale:g}; workloads from {WORKLOADS_SOURCE}; {datetime.now():%Y-%m-%d %H:%M}; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at the end.",
        "",
        "| workload | n | transitions | variant | median | µs / transition | × floor | best µs / transition "
        "| rounds |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for workload in WORKLOADS_USED:
        floor = RESULTS.get((workload, "floor"))
        for variant in VARIANT_ORDER:
            row = RESULTS.get((workload, variant))
            if row is None:
                continue
            per = row["median"] * 1e6 / row["transitions"]
            ratio = f"{row['median'] / floor['median']:,.0f}×" if floor and variant != "floor" else "1×"
            if variant == "parse (uncached)":
                ratio = "–"
            lines.append(
                f"| {workload} | {row['n']:,} | {row['transitions']:,} | {variant} "
                f"| {_fmt_time(row['median'])} | {per:,.2f} | {ratio} "
                f"| {row['min'] * 1e6 / row['transitions']:,.2f} | {row['rounds']} |"
            )
    return lines


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not RESULTS:
        return
    scale = float(config.getoption("--bench-scale"))
    lines = summary_lines(scale)
    terminalreporter.section("statebox flow benchmarks: time per state transition vs the floor")
    for line in lines:
        terminalreporter.write_line(line)
    target = config.getoption("--bench-markdown")
    if target:
        Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")
        terminalreporter.write_line(f"(written to {target})")
