"""Small shared type aliases and the JSON-pointer helper used for every problem report."""

from __future__ import annotations

from typing import Any, TypeAlias

JSON: TypeAlias = Any
"""Any JSON value: dict, list, str, int, float, bool or None. Values are shared, never mutated."""

JSONObject: TypeAlias = dict[str, Any]


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON pointer from path parts: pointer("States", "A~B") == "/States/A~0B"."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def child(base: str, *parts: str | int) -> str:
    """Extend an existing pointer with more parts."""
    return base + pointer(*parts)


def json_type(value: JSON) -> str:
    """A value's JSON type name as error messages use it: null, boolean, number, string,
    array or object. Every message naming a value's type uses this, never a Python type name
    (anything that is not JSON at all keeps its Python type name: a bug to see, not hide)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
