"""`messages`: the one way a message shows a value from the data (`json_text`) or a literal of
the definition (`show`), and the phrasings problems share."""

from __future__ import annotations

import pytest

from statebox import messages


def test_json_text_is_compact_json_shortened_past_its_limit() -> None:
    assert messages.json_text({"a": [1, "é", None]}) == '{"a":[1,"é",null]}'
    assert messages.json_text("x" * 300) == '"' + "x" * 196 + "..."
    assert len(messages.json_text(list(range(1000)), 50)) == 50
    assert messages.json_text("x" * 300, None) == '"' + "x" * 300 + '"'


def test_json_text_names_what_json_cannot_encode_instead_of_raising() -> None:
    assert messages.json_text(10**5000) == "number"  # past Python's int-to-text limit
    assert messages.json_text(float("nan")) == "NaN"
    assert messages.json_text(object()) == "object"


def test_typed_json_text() -> None:
    assert messages.typed_json_text(None) == "null"
    assert messages.typed_json_text({"a": 1}) == 'object {"a":1}'
    assert messages.typed_json_text("x") == 'string "x"'


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Next", "'Next'"),
        ("y" * 100, "'" + "y" * 57 + "...'"),
        (True, "true"),
        (None, "null"),
        (3, "3"),
        (2.5, "2.5"),
        (float("inf"), "inf"),
        ({"a": 1}, "an object"),
        ([1], "an array"),
    ],
)
def test_show_keeps_literals_short_and_names_containers(value: object, shown: str) -> None:
    assert messages.show(value) == shown


def test_show_names_a_number_python_cannot_print() -> None:
    assert messages.show(10**5000) == "a very large number"


def test_the_shared_phrasings() -> None:
    assert messages.a_type(1) == "a number" and messages.a_type([]) == "an array"
    assert messages.a_type(None) == "null"
    assert messages.quoted("A") == "'A'" and messages.quoted(3) == "3"
    assert messages.one_of(["a", "b", "c"]) == "a, b or c"
    assert messages.all_of(["a", "b"]) == "a and b"
    assert messages.unknown_field("Nxt", ["Next", "End"]) == "unknown field 'Nxt'; did you mean 'Next'?"
    assert messages.did_you_mean("Zzz", ["Next"]) == ""
    assert (
        messages.did_you_mean("StringEqual", ["StringEquals"], quote=False) == "; did you mean StringEquals?"
    )
    assert messages.missing_field("StartAt") == "missing required field 'StartAt'"
    assert messages.only_in_language("Parameters", "JSONPath", "Arguments") == (
        "'Parameters' can only be used when QueryLanguage is JSONPath; use 'Arguments'"
    )
