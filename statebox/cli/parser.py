"""The `statebox` command line: every command, option and help text (argparse). Each command's
`handler` names the module and function that run it (`statebox.cli.<module>.<function>`)."""

from __future__ import annotations

import argparse
from typing import Any

from .. import __version__

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


class _CommandParser(argparse.ArgumentParser):
    """A command's parser: its --help ends with the exit codes and the environment too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("epilog", EPILOG)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
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
    run_cmd.set_defaults(handler=("run", "run"))

    validate_cmd = commands.add_parser("validate", help="check definitions and list every problem")
    validate_cmd.add_argument("files", nargs="+", metavar="FILE", help="ASL definitions (JSON files)")
    validate_cmd.set_defaults(handler=("run", "validate"))

    resume_cmd = commands.add_parser("resume", help="resume a suspended execution")
    resume_cmd.add_argument("token", help="the continuation id")
    resume_cmd.add_argument("--input", help="resume input as JSON, or @FILE (merged in)")
    resume_cmd.add_argument("--error", help="resume as a failure with this error name")
    resume_cmd.add_argument("--cause", help="the failure's cause")
    resume_cmd.set_defaults(handler=("executions", "resume"))

    for name, text in (("status", "an execution's status"), ("history", "an execution's events")):
        status_cmd = commands.add_parser(name, help=f"show {text}")
        status_cmd.add_argument("execution_id")
        status_cmd.set_defaults(handler=("executions", "status"))

    _add_serve(commands)

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
    package_cmd.set_defaults(handler=("package", "package"))

    worker_cmd = commands.add_parser("worker", help="fire due timers (timeouts, long Waits)")
    worker_cmd.add_argument("--once", action="store_true", help="one tick, then exit")
    worker_cmd.add_argument(
        "--interval", type=float, default=1.0, help="seconds between ticks (default: %(default)s)"
    )
    worker_cmd.set_defaults(handler=("executions", "worker"))
    return parser


def _add_serve(commands: Any) -> None:
    serve_cmd = commands.add_parser("serve", help="run the dev server (same HTTP surface as the web action)")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve_cmd.add_argument("--port", type=int, default=8080, help="port to listen on (default: %(default)s)")
    serve_cmd.add_argument(
        "--machines", help="folder of stored machines (default: state_machines, or the checkout's)"
    )
    serve_cmd.add_argument(
        "--base-url",
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
    serve_cmd.set_defaults(handler=("serve", "serve"))
