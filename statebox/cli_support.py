"""Helpers of the `statebox` command (cli.py): its help epilog, where the embedded default
folders are, whether the dev server's port is free, and validation warnings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

EPILOG = """exit status: 0 succeeded (or valid), 1 failed (the execution, or an error such as a port in
use or an unreachable store), 2 invalid definition, input, usage or settings, 3 suspended.

environment:
  REDIS_URL                  the Redis holding executions (redis://, rediss://, redis+cluster://);
                             without it, an in-process store that forgets everything on exit
  STATEBOX_SECRET            signs continuations (required with REDIS_URL)
  STATEBOX_ACTIONS_DIR       folder of module: actions (default: demo_actions, or the checkout's)
  STATEBOX_BASE_URL          public URL resume links start with (serve)
  STATEBOX_OW_API_HOST, STATEBOX_OW_API_KEY   invoke openwhisk: Tasks over REST
  STATEBOX_MODE=production   refuse weak or missing secrets and the in-process store
  STATEBOX_MAX_*             limits (see the README's Limits table)"""


def actions_folder(given: str | None, stderr: IO[str]) -> str | None:
    from .config import DEFAULT_ACTIONS_DIR

    chosen = given or os.environ.get("STATEBOX_ACTIONS_DIR")
    consequence = "module: Tasks (and openwhisk: Tasks run locally) will fail"
    return _folder("actions", chosen, DEFAULT_ACTIONS_DIR, consequence, stderr) or given


def machines_folder(given: str | None, stderr: IO[str]) -> str:
    consequence = "POST /NAME finds no stored machine"
    return _folder("machines", given, "state_machines", consequence, stderr) or "state_machines"


def _folder(what: str, chosen: str | None, default: str, consequence: str, stderr: IO[str]) -> str | None:
    """The folder to use for `what`, or None for the default as it is. A chosen folder is used
    as given, with a warning if it does not exist. The default is relative to the current
    directory; when that has none, the one beside the statebox package (a checkout, an editable
    install) is used, so the commands work from any directory; failing both, a warning."""
    if chosen:
        if not Path(chosen).is_dir():
            print(f"statebox: warning: the {what} folder {chosen} does not exist: {consequence}", file=stderr)
        return chosen
    if Path(default).is_dir():
        return None
    beside = Path(__file__).resolve().parents[1] / default
    if beside.is_dir():
        return str(beside)
    print(
        f"statebox: warning: no {default}/ folder in {Path.cwd()} nor beside the statebox package: "
        f"{consequence} (run from the checkout, or choose the {what} folder)",
        file=stderr,
    )
    return None


def port_problem(host: str, port: int, reuse_port: bool) -> str | None:
    """Why the dev server cannot listen on host:port, found before it starts: aiohttp meets a
    bind error only after its start-up hooks have run, and then did not exit."""
    import errno
    import socket

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


def arn_warnings(definition: Any) -> Iterator[str]:
    """`POINTER: MESSAGE` for each Task naming an AWS resource (`arn:...`): valid ASL, but
    statebox runs `openwhisk:` and `module:` resources only, so such a Task always fails here."""
    from .validation import task_resources

    for pointer, resource in sorted(task_resources(definition)):
        if resource.startswith("arn:"):
            yield (
                f"{pointer}: {resource!r} is an AWS resource, which statebox cannot run (the Task "
                "fails with States.TaskFailed): use openwhisk:NAME or module:NAME"
            )
