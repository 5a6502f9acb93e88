"""What the `statebox` commands share: exit codes, reading files and inputs, the settings and
engine a command works with, and where the embedded default folders are."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from .. import strictjson
from ..config import DEFAULT_ACTIONS_DIR, Settings
from ..errors import InputError, Problem
from ..execution.engine import Engine
from ..wiring import cli_engine

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_SUSPENDED = 0, 1, 2, 3


def read_text(source: str, what: str) -> str:
    try:
        return Path(source).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError([Problem("", f"the {what} {source!r} is not UTF-8 text")]) from None
    except OSError as exc:
        raise InputError([Problem("", f"cannot read the {what} {source!r}: {exc.strerror or exc}")]) from None


def parse_input(text: str | None) -> object:
    if text is None:
        return {}
    if text.startswith("@"):
        text = read_text(text[1:], "input file")
    return strictjson.parse(text, "the input")  # as the HTTP adapters decode it: NaN, 1e400, "\udfff" refused


def print_result(result: Any, stdout: IO[str]) -> int:
    print(json.dumps(result.to_json(), indent=2, ensure_ascii=False), file=stdout)
    return {"SUCCEEDED": EXIT_OK, "SUSPENDED": EXIT_SUSPENDED}.get(result.status, EXIT_FAILED)


def settings_for(actions: str | None = None) -> Settings:
    """The settings of the environment (`settings_table`), with `actions` (--actions) over them."""
    settings = Settings.from_env()
    return replace(settings, actions_dir=Path(actions)) if actions else settings


def checked(settings: Settings, *, needs_store: bool = False) -> Settings:
    """`settings`, or InputError (exit 2) naming why they must not run."""
    problems = settings.startup_problems(needs_store=needs_store)
    if problems:
        raise InputError([Problem("", problem) for problem in problems])
    return settings


def engine_for(settings: Settings, *, needs_store: bool = False) -> Engine:
    """The engine a command works with: on REDIS_URL when set, else in this process."""
    return cli_engine(checked(settings, needs_store=needs_store))


def require_store(engine: Engine, command: str) -> None:
    """`resume`, `status`, `history` and `worker` work on executions other commands stored:
    without Redis each process has its own, empty, in-process store."""
    if not engine.settings.redis_url:
        raise InputError([Problem("", (
            f"statebox {command} needs REDIS_URL (and STATEBOX_SECRET): without it each statebox "
            "command has its own in-process store, empty when it starts, so there is nothing to "
            f"{'fire' if command == 'worker' else 'find'}. Point it at the Redis your executions run on."
        ))])  # fmt: skip


def actions_folder(given: str | None, settings: Settings, stderr: IO[str]) -> str | None:
    """The actions folder: `given` (--actions), else STATEBOX_ACTIONS_DIR, else the default
    as `_folder` finds it; None for the default as it is."""
    chosen = given or (
        str(settings.actions_dir) if settings.actions_dir != Path(DEFAULT_ACTIONS_DIR) else None
    )
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
    beside = Path(__file__).resolve().parents[2] / default
    if beside.is_dir():
        return str(beside)
    print(
        f"statebox: warning: no {default}/ folder in {Path.cwd()} nor beside the statebox package: "
        f"{consequence} (run from the checkout, or choose the {what} folder)",
        file=stderr,
    )
    return None
