"""The `statebox` command: a thin adapter over the engine.

    statebox run FILE [--input JSON | --input @FILE] [--actions DIR]
        exit 0 succeeded, 1 failed, 2 invalid definition or input, 3 suspended
    statebox validate FILE
        prints `POINTER: MESSAGE` per problem; exit 0 valid, 2 invalid
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO

from .errors import DefinitionError, InputError, Problem

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_SUSPENDED = 0, 1, 2, 3


def _read_text(source: str, what: str) -> str:
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem("", f"cannot read the {what} {source!r}: {exc.strerror or exc}")]) from None


def _parse_input(text: str | None) -> object:
    if text is None:
        return {}
    if text.startswith("@"):
        text = _read_text(text[1:], "input file")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError([Problem("", f"the input is not valid JSON: {exc}")]) from None


def _print_problems(problems: tuple[Problem, ...], out: IO[str]) -> None:
    for problem in problems:
        print(str(problem), file=out)


def _cmd_run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from .engine import run

    definition = _read_text(args.file, "definition file")
    execution_input = _parse_input(args.input)
    result = run(
        definition, execution_input, actions=args.actions, machine_name=Path(args.file).stem
    )
    print(json.dumps(result.to_json(), indent=2, ensure_ascii=False), file=stdout)
    return {"SUCCEEDED": EXIT_OK, "SUSPENDED": EXIT_SUSPENDED}.get(result.status, EXIT_FAILED)


def _cmd_validate(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from .parse import parse

    parse(_read_text(args.file, "definition file"))
    print(f"{args.file}: valid", file=stdout)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="statebox", description="Run Amazon States Language machines.")
    commands = parser.add_subparsers(dest="command", required=True)

    run_cmd = commands.add_parser("run", help="run a machine to its end (or its first suspension)")
    run_cmd.add_argument("file", help="the ASL definition (JSON file)")
    run_cmd.add_argument("--input", help="the execution input as JSON, or @FILE")
    run_cmd.add_argument("--actions", help="folder of module: actions (default: demo_actions)")
    run_cmd.set_defaults(handler=_cmd_run)

    validate_cmd = commands.add_parser("validate", help="check a definition and list every problem")
    validate_cmd.add_argument("file")
    validate_cmd.set_defaults(handler=_cmd_validate)
    return parser


def main(argv: list[str] | None = None, stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) and EXIT_INVALID
    try:
        return args.handler(args, stdout, stderr)
    except (DefinitionError, InputError) as exc:
        _print_problems(exc.problems, stderr)
        return EXIT_INVALID
    except NotImplementedError as exc:
        print(f"not supported yet: {exc}", file=stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
