"""What a resume must pass before it may use up its point: its payload within the limit.

A resume whose input would only fail the execution (States.DataLimitExceeded, while the page
told the approver "your answer was recorded") is refused with PayloadTooLarge (HTTP 413)
instead, and the point stays pending, so the approver can send a shorter answer. Measured like
the interpreter's boundary checks (`Runtime.check_size`): compact UTF-8 JSON.
"""

from __future__ import annotations

from typing import Any

from ..errors import PayloadTooLarge
from ..jsonio import json_size
from ..suspension import ResumeEvent

_KEPT = "Nothing was recorded; the request is still waiting for an answer."


def check_resume_payload(event: ResumeEvent, limit: int) -> None:
    """Before claiming: the resume input (or the error and cause of a failure) alone."""
    if event.kind == "failure":
        payload: Any = {"Error": event.error, "Cause": event.cause}
        what = "The error and cause of the resume"
    else:
        payload, what = event.input, "The resume input"
    _check(payload, what, limit)


def check_merged_payload(point: dict[str, Any], event: ResumeEvent, limit: int) -> None:
    """Once the point is claimed (and before anything is written): the state's result as the
    resume makes it, the point's data with the resume input merged in (`module:suspend`)."""
    data = point.get("data")
    if event.kind != "success" or point.get("kind") != "merge":
        return
    if isinstance(data, dict) and isinstance(event.input, dict):
        _check({**data, **event.input}, "The state's data with the resume input merged in", limit)


def _check(payload: Any, what: str, limit: int) -> None:
    size = json_size(payload)
    if size > limit:
        raise PayloadTooLarge(
            f"{what} has a size of {size} bytes, exceeding the limit of {limit} bytes. {_KEPT}"
        )
