"""What a definition may do in this deployment, checked before it runs (Engine.start).

- Size and nesting: a definition's JSON text is at most `Settings.max_definition_bytes`, its
  nesting at most `Settings.max_definition_depth`, however it arrives (text, bytes or an
  already-parsed object), so no adapter can hand the engine something bigger.
- The action allow-list (`Settings.allowed_actions`): when set, a posted definition may only
  name Task resources that match one of its globs; stored machines (state_machines/) are
  trusted. `module:suspend` runs no code and is always allowed.

Globs match a resource without its `.waitForTaskToken` suffix:

    square, utils/*, /guest/*/*     `openwhisk:` action names, as written in the definition
    openwhisk:square                the same, spelled out
    module:increment, module:*      `module:` actions (files in the actions folder)

`*` and `?` stop at `/` (so `utils/*` cannot reach another namespace), `**` crosses it. Names
are matched as written: `square` does not allow `/guest/square`; an unmatched spelling is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from ..errors import DefinitionError, Problem
from ..types import JSON, child
from .machines import machines, states_of

_WAIT = ".waitForTaskToken"

# JSON nesting (objects and arrays) a definition may have: room for MAX_MACHINE_DEPTH nested
# machines (4 levels each for Parallel), while every recursive step of the build stays far
# from Python's recursion limit. Checked iteratively before anything recurses.
MAX_DEFINITION_DEPTH = 512


def check_definition_size(definition: JSON | str | bytes, max_bytes: int) -> None:
    """DefinitionError when the definition's JSON text is over `max_bytes` (UTF-8); an object
    is measured as compact JSON."""
    if isinstance(definition, str):
        size = len(definition.encode("utf-8", "surrogatepass"))
    elif isinstance(definition, (bytes, bytearray)):
        size = len(definition)
    else:
        try:
            size = len(json.dumps(definition, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        except (TypeError, ValueError, RecursionError, UnicodeEncodeError):
            raise DefinitionError([Problem("", "the definition is not a JSON document")]) from None
    if size > max_bytes:
        raise DefinitionError(
            [Problem("", f"the definition is {size} bytes; at most {max_bytes} are allowed")]
        )


def check_definition_depth(doc: JSON, max_depth: int) -> None:
    """DefinitionError when objects and arrays nest deeper than `max_depth` (never more than
    MAX_DEFINITION_DEPTH)."""
    limit = min(max_depth, MAX_DEFINITION_DEPTH)
    if json_depth(doc, limit) > limit:
        raise DefinitionError([Problem("", f"the definition is nested more than {limit} levels deep")])


def json_depth(value: Any, stop_after: int | None = None) -> int:
    """How deeply objects and arrays nest in `value` (a scalar is 0, `{}` is 1), without
    recursion; stops counting once past `stop_after`."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if level > deepest:
            deepest = level
            if stop_after is not None and deepest > stop_after:
                return deepest
        stack.extend((c, level + 1) for c in children if isinstance(c, (dict, list)))
    return deepest


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = []
    for pattern in patterns:
        pattern = pattern.strip()
        if pattern.startswith("openwhisk:"):
            pattern = pattern[len("openwhisk:") :]
        if pattern.endswith(_WAIT):
            pattern = pattern[: -len(_WAIT)]
        if pattern:
            parts.append(_glob(pattern))
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


def _glob(pattern: str) -> str:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def resource_key(resource: str) -> str | None:
    """What a glob is matched against; None for `module:suspend` (always allowed), "" for a
    name no glob may allow."""
    name = resource[: -len(_WAIT)] if resource.endswith(_WAIT) else resource
    if name == "module:suspend":
        return None
    if name.startswith("openwhisk:"):
        name = name[len("openwhisk:") :]
        # An OpenWhisk name has no ':' (so none can pass for `module:NAME`): matches nothing.
        return name if ":" not in name else ""
    return name  # module:NAME, or anything else spelled out in full


def resource_allowed(resource: str, patterns: Iterable[str]) -> bool:
    key = resource_key(resource)
    if key is None:
        return True
    if not key:
        return False
    compiled = _compiled(tuple(patterns))
    return compiled is not None and compiled.fullmatch(key) is not None


def task_resources(definition: JSON) -> Iterator[tuple[str, str]]:
    """(pointer of the Resource field, resource) of every Task, nested machines included, in
    document order."""
    if not isinstance(definition, dict):
        return
    for machine in machines(definition):
        for name, state in states_of(machine.raw):
            if state.get("Type") == "Task" and isinstance(state.get("Resource"), str):
                yield child(machine.at, "States", name, "Resource"), state["Resource"]


def check_allowed_actions(definition: JSON, patterns: tuple[str, ...] | None) -> None:
    """DefinitionError naming every Task resource (with its JSON pointer) that the allow-list
    does not cover. No allow-list (None): everything is allowed."""
    if patterns is None:
        return
    problems = [
        Problem(
            at,
            f"the resource '{resource}' is not an action this deployment lets posted definitions "
            "call (see STATEBOX_ALLOWED_ACTIONS); start a stored machine instead, or ask the "
            "operator to allow it",
        )
        for at, resource in task_resources(definition)
        if not resource_allowed(resource, patterns)
    ]
    if problems:
        raise DefinitionError(problems)
