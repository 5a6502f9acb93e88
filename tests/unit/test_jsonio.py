"""jsonio: compact JSON at the boundaries, exact for integers of any size (issue 13, 5l).

orjson reads an integer past 64 bits as a float without complaint, so a record holding one
came back from the store changed (-2**63 - 1 as -9.223372036854776e+18)."""

from __future__ import annotations

import json

import pytest

from statebox.execution.encoding import decode_record, encode_record
from statebox.jsonio import decode_json, encode_json

BIG = [
    -(2**63) - 1,
    2**64,
    -(2**64) - 12345,
    10**30,
    int("9" * 400),
    int("1" + "0" * 3000),
]


@pytest.mark.parametrize("number", BIG)
def test_integers_past_64_bits_round_trip_exactly(number: int) -> None:
    value = {"n": number, "list": [number, 1, "text"]}
    for encoded in (encode_json(value), encode_json(value).decode()):
        decoded = decode_json(encoded)
        assert decoded == value and type(decoded["n"]) is int


@pytest.mark.parametrize("number", BIG)
def test_a_record_holding_a_huge_integer_is_stored_unchanged(number: int) -> None:
    record = {"format": 1, "input": {"n": number}, "output": [number], "position": None, "history": []}
    decoded = decode_record(encode_record(record))
    assert decoded["input"] == {"n": number} and decoded["output"] == [number]


def test_ordinary_documents_and_digit_runs_in_strings_decode_as_before() -> None:
    value = {"a": [1, 2.5, None, True], "id": "1234567890123456789012345", "n": 2**63 - 1}
    assert decode_json(encode_json(value)) == value == json.loads(json.dumps(value))


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


def test_hex_ids_with_long_digit_runs_take_the_fast_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """A record of thousands of 32-hex-digit ids holds 19-digit runs by chance; only a number
    can start after `:`, `,`, `[`, `-` or white space, so ids alone never send it to json."""
    import statebox.jsonio as jsonio

    text = encode_json({"ids": ["a1234567890123456789012b", "1234567890123456789012ab"]})
    calls: list[object] = []
    monkeypatch.setattr(jsonio.json, "loads", lambda *a, **k: calls.append(a) or None)
    assert decode_json(text) == {"ids": ["a1234567890123456789012b", "1234567890123456789012ab"]}
    assert calls == []


@pytest.mark.parametrize(
    "text",
    [
        "12345678901234567890",
        "-12345678901234567890",
        "[1, 12345678901234567890]",
        '{"a":\n12345678901234567890}',
    ],
)
def test_a_long_number_anywhere_a_number_can_start_is_read_exactly(text: str) -> None:
    assert decode_json(text) == json.loads(text)
    assert decode_json(text.encode()) == json.loads(text)
