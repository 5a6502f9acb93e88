"""Compact UTF-8 JSON at the engine's boundaries (size limits, the store's records).

orjson when it is installed and can encode the value (about 17x faster than the standard
library on a 200 KiB document); the standard library otherwise (integers past 64 bits,
nesting past orjson's 254 levels)."""

from __future__ import annotations

import json
from typing import Any

from .types import JSON

_ORJSON: Any = None
_DIGITS_TO_ONES = bytes(49 if 48 <= byte <= 57 else 48 for byte in range(256))  # 0-9 -> b"1", else b"0"
_LONG_RUN = b"1" * 19


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


def decode_json(encoded: bytes) -> JSON:
    """The inverse of encode_json."""
    # orjson reads an integer past 64 bits as a float, silently (-2**63 - 1 comes back as
    # -9.223372036854776e+18): a run of 19 digits anywhere (a number, or a string: harmless)
    # sends the text to the standard library, which reads every integer exactly. Found with
    # translate + `in` (C speed, about a tenth of orjson's own time; a regex took longer than it).
    if _orjson() and _LONG_RUN not in encoded.translate(_DIGITS_TO_ONES):
        try:
            return _ORJSON.loads(encoded)
        except _ORJSON.JSONDecodeError:
            pass  # nesting past orjson's limit
    return json.loads(encoded)


def json_size(value: JSON) -> int:
    return len(encode_json(value))
