"""Every benchmark of issue 7 in one command, and the table of targets it checks.

    .venv/bin/python bench/run_all.py            # about 3 minutes; prints the targets table
    .venv/bin/python bench/run_all.py --write    # ... and rewrites the generated sections of
                                                 #     docs/benchmarks.md
    .venv/bin/python bench/run_all.py --quick    # scale 0.1, shorter phases: a smoke run

Runs, one after the other (each in its own process, so none warms another's caches):
1. `pytest bench --benchmark-only`: the flow workloads (chain, loop, map, parallel, payload)
   against a hand-written floor, µs per state transition;
2. `bench/store_costs.py`: suspend and resume on a real redis-server: round trips, bytes, latency;
3. `bench/server_load.py --redis --workers 2`: the dev server under load;
4. `bench/cold_start.py`: a fresh process to its first result, against a bare interpreter.

The peers (@wmfs/statebox, pyaslengine, moto) run from ../shared/perf/run.py; see
docs/benchmarks.md for that command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the bench package, beside statebox

from bench.doc_sections import DOC, write_section  # noqa: E402

PY = sys.executable
FLOW_TARGETS = {"chain": 5.0, "loop": 5.0, "parallel": 5.0, "map": 10.0, "payload": 20.0}


def run(argv: list[str]) -> None:
    print("$", " ".join(argv), file=sys.stderr, flush=True)
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def flow(out: Path, scale: float) -> dict[str, Any]:
    run(
        [PY, "-m", "pytest", "bench", "--benchmark-only", "-q", "-p", "no:cacheprovider",
         f"--bench-scale={scale}", f"--benchmark-json={out}.json", f"--bench-markdown={out}.md"]
    )  # fmt: skip
    rows = {}
    for bench in json.loads(Path(f"{out}.json").read_text())["benchmarks"]:
        info = bench["extra_info"]
        rows[(info["workload"], info["variant"])] = info["us_per_transition"]
    return {"rows": rows, "markdown": Path(f"{out}.md").read_text()}


def targets(flow_rows: dict, store: dict, server: dict, cold: dict) -> list[tuple[str, str, str, bool]]:
    """(target, measured, how, met) per target of issue 7."""
    out = []
    for workload, limit in FLOW_TARGETS.items():
        per = flow_rows[(workload, "statebox.run(definition)")]
        floor = flow_rows[(workload, "floor")]
        unit = "item" if workload == "map" else "state" if workload == "payload" else "transition"
        out.append(
            (f"{workload}: ≤ {limit:g} µs per {unit}", f"{per:.2f} µs ({per / floor:.0f}× floor)",
             "`statebox.run(definition, input)`, median", per <= limit)
        )  # fmt: skip
    ten = store["sizes"]["10 KiB"]
    latency = ten["latency"]
    both = latency["suspend"] + latency["resume"]
    in_store = latency["suspend_store"] + latency["resume_store"]
    out.append(
        ("suspend + resume of 10 KiB ≤ 1 ms",
         f"{latency['suspend'] * 1e3:.2f} + {latency['resume'] * 1e3:.2f} = {both * 1e3:.2f} ms "
         f"(p99 {latency['suspend_p99'] * 1e3:.2f} + {latency['resume_p99'] * 1e3:.2f}); "
         f"of it in the store: {in_store * 1e3:.2f} ms",
         f"`Engine.start` and `Engine.resume` end to end, medians; a redis-py PING here: "
         f"{latency['ping'] * 1e6:.0f} µs (so {both / latency['ping']:.1f} PINGs)",
         both <= 1e-3)
    )  # fmt: skip
    trips = {op: len(writes) for op, writes in ten["round_trips"].items()}
    warm = {op: n for op, n in trips.items() if "not yet" not in op}
    out.append(
        ("≤ 2 Redis round trips per suspend and per resume",
         ", ".join(f"{op}: {n}" for op, n in trips.items()),
         "the cold-container resume adds a GET of the definition", max(warm.values()) <= 2)
    )  # fmt: skip
    phases = {r["phase"]: r for r in server["results"]}
    start = phases["start"]
    out.append(
        ("dev server ≥ 1,300 execution starts / s, p99 < 50 ms",
         f"{start['per_second']:,.0f} / s, p99 {start['p99_ms']:.1f} ms",
         "start → suspend, `--workers 2`, real Redis, load generator on the same cores",
         start["per_second"] >= 1300 and start["p99_ms"] < 50)
    )  # fmt: skip
    best = max(r["per_second"] * r["transitions_per_request"] for r in phases.values())
    out.append(
        ("dev server ≥ 5,000 state transitions / s", f"{best:,.0f} / s", "best phase (10 Pass)", best >= 5000)
    )
    times = cold["times"]
    bare = times["bare: import asyncio, json"]["median"]
    first = next(v for k, v in times.items() if k.startswith("first result"))["median"]
    out.append(
        ("cold start to a first result ≤ 2× bare `import asyncio, json`",
         f"{first * 1e3:.0f} ms vs {bare * 1e3:.0f} ms = {first / bare:.2f}×",
         "a definition this machine has never seen (nothing is cached between processes)",
         first / bare <= 2)
    )  # fmt: skip
    return out


def targets_markdown(rows: list[tuple[str, str, str, bool]], header: str) -> str:
    lines = [
        "## Targets",
        "",
        header,
        "",
        "| target | measured | how | met |",
        "|---|---|---|---|",
    ]
    lines += [f"| {t} | {m} | {how} | {'yes' if ok else '**no**'} |" for t, m, how, ok in rows]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the generated sections of the doc")
    parser.add_argument("--quick", action="store_true", help="scale 0.1 and short phases (smoke run)")
    args = parser.parse_args()
    scale, runs, duration = (0.1, 30, 2.0) if args.quick else (1.0, 200, 8.0)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="statebox-bench-") as tmp:
        work = Path(tmp)
        flows = flow(work / "flow", scale)
        # store_costs.py writes its own section of the doc, unless told not to.
        run(
            [PY, "bench/store_costs.py", f"--runs={runs}", f"--json={work / 'store.json'}"]
            + ([] if args.write else ["--no-write"])
        )
        run(
            [PY, "bench/server_load.py", "--redis", "--workers=2", "--no-log-transitions",
             "--concurrency=24", f"--duration={duration}", f"--json={work / 'server.json'}",
             f"--markdown={work / 'server.md'}"]
        )  # fmt: skip
        run(
            [
                PY,
                "bench/cold_start.py",
                "--runs=20",
                f"--json={work / 'cold.json'}",
                f"--markdown={work / 'cold.md'}",
            ]
        )
        store = json.loads((work / "store.json").read_text())
        server = json.loads((work / "server.json").read_text())
        cold = json.loads((work / "cold.json").read_text())
        server_md = (work / "server.md").read_text()
        cold_md = (work / "cold.md").read_text()
    header = (
        f"`.venv/bin/python bench/run_all.py{' --quick' if args.quick else ''}` at `{commit}`, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; load average "
        f"{os.getloadavg()[0]:.2f} at the end. Ratios measured in the same run are what carry over "
        "to another machine."
        + (
            " Scale 0.1: each execution's fixed costs weigh ten times more per transition than at "
            "scale 1, where the per-transition targets are judged."
            if args.quick
            else ""
        )
    )
    table = targets_markdown(targets(flows["rows"], store, server, cold), header)
    print(table)
    if args.write:
        write_section("## Targets", table)
        write_section("## Flow workloads", flows["markdown"])
        write_section("## Dev server under load", server_md)
        write_section("## Cold start", cold_md)
        print(f"written to {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
