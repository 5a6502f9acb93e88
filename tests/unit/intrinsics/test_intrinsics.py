"""Intrinsic functions: parsing, every function's results and argument errors, properties.

Expected values marked "AWS" come from the conformance cases recorded on real Step Functions
(../shared/conformance/cases/intrinsics); the rest follow AWS's documented rules.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from statebox.asl_errors import ErrorName
from statebox.errors import ExpressionSyntaxError, StatesError
from statebox.intrinsics import FUNCTIONS, compile_intrinsic, is_intrinsic
from statebox.intrinsics.functions import java_double, java_round
from statebox.ports import SeededEntropy
from tests.support.intrinsics import FakeScope, run


def failure(text: str, data: Any = None) -> StatesError:
    with pytest.raises(StatesError) as caught:
        run(text, data)
    return caught.value


# --------------------------------------------------------------------------- registry, is_intrinsic


def test_registry_has_every_documented_function() -> None:
    assert set(FUNCTIONS) == {
        "States.Format", "States.StringToJson", "States.JsonToString", "States.Array",
        "States.ArrayPartition", "States.ArrayContains", "States.ArrayRange",
        "States.ArrayGetItem", "States.ArrayLength", "States.ArrayUnique",
        "States.Base64Encode", "States.Base64Decode", "States.Hash", "States.JsonMerge",
        "States.MathRandom", "States.MathAdd", "States.StringSplit", "States.UUID",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.Array()", True),
        ("  States.Format('x')", True),
        ("$.States.Array", False),
        ("States", False),
        ("Hello", False),
        (42, False),
    ],
)
def test_is_intrinsic(text: Any, expected: bool) -> None:
    assert is_intrinsic(text) is expected


# --------------------------------------------------------------------------- grammar


@pytest.mark.parametrize(
    ("text", "data", "expected"),
    [
        ("States.Array()", None, []),
        ("States.Array(1, -2, 3.5, -0.25, 1e3, 2E-2)", None, [1, -2, 3.5, -0.25, 1000.0, 0.02]),
        ("States.Array(true, false, null)", None, [True, False, None]),
        ("States.Array('a b', '')", None, ["a b", ""]),
        ("States.Array('it\\'s', '\\{\\}', 'back\\\\slash')", None, ["it's", "{}", "back\\slash"]),
        ("States.Array('a,b)', ' ( ')", None, ["a,b)", " ( "]),
        ("States.Array($)", {"a": 1}, [{"a": 1}]),
        ("States.Array($.a.b, $[1])", {"a": {"b": 2}}, None),  # None: expect a failure
        ("States.Array($[1])", [1, 2], [2]),
        ("States.Array($.list[0], $.list[-1])", {"list": [1, 2, 3]}, [1, 3]),
        ("States.Array($.list[*].x)", {"list": [{"x": 1}, {"x": 2}]}, [[1, 2]]),
        ("States.Array($.list[?(@.x > 1)].x)", {"list": [{"x": 1}, {"x": 2}]}, [[2]]),
        ("States.Array($['odd key'])", {"odd key": 5}, [5]),
        ("States.Array($$.Execution.Input.greeting)", None, ["hi"]),
        ("States.Array($count, $user.n)", None, [3, "Ada"]),
        ("  States.Array ( 1 ,2 )  ", None, [1, 2]),
        ("States.Array(States.Array(States.Array()))", None, [[[]]]),
        ("States.Array('multi\nline')", None, ["multi\nline"]),  # AWS: raw newlines are kept
    ],
)
def test_arguments(text: str, data: Any, expected: Any) -> None:
    if expected is None:  # an object has no index 1: the path does not resolve
        with pytest.raises(StatesError) as caught:
            run(text, data)
        assert caught.value.error == ErrorName.RUNTIME
        return
    assert run(text, data) == expected


def test_numbers_keep_their_json_type() -> None:
    result = run("States.Array(1, 1.0, -0, 2e0)")
    assert [type(v) for v in result] == [int, float, int, float]


def test_missing_path_is_a_runtime_error() -> None:
    error = failure("States.Format('{}', $.nope)", {"a": 1})
    assert error.error == ErrorName.RUNTIME


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("States.Nope()", "unknown function 'States.Nope'"),
        ("States.format('x')", "unknown function"),
        ("Other.Array()", "starting with 'States.'"),
        ("States.Array", "expected '('"),
        ("States.Array(1", "missing ')'"),
        ("States.Array(1,)", "expected an argument"),
        ("States.Array(1 2)", "expected ',' or ')'"),
        ("States.Array() extra", "after the closing ')'"),
        ("States.Array('open)", "unterminated string"),
        ("States.Array('bad \\n escape')", "invalid escape '\\n'"),
        ("States.Array('trailing \\", "invalid escape"),
        ("States.Array(word)", "unexpected 'word'"),
        ('States.Array("double")', "expected an argument"),
        ("States.Array(-x)", "invalid number"),
        ("States.Array($.a[)", "invalid path"),
        ("States.ArrayLength()", "takes exactly 1 argument(s), got 0"),
        ("States.MathAdd(1, 2, 3)", "takes exactly 2 argument(s), got 3"),
        ("States.MathRandom(1)", "takes 2 to 3 arguments, got 1"),
        ("States.UUID(1)", "takes exactly 0 argument(s), got 1"),
        ("States.Format()", "takes at least 1 argument(s), got 0"),
        ("States.Format('{} and {}', 1)", "2 '{}' placeholder(s) but 1 value(s)"),
        ("States.Format('none', 1)", "0 '{}' placeholder(s) but 1 value(s)"),
        ("States.Array(States.Nope())", "unknown function 'States.Nope'"),
        (
            "States.Array(" * 11 + ")" * 11,
            "nested more than 10 deep",
        ),
    ],
)
def test_syntax_errors(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        compile_intrinsic(text)
    assert fragment in str(caught.value)
    assert "column" in str(caught.value)


def test_ten_nested_calls_are_allowed() -> None:
    expected: list[Any] = []
    for _ in range(9):
        expected = [expected]
    assert run("States.Array(" * 10 + ")" * 10) == expected


def test_evaluation_never_reparses(monkeypatch: pytest.MonkeyPatch) -> None:
    from statebox.dataflow.paths import Path
    from statebox.intrinsics import grammar

    call = compile_intrinsic("States.Format('{} {}', $.a, States.MathAdd($.b, 1))")

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("parsed at run time")

    monkeypatch.setattr(grammar, "parse", boom)
    monkeypatch.setattr(Path, "compile", boom)
    assert call.evaluate({"a": "x", "b": 1}, FakeScope()) == "x 2"


def test_evaluation_does_not_mutate_data() -> None:
    data = {"a": [3, 1, 3], "o": {"k": 1}, "p": {"m": 2}}
    snapshot = json.dumps(data)
    for text in [
        "States.ArrayUnique($.a)",
        "States.ArrayPartition($.a, 2)",
        "States.JsonMerge($.o, $.p, false)",
        "States.Array($.a, $.o)",
    ]:
        result = run(text, data)
        assert result is not data["a"] and result is not data["o"]
    assert json.dumps(data) == snapshot


# --------------------------------------------------------------------------- States.Format


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("", ""),  # AWS
        (" ", " "),  # AWS
        ("HelloWorld", "HelloWorld"),  # AWS
        (None, "null"),  # AWS
        (1, "1"),  # AWS
        (1.1, "1.1"),  # AWS
        ('{"Arg1": 1, "Arg2": []}', '{"Arg1": 1, "Arg2": []}'),  # AWS: strings are raw
        ({"Arg1": 1, "Arg2": []}, "{Arg1=1, Arg2=[]}"),  # AWS: Java Map.toString
        ([1, "a", None, [True]], "[1, a, null, [true]]"),
        (True, "true"),
        (False, "false"),
        (1.0, "1.0"),
        (1e20, "1.0E20"),
        (-2.5e-7, "-2.5E-7"),
    ],
)
def test_format_renders_values(value: Any, rendered: str) -> None:
    assert run("States.Format('Formatting argument {}.', $.v)", {"v": value}) == (
        f"Formatting argument {rendered}."
    )


@pytest.mark.parametrize(
    ("text", "data", "expected"),
    [
        ("States.Format('fst={} and snd={}.', $.a, $.b)", {"a": "x", "b": 2}, "fst=x and snd=2."),
        ("States.Format('plain')", None, "plain"),
        ("States.Format('{}{}', 'a', 'b')", None, "ab"),
        ("States.Format('\\{\\} {}', 1)", None, "{} 1"),  # escaped braces are not placeholders
        ("States.Format('\\{{}\\}', 1)", None, "{1}"),
        ("States.Format('{ } {}', 1)", None, "{ } 1"),
        ("States.Format('it\\'s {}', $.n)", {"n": "me"}, "it's me"),
        ("States.Format($.t, $.n)", {"t": "Hello, my name is {}.", "n": "Arnav"},
         "Hello, my name is Arnav."),
        ("States.Format('{}', States.Format('<{}>', 1))", None, "<1>"),
    ],
)  # fmt: skip
def test_format(text: str, data: Any, expected: str) -> None:
    assert run(text, data) == expected


@pytest.mark.parametrize(
    ("text", "data", "fragment"),
    [
        ("States.Format($.t, 1)", {"t": "no placeholder"}, "0 '{}' placeholder(s) but 1"),
        ("States.Format($.t)", {"t": "{}"}, "1 '{}' placeholder(s) but 0"),
        ("States.Format($.t, 1)", {"t": 5}, "template (first argument) must be a string"),
        ("States.Format(1)", None, "must be a string"),
    ],
)
def test_format_errors(text: str, data: Any, fragment: str) -> None:
    error = failure(text, data)
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert "States.Format" in error.cause and fragment in error.cause


# --------------------------------------------------------------------------- JSON functions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),  # AWS
        (" ", None),  # AWS
        ("null", None),  # AWS
        ("-0", 0),  # AWS
        ("1", 1),  # AWS
        ("1.1", 1.1),  # AWS
        ("true", True),  # AWS
        ('"HelloWorld"', "HelloWorld"),  # AWS
        ('[1, 2, "HelloWorld"]', [1, 2, "HelloWorld"]),  # AWS
        ('{"Arg1": 1, "Arg2": []}', {"Arg1": 1, "Arg2": []}),  # AWS
        ('\n {"a": 1}\t', {"a": 1}),
    ],
)
def test_string_to_json(text: str, expected: Any) -> None:
    assert run("States.StringToJson($.s)", {"s": text}) == expected


def test_string_to_json_literal() -> None:
    # AWS: braces need no escaping outside States.Format.
    assert run('States.StringToJson(\'{"constant_in_literal": "false"}\')') == {
        "constant_in_literal": "false"
    }


@pytest.mark.parametrize("value", ["{", "[1,", "NaN", "Infinity", "1 2", "{'a': 1}", 5, None, [1]])
def test_string_to_json_errors(value: Any) -> None:
    error = failure("States.StringToJson($.s)", {"s": value})
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert "States.StringToJson" in error.cause


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),  # AWS
        (0, "0"),  # AWS
        (1, "1"),  # AWS
        (1.1, "1.1"),  # AWS
        (True, "true"),  # AWS
        ("HelloWorld", '"HelloWorld"'),  # AWS
        ([1, 2, "HelloWorld"], '[1,2,"HelloWorld"]'),  # AWS
        ({"Arg1": 1, "Arg2": []}, '{"Arg1":1,"Arg2":[]}'),  # AWS: compact separators
        ({"q": 'say "hi"\n', "ü": "é"}, '{"q":"say \\"hi\\"\\n","ü":"é"}'),
        ({"big": 1e20, "one": 1.0}, '{"big":1.0E20,"one":1.0}'),
    ],
)
def test_json_to_string(value: Any, expected: str) -> None:
    assert run("States.JsonToString($.v)", {"v": value}) == expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (  # AWS
            {"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3},
            {"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4},
            {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3, "d": 4},
        ),
        ({}, {}, {}),
        ({"x": 1}, {}, {"x": 1}),
    ],
)
def test_json_merge(first: Any, second: Any, expected: Any) -> None:
    assert run("States.JsonMerge($.a, $.b, false)", {"a": first, "b": second}) == expected


def test_json_merge_with_nested_call_and_context() -> None:
    # AWS: test_json_merge_escaped_argument
    text = (
        'States.JsonMerge(States.StringToJson(\'{"constant_in_literal": "false"}\'), '
        "$$.Execution.Input.input_field, false)"
    )
    scope = FakeScope(context={"Execution": {"Input": {"input_field": {"k": "v"}}}})
    assert run(text, None, scope) == {"constant_in_literal": "false", "k": "v"}


@pytest.mark.parametrize(
    ("text", "data", "fragment"),
    [
        ("States.JsonMerge($.a, $.b, true)", {"a": {}, "b": {}}, "must be false"),
        ("States.JsonMerge($.a, $.b, 'false')", {"a": {}, "b": {}}, "must be a boolean"),
        ("States.JsonMerge($.a, $.b, false)", {"a": [], "b": {}}, "first argument must be a"),
        ("States.JsonMerge($.a, $.b, false)", {"a": {}, "b": "x"}, "second argument must be a"),
    ],
)
def test_json_merge_errors(text: str, data: Any, fragment: str) -> None:
    error = failure(text, data)
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert "States.JsonMerge" in error.cause and fragment in error.cause


# --------------------------------------------------------------------------- arrays


@pytest.mark.parametrize(
    ("values", "size", "expected"),
    [
        ([], 1, []),  # AWS
        ([], 5, []),  # AWS
        ([0], 3, [[0]]),  # AWS
        ([0, 1], 1, [[0], [1]]),  # AWS
        ([0, 1, 2], 2, [[0, 1], [2]]),  # AWS
        ([0, 1, 2, 3], 3, [[0, 1, 2], [3]]),  # AWS
        ([0, 1, 2, 3], 5, [[0, 1, 2, 3]]),  # AWS
        ([1, 2, 3, 4, 5, 6, 7, 8, 9], 4, [[1, 2, 3, 4], [5, 6, 7, 8], [9]]),  # docs
        ([1, 2, 3], 1.5, [[1, 2], [3]]),  # a non-integer size is rounded
    ],
)
def test_array_partition(values: list[Any], size: Any, expected: Any) -> None:
    assert run("States.ArrayPartition($.a, $.n)", {"a": values, "n": size}) == expected


@pytest.mark.parametrize(
    ("values", "size", "fragment"),
    [
        ([1], 0, "positive integer"),
        ([1], -1, "positive integer"),
        ([1], 0.4, "positive integer"),
        ([1], "2", "must be an integer"),
        ([1], True, "must be an integer"),
        ({"a": 1}, 1, "first argument must be an array"),
    ],
)
def test_array_partition_errors(values: Any, size: Any, fragment: str) -> None:
    error = failure("States.ArrayPartition($.a, $.n)", {"a": values, "n": size})
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert "States.ArrayPartition" in error.cause and fragment in error.cause


@pytest.mark.parametrize(
    ("values", "looking_for", "expected"),
    [
        ([], None, False),  # AWS
        ([], [], False),  # AWS
        ([], 1, False),  # AWS
        ([[1, 2, 3], 2], None, False),  # AWS
        ([[1, 2, 3], 2], [1, 2, 3], True),  # AWS
        ([{"1": 2, "2": []}], [], False),  # AWS
        ([{"1": 2, "2": []}], {"1": 2, "2": []}, True),  # AWS
        ([True, False], True, True),  # AWS
        ([True, False], False, True),  # AWS
        ([1, 2], True, False),  # booleans are not numbers
        ([True], 1, False),
        ([0], False, False),
        ([1.0], 1, True),
        ([{"a": 1, "b": 2}], {"b": 2, "a": 1}, True),
        (["1"], 1, False),
        ([None], None, True),
    ],
)
def test_array_contains(values: list[Any], looking_for: Any, expected: bool) -> None:
    data = {"a": values, "v": looking_for}
    assert run("States.ArrayContains($.a, $.v)", data) is expected


def test_array_contains_needs_an_array() -> None:
    error = failure("States.ArrayContains($.a, 1)", {"a": "abc"})
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert "must be an array" in error.cause


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("0, 9, 3", [0, 3, 6, 9]),  # AWS
        ("0, 10, 3", [0, 3, 6, 9]),  # AWS
        ("1, 9, 9", [1]),  # AWS
        ("1, 9, 2", [1, 3, 5, 7, 9]),  # AWS
        ("0, 3, 1", [0, 1, 2, 3]),  # AWS (reentrant Map cases)
        ("5, 1, -2", [5, 3, 1]),
        ("1, 5, -1", []),
        ("2, 2, 1", [2]),
        ("0.6, 2.5, 1", [1, 2, 3]),  # non-integers are rounded half up
        ("1, 1000, 1", list(range(1, 1001))),  # exactly the limit
    ],
)
def test_array_range(args: str, expected: list[int]) -> None:
    assert run(f"States.ArrayRange({args})") == expected


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ("0, 10, 0", "must not be 0"),
        ("0, 1000, 1", "1001 items, more than the limit of 1000"),
        ("1000, -1000, -1", "more than the limit"),
        ("'0', 1, 1", "start (first argument) must be an integer"),
        ("0, null, 1", "end (second argument) must be an integer"),
        ("0, 1, true", "step (third argument) must be an integer"),
        ("0, 1, 0.4", "must not be 0"),
    ],
)
def test_array_range_errors(args: str, fragment: str) -> None:
    error = failure(f"States.ArrayRange({args})")
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert "States.ArrayRange" in error.cause and fragment in error.cause


@pytest.mark.parametrize(
    ("values", "index", "expected"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8, 9], 5, 6),  # AWS
        ([{"a": 1}], 0, {"a": 1}),
        (["x", "y"], 1.0, "y"),
    ],
)
def test_array_get_item(values: list[Any], index: Any, expected: Any) -> None:
    assert run("States.ArrayGetItem($.a, $.i)", {"a": values, "i": index}) == expected


@pytest.mark.parametrize(
    ("values", "index", "fragment"),
    [
        ([1, 2], 2, "out of range"),
        ([1, 2], -1, "out of range"),
        ([], 0, "out of range"),
        ([1, 2], 0.5, "must be an integer"),
        ([1, 2], "0", "must be an integer"),
        ("ab", 0, "must be an array"),
    ],
)
def test_array_get_item_errors(values: Any, index: Any, fragment: str) -> None:
    error = failure("States.ArrayGetItem($.a, $.i)", {"a": values, "i": index})
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert "States.ArrayGetItem" in error.cause and fragment in error.cause


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8, 9], 9),  # AWS
        ([None, None, True, True, False, False, 1, 1, 1.1, 0, 0, "HelloWorld", "HelloWorld",
          [], [], [None], [None], {"a": 1, "b": 2}, {"a": 1, "b": 2}, {"a": 1, "b": 1}], 20),  # AWS
        ([], 0),
    ],
)  # fmt: skip
def test_array_length(values: list[Any], expected: int) -> None:
    assert run("States.ArrayLength($.a)", {"a": values}) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 3, 3, 3, 3, 3, 4], [1, 2, 3, 4]),  # docs
        (
            [None, None, True, True, False, False, 1, 1, 1.1, 0, 0, "HelloWorld", "HelloWorld",
             [], [], [None], [None], {"a": 1, "b": 2}, {"b": 2, "a": 1}, {"a": 1, "b": 1}],
            [None, True, False, 1, 1.1, 0, "HelloWorld", [], [None], {"a": 1, "b": 2},
             {"a": 1, "b": 1}],
        ),
        ([1, True, 0, False, "1"], [1, True, 0, False, "1"]),  # no bool/number confusion
        ([], []),
    ],
)  # fmt: skip
def test_array_unique(values: list[Any], expected: list[Any]) -> None:
    assert run("States.ArrayUnique($.a)", {"a": values}) == expected


@pytest.mark.parametrize("function", ["ArrayLength", "ArrayUnique"])
@pytest.mark.parametrize("value", [None, "abc", 3, {"a": 1}])
def test_array_functions_need_arrays(function: str, value: Any) -> None:
    error = failure(f"States.{function}($.a)", {"a": value})
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert f"States.{function}" in error.cause and "must be an array" in error.cause


def test_array_with_paths() -> None:
    # AWS test_array_2_*
    for value in ["", " ", "HelloWorld", None, 1, 1.1, {"Arg1": 1, "Arg2": []}]:
        assert run("States.Array($.f, $.s)", {"f": value, "s": value}) == [value, value]


# --------------------------------------------------------------------------- encoding, hashing


@pytest.mark.parametrize(
    ("plain", "encoded"),
    [
        ("", ""),  # AWS
        ("Data to encode", "RGF0YSB0byBlbmNvZGU="),  # AWS
        ("é✓", "w6ninJM="),
    ],
)
def test_base64(plain: str, encoded: str) -> None:
    assert run("States.Base64Encode($.v)", {"v": plain}) == encoded
    assert run("States.Base64Decode($.v)", {"v": encoded}) == plain


@pytest.mark.parametrize(
    ("encoded", "plain"),
    [
        ("RGF0YSB0byBlbmNvZGU", "Data to encode"),  # padding is optional
        ("RGF0YSB0\r\nbyBlbmNvZGU=", "Data to encode"),  # MIME: line breaks are skipped
    ],
)
def test_base64_decode_is_lenient_like_mime(encoded: str, plain: str) -> None:
    assert run("States.Base64Decode($.v)", {"v": encoded}) == plain


@pytest.mark.parametrize(
    ("text", "data", "fragment"),
    [
        ("States.Base64Encode($.v)", {"v": 1}, "must be a string"),
        ("States.Base64Encode($.v)", {"v": "x" * 10_001}, "at most 10000 characters"),
        ("States.Base64Decode($.v)", {"v": None}, "must be a string"),
        ("States.Base64Decode($.v)", {"v": "A" * 10_001}, "at most 10000 characters"),
        ("States.Base64Decode($.v)", {"v": "QUJDR"}, "not valid Base64"),
        ("States.Base64Decode($.v)", {"v": "/w=="}, "not UTF-8"),
    ],
)
def test_base64_errors(text: str, data: Any, fragment: str) -> None:
    error = failure(text, data)
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert fragment in error.cause


def test_base64_limit_is_inclusive() -> None:
    assert len(run("States.Base64Encode($.v)", {"v": "x" * 10_000})) > 0


@pytest.mark.parametrize(
    ("algorithm", "digest"),
    [  # AWS, all for "input data"
        ("MD5", "812f45842bc6d66ee14572ce20db8e86"),
        ("SHA-1", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        ("SHA-256", "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"),
        (
            "SHA-384",
            "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b"
            "87525bdc835ebb27e1fb9e9374a15562",
        ),
        (
            "SHA-512",
            "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce"
            "2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4",
        ),
    ],
)
def test_hash(algorithm: str, digest: str) -> None:
    assert run("States.Hash($.d, $.a)", {"d": "input data", "a": algorithm}) == digest


@pytest.mark.parametrize(
    ("data", "algorithm", "fragment"),
    [
        ("x", "SHA-3", "unsupported algorithm 'SHA-3'"),
        ("x", "sha-256", "unsupported algorithm"),
        ("x", 256, "algorithm (second argument) must be a string"),
        ({"a": 1}, "MD5", "data (first argument) must be a string"),
        ("x" * 10_001, "MD5", "at most 10000 characters"),
    ],
)
def test_hash_errors(data: Any, algorithm: Any, fragment: str) -> None:
    error = failure("States.Hash($.d, $.a)", {"d": data, "a": algorithm})
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert "States.Hash" in error.cause and fragment in error.cause


# --------------------------------------------------------------------------- math


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [  # all AWS: non-integers are rounded one by one with Java's Math.round
        (-9, 3, -6),
        (1.49, 1.5, 3),
        (1.5, 1.51, 4),
        (-1.49, -1.5, -2),
        (-1.5, -1.51, -3),
        (1.49, 0, 1),
        (1.49, -1.49, 0),
        (1.5, 0, 2),
        (1.51, 0, 2),
        (-1.49, 0, -1),
        (-1.5, 0, -1),
        (-1.51, 0, -2),
        (0.5, 0, 1),
        (2.5, 0, 3),
        (3.5, 0, 4),
        (-0.5, 0.5, 1),
        (-0.5, 0, 0),
        (-2.5, 0, -2),
        (-3.5, 0, -3),
    ],
)
def test_math_add(a: Any, b: Any, expected: int) -> None:
    result = run("States.MathAdd($.a, $.b)", {"a": a, "b": b})
    assert result == expected and type(result) is int


def test_math_add_literals_and_variables() -> None:
    assert run("States.MathAdd($count, -1)") == 2
    assert run("States.MathAdd(2147483647, -2147483648)") == -1


@pytest.mark.parametrize(
    ("a", "b", "fragment"),
    [
        (2147483648, 0, "between -2147483648 and 2147483647"),
        (0, -2147483649, "between"),
        ("1", 2, "first argument must be an integer"),
        (1, None, "second argument must be an integer"),
        (True, 1, "must be an integer"),
        ([1], 1, "must be an integer"),
    ],
)
def test_math_add_errors(a: Any, b: Any, fragment: str) -> None:
    error = failure("States.MathAdd($.a, $.b)", {"a": a, "b": b})
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert "States.MathAdd" in error.cause and fragment in error.cause


def test_math_random_uses_scope_entropy() -> None:
    call = compile_intrinsic("States.MathRandom(1, 999)")
    first = [call.evaluate(None, FakeScope(entropy=SeededEntropy(3))) for _ in range(5)]
    again = [call.evaluate(None, FakeScope(entropy=SeededEntropy(3))) for _ in range(5)]
    assert first == again
    assert all(1 <= n < 999 and type(n) is int for n in first)


def test_math_random_seed_is_deterministic() -> None:
    values = {run("States.MathRandom(0, 1000, 42)", scope=FakeScope(entropy=SeededEntropy(s)))
              for s in range(5)}  # fmt: skip
    assert len(values) == 1


def test_math_random_end_is_exclusive() -> None:
    scope = FakeScope(entropy=SeededEntropy(0))
    call = compile_intrinsic("States.MathRandom(5, 6)")
    assert {call.evaluate(None, scope) for _ in range(50)} == {5}
    seen = {run(f"States.MathRandom(0, 3, {seed})") for seed in range(100)}
    assert seen == {0, 1, 2}


class _MaxEntropy:
    def random(self) -> float:
        return 0.9999999999999999

    def uuid4(self) -> str:
        return "x"


def test_math_random_never_reaches_the_end() -> None:
    assert run("States.MathRandom(0, 10000000000000)", scope=FakeScope(entropy=_MaxEntropy())) < (
        10000000000000
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ("5, 5", "must be greater than the start"),
        ("9, 1", "must be greater than the start"),
        ("'1', 5", "start (first argument) must be an integer"),
        ("1, 5, 'seed'", "seed (third argument) must be an integer"),
    ],
)
def test_math_random_errors(args: str, fragment: str) -> None:
    error = failure(f"States.MathRandom({args})")
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert "States.MathRandom" in error.cause and fragment in error.cause


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.5, 1), (-0.5, 0), (2.5, 3), (-2.5, -2), (1.49, 1), (-1.51, -2),
     (0.49999999999999994, 0), (7.0, 7), (-7.0, -7)],
)  # fmt: skip
def test_java_round(value: float, expected: int) -> None:
    assert java_round(value) == expected


# --------------------------------------------------------------------------- strings, UUID


@pytest.mark.parametrize(
    ("text", "delimiter", "expected"),
    [
        (" ", ",", [" "]),  # AWS
        (" , ", ",", [" ", " "]),  # AWS
        (", , ,", ",", [" ", " "]),  # AWS: empty pieces are dropped
        (",,,,", ",", []),  # AWS
        ("1,2,3,4,5", ",", ["1", "2", "3", "4", "5"]),  # AWS
        ("This.is+a,test=string", ".+,=", ["This", "is", "a", "test", "string"]),  # AWS
        ("split on T and \nnew line", "T\n", ["split on ", " and ", "new line"]),  # AWS
        ("a]b^c-d\\e", "]^-\\", ["a", "b", "c", "d", "e"]),  # regex metacharacters
        ("abc", "", ["abc"]),
        ("", ",", []),
    ],
)
def test_string_split(text: str, delimiter: str, expected: list[str]) -> None:
    assert run("States.StringSplit($.s, $.d)", {"s": text, "d": delimiter}) == expected


def test_string_split_literals_and_context() -> None:
    assert run("States.StringSplit('Hello\nWorld', '\n')") == ["Hello", "World"]  # AWS
    scope = FakeScope(context={"Execution": {"Input": {"csv": "a,b,,c"}}})
    assert run("States.StringSplit($$.Execution.Input.csv, ',')", None, scope) == ["a", "b", "c"]


@pytest.mark.parametrize(("text", "delimiter"), [(1, ","), ("a", None), (["a"], ",")])
def test_string_split_errors(text: Any, delimiter: Any) -> None:
    error = failure("States.StringSplit($.s, $.d)", {"s": text, "d": delimiter})
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert "States.StringSplit" in error.cause and "must be a string" in error.cause


def test_uuid_comes_from_the_entropy_port() -> None:
    a = run("States.UUID()", scope=FakeScope(entropy=SeededEntropy(1)))
    b = run("States.UUID()", scope=FakeScope(entropy=SeededEntropy(1)))
    assert a == b
    assert uuid.UUID(a).version == 4


def test_uuid_without_scope_entropy() -> None:
    assert uuid.UUID(compile_intrinsic("States.UUID()").evaluate(None, None)).version == 4


def test_documented_nine_level_example() -> None:
    text = (
        "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem("
        "States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem("
        "States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), "
        "'.'), 1))"
    )
    data = {"ImageRecipe": {"Arn": "arn:aws:imagebuilder:r:1:image-recipe/my-recipe/1.0.0"}}
    # The docs' template has three placeholders for two values, which we reject at load time.
    with pytest.raises(ExpressionSyntaxError, match="3 '{}' placeholder"):
        compile_intrinsic(text)
    assert run(text.replace("'{}.{}.{}'", "'{}.{}'"), data) == "1.0"


# --------------------------------------------------------------------------- Java number text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.0"), (0.0, "0.0"), (-0.0, "-0.0"), (1.1, "1.1"), (100.0, "100.0"),
        (0.001, "0.001"), (0.0001, "1.0E-4"), (9999999.0, "9999999.0"), (1e7, "1.0E7"),
        (12345678.9, "1.23456789E7"), (1e20, "1.0E20"), (-1.5e-5, "-1.5E-5"),
        (0.1 + 0.2, "0.30000000000000004"), (5e-324, "5.0E-324"),
    ],
)  # fmt: skip
def test_java_double(value: float, text: str) -> None:
    assert java_double(value) == text


# --------------------------------------------------------------------------- properties


# --------------------------------------------------------------------------- huge integers
# JSON integers have no size limit and Python keeps them exact: an intrinsic given a number with
# hundreds of digits answers (or fails with States.IntrinsicFailure), it never overflows a float
# or a C size.

BIG = int("9" * 400)


@pytest.mark.parametrize(
    "args", ["0, 1e300, 1", f"0, {BIG}, 1", f"{-BIG}, {BIG}, {BIG // 10**10}", f"{BIG}, 0, -1"]
)
def test_array_range_of_astronomical_length_is_refused(args: str) -> None:
    error = failure(f"States.ArrayRange({args})")
    assert error.error == ErrorName.INTRINSIC_FAILURE
    assert "more than the limit of 1000" in error.cause


def test_array_range_with_huge_bounds_but_few_items() -> None:
    assert run(f"States.ArrayRange({BIG}, {BIG + 4}, 2)") == [BIG, BIG + 2, BIG + 4]


@pytest.mark.parametrize("draw", [0.0, 0.5, 0.9999999999999999])
def test_math_random_with_a_400_digit_end(draw: float) -> None:
    class Draw:
        def random(self) -> float:
            return draw

        def uuid4(self) -> str:
            return "x"

    value = run("States.MathRandom(0, $.big)", {"big": BIG}, scope=FakeScope(entropy=Draw()))
    assert type(value) is int and 0 <= value < BIG
    # The draw scales the whole span: a middle draw lands in the middle.
    assert abs(value - int(draw * 2**53) * BIG // 2**53) <= 1


def test_math_random_with_huge_bounds_and_a_seed() -> None:
    value = run(f"States.MathRandom({BIG}, {BIG * 2}, 7)")
    assert BIG <= value < BIG * 2
