"""What the CLI tests share: `cli(*argv)` runs `statebox.cli.main` with its own streams and
returns (exit code, stdout, stderr); a few definitions; `write` puts one in a file."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

from statebox.cli import main

ROOT = Path(__file__).resolve().parents[3]


OK = {
    "StartAt": "A",
    "States": {"A": {"Type": "Pass", "Result": {"done": True}, "ResultPath": "$.r", "End": True}},
}


FAILS = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Nope", "Cause": "on purpose"}}}


INCREMENT = {"StartAt": "I", "States": {"I": {"Type": "Task", "Resource": "module:increment", "End": True}}}


SUSPENDS = {
    "StartAt": "S",
    "States": {
        "S": {"Type": "Task", "Resource": "module:suspend", "Next": "I"},
        "I": {"Type": "Task", "Resource": "module:increment", "End": True},
    },
}


INVALID = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Next": "Nowhere"},
        "B": {"Type": "Wait", "End": True},
    },
}


def cli(*argv: str | Path) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write(folder: Path, name: str, value: Any) -> Path:
    path = folder / name
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return path
