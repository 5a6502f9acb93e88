"""cProfile of statebox on each pure-flow workload (the peer harness's W1–W5), as run.py calls
it: `statebox.run(definition, input)` after one untimed first run.

    .venv/bin/python bench/profile_flow.py [--scale 1.0] [--top 15] [--workloads chain,map] [--sort tottime]

Prints, per workload, the wall time per run without the profiler, then the top functions by
own time (tottime) with their share of the profiled total. cProfile inflates call-heavy code,
so read the shares, not the absolute figures.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conftest import WORKLOADS, WORKLOADS_USED  # noqa: E402

import statebox  # noqa: E402


def short(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name
    path = Path(filename)
    parts = path.parts
    if "statebox" in parts:
        where = "/".join(parts[parts.index("statebox") :])
    elif "site-packages" in parts:
        where = "/".join(parts[parts.index("site-packages") + 1 :])
    else:
        where = path.name
    return f"{where}:{line}:{name}"


def profile(name: str, scale: float, top: int, sort: str, runs: int) -> str:
    w = WORKLOADS.get(name)
    n = WORKLOADS.scaled(name, scale)
    definition = w["definition"](n)
    text = json.dumps(w["input"](n))
    statebox.run(definition, json.loads(text))
    walls = []
    for _ in range(runs):
        data = json.loads(text)
        gc.collect()
        t0 = time.perf_counter()
        statebox.run(definition, data)
        walls.append(time.perf_counter() - t0)
    walls.sort()
    wall = walls[len(walls) // 2]
    profiler = cProfile.Profile()
    for _ in range(runs):
        data = json.loads(text)
        gc.collect()
        profiler.enable()
        statebox.run(definition, data)
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    transitions = w["transitions"](n)
    out = io.StringIO()
    print(
        f"\n## {name}: n={n}, {transitions} transitions; {wall * 1e3:.1f} ms per run unprofiled "
        f"({wall * 1e6 / transitions:.2f} µs / transition); profiled {total / runs * 1e3:.1f} ms per run",
        file=out,
    )
    print(f"{'own %':>6} {'cum %':>6} {'calls/run':>10}  function", file=out)
    rows = sorted(stats.stats.items(), key=lambda kv: -(kv[1][2] if sort == "tottime" else kv[1][3]))  # type: ignore[attr-defined]
    for func, (_cc, nc, tt, ct, _callers) in rows[:top]:
        print(f"{tt / total * 100:6.1f} {ct / total * 100:6.1f} {nc / runs:10.0f}  {short(func)}", file=out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sort", choices=("tottime", "cumtime"), default="tottime")
    parser.add_argument("--workloads", default=",".join(WORKLOADS_USED))
    args = parser.parse_args()
    for name in args.workloads.split(","):
        print(profile(name, args.scale, args.top, args.sort, args.runs), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
