"""Compiled JSONPath expressions: read paths (`$.a[0]`, `$$.State.Name`, `$var.x`) and
reference paths (ResultPath) that write by copying only the containers along the path.

Compiled once at parse time. Simple definite paths take a fast tuple-of-keys walk; anything
richer (wildcards, slices, filters, recursive descent) goes to jsonpath-ng and always yields a
list, as AWS does for indefinite paths. Nothing here mutates its input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..asl_errors import ErrorName
from ..errors import ExpressionSyntaxError, StatesError
from ..messages import json_text
from ..types import JSON


class Scope(Protocol):
    """What a path may read besides the data: the context object and the variables."""

    def context_object(self) -> JSON: ...

    @property
    def variables(self) -> Mapping[str, JSON]: ...


_MISSING = object()
_NAME = re.compile(r"[^.\[\]()'\"\s=<>!?@*,:$]+")
_INDEX = re.compile(r"\[\s*(-?\d+)\s*\]")
_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# Step keys are str (object member) or int (array index).
Step = str | int


def _parse_bracket_string(text: str, i: int) -> tuple[str, int] | None:
    """Parse `['name']` / `["name"]` at text[i] (which is `[`); return (name, next index)."""
    j = i + 1
    while j < len(text) and text[j] == " ":
        j += 1
    if j >= len(text) or text[j] not in "'\"":
        return None
    quote = text[j]
    j += 1
    out: list[str] = []
    while j < len(text):
        ch = text[j]
        # Only the enclosing quote is escapable; AWS keeps any other backslash literally.
        if ch == "\\" and j + 1 < len(text) and text[j + 1] == quote:
            out.append(quote)
            j += 2
            continue
        if ch == quote:
            j += 1
            while j < len(text) and text[j] == " ":
                j += 1
            if j < len(text) and text[j] == "]":
                return "".join(out), j + 1
            return None
        out.append(ch)
        j += 1
    return None


def _simple_steps(text: str, start: int) -> tuple[Step, ...] | None:
    """Steps of a simple definite path from text[start:], or None if it is not simple."""
    steps: list[Step] = []
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "." and text.startswith("[", i + 1):
            i += 1  # `$.a.['b c']`: AWS's documented bracket form after a dot
            continue
        if ch == ".":
            m = _NAME.match(text, i + 1)
            if not m:
                return None
            steps.append(m.group(0))
            i = m.end()
        elif ch == "[":
            m = _INDEX.match(text, i)
            if m:
                steps.append(int(m.group(1)))
                i = m.end()
                continue
            parsed = _parse_bracket_string(text, i)
            if parsed is None:
                return None
            steps.append(parsed[0])
            i = parsed[1]
        else:
            return None
    return tuple(steps)


def _walk(value: JSON, steps: tuple[Step, ...]) -> JSON:
    for step in steps:
        if isinstance(step, str):
            if isinstance(value, dict):
                value = value.get(step, _MISSING)
                if value is _MISSING:
                    return _MISSING
            else:
                return _MISSING
        else:
            if isinstance(value, list) and -len(value) <= step < len(value):
                value = value[step]
            else:
                return _MISSING
    return value


def _bracketed(steps: tuple[Step, ...]) -> str:
    return "$" + "".join(f"[{s}]" if isinstance(s, int) else f"['{s}']" for s in steps)


@dataclass(frozen=True, slots=True)
class Path:
    """A compiled read path. `read(data, scope)` returns the value or raises States.Runtime."""

    text: str
    root: str  # "data", "context" or "variable"
    steps: tuple[Step, ...] | None  # None: a jsonpath-ng expression (indefinite, yields a list)
    variable: str | None = None
    _compiled: Any = None
    # find(data, scope=None) -> value or MISSING: a closure built once for this path's shape.
    find: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.find is None:
            object.__setattr__(self, "find", _finder(self))

    @staticmethod
    def compile(text: str) -> Path:
        if not isinstance(text, str) or not text.startswith("$"):
            raise ExpressionSyntaxError(f"a path must start with '$': {text!r}")
        text = text.strip()
        if text.startswith("$$"):
            root, rest_at, variable = "context", 2, None
        else:
            m = _VARIABLE.match(text)
            if m:
                root, rest_at, variable = "variable", m.end(), m.group(1)
            else:
                root, rest_at, variable = "data", 1, None
        steps = _simple_steps(text, rest_at)
        if steps is not None:
            return Path(text=text, root=root, steps=steps, variable=variable)
        compiled = _compile_jsonpath_ng("$" + text[rest_at:])
        return Path(text=text, root=root, steps=None, variable=variable, _compiled=compiled)

    @property
    def is_definite(self) -> bool:
        return self.steps is not None

    def _base(self, data: JSON, scope: Scope | None) -> JSON:
        if self.root == "data":
            return data
        if scope is None:
            raise StatesError(ErrorName.RUNTIME, f"The path '{self.text}' cannot be read here.")
        if self.root == "context":
            return scope.context_object()
        variables = scope.variables
        if self.variable not in variables:
            raise StatesError(
                ErrorName.RUNTIME,
                f"Invalid path '{self.text}': the variable '{self.variable}' is not defined.",
            )
        return variables[self.variable]

    def find_slowly(self, data: JSON, scope: Scope | None = None) -> JSON:
        """The value at this path, or `MISSING` for a definite path that does not resolve
        (the general case behind the `find` closure)."""
        base = self._base(data, scope)
        if self.steps is not None:
            return _walk(base, self.steps) if self.steps else base
        return [match.value for match in self._compiled.find(base)]

    def read(self, data: JSON, scope: Scope | None = None) -> JSON:
        value = self.find(data, scope)
        if value is _MISSING:
            raise StatesError(
                ErrorName.RUNTIME,
                f"Invalid path '{self.text}' : No results for path: {_bracketed(self.steps or ())}",
            )
        return value

    def __str__(self) -> str:
        return self.text


MISSING = _MISSING


def _finder(path: Path) -> Any:
    """The fastest `find` for a path: `$`, `$.a` and `$.a.b` on the data get unrolled closures
    (they are most paths in real machines); everything else takes the general walk."""
    steps = path.steps
    if path.root != "data" or steps is None or len(steps) > 2 or not all(isinstance(s, str) for s in steps):
        return path.find_slowly
    if not steps:
        return lambda data, scope=None: data
    if len(steps) == 1:
        (key,) = steps

        def find_one(data: JSON, scope: Any = None) -> JSON:
            return data.get(key, _MISSING) if isinstance(data, dict) else _MISSING

        return find_one
    first, second = steps

    def find_two(data: JSON, scope: Any = None) -> JSON:
        if isinstance(data, dict):
            inner = data.get(first, _MISSING)
            if isinstance(inner, dict):
                return inner.get(second, _MISSING)
        return _MISSING

    return find_two


def _compile_jsonpath_ng(text: str) -> Any:
    # Imported here (cold start): jsonpath-ng and its parser tables load only for an indefinite path.
    from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
    from jsonpath_ng.ext import parse

    try:
        return parse(text)
    except (JsonPathLexerError, JsonPathParserError, Exception) as exc:  # noqa: BLE001
        raise ExpressionSyntaxError(f"invalid JSONPath {text!r}: {exc}") from None


@dataclass(frozen=True, slots=True)
class ReferencePath:
    """A compiled ResultPath: writes a value into a document, copying only along the path."""

    text: str
    steps: tuple[Step, ...]

    @staticmethod
    def compile(text: str) -> ReferencePath:
        if not isinstance(text, str) or not text.startswith("$") or text.startswith("$$"):
            raise ExpressionSyntaxError(f"a reference path must start with '$': {text!r}")
        steps = _simple_steps(text.strip(), 1)
        if steps is None:
            raise ExpressionSyntaxError(
                f"{text!r} is not a reference path: only '.name', ['name'] and [index] steps, "
                "no wildcards, slices or filters"
            )
        return ReferencePath(text=text, steps=steps)

    def write(self, document: JSON, value: JSON) -> JSON:
        """A new document with `value` at this path; `document` itself is left unchanged."""
        if not self.steps:
            return value
        return self._write(document, 0, value)

    def _write(self, node: JSON, depth: int, value: JSON) -> JSON:
        step = self.steps[depth]
        last = depth == len(self.steps) - 1
        if isinstance(step, str):
            if node is _MISSING or node is None and depth > 0:
                node = {}
            if not isinstance(node, dict):
                raise StatesError(
                    ErrorName.RESULT_PATH_MATCH_FAILURE,
                    f"Unable to apply ResultPath '{self.text}' to input "
                    f"{json_text(node)}: '{step}' is not a field of a JSON object.",
                )
            copy = dict(node)
            copy[step] = value if last else self._write(node.get(step, _MISSING), depth + 1, value)
            return copy
        if not isinstance(node, list) or not -len(node) <= step < len(node):
            raise StatesError(
                ErrorName.RESULT_PATH_MATCH_FAILURE,
                f"Unable to apply ResultPath '{self.text}' to input {json_text(node)}: "
                f"index {step} is out of range.",
            )
        copy_list = list(node)
        copy_list[step] = value if last else self._write(node[step], depth + 1, value)
        return copy_list

    def __str__(self) -> str:
        return self.text
