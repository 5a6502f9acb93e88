"""Compact UTF-8 JSON at the engine's boundaries (size limits, the store's records).

orjson when it is installed and can encode the value (about 17x faster than the standard
library on a 200 KiB document); the standard library otherwise (integers past 64 bits,
nesting past orjson's 254 levels)."""

from __future__ import annotations

import json
import re
from typing import Any

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
    if _orjson():
        try:
            return _ORJSON.dumps(value)
        except _ORJSON.JSONEncodeError:
            pass  # past 64-bit integers or 254 levels: the standard library goes further
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


# orjson reads an integer past 64 bits as a float, silently (orjson 3.13: -2**63 - 1 comes back
# as -9.223372036854776e+18): text with a run of 19 digits or more goes to the standard library,
# which keeps every integer exact (a digit run inside a string only costs the faster parser).
_LONG_DIGIT_RUN = re.compile(rb"[0-9]{19}")
_LONG_DIGIT_RUN_TEXT = re.compile(r"[0-9]{19}")


def decode_json(encoded: bytes | str) -> JSON:
    """The inverse of encode_json, exact for integers of any size."""
    run = _LONG_DIGIT_RUN if isinstance(encoded, bytes) else _LONG_DIGIT_RUN_TEXT
    if _orjson() and not run.search(encoded):  # type: ignore[arg-type]
        try:
            return _ORJSON.loads(encoded)
        except _ORJSON.JSONDecodeError:
            pass  # nesting past orjson's limit
    return json.loads(encoded)


def json_size(value: JSON) -> int:
    return len(encode_json(value))
