"""What one resume of a large suspended execution costs, and what heartbeats cost over time.

Starts its own redis-server (no persistence) on loopback and measures through `Engine`:

1. A Parallel of N branches, each suspended at a `module:suspend` Task: the median wall time
   of resuming one branch (the others stay suspended), for N = 100, 1,000 and 5,000, with the
   stored record's size. Before issue 13 a resume re-ran every open branch and walked the
   position tree four times (0.45 s at 5,000 branches on the report's machine).
2. 700 heartbeats with a 7 KB User-Agent on one suspended task: the record's size and the
   median time of the first and the last 50 heartbeats (the audit used to keep every line
   whole: a 5 MB record, each heartbeat slower than the last).

    .venv/bin/python bench/resume_costs.py             # writes its section of docs/benchmarks.md
    .venv/bin/python bench/resume_costs.py --no-write --resumes 5
    git archive 0335d06 statebox | tar -x -C /tmp/before
    .venv/bin/python bench/resume_costs.py --before /tmp/before   # a "before" column too

(`--before DIR` runs the same measurements, in a subprocess, on the `statebox` package found in
DIR, e.g. an older commit's. Both are measured `--rounds` times, alternately, and the fastest
round's figures kept: on a busy machine that is the figure least disturbed by other load.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if os.environ.get("BENCH_STATEBOX"):
    sys.path.insert(0, os.environ["BENCH_STATEBOX"])

from bench.doc_sections import write_section  # noqa: E402
from bench.loopback import LoopbackRedis  # noqa: E402
from statebox.config import Settings  # noqa: E402
from statebox.execution.continuations import ContinuationSigner  # noqa: E402
from statebox.execution.engine import Engine  # noqa: E402
from statebox.stores.redis import RedisStore  # noqa: E402

SECTION = "## Resumes of large records"
WIDTHS = (100, 1000, 5000)
USER_AGENT = "Mozilla/5.0 " + "x" * 7000


def wide_parallel(width: int) -> dict[str, Any]:
    def branch(index: int) -> dict[str, Any]:
        ask = {"Type": "Task", "Resource": "module:suspend", "End": True}
        return {"StartAt": f"Ask{index}", "States": {f"Ask{index}": ask}}

    branches = [branch(i) for i in range(width)]
    return {"StartAt": "All", "States": {"All": {"Type": "Parallel", "Branches": branches, "End": True}}}


def engine_on(store: RedisStore) -> Engine:
    settings = Settings(actions_dir=ROOT / "demo_actions", max_payload_bytes=64 * 1024 * 1024)
    return Engine(settings, store=store, signer=ContinuationSigner(b"bench"))


async def parallel_resume(store: RedisStore, width: int, resumes: int) -> dict[str, Any]:
    engine = engine_on(store)
    started = await engine.start(wide_parallel(width), {"doc": "q3"})
    tokens = [p["continuation"] for p in started.pending]
    size = len(await store.client.get(store.record_key(started.execution_id)))
    await engine.resume(tokens[0], {"by": "warm-up"})
    times = []
    for token in tokens[1 : 1 + resumes]:
        began = time.perf_counter()
        await engine.resume(token, {"by": "bench"})
        times.append(time.perf_counter() - began)
    return {"width": width, "record": size, "median": statistics.median(times)}


async def heartbeats(store: RedisStore, count: int = 700) -> dict[str, Any]:
    engine = engine_on(store)
    task = {"Type": "Task", "Resource": "module:suspend", "HeartbeatSeconds": 3600, "End": True}
    started = await engine.start({"StartAt": "Work", "States": {"Work": task}}, {"job": 1})
    caller = {"address": "203.0.113.7", "userAgent": USER_AGENT}
    times = []
    for _ in range(count):
        began = time.perf_counter()
        await engine.heartbeat(started.continuation, caller=caller)
        times.append(time.perf_counter() - began)
    size = len(await store.client.get(store.record_key(started.execution_id)))
    return {
        "count": count,
        "record": size,
        "first": statistics.median(times[:50]),
        "last": statistics.median(times[-50:]),
    }


WHY = (
    "A resume used to re-run every open branch (each re-raised its suspension) and walked the "
    "position tree four times; now only the branch holding the point runs, the engine finds the "
    "point and its route in one walk (`suspension.locate`) and the answer reuses the scan of the "
    "new position. What still grows with the record: reading and writing it whole (one JSON "
    "document, 650 bytes per open branch here), the scan for open points and the sharing pass of "
    "`records.py`, and the answer, which lists every open point with its resume URL. Storing open "
    "branches apart from the record, so a resume reads and writes only its own, is the next step. "
    "Heartbeats no longer grow the record (`execution/audit.py`: caller details cut to 256 "
    "characters, at most 20 lines per point), so the last costs what the first did."
)


def kib(size: int) -> str:
    return f"{size / 1024:,.1f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:,.2f} MiB"


def report(
    wide: list[dict[str, Any]], beats: dict[str, Any], resumes: int, before: dict[str, Any] | None
) -> str:
    load = os.getloadavg()[0]
    was = {w["width"]: w for w in before["wide"]} if before else {}

    def then(width: int) -> str:
        return f" {was[width]['median'] * 1000:,.1f} ms |" if width in was else ""

    beat_then = (
        f" Before: {kib(before['beats']['record'])}, {before['beats']['first'] * 1000:.2f} ms at first and "
        f"{before['beats']['last'] * 1000:.2f} ms at the end."
        if before
        else ""
    )
    lines = [
        SECTION,
        "",
        f"Recorded {datetime.now(UTC):%Y-%m-%d} by `bench/resume_costs.py` on "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python "
        f"{platform.python_version()}, redis-server on loopback (no persistence); load average "
        f"{load:.2f} when it started. Rerun: `.venv/bin/python bench/resume_costs.py`.",
        "",
        f"One branch of a Parallel of N suspended branches resumes (median of {resumes} resumes, "
        "fastest of the rounds); the others stay suspended.",
        "",
        "| Branches | Record | Resume one branch |" + (" Before (`--before`) |" if was else ""),
        "|---:|---:|---:|" + ("---:|" if was else ""),
        *(
            f"| {w['width']:,} | {kib(w['record'])} | {w['median'] * 1000:,.1f} ms |{then(w['width'])}"
            for w in wide
        ),
        "",
        f"{beats['count']} heartbeats with a 7 KB User-Agent on one suspended task: the record ends at "
        f"{kib(beats['record'])}; a heartbeat takes {beats['first'] * 1000:.2f} ms at first and "
        f"{beats['last'] * 1000:.2f} ms at the end (medians of 50).{beat_then}",
        "",
        WHY,
        "",
    ]
    return "\n".join(lines)


async def measure(resumes: int) -> dict[str, Any]:
    with LoopbackRedis() as server:
        store = RedisStore.connect(server.url)
        try:
            wide = [await parallel_resume(store, width, resumes) for width in WIDTHS]
            return {"wide": wide, "beats": await heartbeats(store)}
        finally:
            await store.close()


def fastest(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Per figure, the round that measured it fastest."""
    wide = [min((r["wide"][i] for r in rounds), key=lambda w: w["median"]) for i in range(len(WIDTHS))]
    return {"wide": wide, "beats": min((r["beats"] for r in rounds), key=lambda b: b["last"])}


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resumes", type=int, default=20)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--before", type=Path, help="also measure the statebox package in this folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    logging.disable(logging.WARNING)  # the persistence warning: this server has none on purpose
    if options.json:
        print(json.dumps(await measure(options.resumes)))
        return
    rounds, before_rounds = [], []
    for _ in range(options.rounds):
        if options.before is not None:
            command = [sys.executable, __file__, "--json", "--resumes", str(options.resumes)]
            env = {**os.environ, "BENCH_STATEBOX": str(options.before.resolve())}
            answer = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
            before_rounds.append(json.loads(answer.stdout))
        rounds.append(await measure(options.resumes))
    before = fastest(before_rounds) if before_rounds else None
    text = report(fastest(rounds)["wide"], fastest(rounds)["beats"], options.resumes, before)
    print(text)
    if not options.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    asyncio.run(main())
