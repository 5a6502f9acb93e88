"""strictjson: request JSON refused unless every reader can carry it on (issue 13, items 3/4/13),
and jsonio.encode_answer: no answer holds NaN or Infinity, with or without orjson."""

from __future__ import annotations

import json
from typing import Any

import pytest

from statebox import jsonio, strictjson
from statebox.errors import InputError


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        ("NaN", ""),
        ("[Infinity]", "/0"),
        ('{"a": {"b": -Infinity}}', "/a/b"),
        ("1e400", ""),
        ("[1, 2, -1.5e999]", "/2"),
        ("1" + "0" * 400 + ".0", ""),  # no exponent, still past the largest double
        ('["\\udfff"]', "/0"),
        ('{"x": "\\uD800 high alone"}', "/x"),
        ('{"ok": 1, "\\udc00": 2}', ""),
    ],
)
def test_what_json_cannot_carry_is_refused_with_its_pointer(text: str, pointer: str) -> None:
    for given in (text, text.encode()):
        with pytest.raises(InputError) as refused:
            strictjson.parse(given, "the input")
        (problem,) = refused.value.problems
        assert problem.pointer == pointer
        assert problem.message.startswith("the input is not JSON-representable")
        json.dumps(str(refused.value), ensure_ascii=False).encode("utf-8")  # the message itself is text


@pytest.mark.parametrize(
    "text",
    ['{"a": 1.5e308}', "123456789012345678901234567890", '"\\ud83d\\ude00"', '"NaN"', "[-0.0, 1e-400]", "{}"],
)
def test_json_every_reader_agrees_on_is_kept_exactly(text: str) -> None:
    assert strictjson.parse(text, "the input") == json.loads(text)


def test_text_that_is_not_json_names_itself() -> None:
    with pytest.raises(InputError, match=r'the input is not valid JSON .*: "\{\\"a\\":"'):
        strictjson.parse('{"a":', "the input")
    with pytest.raises(InputError, match=r"\(empty\)"):
        strictjson.parse("", "the input")
    with pytest.raises(InputError, match="nested too deeply"):
        strictjson.parse("[" * 100000 + "]" * 100000, "the input")


def test_decoded_values_are_checked_too() -> None:
    """Values another layer decoded (a `--web true` body): the same walk, the same pointers."""
    assert strictjson.check_value({"a": [1, "x"]}, "the body") == {"a": [1, "x"]}
    with pytest.raises(InputError) as refused:
        strictjson.check_value({"a": [1, float("inf")]}, "the body")
    assert refused.value.problems[0].pointer == "/a/1"
    with pytest.raises(InputError):
        strictjson.check_value("\udfff", "the body")


@pytest.mark.parametrize("orjson", [True, False], ids=["orjson", "stdlib"])
@pytest.mark.parametrize(
    ("value", "pointer"),
    [
        ({"output": {"r": float("nan")}}, "/output/r"),
        ([1, float("inf")], "/1"),
        ({"big": 2**70, "x": float("-inf")}, "/x"),  # orjson refuses the big integer: stdlib path
    ],
)
def test_answers_refuse_non_finite_numbers(
    monkeypatch: pytest.MonkeyPatch, orjson: bool, value: Any, pointer: str
) -> None:
    if not orjson:
        monkeypatch.setattr(jsonio, "_ORJSON", False)
    with pytest.raises(ValueError, match=f"at {pointer}: the number"):
        jsonio.encode_answer(value)


@pytest.mark.parametrize("orjson", [True, False], ids=["orjson", "stdlib"])
def test_answers_that_json_carries_are_compact_json(monkeypatch: pytest.MonkeyPatch, orjson: bool) -> None:
    if not orjson:
        monkeypatch.setattr(jsonio, "_ORJSON", False)
    value = {"a": None, "b": [1.5, "é"], "big": 2**70}
    assert json.loads(jsonio.encode_answer(value)) == value
