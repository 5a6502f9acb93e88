"""Per-state field rules: Next or End, fields that exclude each other, Wait's duration,
timeouts, fields of the other query language, 'States.ALL' in Retry and Catch, a literal
Wait Timestamp."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeGuard

from ..errors import Problem
from ..messages import JSONATA_NEEDS_JSONATA, all_of, missing_field, one_of, only_in_language, quoted, show
from ..timestamps import is_rfc3339
from ..types import JSON, child
from .machines import JSONATA, JSONPATH, NEEDS_TRANSITION, TERMINAL, is_jsonata_text, type_of

_JSONPATH_ONLY: dict[str, str | None] = {
    "InputPath": None,
    "OutputPath": "Output",
    "Parameters": "Arguments",
    "ResultSelector": "Output",
    "ResultPath": "Output",
    "Result": "Output",
    "ItemsPath": "Items",
    "SecondsPath": "Seconds",
    "TimestampPath": "Timestamp",
    "ErrorPath": "Error",
    "CausePath": "Cause",
    "TimeoutSecondsPath": "TimeoutSeconds",
    "HeartbeatSecondsPath": "HeartbeatSeconds",
    "MaxConcurrencyPath": "MaxConcurrency",
    "ToleratedFailureCountPath": "ToleratedFailureCount",
    "ToleratedFailurePercentagePath": "ToleratedFailurePercentage",
}
_JSONATA_ONLY: dict[str, str | None] = {
    "Arguments": "Parameters",
    "Output": "OutputPath",
    "Items": "ItemsPath",
}
# Fields whose value may be a '{% %}' JSONata string instead of a literal (JSONata only).

_JSONATA_VALUED = (
    "Seconds",
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "MaxConcurrency",
    "ToleratedFailureCount",
    "ToleratedFailurePercentage",
    "ItemSelector",
)


_EXCLUSIVE: dict[str, tuple[tuple[str, str], ...]] = {
    "Task": (
        ("TimeoutSeconds", "TimeoutSecondsPath"),
        ("HeartbeatSeconds", "HeartbeatSecondsPath"),
    ),
    "Fail": (("Error", "ErrorPath"), ("Cause", "CausePath")),
    "Map": (
        ("Parameters", "ItemSelector"),
        ("Iterator", "ItemProcessor"),
        ("MaxConcurrency", "MaxConcurrencyPath"),
        ("ToleratedFailureCount", "ToleratedFailureCountPath"),
        ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"),
    ),
}
_WAIT_FIELDS = ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")


def check_transition_fields(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """Next or End (exactly one) where the type needs it; neither on Choice, Succeed, Fail."""
    kind = type_of(state)
    if kind in NEEDS_TRANSITION:
        has_next = "Next" in state
        # End: false says nothing; a non-boolean End is the schema's to report.
        has_end = "End" in state and state["End"] is not False
        if has_next and has_end:
            yield Problem(at, "cannot have both 'Next' and 'End'; use one of them")
        elif not has_next and not has_end:
            yield Problem(at, "missing required field 'Next' or 'End'")
    elif kind == "Choice":
        for field in ("Next", "End"):
            if field in state:
                yield Problem(
                    child(at, field),
                    f"a Choice state cannot have {quoted(field)}; "
                    "its Choices and Default pick the next state",
                )
    elif kind in TERMINAL:
        for field in ("Next", "End"):
            if field in state:
                yield Problem(
                    child(at, field),
                    f"a {kind} state cannot have {quoted(field)}; it always ends its machine",
                )


def check_exclusive_fields(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """Pairs of fields that say the same thing two ways; Wait's four ways to say how long."""
    kind = type_of(state)
    if kind is None:
        return
    for first, second in _EXCLUSIVE.get(kind, ()):
        if first in state and second in state:
            yield Problem(at, f"{quoted(first)} and {quoted(second)} cannot be used together; use one")
    if kind == "Map" and "ItemProcessor" not in state and "Iterator" not in state:
        yield Problem(at, missing_field("ItemProcessor"))
    if kind == "Wait":
        present = [field for field in _WAIT_FIELDS if field in state]
        choices = one_of(quoted(f) for f in _WAIT_FIELDS)
        if not present:
            yield Problem(at, f"missing how long to wait: one of {choices}")
        elif len(present) > 1:
            both = all_of(quoted(f) for f in present)
            yield Problem(at, f"{both} cannot be used together; use exactly one of {choices}")


def check_timeouts(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """HeartbeatSeconds must be smaller than TimeoutSeconds when both are literal numbers."""
    if state.get("Type") != "Task":
        return
    timeout, heartbeat = state.get("TimeoutSeconds"), state.get("HeartbeatSeconds")
    if _is_number(timeout) and _is_number(heartbeat) and heartbeat >= timeout:
        yield Problem(
            child(at, "HeartbeatSeconds"),
            f"must be smaller than TimeoutSeconds ({show(timeout)}), got {show(heartbeat)}",
        )


def check_query_language(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """Fields the state's effective query language does not have."""
    other = JSONPATH if language == JSONATA else JSONATA
    forbidden = _JSONPATH_ONLY if language == JSONATA else _JSONATA_ONLY
    for field, instead in forbidden.items():
        if field in state:
            if field == "Parameters" and state.get("Type") == "Map":
                instead = "ItemSelector"
            yield Problem(child(at, field), only_in_language(field, other, instead))
    if language == JSONPATH:
        for field in _JSONATA_VALUED:
            value = state.get(field)
            if isinstance(value, str) and is_jsonata_text(value):
                yield Problem(
                    child(at, field),
                    JSONATA_NEEDS_JSONATA,
                )
    catchers = state.get("Catch")
    if isinstance(catchers, list):
        catcher_forbidden = ("ResultPath",) if language == JSONATA else ("Output",)
        for index, catcher in enumerate(catchers):
            if not isinstance(catcher, dict):
                continue
            for field in catcher_forbidden:
                if field in catcher:
                    yield Problem(
                        child(at, "Catch", index, field),
                        only_in_language(field, other, forbidden[field]),
                    )


def check_error_handlers(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """'States.ALL' stands alone in its ErrorEquals, in the last retrier or catcher."""
    for field, noun in (("Retry", "retrier"), ("Catch", "catcher")):
        handlers = state.get(field)
        if not isinstance(handlers, list):
            continue
        for index, handler in enumerate(handlers):
            if not isinstance(handler, dict):
                continue
            names = handler.get("ErrorEquals")
            if not isinstance(names, list) or "States.ALL" not in names:
                continue
            if len(names) > 1:
                yield Problem(
                    child(at, field, index, "ErrorEquals"),
                    "'States.ALL' must be the only error name in its ErrorEquals",
                )
            if index != len(handlers) - 1:
                yield Problem(
                    child(at, field, index),
                    f"a {noun} with 'States.ALL' must be the last one in {field}",
                )


def check_timestamp(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """A literal Wait Timestamp is an RFC 3339 timestamp (`timestamps.is_rfc3339`)."""
    value = state.get("Timestamp")
    if state.get("Type") != "Wait" or not isinstance(value, str):
        return
    if is_jsonata_text(value):
        if language == JSONPATH:
            yield Problem(
                child(at, "Timestamp"),
                JSONATA_NEEDS_JSONATA,
            )
        return
    if not is_rfc3339(value):
        yield Problem(
            child(at, "Timestamp"),
            f"{show(value)} is not an RFC 3339 timestamp like '2016-03-14T01:59:00Z'",
        )


def _is_number(value: JSON) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
