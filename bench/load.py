"""Load on loopback: many concurrent executions and resumes against `statebox serve` backed by a
real redis-server, with every continuation accounted for afterwards.

    .venv/bin/python bench/load.py [--starts 1000] [--resumes 200] [--races 100] [--json FILE]

Starts a redis-server (no persistence) and `statebox serve` (a subprocess: the dev server app
on a real socket, REDIS_URL and STATEBOX_SECRET set) on free loopback ports, then, from this
process (aiohttp client, one connection per request in flight, all fired at once):

  1. start   --starts concurrent `POST /incsquare` (body 6)        → each 202 SUSPENDED, 49
  2. resume  --resumes concurrent `POST /?continuation=K`, distinct → each 200 SUCCEEDED, 50
  3. again   the same continuations once more, concurrently         → each 409
  4. race    --races other continuations, each resumed twice at once → one 200 and one 409 each
  5. account read Redis directly: every execution's record, point and timer is where it must
             be (resumed once, with one audit line; the rest still suspended and pending)

Prints a table (throughput, p50 / p99 latency per phase) and exits non-zero on any error or
discrepancy. tests/integration/test_load.py runs the same code at 200 / 100 / 50.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp  # noqa: TID251 - the load generator is an HTTP client

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the bench and tests packages, beside statebox

from bench.loopback import LoopbackRedis  # noqa: E402
from tests.support.servers import free_port, wait_port  # noqa: E402

SECRET = "load-test-secret-0123456789abcdef"


def start_server(redis_url: str, prefix: str) -> tuple[subprocess.Popen[bytes], str]:
    """`statebox serve` on a free loopback port, its store in `redis_url` under `prefix`."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("STATEBOX_", "REDIS_"))},
        "REDIS_URL": redis_url,
        "STATEBOX_SECRET": SECRET,
        "STATEBOX_KEY_PREFIX": prefix,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "statebox",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--machines",
            str(ROOT / "state_machines"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
    except RuntimeError:
        process.kill()
        raise
    return process, f"http://127.0.0.1:{port}/"


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


@dataclass
class Phase:
    name: str
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {
            "phase": self.name,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "per_second": round(self.requests / self.seconds, 1) if self.seconds else None,
            "p50_ms": round(percentile(self.latencies, 50) * 1000, 1),
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 1),
            "max_ms": round(max(self.latencies) * 1000, 1) if self.latencies else None,
            "statuses": dict(sorted(self.statuses.items())),
            "errors": len(self.errors),
        }


async def _request(
    session: aiohttp.ClientSession, phase: Phase, method: str, url: str, body: bytes
) -> tuple[int, Any]:
    began = time.perf_counter()
    try:
        async with session.request(
            method, url, data=body, headers={"Content-Type": "application/json"}
        ) as response:
            payload = await response.json(content_type=None)
            status = response.status
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
        phase.errors.append(f"{type(exc).__name__}: {exc}")
        return 0, None
    phase.latencies.append(time.perf_counter() - began)
    phase.statuses[status] += 1
    return status, payload


async def _phase(
    name: str, calls: list[tuple[str, str, bytes]], session: aiohttp.ClientSession
) -> tuple[Phase, list[tuple[int, Any]]]:
    phase = Phase(name, requests=len(calls))
    began = time.perf_counter()
    answers = await asyncio.gather(*(_request(session, phase, m, u, b) for m, u, b in calls))
    phase.seconds = time.perf_counter() - began
    return phase, list(answers)


async def run_load(base_url: str, *, starts: int, resumes: int, races: int) -> dict[str, Any]:
    """The four HTTP phases; returns the report (phases, continuations, problems found)."""
    problems: list[str] = []
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # Warm-up, not counted: the server parses incsquare and loads its actions once.
        async with session.post(base_url + "incsquare", data=b"6") as response:
            warm = await response.json(content_type=None)
        async with session.post(f"{base_url}?continuation={warm['continuation']}") as response:
            await response.read()
        start, answers = await _phase(
            "start (POST /incsquare)", [("POST", base_url + "incsquare", b"6")] * starts, session
        )
        started = []
        for status, body in answers:
            if (
                status != 202
                or not body
                or body.get("status") != "SUSPENDED"
                or body.get("output") != {"value": 49}
            ):
                problems.append(f"start answered {status} {body}")
            else:
                started.append(body)
        tokens = [b["continuation"] for b in started]
        if len(set(tokens)) != len(tokens) or len({b["executionId"] for b in started}) != len(started):
            problems.append("two starts got the same continuation or execution id")
        first, raced = tokens[:resumes], tokens[resumes : resumes + races]

        resume, answers = await _phase(
            "resume (POST ?continuation=)",
            [("POST", f"{base_url}?continuation={t}", b"") for t in first],
            session,
        )
        for status, body in answers:
            if status != 200 or not body or body.get("output") != {"value": 50}:
                problems.append(f"resume answered {status} {body}")
        again, answers = await _phase(
            "second resume (expect 409)",
            [("POST", f"{base_url}?continuation={t}", b"") for t in first],
            session,
        )
        problems += [f"second resume answered {status}" for status, _ in answers if status != 409]
        race, answers = await _phase(
            "racing pairs (one 200, one 409)",
            [("POST", f"{base_url}?continuation={t}", b"") for t in raced for _ in range(2)],
            session,
        )
        for index in range(0, len(answers), 2):
            pair = sorted([answers[index][0], answers[index + 1][0]])
            if pair != [200, 409]:
                problems.append(f"a raced continuation answered {pair}")
    phases = [start, resume, again, race]
    for phase in phases:
        problems += [f"{phase.name}: {e}" for e in phase.errors[:5]]
    return {
        "phases": [p.row() for p in phases],
        "executions": [b["executionId"] for b in started],
        "resumed": set(first) | set(raced),
        "resumed_ids": {b["executionId"] for b in started if b["continuation"] in set(first) | set(raced)},
        "problems": problems,
    }


def account(redis_url: str, prefix: str, report: dict[str, Any]) -> list[str]:
    """Every execution in Redis as it must be: resumed ones SUCCEEDED with exactly one audit
    line and a used point; the others SUSPENDED with a pending point and a timer."""
    import redis  # noqa: TID251 - reads the store directly to account for every execution

    client = redis.Redis.from_url(redis_url)
    problems: list[str] = []
    try:
        timers = {m.decode() for m in client.zrange(f"{prefix}timers", 0, -1)}
        resumed_ids = report["resumed_ids"]
        counts: Counter[str] = Counter()
        for execution in report["executions"]:
            raw = client.get(f"{prefix}{{{execution}}}:rec")
            if raw is None:
                problems.append(f"{execution}: no record")
                continue
            record = json.loads(raw)
            counts[record["status"]] += 1
            points = list(client.scan_iter(f"{prefix}{{{execution}}}:pt:*"))
            statuses = sorted(client.hget(p, "status").decode() for p in points)
            if execution in resumed_ids:
                audit = [a["outcome"] for a in record["audit"]]
                if (
                    record["status"] != "SUCCEEDED"
                    or record["output"] != {"value": 50}
                    or audit != ["success"]
                ):
                    problems.append(f"{execution}: {record['status']} {record.get('output')} audit {audit}")
                if statuses != ["used"] or any(t.startswith(execution) for t in timers):
                    problems.append(f"{execution}: points {statuses}, timer left")
            else:
                if record["status"] != "SUSPENDED" or statuses != ["pending"] or record["audit"]:
                    problems.append(f"{execution}: {record['status']} points {statuses}")
                if not any(t.startswith(execution) for t in timers):
                    problems.append(f"{execution}: suspended without its timer")
        report["accounted"] = dict(counts)
    finally:
        client.close()
    return problems


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| Phase | Requests | Wall time | Throughput | p50 | p99 | max | Answers | Errors |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for row in report["phases"]:
        answers = ", ".join(f"{n}×{s}" for s, n in row["statuses"].items()) or "none"
        per_second = f"{row['per_second']:,.0f}/s" if row["per_second"] else "-"
        times = [
            f"{row[k]:.0f} ms" if row[k] == row[k] and row[k] is not None else "-"
            for k in ("p50_ms", "p99_ms", "max_ms")
        ]
        lines.append(
            f"| {row['phase']} | {row['requests']} | {row['seconds']:.2f} s | {per_second} | "
            f"{' | '.join(times)} | {answers} | {row['errors']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=1000)
    parser.add_argument("--resumes", type=int, default=200)
    parser.add_argument("--races", type=int, default=100)
    parser.add_argument("--redis-url", help="use this Redis instead of starting one")
    parser.add_argument("--json", help="write the report here")
    args = parser.parse_args(argv)
    if args.resumes + args.races > args.starts:
        parser.error("--resumes + --races must not exceed --starts")
    if args.redis_url is None and shutil.which("redis-server") is None:
        parser.error("redis-server is not installed (apt-get install redis-server)")
    redis_server = None
    redis_url = args.redis_url
    if redis_url is None:
        redis_server = LoopbackRedis()
        redis_url = redis_server.url
    prefix = f"load{time.monotonic_ns()}:"
    server, base_url = start_server(redis_url, prefix)
    try:
        report = asyncio.run(run_load(base_url, starts=args.starts, resumes=args.resumes, races=args.races))
        report["problems"] += account(redis_url, prefix, report)
    finally:
        stop(server)
        if redis_server is not None:
            redis_server.stop()
    print(f"statebox load: {args.starts} starts, {args.resumes} resumes (twice), {args.races} raced pairs")
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(markdown(report))
    print(f"accounted: {report.get('accounted')}; problems: {len(report['problems'])}")
    for problem in report["problems"][:20]:
        print("  ", problem)
    if args.json:
        serialisable = {k: v for k, v in report.items() if k in ("phases", "accounted", "problems")}
        Path(args.json).write_text(json.dumps(serialisable, indent=2))
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
