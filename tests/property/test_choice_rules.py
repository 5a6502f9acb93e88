"""Properties of Choice rules: StringMatches against a reference matcher, timestamps against datetime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from statebox.states.choice_rules import compile_pattern
from statebox.timestamps import parse_instant

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

literal_text = st.text(alphabet=st.characters(blacklist_characters="*\\"), max_size=30)


any_text = st.text(max_size=30)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*")


@given(pattern=literal_text, text=any_text)
def test_a_pattern_without_stars_is_string_equality(pattern: str, text: str) -> None:
    assert compile_pattern(pattern)(text) == (pattern == text)
    assert compile_pattern(pattern)(pattern)


@given(text=any_text)
def test_an_escaped_text_matches_only_itself(text: str) -> None:
    matcher = compile_pattern(_escape(text))
    assert matcher(text)
    assert not matcher(text + "x")


@given(text=any_text)
def test_star_matches_everything(text: str) -> None:
    assert compile_pattern("*")(text)


@given(text=any_text, data=st.data())
def test_inserting_stars_into_a_text_still_matches_it(text: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    pieces, last = [], 0
    for cut in cuts:
        pieces.append(_escape(text[last:cut]))
        last = cut
    pieces.append(_escape(text[last:]))
    assert compile_pattern("*".join(pieces))(text)


@given(
    pattern=st.text(alphabet="ab*", max_size=12),
    text=st.text(alphabet="ab", max_size=12),
)
def test_matcher_agrees_with_a_reference_dynamic_program(pattern: str, text: str) -> None:
    assert compile_pattern(pattern)(text) == _reference_glob(pattern, text)


def _reference_glob(pattern: str, text: str) -> bool:
    # Textbook O(n*m) table, obviously correct for '*'-only globs without escapes.
    n, m = len(pattern), len(text)
    table = [[False] * (m + 1) for _ in range(n + 1)]
    table[0][0] = True
    for i in range(1, n + 1):
        star = pattern[i - 1] == "*"
        table[i][0] = star and table[i - 1][0]
        for j in range(1, m + 1):
            if star:
                table[i][j] = table[i - 1][j] or table[i][j - 1]
            else:
                table[i][j] = table[i - 1][j - 1] and pattern[i - 1] == text[j - 1]
    return table[n][m]


@settings(max_examples=20, deadline=None)
@given(stars=st.integers(1, 200), length=st.integers(1, 50_000))
def test_pathological_patterns_are_answered_correctly(stars: int, length: int) -> None:
    text = "a" * length
    assert compile_pattern("a*" * stars + "b")(text) is False
    assert compile_pattern("*a" * stars + "*b")(text) is False
    assert compile_pattern("*a" * stars + "*")(text) is (length >= stars)
    assert compile_pattern("a*" * stars)(text) is (length >= stars)


@given(st.datetimes(timezones=st.timezones()))
def test_parse_instant_agrees_with_datetime(moment: Any) -> None:
    offset = moment.utcoffset()
    # Java (and this parser) take whole-second offsets only; drop sub-second ones.
    if offset is None or offset.microseconds or abs(offset.total_seconds()) > 18 * 3600:
        return
    text = moment.isoformat()
    expected_seconds = (moment - EPOCH) // timedelta(seconds=1)
    assert parse_instant(text) == (expected_seconds, moment.microsecond * 1000)
