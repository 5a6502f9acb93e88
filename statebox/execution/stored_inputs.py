"""Input schemas of stored machines: `state_machines/input_schemas/NAME.json`, when it exists,
is the JSON Schema (Draft 2020-12) a start of `NAME` must match, so a bad input is a 400 naming
each problem with a JSON pointer before anything runs, not a FAILED execution (or a mail sent
to "5"). The folder is beside the machines, so `GET /` does not list the schemas as machines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem

FOLDER = "input_schemas"
_CACHE: dict[Path, tuple[int, Any]] = {}


def check_start_input(machines_dir: Path, name: str, value: Any) -> None:
    schema = _schema(machines_dir / FOLDER / f"{name}.json")
    if schema is None:
        return
    import jsonschema  # imported here (cold start): only a machine with an input schema pays

    problems = []
    for error in jsonschema.Draft202012Validator(schema).iter_errors(value):
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required" and isinstance(error.validator_value, list):
            missing = [
                p
                for p in error.validator_value
                if isinstance(error.instance, dict) and p not in error.instance
            ]
            path += missing[:1]
        problems.append(Problem("".join("/" + p for p in path), _message(error)))
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.pointer))


def _message(error: Any) -> str:
    described = error.schema.get("description") if isinstance(error.schema, dict) else None
    if error.validator == "pattern" and described:
        return f"must be {described}, got {error.instance!r}"
    return str(error.message)


def _schema(path: Path) -> Any:
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    cached = _CACHE.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, json.loads(path.read_text(encoding="utf-8")))
        _CACHE[path] = cached
    return cached[1]
