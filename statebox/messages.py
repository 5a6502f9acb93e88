"""How a message shows a value, and the phrasings problems share: one vocabulary for every
definition problem and for the run-time errors that quote data.

Two renderings, for two kinds of value:

- `json_text`: a value from the data (a state's input, a variable, a resolved operand), as
  compact JSON shortened past a limit, the way AWS quotes data in its error causes.
- `show`: a literal written in the definition, short: strings in single quotes, numbers and
  booleans as written, containers named ("an object"), never dumped into a definition problem.

This module sits beside `types.py` rather than in `validation/`: the run-time modules that
quote data (paths, states, intrinsics, JSONata) use it too, and importing the validation
package from them would be an import cycle (validation compiles paths to check them).
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable

from .types import JSON, json_type

JSONATA_NEEDS_JSONATA = "a JSONata expression can only be used when QueryLanguage is JSONata"

TYPE_WORDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "null",
}


def json_text(value: JSON, limit: int | None = 200) -> str:
    """A value as compact JSON for a message (`null`, `{"a":1}`), shortened past `limit`
    characters (never, with None). Something JSON cannot encode shows its type name."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):  # not JSON (or an integer past Python's digit limit)
        text = json_type(value)
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."


def typed_json_text(value: JSON, limit: int = 200) -> str:
    """A value for a message with its JSON type: `object {"a":1}`, `string "x"`, `null`."""
    return "null" if value is None else f"{json_type(value)} {json_text(value, limit)}"


def show(value: JSON, limit: int = 60) -> str:
    """A literal from the definition, short; containers are named, never dumped."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 3] + "..."
        return "'" + text + "'"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (dict, list)):
        return TYPE_WORDS[json_type(value)]
    if value is None or isinstance(value, (bool, int, float)):
        text = json_text(value)
        # Python refuses to print ints of more than 4300 digits; json_text then names the type.
        return "a very large number" if text == "number" else text
    return json_type(value)


def a_type(value: JSON) -> str:
    """`a number`, `an object`, `null`: the value's JSON type with its article."""
    kind = json_type(value)
    return kind if kind == "null" else ("an " if kind[0] in "aeiou" else "a ") + kind


def quoted(name: object) -> str:
    """A field or state name: in single quotes when it is a string."""
    return show(name) if isinstance(name, str) else repr(name)


def one_of(words: Iterable[str]) -> str:
    """`a, b or c`."""
    items = list(words)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def all_of(words: Iterable[str]) -> str:
    """`a, b and c`."""
    items = list(words)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def did_you_mean(name: object, known: Iterable[object], quote: bool = True) -> str:
    """`; did you mean 'Next'?` when a known name is close to `name`, else ""."""
    if not isinstance(name, str):
        return ""
    candidates = [k for k in known if isinstance(k, str)]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75 if quote else 0.6)
    if not close:
        return ""
    return f"; did you mean {quoted(close[0]) if quote else close[0]}?"


def unknown_field(name: object, known: Iterable[object]) -> str:
    return f"unknown field {quoted(name)}{did_you_mean(name, known)}"


def missing_field(name: str) -> str:
    return f"missing required field {quoted(name)}"


def only_in_language(field: str, language: str, instead: str | None = None) -> str:
    """A field (or operator) that only the other query language has."""
    hint = f"; use {quoted(instead)}" if instead else ""
    return f"{quoted(field)} can only be used when QueryLanguage is {language}{hint}"
