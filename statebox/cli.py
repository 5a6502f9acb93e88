"""The `statebox` command: a thin adapter over the engine.

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
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import IO, Any

from . import eventloop
from .cli_support import EPILOG, actions_folder, arn_warnings, machines_folder, port_problem
from .errors import DefinitionError, InputError, Problem, ServiceError, StoreUnavailable

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_SUSPENDED = 0, 1, 2, 3


def _read_text(source: str, what: str) -> str:
    try:
        return Path(source).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError([Problem("", f"the {what} {source!r} is not UTF-8 text")]) from None
    except OSError as exc:
        raise InputError([Problem("", f"cannot read the {what} {source!r}: {exc.strerror or exc}")]) from None


def _parse_input(text: str | None) -> object:
    if text is None:
        return {}
    if text.startswith("@"):
        text = _read_text(text[1:], "input file")
    from .strictjson import parse

    return parse(text, "the input")  # as the HTTP adapters decode it: NaN, 1e400, "\udfff" refused


def _print_problems(problems: tuple[Problem, ...], out: IO[str]) -> None:
    for problem in problems:
        print(str(problem), file=out)


def _engine(args: argparse.Namespace, *, needs_store: bool = False) -> Any:
    """The engine the CLI works with: on REDIS_URL when set, else in this process."""
    from dataclasses import replace

    from .config import Settings
    from .continuations import ContinuationSigner
    from .execution.engine import Engine
    from .execution.library import local_engine_parts

    settings = Settings.from_env()
    if getattr(args, "actions", None):
        settings = replace(settings, actions_dir=Path(args.actions))
    problems = settings.startup_problems(needs_store=needs_store)
    if problems:
        raise InputError([Problem("", problem) for problem in problems])
    if settings.redis_url:
        from .stores.redis import RedisStore

        store: Any = RedisStore.connect(settings.redis_url, prefix=settings.key_prefix)
        signer = ContinuationSigner(settings.secret)
    else:
        store, signer = local_engine_parts()
    return Engine(
        settings,
        store=store,
        signer=signer,
        invoker=_invoker(settings),
        persist_finished=bool(settings.redis_url),
    )


def _invoker(settings: Any) -> Any:
    """`openwhisk:` Tasks over REST with STATEBOX_OW_API_HOST (and STATEBOX_OW_API_KEY), else local."""
    from .settings_table import invoker_for

    return invoker_for(settings)


def _print_result(result: Any, stdout: IO[str]) -> int:
    print(json.dumps(result.to_json(), indent=2, ensure_ascii=False), file=stdout)
    return {"SUCCEEDED": EXIT_OK, "SUSPENDED": EXIT_SUSPENDED}.get(result.status, EXIT_FAILED)


def _cmd_run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    definition = _read_text(args.file, "definition file")
    execution_input = _parse_input(args.input)
    args.actions = actions_folder(args.actions, stderr)
    engine = _engine(args)
    result = eventloop.run(
        engine.start(definition, execution_input, machine_name=Path(args.file).stem, trusted=True)
    )
    if result.status in ("SUSPENDED", "RUNNING") and not engine.settings.redis_url:
        print(
            "warning: no REDIS_URL: this execution was kept in this process only and is gone now "
            "that `statebox run` exits; its continuation and execution id cannot be used by any later "
            "command, and a timer it waits on (a long Wait, a timeout) never fires. Set REDIS_URL "
            "and STATEBOX_SECRET to keep it in Redis for `statebox resume` / `statebox worker`.",
            file=stderr,
        )
    return _print_result(result, stdout)


def _require_store(engine: Any, command: str) -> None:
    """`resume`, `status`, `history` and `worker` work on executions other commands stored:
    without Redis each process has its own, empty, in-process store."""
    if not engine.settings.redis_url:
        raise InputError([Problem("", (
            f"statebox {command} needs REDIS_URL (and STATEBOX_SECRET): without it each statebox "
            "command has its own in-process store, empty when it starts, so there is nothing to "
            f"{'fire' if command == 'worker' else 'find'}. Point it at the Redis your executions run on."
        ))])  # fmt: skip


def _cmd_resume(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    engine = _engine(args)
    _require_store(engine, "resume")
    result = eventloop.run(
        engine.resume(args.token, _parse_input(args.input), error=args.error, cause=args.cause)
    )
    return _print_result(result, stdout)


def _cmd_status(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    engine = _engine(args)
    _require_store(engine, args.command)
    record = eventloop.run(engine.describe_execution(args.execution_id))
    if args.command == "history":
        for event in record["history"]:
            state = f"  {event['state']}" if event.get("state") else ""
            print(f"{event['timestamp']}  {event['type']}{state}", file=stdout)
        return EXIT_OK
    record.pop("history", None)
    print(json.dumps(record, indent=2, ensure_ascii=False), file=stdout)
    return EXIT_OK


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


def _cmd_serve(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    import logging

    from .config import Settings
    from .continuations import ContinuationSigner
    from .execution.engine import Engine
    from .web.devserver import serve
    from .web.handler import Service

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    settings = Settings.from_env()
    problems = settings.startup_problems(needs_store=True)
    if problems:
        for problem in problems:
            print(f"statebox serve: {problem}", file=stderr)
        return EXIT_INVALID
    settings = _serve_folders_and_port(args, settings, stderr)
    if settings is None:
        return EXIT_FAILED
    if settings.redis_url:
        from .stores.redis import RedisStore

        store: Any = RedisStore.connect(settings.redis_url, prefix=settings.key_prefix)
        print(f"statebox: store = Redis at {_without_password(settings.redis_url)}", file=stdout, flush=True)
    else:
        from .stores.redis import RedisStore

        store = RedisStore.in_process()
        print(
            "statebox: store = embedded in-process store (set REDIS_URL for a real Redis); "
            "it forgets every execution when the server stops",
            file=stdout,
            flush=True,
        )
    secret = settings.secret
    if not secret:
        import secrets as secrets_module

        secret = secrets_module.token_hex(32)
        print(
            "statebox: STATEBOX_SECRET not set; continuations are signed with a key for this run only",
            file=stdout,
            flush=True,
        )
    sink = TransitionLog(stderr) if args.log_transitions else None
    engine = Engine(
        settings, store=store, signer=ContinuationSigner(secret), invoker=_invoker(settings), event_sink=sink
    )
    service = Service(engine=engine, machines_dir=Path(args.machines))
    print(
        f"statebox: serving on http://{args.host}:{args.port}/ (actions from {settings.actions_dir}, "
        f"machines from {args.machines})",
        file=stdout,
        flush=True,
    )
    if args.workers > 1:
        if not settings.redis_url:
            print("statebox: --workers needs REDIS_URL: the embedded store lives in one process", file=stderr)
            return EXIT_INVALID
        import multiprocessing

        # Each worker builds its own event loop and Redis pool; they share only Redis and the port.
        for _ in range(args.workers - 1):
            multiprocessing.get_context("fork").Process(
                target=_serve_worker, args=(args, settings, secret, sink is not None), daemon=True
            ).start()
        print(f"statebox: {args.workers} worker processes share the port", file=stdout, flush=True)
    try:
        serve(service, args.host, args.port, reuse_port=args.workers > 1, base_url=args.base_url)
    except OSError as exc:  # taken between the check and the bind
        print(f"statebox serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=stderr)
        return EXIT_FAILED
    return EXIT_OK


def _serve_folders_and_port(args: argparse.Namespace, settings: Any, stderr: IO[str]) -> Any:
    """The settings with the actions folder found (args.machines too), or None when the port
    cannot be listened on (said on stderr)."""
    from dataclasses import replace

    unusable = port_problem(args.host, args.port, reuse_port=args.workers > 1)
    if unusable:
        print(f"statebox serve: {unusable}", file=stderr)
        return None
    args.machines = machines_folder(args.machines, stderr)
    actions = actions_folder(None, stderr)
    return replace(settings, actions_dir=Path(actions)) if actions else settings


def _serve_worker(args: argparse.Namespace, settings: Any, secret: str, log_transitions: bool) -> None:
    from .continuations import ContinuationSigner
    from .execution.engine import Engine
    from .stores.redis import RedisStore
    from .web.devserver import serve
    from .web.handler import Service

    store = RedisStore.connect(settings.redis_url, prefix=settings.key_prefix)
    sink = TransitionLog(sys.stderr) if log_transitions else None
    engine = Engine(
        settings, store=store, signer=ContinuationSigner(secret), invoker=_invoker(settings), event_sink=sink
    )
    service = Service(engine=engine, machines_dir=Path(args.machines))
    serve(service, args.host, args.port, reuse_port=True, base_url=args.base_url)


def _without_password(url: str) -> str:
    """A Redis URL as the console may show it."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def _cmd_worker(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    engine = _engine(args, needs_store=True)
    _require_store(engine, "worker")

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


def _cmd_package(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from .package import PackageError, build_action_zip

    try:
        report = build_action_zip(
            Path(args.output),
            project_root=Path(args.root) if args.root else None,
            platform=args.platform,
            python_version=args.python_version,
            log=lambda line: print(line, file=stderr, flush=True),
        )
    except PackageError as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_FAILED
    print(report.summary(), file=stdout)
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    """Each file in turn; with several, problem lines start with the file's name."""
    from .parse import parse

    status = EXIT_OK
    for file in args.files:
        prefix = f"{file}: " if len(args.files) > 1 else ""
        try:
            text = _read_text(file, "definition file")
            parse(text)
        except (DefinitionError, InputError) as exc:
            for problem in exc.problems:
                print(f"{prefix}{problem}", file=stderr)
            status = EXIT_INVALID
            continue
        for warning in arn_warnings(json.loads(text)):
            print(f"{file}: warning: {warning}", file=stderr)
        print(f"{file}: valid", file=stdout)
    return status


class _CommandParser(argparse.ArgumentParser):
    """A command's parser: its --help ends with the exit codes and the environment too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("epilog", EPILOG)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="statebox",
        description="Run Amazon States Language machines.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"statebox {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_CommandParser
    )

    run_cmd = commands.add_parser("run", help="run a machine to its end (or its first suspension)")
    run_cmd.add_argument("file", help="the ASL definition (JSON file)")
    run_cmd.add_argument("--input", help="the execution input as JSON, or @FILE")
    run_cmd.add_argument("--actions", help="folder of module: actions (default: demo_actions)")
    run_cmd.set_defaults(handler=_cmd_run)

    validate_cmd = commands.add_parser("validate", help="check definitions and list every problem")
    validate_cmd.add_argument("files", nargs="+", metavar="FILE", help="ASL definitions (JSON files)")
    validate_cmd.set_defaults(handler=_cmd_validate)

    resume_cmd = commands.add_parser("resume", help="resume a suspended execution")
    resume_cmd.add_argument("token", help="the continuation id")
    resume_cmd.add_argument("--input", help="resume input as JSON, or @FILE (merged in)")
    resume_cmd.add_argument("--error", help="resume as a failure with this error name")
    resume_cmd.add_argument("--cause", help="the failure's cause")
    resume_cmd.set_defaults(handler=_cmd_resume)

    for name, text in (("status", "an execution's status"), ("history", "an execution's events")):
        status_cmd = commands.add_parser(name, help=f"show {text}")
        status_cmd.add_argument("execution_id")
        status_cmd.set_defaults(handler=_cmd_status)

    serve_cmd = commands.add_parser("serve", help="run the dev server (same HTTP surface as the web action)")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve_cmd.add_argument("--port", type=int, default=8080, help="port to listen on (default: %(default)s)")
    serve_cmd.add_argument(
        "--machines", help="folder of stored machines (default: state_machines, or the checkout's)"
    )
    serve_cmd.add_argument(
        "--base-url",
        default=os.environ.get("STATEBOX_BASE_URL") or None,
        help="public URL for resume links (default $STATEBOX_BASE_URL, else each request's Host "
        "header, which its sender chooses: set it on any server others can reach)",
    )
    serve_cmd.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes sharing the port (default: %(default)s; more need REDIS_URL; one per core is "
        "a good start)",
    )
    serve_cmd.add_argument(
        "--no-log-transitions",
        dest="log_transitions",
        action="store_false",
        help="do not print a line per state transition (for load tests)",
    )
    serve_cmd.set_defaults(handler=_cmd_serve)

    package_cmd = commands.add_parser("package", help="build action.zip for the OpenWhisk python:3.11 kind")
    package_cmd.add_argument(
        "-o", "--output", default="action.zip", help="the zip to write (default: %(default)s)"
    )
    package_cmd.add_argument(
        "--root", help="folder with demo_actions/ and state_machines/ (default: the checkout)"
    )
    package_cmd.add_argument(
        "--platform", default=None, help="wheel platform of the runtime image (default: manylinux x86-64)"
    )
    package_cmd.add_argument(
        "--python-version", default="3.11", help="Python of the runtime kind (default: %(default)s)"
    )
    package_cmd.set_defaults(handler=_cmd_package)

    worker_cmd = commands.add_parser("worker", help="fire due timers (timeouts, long Waits)")
    worker_cmd.add_argument("--once", action="store_true", help="one tick, then exit")
    worker_cmd.add_argument(
        "--interval", type=float, default=1.0, help="seconds between ticks (default: %(default)s)"
    )
    worker_cmd.set_defaults(handler=_cmd_worker)
    return parser


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
    try:
        return args.handler(args, stdout, stderr)
    except (DefinitionError, InputError) as exc:
        _print_problems(exc.problems, stderr)
        return EXIT_INVALID
    except ServiceError as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_FAILED
    except NotImplementedError as exc:
        print(f"not supported yet: {exc}", file=stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
