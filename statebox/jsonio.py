"""Compact UTF-8 JSON at the engine's boundaries (size limits, the store's records).

orjson when it is installed and can encode the value (about 17x faster than the standard
library on a 200 KiB document); the standard library otherwise (integers past 64 bits,
nesting past orjson's 254 levels). orjson *reads* an integer past 64 bits as a float, without
complaint, so text that may hold one is read by the standard library (see decode_json)."""

from __future__ import annotations

import json
import re
from typing import Any

from .strictjson import find_unrepresentable
from .types import JSON

_ORJSON: Any = None


def _orjson() -> Any:
    """orjson, imported on first use (not at import time: cold starts), or False."""
    global _ORJSON
    if _ORJSON is None:
        try:
            import orjson

            _ORJSON = orjson
        except ImportError:  # an optional speed-up
            _ORJSON = False
    return _ORJSON


def encode_json(value: JSON) -> bytes:
    """Compact UTF-8 JSON."""
    fast = encode_json_fast(value)
    if fast is not None:
        return fast
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def encode_json_fast(value: JSON) -> bytes | None:
    """orjson's encoding of `value`; None when orjson is not installed or refuses the value
    (integers past 64 bits, nesting past 254 levels), which only the standard library encodes."""
    if _orjson():
        try:
            return _ORJSON.dumps(value)
        except _ORJSON.JSONEncodeError:
            pass
    return None


# orjson reads an integer past 64 bits as a float, silently (orjson 3.13: -2**63 - 1 comes back
# as -9.223372036854776e+18): text where a number of 19 digits or more may start (after `:`, `,`,
# `[`, `-` or white space) goes to the standard library, which keeps every integer exact. Digit
# runs inside hex ids (after a letter or a quote) do not count: a record holding thousands of
# them would otherwise always take the slow parser.
_LONG_NUMBER = re.compile(rb"[:,\[\s-][0-9]{19}")
_LONG_NUMBER_TEXT = re.compile(r"[:,\[\s-][0-9]{19}")


def decode_json(encoded: bytes | str, *, exact: bool | None = None) -> JSON:
    """The inverse of encode_json, exact for integers of any size. `exact`: what the caller
    knows — True, the text may hold such integers (the standard library reads it); False, it
    cannot (orjson wrote it, and orjson refuses them); None, look for one."""
    if exact is None:
        found = _LONG_NUMBER if isinstance(encoded, bytes) else _LONG_NUMBER_TEXT
        exact = bool(found.search(encoded) or encoded[:19].isdigit())  # type: ignore[arg-type]
    if _orjson() and not exact:
        try:
            return _ORJSON.loads(encoded)
        except _ORJSON.JSONDecodeError:
            pass  # nesting past orjson's limit, say: the standard library decides
    return json.loads(encoded)


def json_size(value: JSON) -> int:
    return len(encode_json(value))


def encode_answer(value: JSON) -> bytes:
    """Compact UTF-8 JSON for an answer, refusing (ValueError, naming where) what JSON cannot
    carry. orjson would write NaN and Infinity as null, the standard library as bare `NaN`
    (invalid JSON): neither may reach a client."""
    encoded: bytes | None = None
    if _orjson():
        try:
            encoded = _ORJSON.dumps(value)
        except _ORJSON.JSONEncodeError:
            encoded = None  # big integers, deep nesting or lone surrogates: checked below
    if encoded is None or b"null" in encoded:  # null may stand for NaN: look
        found = find_unrepresentable(value)
        if found is not None:
            raise ValueError(f"the answer is not JSON-representable at {found[0] or '/'}: {found[1]}")
    if encoded is None:
        encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    return encoded
