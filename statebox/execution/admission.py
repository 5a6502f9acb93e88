"""What a start or a resume must pass before anything is stored or used up.

A start: the definition's size and nesting against the settings, then (unless trusted) its Task
resources against `Settings.allowed_actions` (`admit_definition`), and the input's nesting
(`check_input_depth`).

A resume: its payload within the limit. A resume whose input would only fail the execution
(States.DataLimitExceeded, while the page told the approver "your answer was recorded") is
refused with PayloadTooLarge (HTTP 413) instead, and the point stays pending, so the approver can
send a shorter answer. Measured like the interpreter's boundary checks (`Runtime.check_size`):
compact UTF-8 JSON.
"""

from __future__ import annotations

from typing import Any

from ..config import Settings
from ..definition.model import Machine
from ..definition.parse import json_depth, load_definition, parse, recent, remember
from ..errors import InputError, PayloadTooLarge, Problem
from ..interpreter.suspension import ResumeEvent
from ..jsonio import json_size
from ..types import JSON
from ..validation import check_allowed_actions, check_definition_depth, check_definition_size

_KEPT = "Nothing was recorded; the request is still waiting for an answer."


def admit_definition(
    settings: Settings, definition: JSON | str | bytes, machine_name: str | None, trusted: bool
) -> Machine:
    """The machine for `definition`, once it passes the limits (compiled once per process)."""
    machine = recent(definition, machine_name)
    if machine is None:  # new to this process: the size and depth limits, then compile
        check_definition_size(definition, settings.max_definition_bytes)
        doc = load_definition(definition)
        check_definition_depth(doc, settings.max_definition_depth)
        machine = parse(definition if isinstance(definition, dict) else doc, machine_name)
        if isinstance(definition, (str, bytes)):
            remember(definition, machine_name, machine)
    if not trusted and settings.allowed_actions is not None:
        check_allowed_actions(machine.definition, settings.allowed_actions)
    return machine


def check_input_depth(value: JSON, limit: int, what: str) -> None:
    if isinstance(value, (dict, list)) and json_depth(value, limit) > limit:
        raise InputError([Problem("", f"{what} is nested more than {limit} levels deep")])


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


def check_resume_schema(point: dict[str, Any], resume_input: JSON) -> None:
    """A success resume against the point's ResumeSchema, if it has one (nothing fetched,
    regular expressions bounded in time: definition/resume_schema.py)."""
    if point.get("schema") is None:
        return
    # Imported here (cold start): resume_schema loads the regex package, and later jsonschema,
    # which executions that never meet a ResumeSchema do without.
    from ..definition.resume_schema import resume_input_problems

    problems = resume_input_problems(point["schema"], resume_input)
    if problems:
        raise InputError(problems)
