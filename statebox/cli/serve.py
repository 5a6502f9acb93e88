"""`statebox serve`: the dev server (web/devserver.py) with its console: which store and
folders it uses, a line per transition, and the port checked before it starts."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import multiprocessing
import socket
import sys
from dataclasses import replace
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from ..config import Settings
from ..web import devserver
from ..wiring import dev_service
from .common import EXIT_FAILED, EXIT_INVALID, EXIT_OK, actions_folder, machines_folder, settings_for


class TransitionLog:
    """One readable line per transition (`18:20:01.123  3f2a9c1e  Square  TaskStateEntered`),
    written in batches: a write per line was a sixth of a dev-server request under load."""

    def __init__(self, out: IO[str], flush_after: float = 0.1) -> None:
        self.out = out
        self.flush_after = flush_after
        self.lines: list[str] = []

    def __call__(self, execution: str, event: dict[str, Any]) -> None:
        state = event.get("state") or "-"
        detail = f" {event['done']}/{event['total']} iterations" if event["type"] == "MapProgress" else ""
        clock = event.get("timestamp", "")[11:23]
        self.lines.append(f"{clock}  {execution[:8]}  {state}  {event['type']}{detail}\n")
        if len(self.lines) == 1:
            try:
                asyncio.get_running_loop().call_later(self.flush_after, self.flush)
            except RuntimeError:  # no loop: write now
                self.flush()

    def flush(self) -> None:
        lines, self.lines = self.lines, []
        self.out.write("".join(lines))
        self.out.flush()


def serve(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    settings = settings_for()
    problems = settings.startup_problems(needs_store=True)
    if problems:
        for problem in problems:
            print(f"statebox serve: {problem}", file=stderr)
        return EXIT_INVALID
    unusable = port_problem(args.host, args.port, reuse_port=args.workers > 1)
    if unusable:
        print(f"statebox serve: {unusable}", file=stderr)
        return EXIT_FAILED
    if args.workers > 1 and not settings.redis_url:
        print("statebox: --workers needs REDIS_URL: the embedded store lives in one process", file=stderr)
        return EXIT_INVALID
    args.machines = machines_folder(args.machines, stderr)
    actions = actions_folder(None, settings, stderr)
    settings = replace(settings, actions_dir=Path(actions)) if actions else settings
    args.base_url = args.base_url or settings.base_url
    _say_what_it_uses(settings, stdout)
    sink = TransitionLog(stderr) if args.log_transitions else None
    service = dev_service(settings, Path(args.machines), event_sink=sink)
    print(
        f"statebox: serving on http://{args.host}:{args.port}/ (actions from {settings.actions_dir}, "
        f"machines from {args.machines})",
        file=stdout,
        flush=True,
    )
    if args.workers > 1:
        # Each worker builds its own event loop and Redis pool; they share only Redis and the port.
        for _ in range(args.workers - 1):
            multiprocessing.get_context("fork").Process(
                target=_serve_worker, args=(args, settings, sink is not None), daemon=True
            ).start()
        print(f"statebox: {args.workers} worker processes share the port", file=stdout, flush=True)
    try:
        devserver.serve(service, args.host, args.port, reuse_port=args.workers > 1, base_url=args.base_url)
    except OSError as exc:  # taken between the check and the bind
        print(f"statebox serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=stderr)
        return EXIT_FAILED
    return EXIT_OK


def _say_what_it_uses(settings: Settings, stdout: IO[str]) -> None:
    if settings.redis_url:
        print(f"statebox: store = Redis at {without_password(settings.redis_url)}", file=stdout, flush=True)
    else:
        print(
            "statebox: store = embedded in-process store (set REDIS_URL for a real Redis); "
            "it forgets every execution when the server stops",
            file=stdout,
            flush=True,
        )
    if not settings.secret:
        print(
            "statebox: STATEBOX_SECRET not set; continuations are signed with a key for this run only",
            file=stdout,
            flush=True,
        )


def _serve_worker(args: argparse.Namespace, settings: Settings, log_transitions: bool) -> None:
    sink = TransitionLog(sys.stderr) if log_transitions else None
    service = dev_service(settings, Path(args.machines), event_sink=sink)
    devserver.serve(service, args.host, args.port, reuse_port=True, base_url=args.base_url)


def without_password(url: str) -> str:
    """A Redis URL as the console may show it."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def port_problem(host: str, port: int, reuse_port: bool) -> str | None:
    """Why the dev server cannot listen on host:port, found before it starts: aiohttp meets a
    bind error only after its start-up hooks have run."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        return f"cannot listen on {host}:{port}: the host does not resolve ({exc})"
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself does
            if reuse_port and hasattr(socket, "SO_REUSEPORT"):
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return (
                        f"port {port} on {host} is already in use (another statebox serve?): stop "
                        f"what holds it or choose another port with --port N"
                    )
                return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None
