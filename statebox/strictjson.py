"""JSON as requests bring it in, refused unless it is JSON every reader agrees on.

Python's `json` module reads `NaN`, `Infinity`, `-Infinity`, turns `1e400` into infinity and
lets `"\\udfff"` (a lone surrogate) through, but nothing downstream can write those back: the
answer would be invalid JSON, and a record holding them cannot be stored. Every adapter (dev
server, web action, CLI) decodes its input here, once, so such input is refused (400, naming
where it is) before the engine stores or claims anything.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .errors import InputError, Problem
from .types import JSON

# A \u escape of a surrogate code point (D800-DFFF): only these can make a lone surrogate out
# of UTF-8 text, so the walk that looks for one runs only when the text has one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def pointer_token(key: str | int) -> str:
    """One JSON pointer reference token (RFC 6901)."""
    return str(key).replace("~", "~0").replace("/", "~1")


def find_unrepresentable(value: Any) -> tuple[str, str] | None:
    """(JSON pointer, what is wrong) for the first value in document order that JSON cannot
    carry: a non-finite number, or a string or key holding a lone surrogate. None when fine."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        pointer, item = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                return pointer, f"the number {item} is not finite (JSON has no NaN or Infinity)"
        elif isinstance(item, str):
            if _has_lone_surrogate(item):
                return pointer, f"the string {_shown(item)} holds a lone surrogate (not Unicode text)"
        elif isinstance(item, dict):
            children = []
            for key, child in item.items():
                if isinstance(key, str) and _has_lone_surrogate(key):
                    return pointer, f"the key {_shown(key)} holds a lone surrogate (not Unicode text)"
                children.append((f"{pointer}/{pointer_token(key)}", child))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend(reversed([(f"{pointer}/{i}", child) for i, child in enumerate(item)]))
    return None


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _shown(text: str) -> str:
    shown = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return json.dumps(shown[:60] + ("…" if len(shown) > 60 else ""), ensure_ascii=False)


def check_value(value: JSON, what: str) -> JSON:
    """`value` itself, or InputError naming what in it JSON cannot carry (for values another
    layer already decoded, such as the body fields of a `--web true` web action)."""
    found = find_unrepresentable(value)
    if found is not None:
        pointer, problem = found
        raise InputError([Problem(pointer, f"{what} is not JSON-representable: {problem}")])
    return value


def decode(text: str | bytes, what: str) -> JSON:
    """Strict JSON: ValueError when `text` is not JSON at all, InputError when it is JSON that
    cannot be carried on (non-finite numbers, lone surrogates), naming where."""
    suspicious = False

    def constant(literal: str) -> float:  # NaN, Infinity, -Infinity
        nonlocal suspicious
        suspicious = True
        return float(literal)

    def number(literal: str) -> float:
        nonlocal suspicious
        parsed = float(literal)
        if not math.isfinite(parsed):  # 1e400: past the largest double
            suspicious = True
        return parsed

    try:
        value = json.loads(text, parse_constant=constant, parse_float=number)
    except RecursionError:
        raise InputError([Problem("", f"{what} is nested too deeply")]) from None
    raw = text if isinstance(text, str) else text.decode("utf-8", "replace")
    if suspicious or _SURROGATE_ESCAPE.search(raw) or isinstance(text, str):
        check_value(value, what)
    return value


def parse(text: str | bytes, what: str) -> JSON:
    """Strict JSON or InputError: `what` is not valid JSON (with the offending text)."""
    try:
        return decode(text, what)
    except ValueError as exc:
        raise InputError([Problem("", f"{what} is not valid JSON ({exc}): {_excerpt(text)}")]) from None


def _excerpt(text: str | bytes) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "backslashreplace")
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates shown escaped
    if not text:
        return "(empty)"
    return json.dumps(text[:80] + ("…" if len(text) > 80 else ""), ensure_ascii=False)
