"""`statebox run FILE` and `statebox validate FILE ...`: a definition file, run once or checked."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .. import eventloop
from ..definition.parse import parse
from ..errors import DefinitionError, InputError
from ..validation import task_resources
from .common import (
    EXIT_INVALID,
    EXIT_OK,
    actions_folder,
    engine_for,
    parse_input,
    print_result,
    read_text,
    settings_for,
)

NO_STORE_WARNING = (
    "warning: no REDIS_URL: this execution was kept in this process only and is gone now "
    "that `statebox run` exits; its continuation and execution id cannot be used by any later "
    "command, and a timer it waits on (a long Wait, a timeout) never fires. Set REDIS_URL "
    "and STATEBOX_SECRET to keep it in Redis for `statebox resume` / `statebox worker`."
)


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    definition = read_text(args.file, "definition file")
    execution_input = parse_input(args.input)
    settings = settings_for(args.actions)
    engine = engine_for(settings_for(actions_folder(args.actions, settings, stderr)))
    result = eventloop.run(
        engine.start(definition, execution_input, machine_name=Path(args.file).stem, trusted=True)
    )
    if result.status in ("SUSPENDED", "RUNNING") and not engine.settings.redis_url:
        print(NO_STORE_WARNING, file=stderr)
    return print_result(result, stdout)


def validate(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    """Each file in turn; with several, problem lines start with the file's name."""
    status = EXIT_OK
    for file in args.files:
        prefix = f"{file}: " if len(args.files) > 1 else ""
        try:
            text = read_text(file, "definition file")
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


def arn_warnings(definition: Any) -> Iterator[str]:
    """`POINTER: MESSAGE` for each Task naming an AWS resource (`arn:...`): valid ASL, but
    statebox runs `openwhisk:` and `module:` resources only, so such a Task always fails here."""
    for pointer, resource in sorted(task_resources(definition)):
        if resource.startswith("arn:"):
            yield (
                f"{pointer}: {resource!r} is an AWS resource, which statebox cannot run (the Task "
                "fails with States.TaskFailed): use openwhisk:NAME or module:NAME"
            )
