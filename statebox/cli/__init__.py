"""The `statebox` command: a thin adapter over the engine (parts from `wiring.cli_engine`).

    statebox run FILE [--input JSON | --input @FILE] [--actions DIR]
        exit 0 succeeded, 1 failed, 2 invalid definition or input, 3 suspended
    statebox validate FILE [FILE ...]
        prints `POINTER: MESSAGE` per problem; exit 0 valid, 2 invalid; warns about AWS `arn:` Tasks
    statebox resume TOKEN [--input JSON] [--error NAME --cause TEXT]
    statebox status ID / statebox history ID
    statebox worker [--once] [--interval SECONDS]
    statebox package [-o action.zip]       the OpenWhisk action zip (deps vendored); prints its size

With REDIS_URL (and STATEBOX_SECRET) set, executions live in that Redis, so a machine
suspended by `run` can be resumed by a later `resume`; without it they live in the process and
die with it: `run` warns when it suspends, and `resume`, `status`, `history` and `worker`
refuse to start (exit 2), since a new process's store is empty.

    parser.py       the arguments and help of every command
    common.py       exit codes, files and inputs, the settings and engine of a command, default folders
    run.py          run, validate          executions.py   resume, status, history, worker
    serve.py        serve (the dev server's console)          package.py   package (build time)
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from typing import IO

from ..errors import DefinitionError, InputError, Problem, ServiceError
from .common import EXIT_FAILED, EXIT_INVALID
from .parser import build_parser

__all__ = ["build_parser", "main"]


def _print_problems(problems: tuple[Problem, ...], out: IO[str]) -> None:
    for problem in problems:
        print(str(problem), file=out)


def main(argv: list[str] | None = None, stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        # argparse writes usage and help to sys.stdout / sys.stderr; honour the given streams.
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) and EXIT_INVALID
    module, function = args.handler
    # The command's module is imported only when it runs, for cold start: serve brings aiohttp,
    # package brings pip's tooling, and `statebox validate` needs neither.
    handler = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    try:
        return int(handler(args, stdout, stderr))
    except (DefinitionError, InputError) as exc:
        _print_problems(exc.problems, stderr)
        return EXIT_INVALID
    except ServiceError as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_FAILED
    except NotImplementedError as exc:
        print(f"not supported yet: {exc}", file=stderr)
        return EXIT_INVALID
