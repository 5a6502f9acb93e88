"""statebox.jsonio: what is encoded decodes to the same value, integers of any size included."""

from __future__ import annotations

import pytest

from statebox.jsonio import decode_json, encode_json


@pytest.mark.parametrize(
    "value",
    [
        [-(2**63) - 1, 2**63, 2**64, -(2**64), 10**30],  # past 64 bits: orjson made floats of them
        {"id": 12345678901234567890123, "text": "1234567890123456789012"},
        [2**63 - 1, -(2**63), 1.5, "x", None, True],  # 64-bit and below, the fast path
    ],
)
def test_integers_of_any_size_come_back_exactly(value: object) -> None:
    decoded = decode_json(encode_json(value))
    assert decoded == value
    assert repr(decoded) == repr(value)  # ints stay ints (1e19 == 10**19 would hide a float)
