"""Workflow variables: the `Assign` field, compiled once, in either query language.

An Assign block compiles to an `Assignment` whose `evaluate(value, scope)` returns the new
values as a dict; `Frame.assign` commits them (scope and size rules live there, once). What
`value` is depends on the language, never on the state:

* JSONPath: the state's result (after ResultSelector; the InputPath-selected input for Choice
  and Wait; the error output in a Catch). `name.$` keys take a path (`$.x`, `$$.x`, `$var`) or
  an intrinsic call, other keys are literal JSON.
* JSONata: the `$states` object; `{% %}` strings anywhere in the block are expressions.

Variable names follow AWS: an identifier (a letter or `_`, then letters, digits or `_`), never
the reserved `states`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..types import JSON

RESERVED_NAMES = frozenset({"states"})


@dataclass(frozen=True, slots=True)
class Assignment:
    """A compiled Assign block: `evaluate(value, scope)` is the dict of new values."""

    names: tuple[str, ...]
    evaluate: Callable[[Any, Any], dict[str, JSON]]


def variable_name(key: str, language: str) -> str:
    """The variable a key of an Assign block names (JSONPath `x.$` assigns `x`)."""
    if language == "JSONPath" and key.endswith(".$"):
        return key[:-2]
    return key


def name_problems(raw: dict[str, Any], language: str) -> Iterator[tuple[str, str]]:
    """(key, message) for every key of an Assign block that does not name a valid variable."""
    seen: dict[str, str] = {}
    for key in raw:
        name = variable_name(key, language)
        if name in RESERVED_NAMES:
            yield key, f"'{name}' is reserved and cannot be assigned (it is the $states variable)"
        elif not _is_identifier(name):
            yield (
                key,
                (
                    f"'{name}' is not a valid variable name: it must start with a letter or '_' and "
                    "contain only letters, digits and '_'"
                ),
            )
        elif name in seen:
            yield key, f"the variable '{name}' is assigned twice (also by '{seen[name]}')"
        seen.setdefault(name, key)


def _is_identifier(name: str) -> bool:
    return (
        bool(name) and (name[0].isalpha() or name[0] == "_") and all(ch.isalnum() or ch == "_" for ch in name)
    )
