"""Action invokers: how a Task's resource is run. Shared result conventions live here.

An action result with a top-level `error` key is OpenWhisk's application error and fails the
task. Its value maps to the ASL Error / Cause like this:

- an object with a string `errorType` or `name`: Error is that string; Cause is its
  `errorMessage`, `message` or `cause`, else the object as compact JSON;
- a string: Error `ActionError`, Cause the string;
- anything else: Error `ActionError`, Cause the value as compact JSON.
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path

from ..errors import StatesError
from ..types import JSON

APPLICATION_ERROR = "ActionError"


def application_error(value: JSON) -> StatesError:
    """The ASL error for an action result `{"error": value}` (see the table above)."""
    if isinstance(value, str):
        return StatesError(APPLICATION_ERROR, value)
    if isinstance(value, dict):
        name = value.get("errorType", value.get("name"))
        if isinstance(name, str) and name:
            for key in ("errorMessage", "message", "cause"):
                if isinstance(value.get(key), str):
                    return StatesError(name, value[key])
            return StatesError(name, json.dumps(value, separators=(",", ":")))
    return StatesError(APPLICATION_ERROR, json.dumps(value, separators=(",", ":")))


def lambda_style_cause(exc: BaseException, request_id: str, actions_dir: Path) -> str:
    """The cause AWS Lambda gives a Python exception, so Catch written for Lambda carries over.
    The stack trace keeps only the action's own frames, named relative to the actions folder:
    a cause travels to whoever started the execution, and statebox's frames and the server's
    paths are none of their business."""
    frames = []
    for frame in traceback.extract_tb(exc.__traceback__):
        try:
            relative = Path(frame.filename).resolve().relative_to(actions_dir)
        except (ValueError, OSError):
            continue  # statebox, the standard library or a dependency
        frames.append(
            f'  File "{relative.as_posix()}", line {frame.lineno}, in {frame.name}\n    {frame.line}\n'
        )
    return json.dumps(
        {
            "errorMessage": str(exc),
            "errorType": type(exc).__name__,
            "requestId": request_id,
            "stackTrace": frames[-5:],
        }
    )
