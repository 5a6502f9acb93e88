"""Store costs of suspend and resume: Redis round trips, bytes stored, latency.

Starts its own redis-server (Debian package) on a free loopback port in a temp dir, runs the
engine against it through `RedisStore`, prints a markdown report and writes it into
docs/benchmarks.md as the section "Suspend and resume: Redis round trips and bytes stored"
(other sections of that file are kept).

    .venv/bin/python bench/store_costs.py              # 200 runs per size, writes the doc
    .venv/bin/python bench/store_costs.py --runs 50 --no-write

How things are counted:
- Round trips: `redis.asyncio.connection.AbstractConnection.send_packed_command` is wrapped;
  each call is one network write of one command or of a whole pipeline, i.e. one round trip.
  Counted after a warm-up, so connection setup and script loading are not included.
- Bytes: `MEMORY USAGE <key> SAMPLES 0` of each key of one suspended execution, the timers
  sorted set's growth per execution, and the `used_memory` growth per execution; the shared
  definition key is reported apart, with how many definition keys exist after all runs.
- Latency: wall time of `Engine.start` (runs to the suspension and saves) and of
  `Engine.resume` (claims, runs to the end and saves), median of N runs, next to the median of
  N bare `PING`s on the same client in the same run.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402, TID251 - the benchmark measures the Redis client itself
from redis.asyncio.connection import AbstractConnection  # noqa: E402, TID251

from bench.doc_sections import write_section  # noqa: E402
from bench.loopback import LoopbackRedis  # noqa: E402
from statebox import eventloop  # noqa: E402
from statebox.config import Settings  # noqa: E402
from statebox.execution.continuations import ContinuationSigner  # noqa: E402
from statebox.execution.engine import Engine  # noqa: E402
from statebox.stores.redis import RedisStore  # noqa: E402

SECTION = "## Suspend and resume: Redis round trips and bytes stored"
SIZES = [("100 B", 100), ("1 KiB", 1024), ("10 KiB", 10 * 1024), ("100 KiB", 100 * 1024)]
ONE_STEP = {
    "Comment": "Suspend once for approval, then finish.",
    "StartAt": "Approve",
    "States": {"Approve": {"Type": "Task", "Resource": "module:suspend", "End": True}},
}
TWO_STEP = {
    "Comment": "Suspend twice, for two approvals.",
    "StartAt": "First",
    "States": {
        "First": {"Type": "Task", "Resource": "module:suspend", "Next": "Second"},
        "Second": {"Type": "Task", "Resource": "module:suspend", "End": True},
    },
}


def data_of_size(size: int) -> dict[str, str]:
    """Execution input whose compact JSON is `size` bytes."""
    overhead = len(json.dumps({"doc": ""}, separators=(",", ":")))
    return {"doc": "x" * (size - overhead)}


# ----------------------------------------------------------------------------- round trips
class WriteCounter:
    """Wraps the connection's send of packed commands: one call = one network write."""

    def __init__(self, scripts: dict[str, str]) -> None:
        self.scripts = scripts  # sha → name
        self.writes: list[list[str]] = []
        self._original = AbstractConnection.send_packed_command

    def __enter__(self) -> WriteCounter:
        counter, original = self, self._original

        async def counted(conn: AbstractConnection, command: Any, check_health: bool = True) -> None:
            counter.writes.append(counter.describe(command))
            await original(conn, command, check_health)

        AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        AbstractConnection.send_packed_command = self._original  # type: ignore[method-assign]

    def take(self) -> list[list[str]]:
        out, self.writes = self.writes, []
        return out

    def describe(self, packed: Any) -> list[str]:
        """Names of the commands in one write (RESP arrays of bulk strings)."""
        raw = packed if isinstance(packed, bytes | bytearray) else b"".join(bytes(p) for p in packed)
        names, at = [], 0
        while at < len(raw) and raw[at : at + 1] == b"*":
            end = raw.index(b"\r\n", at)
            count, at, args = int(raw[at + 1 : end]), end + 2, []
            for _ in range(count):
                end = raw.index(b"\r\n", at)
                length = int(raw[at + 1 : end])
                args.append(raw[end + 2 : end + 2 + length])
                at = end + 2 + length + 2
            name = args[0].decode().upper()
            if name == "EVALSHA":
                name = f"EVALSHA {self.scripts.get(args[1].decode(), '?')}"
            names.append(name)
        return names


# ----------------------------------------------------------------------------- measurements
def make_engine(store: RedisStore) -> Engine:
    return Engine(
        Settings(actions_dir=ROOT / "demo_actions"),
        store=store,
        signer=ContinuationSigner(b"bench-secret"),
        base_url="https://statebox.example/",
    )


async def round_trips(engine: Engine, store: RedisStore, data: Any) -> dict[str, list[list[str]]]:
    from statebox.definition.parse import forget_machines

    scripts = {store._commit.sha: "commit", store._claim.sha: "claim", store._release.sha: "release"}
    out: dict[str, list[list[str]]] = {}
    warm = await engine.start(TWO_STEP, data)  # connection open, scripts loaded, machines parsed
    await engine.resume((await engine.resume(warm.continuation, {})).continuation, {})
    warm = await engine.start(ONE_STEP, data)
    await engine.resume(warm.continuation, {})
    with WriteCounter(scripts) as counter:
        started = await engine.start(TWO_STEP, data)
        out["start → suspend"] = counter.take()
        again = await engine.resume(started.continuation, {"first": True})
        out["resume → suspend again"] = counter.take()
        await engine.resume(again.continuation, {"second": True})
        out["resume → finish"] = counter.take()
        started = await engine.start(ONE_STEP, data)
        counter.take()
        forget_machines()  # as in a fresh container that has not parsed this machine
        await engine.resume(started.continuation, {})
        out["resume → finish, machine not yet parsed in this process"] = counter.take()
    return out


async def bytes_stored(engine: Engine, store: RedisStore, data: Any, executions: int) -> dict[str, Any]:
    client = store.client
    await client.flushdb()  # only this machine's definition, no timers from other runs
    timers_before = await client.memory_usage(store.timers_key, samples=0) or 0
    used_before = (await client.info("memory"))["used_memory"]
    started = [await engine.start(ONE_STEP, data) for _ in range(executions)]
    used_after = (await client.info("memory"))["used_memory"]
    timers_after = await client.memory_usage(store.timers_key, samples=0) or 0
    first = started[0].execution_id
    record = await store.load(first)
    record_key = store.record_key(first)
    point_keys = [store.point_key(first, p["id"]) for p in record["pending"]]
    definition_key = store.definition_key(record["definitionHash"])
    definitions = [k async for k in client.scan_iter(match=f"{store.prefix}def:*")]
    out = {
        "record": await client.memory_usage(record_key, samples=0),
        "record_json": await client.strlen(record_key),
        "points": sum([await client.memory_usage(k, samples=0) for k in point_keys]),
        "lock": await client.exists(store.lock_key(first)),
        "timer": (timers_after - timers_before) / executions,
        "used_memory": (used_after - used_before) / executions,
        "definition": await client.memory_usage(definition_key, samples=0),
        "definition_keys": len(definitions),
        "executions": executions,
    }
    for s in started:  # leave the server as found, for the next size
        await engine.resume(s.continuation, {"approved": True})
    out["finished_json"] = await client.strlen(record_key)  # input and output share their fields
    await client.flushdb()
    return out


class StoreTimer:
    """Time spent inside the store's calls (Redis round trips plus JSON of the record)."""

    def __init__(self, store: RedisStore) -> None:
        self.spent = 0.0
        for name in ("save", "claim", "load_definition"):
            setattr(store, name, self._timed(getattr(store, name)))

    def _timed(self, method: Any) -> Any:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                self.spent += time.perf_counter() - t0

        return timed

    def take(self) -> float:
        spent, self.spent = self.spent, 0.0
        return spent


async def latency(engine: Engine, store: RedisStore, data: Any, runs: int) -> dict[str, float]:
    """PINGs are interleaved with the operations so both see the same machine noise."""
    starts, start_store, resumes, resume_store, pings, tokens = [], [], [], [], [], []
    timer = StoreTimer(store)
    for _ in range(runs):
        t0 = time.perf_counter()
        await store.client.ping()
        pings.append(time.perf_counter() - t0)
        timer.take()
        t0 = time.perf_counter()
        result = await engine.start(ONE_STEP, data)
        starts.append(time.perf_counter() - t0)
        start_store.append(timer.take())
        tokens.append(result.continuation)
    for token in tokens:
        t0 = time.perf_counter()
        await store.client.ping()
        pings.append(time.perf_counter() - t0)
        timer.take()
        t0 = time.perf_counter()
        await engine.resume(token, {"approved": True})
        resumes.append(time.perf_counter() - t0)
        resume_store.append(timer.take())
    for name in ("save", "claim", "load_definition"):
        delattr(store, name)  # back to the class's methods
    await store.client.flushdb()
    return {
        "suspend": statistics.median(starts),
        "suspend_store": statistics.median(start_store),
        "resume": statistics.median(resumes),
        "resume_store": statistics.median(resume_store),
        "ping": statistics.median(pings),
        "suspend_p99": statistics.quantiles(starts, n=100)[98],
        "resume_p99": statistics.quantiles(resumes, n=100)[98],
    }


# ----------------------------------------------------------------------------- report
def machine_line(redis_version: str) -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    import os

    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, redis-py {redis.__version__}, "
        f"redis-server {redis_version} on loopback (no persistence); "
        f"load average {os.getloadavg()[0]:.2f} when it started (latencies move with it)"
    )


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs"


def kib(n: float) -> str:
    return f"{n / 1024:,.1f} KiB" if n >= 1024 else f"{n:,.0f} B"


def report(results: dict[str, Any], runs: int, executions: int, machine: str) -> str:
    lines = [
        SECTION,
        "",
        f"Recorded {datetime.now(UTC):%Y-%m-%d} by `bench/store_costs.py` on {machine}.",
        "Rerun: `.venv/bin/python bench/store_costs.py` (options: `--runs N`, `--no-write`, `--json F`).",
        "",
        'The machine suspends at one `module:suspend` Task; the execution input is `{"doc": "xxx…"}`',
        'sized so its JSON is the given data size. Single Redis server, `RedisStore.connect("redis://…")`.',
        "",
        "### Round trips",
        "",
        "One round trip = one network write of a command or a whole pipeline: "
        "`AbstractConnection.send_packed_command` of redis-py's asyncio connection is wrapped and "
        "counted, after a warm-up (connection open, scripts cached on the server).",
        "",
        "| Operation | " + " | ".join(label for label, _ in SIZES) + " | What is sent |",
        "|---|" + "---:|" * len(SIZES) + "---|",
    ]
    first = results[SIZES[0][0]]["round_trips"]
    for operation, writes in first.items():
        counts = [len(results[label]["round_trips"][operation]) for label, _ in SIZES]
        sent = "; ".join(" + ".join(w) for w in writes)
        lines.append(f"| {operation} | " + " | ".join(str(c) for c in counts) + f" | {sent} |")
    counts_by_op = [(op, len(w)) for r in results.values() for op, w in r["round_trips"].items()]
    worst = max(n for op, n in counts_by_op if "not yet" not in op)
    cold = max(n for op, n in counts_by_op if "not yet" in op)
    lines += [
        "",
        f"Target: at most 2 round trips per suspend and per resume. Met: {'yes' if worst <= 2 else 'NO'} "
        f"(at most {worst}) while the resuming process has the machine parsed. A resume served by a "
        f"process that has not parsed this machine yet (a fresh container) takes {cold}: the extra "
        "one is the GET of the shared definition, which lives in another slot than the execution's "
        "keys so the claim script cannot return it on a cluster.",
        "",
        "On a Redis Cluster (`redis+cluster://…`) a script may touch one slot only and redis-py's "
        "cluster pipeline refuses scripts, so the definition and timers go out before the commit "
        "script and the finished point's timer is removed after it: start → suspend 2 rounds "
        "(the first to one or two nodes in parallel), resume → finish 3, resume → suspend again 4 "
        "(`tests/integration/test_cluster.py::test_round_trips_per_suspend_and_resume` checks them).",
        "",
        "### Bytes stored per suspended execution",
        "",
        f"`MEMORY USAGE <key> SAMPLES 0` after {executions} suspended executions per size. The "
        "record is one JSON string; each pending point is a small hash; no lock key exists while "
        "suspended; the timer is the growth of the shared timers sorted set per execution; "
        "`used_memory` growth per execution includes Redis's own key and expiry bookkeeping.",
        "",
        "| Data size | Record | (record JSON) | Point hash | Timer entry | Sum per execution "
        "| `used_memory` per execution | Record ÷ data |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, size in SIZES:
        b = results[label]["bytes"]
        total = b["record"] + b["points"] + b["timer"]
        lines.append(
            f"| {label} | {kib(b['record'])} | {kib(b['record_json'])} | {kib(b['points'])} | "
            f"{kib(b['timer'])} | {kib(total)} | {kib(b['used_memory'])} | {b['record_json'] / size:.1f}× |"
        )
    definition = results[SIZES[0][0]]["bytes"]
    keys = {results[label]["bytes"]["definition_keys"] for label, _ in SIZES}
    lock_seen = any(results[label]["bytes"]["lock"] for label, _ in SIZES)
    lines += [
        "",
        f"The definition is stored once, shared: after {executions} executions of the same machine "
        f"there {'is 1 definition key' if keys == {1} else f'are {sorted(keys)} definition keys'} "
        f"of {kib(definition['definition'])} (`statebox:def:<sha256>`, written with SET NX; "
        "no copy per execution)."
        + (" A lock key was left behind while suspended (unexpected)." if lock_seen else ""),
        "",
        "The execution input, the suspended state's input and the pending point's data are one "
        "object here, written once (`statebox/execution/records.py`), so a suspended execution costs about "
        f"{results[SIZES[-1][0]]['bytes']['record_json'] / SIZES[-1][1]:.1f}× its data size "
        "for large data; the rest is the record's own fields, history and token. Once resumed "
        'to the end (the approver\'s `{"approved": true}` merged into the data), the finished '
        "record keeps input and output, whose shared fields are written once: "
        + ", ".join(f"{kib(results[label]['bytes']['finished_json'])} for {label}" for label, _ in SIZES)
        + ".",
        "",
        "### Latency on loopback",
        "",
        f"Median wall time of {runs} operations each through `Engine` (interpreter, JSON and store "
        'together); "in store" is the median time inside `RedisStore.save` / `claim` / '
        "`load_definition` (round trips plus encoding and decoding the record). A bare `PING` on "
        "the same client is timed before every operation; its median is the unit of the ÷ columns.",
        "",
        "| Data size | PING | Suspend (`start`) | in store | ÷ PING "
        "| Resume (`resume` to the end) | in store | ÷ PING |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, _ in SIZES:
        t = results[label]["latency"]
        lines.append(
            f"| {label} | {us(t['ping'])} | {us(t['suspend'])} | {us(t['suspend_store'])} | "
            f"{t['suspend'] / t['ping']:.1f}× | {us(t['resume'])} | {us(t['resume_store'])} | "
            f"{t['resume'] / t['ping']:.1f}× |"
        )
    return "\n".join(lines) + "\n"


async def main(runs: int, executions: int) -> tuple[dict[str, Any], str]:
    server = LoopbackRedis()
    try:
        store = RedisStore.connect(server.url)
        engine = make_engine(store)
        machine = machine_line((await store.client.info("server"))["redis_version"])
        results: dict[str, Any] = {}
        for label, size in SIZES:
            data = data_of_size(size)
            results[label] = {
                "round_trips": await round_trips(engine, store, data),
                "bytes": await bytes_stored(engine, store, data, executions),
                "latency": await latency(engine, store, data, runs),
            }
            print(f"measured {label}", file=sys.stderr)
        await store.close()
        return results, machine
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="operations timed per size (default 200)")
    parser.add_argument("--executions", type=int, default=100, help="executions for the bytes table")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md")
    parser.add_argument("--json", help="also write the figures to this file")
    options = parser.parse_args()
    results, machine = eventloop.run(main(options.runs, options.executions))  # as the adapters run
    section = report(results, options.runs, options.executions, machine)
    print(section)
    if options.json:
        Path(options.json).write_text(json.dumps({"machine": machine, "sizes": results}, indent=1))
    if not options.no_write:
        write_section(SECTION, section)
        print(f"written to {ROOT / 'docs' / 'benchmarks.md'}", file=sys.stderr)
