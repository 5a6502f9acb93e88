"""Properties of the intrinsic functions: round trips and agreement with Python's own."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.support.intrinsics import run

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)


json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)


@given(st.text(max_size=2000))
def test_base64_round_trip(text: str) -> None:
    encoded = run("States.Base64Encode($.v)", {"v": text})
    assert run("States.Base64Decode($.v)", {"v": encoded}) == text


@given(json_values)
def test_json_to_string_round_trip(value: Any) -> None:
    text = run("States.JsonToString($.v)", {"v": value})
    assert json.loads(text) == value
    assert run("States.StringToJson($.v)", {"v": text}) == value


@given(st.lists(json_scalars, max_size=40), st.integers(min_value=1, max_value=50))
def test_array_partition_concatenation_is_the_input(values: list[Any], size: int) -> None:
    chunks = run("States.ArrayPartition($.a, $.n)", {"a": values, "n": size})
    assert [item for chunk in chunks for item in chunk] == values
    assert all(len(chunk) == size for chunk in chunks[:-1])
    assert all(0 < len(chunk) <= size for chunk in chunks)


@given(st.lists(json_values, max_size=20))
def test_array_unique_keeps_first_of_each(values: list[Any]) -> None:
    unique = run("States.ArrayUnique($.a)", {"a": values})
    for item in values:
        assert run("States.ArrayContains($.u, $.v)", {"u": unique, "v": item})
    assert run("States.ArrayUnique($.u)", {"u": unique}) == unique
    assert len(unique) == len(run("States.ArrayUnique($.u)", {"u": unique + values}))


@given(
    st.integers(min_value=-500, max_value=500),
    st.integers(min_value=-500, max_value=500),
    st.integers(min_value=-50, max_value=50).filter(bool),
)
def test_array_range_matches_an_inclusive_range(start: int, end: int, step: int) -> None:
    expected = list(range(start, end + (1 if step > 0 else -1), step))
    assert run(f"States.ArrayRange({start}, {end}, {step})") == expected
    nested = "States.ArrayLength(States.ArrayRange($.a, $.b, $.c))"
    assert run(nested, {"a": start, "b": end, "c": step}) == len(expected)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=50))
def test_string_literals_round_trip_through_escaping(text: str) -> None:
    escaped = "".join("\\" + ch if ch in "'{}\\" else ch for ch in text)
    assert run(f"States.Format('{escaped}')") == text
    assert run(f"States.Array('{escaped}')") == [text]


@given(st.lists(st.text(max_size=10), min_size=1, max_size=6), st.text(",;|", min_size=1))
def test_string_split_drops_only_empty_pieces(words: list[str], delimiters: str) -> None:
    joined = delimiters[0].join(words)
    pieces = run("States.StringSplit($.s, $.d)", {"s": joined, "d": delimiters})
    assert all(piece and not set(piece) & set(delimiters) for piece in pieces)
    assert "".join(pieces) == "".join(ch for ch in joined if ch not in delimiters)


@given(st.integers(min_value=-(2**31), max_value=2**31 - 1),
       st.integers(min_value=-(2**31), max_value=2**31 - 1))  # fmt: skip
def test_math_add_adds_integers(a: int, b: int) -> None:
    assert run("States.MathAdd($.a, $.b)", {"a": a, "b": b}) == a + b
