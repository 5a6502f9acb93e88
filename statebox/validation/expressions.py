"""Expressions in JSONPath states compile: every path field, ResultPath, the `name.$` values
of payload templates (a path or an intrinsic call) and Assign blocks. Only compiled to see
whether they compile; the builder compiles them again for use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..dataflow.paths import Path, ReferencePath
from ..errors import ExpressionSyntaxError, Problem
from ..intrinsics import compile_intrinsic
from ..messages import quoted, show
from ..types import JSON, child
from .machines import JSONPATH

_READ_PATH_FIELDS = (
    "InputPath",
    "OutputPath",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
)
# AWS accepts an intrinsic call here as well as a path (e.g. "States.Format('{}', $.Error)").
_PATH_OR_INTRINSIC_FIELDS = ("ErrorPath", "CausePath")
_TEMPLATE_FIELDS = ("Parameters", "ResultSelector", "ItemSelector", "Credentials", "Assign")


def check_paths(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """Every JSONPath field compiles (JSONata states are told not to have them at all)."""
    if language != JSONPATH:
        return
    for field in _READ_PATH_FIELDS:
        value = state.get(field)
        if isinstance(value, str):
            yield from path_problems(value, child(at, field))
    for field in _PATH_OR_INTRINSIC_FIELDS:
        value = state.get(field)
        if isinstance(value, str):
            if value.startswith("States."):
                yield from _intrinsic_problems(value, child(at, field))
            else:
                yield from path_problems(value, child(at, field))
    if isinstance(state.get("ResultPath"), str):
        yield from _reference_path_problems(state["ResultPath"], child(at, "ResultPath"))
    catchers = state.get("Catch")
    if isinstance(catchers, list):
        for index, catcher in enumerate(catchers):
            if isinstance(catcher, dict) and isinstance(catcher.get("ResultPath"), str):
                yield from _reference_path_problems(
                    catcher["ResultPath"], child(at, "Catch", index, "ResultPath")
                )


def check_templates(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """Every `name.$` key in a payload template holds a path or an intrinsic call that compiles."""
    if language != JSONPATH:
        return
    for field in _TEMPLATE_FIELDS:
        if isinstance(state.get(field), dict):
            yield from _template_problems(state[field], child(at, field), assign=field == "Assign")
    for list_field in ("Catch", "Choices"):
        entries = state.get(list_field)
        if isinstance(entries, list):
            for index, entry in enumerate(entries):
                if isinstance(entry, dict) and isinstance(entry.get("Assign"), dict):
                    yield from _template_problems(
                        entry["Assign"], child(at, list_field, index, "Assign"), assign=True
                    )


def path_problems(text: str, at: str) -> Iterator[Problem]:
    try:
        Path.compile(text)
    except ExpressionSyntaxError as exc:
        yield Problem(at, str(exc))
    except Exception as exc:  # noqa: BLE001 - jsonpath-ng can fail in ways of its own
        yield Problem(at, f"invalid path {show(text)} ({type(exc).__name__}: {exc})")


def _reference_path_problems(text: str, at: str) -> Iterator[Problem]:
    try:
        ReferencePath.compile(text)
    except ExpressionSyntaxError as exc:
        yield Problem(at, str(exc))
    except Exception as exc:  # noqa: BLE001
        yield Problem(at, f"invalid reference path {show(text)} ({type(exc).__name__}: {exc})")


def _intrinsic_problems(text: str, at: str) -> Iterator[Problem]:
    try:
        compile_intrinsic(text)
    except ExpressionSyntaxError as exc:
        yield Problem(at, str(exc))
    except Exception as exc:  # noqa: BLE001 - a parser bug must not escape find_problems
        yield Problem(at, f"could not be checked ({type(exc).__name__}: {exc})")


_DUPLICATE_FIELD = "both name one field: a template must not repeat a name once '.$' is stripped"


def _template_problems(template: dict[str, Any], at: str, *, assign: bool = False) -> Iterator[Problem]:
    """Walk a payload template without recursion (templates can be arbitrarily deep). An
    Assign block's own names are variables, checked (twice-assigned too) by definition/parse.py."""
    stack: list[tuple[JSON, str]] = [(template, at)]
    while stack:
        node, node_at = stack.pop()
        if isinstance(node, list):
            stack.extend((item, child(node_at, i)) for i, item in reversed(list(enumerate(node))))
            continue
        if not isinstance(node, dict):
            continue
        nested: list[tuple[JSON, str]] = []
        for key, value in node.items():
            value_at = child(node_at, key)
            if isinstance(key, str) and key.endswith(".$"):
                duplicate = key[:-2] in node and not key[:-2].endswith(".$")  # ASL: Payload Template
                if duplicate and not (assign and node is template):
                    yield Problem(value_at, f"{quoted(key)} and {quoted(key[:-2])} {_DUPLICATE_FIELD}")
                yield from _dynamic_value_problems(key, value, value_at)
            elif isinstance(value, (dict, list)):
                nested.append((value, value_at))
        stack.extend(reversed(nested))


def _dynamic_value_problems(key: str, value: JSON, at: str) -> Iterator[Problem]:
    if isinstance(value, str) and value.startswith("$"):
        yield from path_problems(value, at)
    elif isinstance(value, str) and value.startswith("States."):
        yield from _intrinsic_problems(value, at)
    else:
        yield Problem(
            at,
            f"the value of {quoted(key)} must be a path ('$.x', '$$.x' or '$var') or an intrinsic "
            f"function call ('States.Format(...)'), got {show(value)}",
        )
