"""`statebox resume`, `status`, `history` and `worker`: executions stored in Redis by earlier
commands (without REDIS_URL they refuse to start: a new process's store is empty)."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import IO

from .. import eventloop
from ..errors import StoreUnavailable
from .common import EXIT_OK, engine_for, parse_input, print_result, require_store, settings_for


def resume(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    engine = engine_for(settings_for())
    require_store(engine, "resume")
    result = eventloop.run(
        engine.resume(args.token, parse_input(args.input), error=args.error, cause=args.cause)
    )
    return print_result(result, stdout)


def status(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    """`status ID` (the description as JSON) and `history ID` (a line per event)."""
    engine = engine_for(settings_for())
    require_store(engine, args.command)
    record = eventloop.run(engine.describe_execution(args.execution_id))
    if args.command == "history":
        for event in record["history"]:
            state = f"  {event['state']}" if event.get("state") else ""
            print(f"{event['timestamp']}  {event['type']}{state}", file=stdout)
        return EXIT_OK
    record.pop("history", None)
    print(json.dumps(record, indent=2, ensure_ascii=False), file=stdout)
    return EXIT_OK


def worker(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    engine = engine_for(settings_for(), needs_store=True)
    require_store(engine, "worker")

    async def loop() -> None:
        while True:
            try:
                fired = await engine.run_due_timers()
            except StoreUnavailable as exc:
                if args.once:
                    raise
                # Redis is down or restarting: nothing was lost (a taken timer comes back when
                # its lease lapses); keep ticking.
                print(f"tick skipped: {exc}", file=stderr, flush=True)
                fired = 0
            if fired:
                print(f"fired {fired} timer(s)", file=stdout, flush=True)
            if args.once:
                return
            await asyncio.sleep(args.interval)

    try:
        eventloop.run(loop())
    except KeyboardInterrupt:
        pass
    return EXIT_OK
