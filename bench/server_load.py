"""The dev server under load (issue 7): executions started per second (start → suspend),
resumes per second and pure-flow executions per second, with p50 / p99 latency.

    .venv/bin/python bench/server_load.py [--duration 10] [--concurrency 32] [--redis] [--markdown FILE]

Starts `statebox serve` (a subprocess, loopback, a free port; embedded in-process store, or with
--redis a `redis-server` of its own on another free loopback port, no persistence) on a temporary
machines folder holding `incsquare` (Increment, Square, AwaitResume: suspends; a resume runs
IncrementAgain) and `flow10` (10 Pass states, no Task). The load generator is this process: a
minimal asyncio HTTP/1.1 keep-alive client on --concurrency connections, one request in flight on
each (so at most --concurrency in flight), for a fixed duration
per phase, after a 1 s warm-up that is not counted. Both share this machine's cores, so the
server gets what the client leaves it.

Phases (each --duration seconds):
  start   POST /incsquare, body 6            → 202 SUSPENDED, the continuation is kept
  resume  POST /?continuation=<one kept>     → 200 SUCCEEDED (stops early if none are left)
  flow10  POST /flow10, body {"x": 1}        → 200 SUCCEEDED

State transitions per request are read from the server (GET /?execution=ID history) once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the bench and tests packages, beside statebox

from bench.loopback import LoopbackRedis  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

FLOW10 = {
    "Comment": "10 Pass states, no Task",
    "StartAt": "P0",
    "States": {
        f"P{i}": {
            "Type": "Pass",
            "Result": {"i": i},
            "ResultPath": "$.last",
            **({"Next": f"P{i + 1}"} if i < 9 else {"End": True}),
        }
        for i in range(10)
    },
}


class Connection:
    """A minimal HTTP/1.1 keep-alive client connection (the server answers with Content-Length).
    Much cheaper per request than aiohttp's client, so a load generator sharing the server's
    cores takes less of them."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, target: str, body: bytes = b"") -> tuple[int, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"{method} {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        try:
            status_line = await self.reader.readuntil(b"\r\n")
            headers = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.close()
            raise
        length = 0
        keep_alive = True
        for line in headers.split(b"\r\n"):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                keep_alive = False
        payload = await self.reader.readexactly(length)
        if not keep_alive:
            await self.close()
        return int(status_line.split()[1]), json.loads(payload) if payload else None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def wait_http(host: str, port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connection = Connection(host, port)
        try:
            await connection.request("GET", "/?execution=none")
            await connection.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server at {host}:{port} did not answer within {timeout} s")


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (Linux /proc), 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


async def phase(
    connect: Any,
    name: str,
    make_request: Any,
    duration: float,
    concurrency: int,
    server_pid: int | None = None,
    warmup: float = 1.0,
) -> dict[str, Any]:
    """Run `make_request(connection)` (→ (ok, body), or None when there is nothing left to send)
    on `concurrency` connections, one request in flight on each, for warmup + duration seconds;
    count only the last part."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    bodies: list[Any] = []
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + duration
    counted_end = [stop_at]

    async def worker() -> None:
        connection = connect()
        try:
            await work(connection)
        finally:
            await connection.close()

    async def work(connection: Connection) -> None:
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                return
            t0 = time.perf_counter()
            try:
                outcome = await make_request(connection)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                outcome = (False, type(exc).__name__)
            t1 = time.perf_counter()
            if outcome is None:  # nothing left to send
                counted_end[0] = min(counted_end[0], t1)
                return
            ok, body = outcome
            if t0 >= measure_from and t1 <= stop_at:
                if ok:
                    latencies.append(t1 - t0)
                else:
                    errors[str(body)[:80]] = errors.get(str(body)[:80], 0) + 1
            if ok:
                bodies.append(body)

    cpu: list[float] = []

    client_cpu: list[float] = []

    async def sample_cpu() -> None:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        cpu.append(cpu_seconds(server_pid))
        client_cpu.append(time.process_time())
        cpu_start = time.perf_counter()
        await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
        cpu.append(cpu_seconds(server_pid))
        client_cpu.append(time.process_time())
        cpu.append(time.perf_counter() - cpu_start)

    sampler = asyncio.create_task(sample_cpu())
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    if not sampler.done():  # the phase ran out of work early: CPU over the counted part only
        sampler.cancel()
        cpu[1:] = [cpu_seconds(server_pid), time.perf_counter() - measure_from]
        client_cpu[1:] = [time.process_time()]
    elapsed = max(1e-9, min(counted_end[0], stop_at) - measure_from)
    server_cpu = (cpu[1] - cpu[0]) if len(cpu) >= 3 else float("nan")
    return {
        "phase": name,
        "requests": len(latencies),
        "errors": errors,
        "seconds": elapsed,
        "per_second": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1e3,
        "p99_ms": percentile(latencies, 99) * 1e3,
        "max_ms": max(latencies) * 1e3 if latencies else float("nan"),
        "mean_ms": statistics.fmean(latencies) * 1e3 if latencies else float("nan"),
        "server_cpu_share": server_cpu / cpu[2] if len(cpu) >= 3 and cpu[2] > 0 else float("nan"),
        "server_cpu_ms_per_request": server_cpu * 1e3 / len(latencies) if latencies else float("nan"),
        "client_cpu_share": (client_cpu[1] - client_cpu[0]) / cpu[2]
        if len(cpu) >= 3 and cpu[2] > 0
        else float("nan"),
        "bodies": bodies,
    }


async def transitions_of(connection: Connection, execution_id: str, after_resume: bool) -> int:
    """States entered by one request: the whole history of a start, or what follows the last
    ExecutionResumed event for a resume."""
    _status, body = await connection.request("GET", f"/?execution={execution_id}")
    history = body.get("history", ())
    if after_resume:
        resumed = [i for i, event in enumerate(history) if event.get("type") == "ExecutionResumed"]
        history = history[resumed[-1] + 1 :] if resumed else history
    return sum(1 for event in history if str(event.get("type", "")).endswith("StateEntered"))


async def drive(
    host: str, port: int, duration: float, concurrency: int, server_pid: int | None = None
) -> list[dict[str, Any]]:
    results = []
    tokens: list[str] = []

    def connect() -> Connection:
        return Connection(host, port)

    async def start(c: Connection) -> tuple[bool, Any]:
        status, body = await c.request("POST", "/incsquare", b"6")
        if status == 202 and body.get("continuation"):
            tokens.append(body["continuation"])
            return True, body["executionId"]
        return False, f"{status} {body}"

    async def resume(c: Connection) -> tuple[bool, Any] | None:
        if not tokens:
            return None
        status, body = await c.request("POST", f"/?continuation={tokens.pop()}")
        if status == 200 and body.get("status") == "SUCCEEDED":
            return True, body["executionId"]
        return False, f"{status} {body}"

    async def flow10(c: Connection) -> tuple[bool, Any]:
        status, body = await c.request("POST", "/flow10", b'{"x": 1}')
        if status == 200 and body.get("status") == "SUCCEEDED":
            return True, body["executionId"]
        return False, f"{status} {body}"

    for name, make in (("start", start), ("resume", resume), ("flow10", flow10)):
        result = await phase(connect, name, make, duration, concurrency, server_pid)
        bodies = result.pop("bodies")
        probe = connect()
        result["transitions_per_request"] = (
            await transitions_of(probe, bodies[-1], name == "resume") if bodies else 0
        )
        await probe.close()
        result["tokens_left"] = len(tokens) if name != "flow10" else None
        results.append(result)
        print(_row(result), file=sys.stderr, flush=True)
    return results


def _row(r: dict[str, Any]) -> str:
    return (
        f"{r['phase']:7s} {r['per_second']:8.0f}/s  p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms  "
        f"max {r['max_ms']:7.1f} ms  n={r['requests']} errors={sum(r['errors'].values())} "
        f"server CPU {r['server_cpu_share'] * 100:.0f}% ({r['server_cpu_ms_per_request']:.2f} ms/request) "
        f"client CPU {r['client_cpu_share'] * 100:.0f}% "
        f"transitions/request={r['transitions_per_request']}"
    )


def markdown(results: list[dict[str, Any]], store: str, concurrency: int, duration: float) -> str:
    what = {
        "start": "start → suspend (`POST /incsquare`)",
        "resume": "resume → finish (`POST /?continuation=…`)",
        "flow10": "start → finish, 10 Pass (`POST /flow10`)",
    }
    lines = [
        f"Store: {store}; {concurrency} requests in flight, {duration:g} s per phase after 1 s warm-up; "
        f"client and server on the same {os.cpu_count()} cores.",
        "",
        "| phase | requests / s | state transitions / s | p50 | p99 | max | errors "
        "| server CPU | server CPU / request | requests per server CPU-second |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {what[r['phase']]} | {r['per_second']:,.0f} "
            f"| {r['per_second'] * r['transitions_per_request']:,.0f} "
            f"| {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['max_ms']:.0f} ms "
            f"| {sum(r['errors'].values())} "
            f"| {r['server_cpu_share'] * 100:.0f}% | {r['server_cpu_ms_per_request']:.2f} ms "
            f"| {1e3 / r['server_cpu_ms_per_request']:,.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--redis", action="store_true", help="a real redis-server on loopback instead of the embedded store"
    )
    parser.add_argument("--profile", help="run the server under cProfile, writing its stats to this file")
    parser.add_argument("--workers", type=int, default=1, help="statebox serve --workers (needs --redis)")
    parser.add_argument(
        "--no-log-transitions",
        dest="log_transitions",
        action="store_false",
        help="start the server with --no-log-transitions",
    )
    parser.add_argument("--markdown")
    parser.add_argument("--json")
    args = parser.parse_args()

    processes: list[subprocess.Popen[bytes]] = []
    redis_server: LoopbackRedis | None = None
    with tempfile.TemporaryDirectory() as tmp:
        machines = Path(tmp) / "machines"
        machines.mkdir()
        shutil.copy(ROOT / "state_machines" / "incsquare.json", machines / "incsquare.json")
        (machines / "flow10.json").write_text(json.dumps(FLOW10))
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT)
        env["STATEBOX_ACTIONS_DIR"] = str(ROOT / "demo_actions")
        env["STATEBOX_SECRET"] = "bench-" + "0" * 58
        env.pop("REDIS_URL", None)
        store = "embedded in-process store (`statebox serve` without REDIS_URL)"
        try:
            if args.redis:
                redis_server = LoopbackRedis()
                env["REDIS_URL"] = redis_server.url
                store = f"redis-server {LoopbackRedis.version()} on loopback, no persistence"
            port = free_port()
            log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115
            profile = ["-m", "cProfile", "-o", str(Path(args.profile).resolve())] if args.profile else []
            server = subprocess.Popen(
                [
                    sys.executable,
                    *profile,
                    "-m",
                    "statebox",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--machines",
                    str(machines),
                    "--workers",
                    str(args.workers),
                    *([] if args.log_transitions else ["--no-log-transitions"]),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            processes.append(server)
            asyncio.run(wait_http("127.0.0.1", port))
            results = asyncio.run(
                drive(
                    "127.0.0.1", port, args.duration, args.concurrency, None if args.profile else server.pid
                )
            )
        finally:
            for process in reversed(processes):
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
            if redis_server is not None:
                redis_server.stop()
    text = markdown(results, store, args.concurrency, args.duration)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text, encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps({"store": store, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
