"""The jsonata-python internals statebox/dataflow/jsonata.py relies on, each checked on the
library itself (issue 13 #22), so an upgrade that changes one fails here, by name, instead of
somewhere deep in an execution. pyproject.toml bounds the version (`>=0.7.1,<0.8`); raising the
bound means running this file against the new version first.

Every internal listed in `_Library.__init__`, the frame protocol of `Env`, the evaluation hooks,
the regex engine and the functions we wrap appear below; nothing else is used."""

from __future__ import annotations

import re
from importlib.metadata import version
from typing import Any

import pytest

jsonata = pytest.importorskip("jsonata")
from jsonata import functions, jexception, utils  # noqa: E402

Jsonata = jsonata.Jsonata


def evaluate(text: str, env_setup: Any = None, regex_engine: Any = None) -> Any:
    """Evaluate `text` the way jsonata.py does: compile, a child frame, `eval(ast, None, env)`."""
    compiled = Jsonata(text, regex_engine) if regex_engine else Jsonata(text)
    env = Jsonata.Frame(compiled.environment)
    env.bind("$", None)
    if env_setup is not None:
        env_setup(env)
    Jsonata.CURRENT.jsonata = compiled
    return compiled.eval(compiled.ast, None, env)


def test_the_version_is_inside_the_bound_these_checks_were_written_for() -> None:
    major, minor, *_ = (int(part) for part in re.findall(r"\d+", version("jsonata-python")))
    assert (major, minor) == (0, 7), "jsonata.py uses jsonata-python internals: recheck this file"


def test_compiled_expressions_expose_ast_errors_environment_and_eval() -> None:
    compiled = Jsonata("1 + 2")
    assert compiled.errors is None or compiled.errors == []
    assert compiled.ast is not None
    assert isinstance(compiled.environment, Jsonata.Frame)
    assert evaluate("1 + 2") == 3


def test_a_syntax_error_is_a_jexception_with_an_error_code() -> None:
    with pytest.raises(jexception.JException) as caught:
        Jsonata("1 +")
    assert isinstance(caught.value.error, str) and caught.value.error


def test_frames_bind_look_up_and_chain_to_their_parent() -> None:
    parent = Jsonata.Frame(None)
    frame = Jsonata.Frame(parent)
    parent.bind("x", 1)
    assert frame.parent is parent and frame.lookup("x") == 1
    frame.bind("y", 2)
    assert frame.bindings["y"] == 2


def test_a_frame_subclass_answers_variable_lookups() -> None:
    class Env(Jsonata.Frame):
        def lookup(self, name: str) -> Any:
            return 41 if name == "answer" else super().lookup(name)

    compiled = Jsonata("$answer + 1")
    env = Env(compiled.environment)
    env.bind("$", None)
    Jsonata.CURRENT.jsonata = compiled
    assert compiled.eval(compiled.ast, None, env) == 42


def test_the_entry_and_exit_hooks_are_looked_up_and_called_for_every_node() -> None:
    entered: list[str] = []
    exited: list[Any] = []

    def setup(env: Any) -> None:
        env.bind("__evaluate_entry", lambda expr, input, environment: entered.append(expr.type))
        env.bind("__evaluate_exit", lambda expr, input, environment, result: exited.append(result))

    assert evaluate("'a' & 'b'", setup) == "ab"
    assert "binary" in entered and len(entered) >= 3 and len(exited) == len(entered)
    assert "ab" in exited


def test_an_exception_from_the_entry_hook_ends_the_evaluation() -> None:
    class Stop(Exception):
        pass

    def stop(*_: Any) -> None:
        raise Stop()

    with pytest.raises(Stop):
        evaluate("($f := function($x){ $f($x) }; $f(1))", lambda env: env.bind("__evaluate_entry", stop))


def test_jlambda_and_jfunction_with_a_signature_take_the_context_argument() -> None:
    def shout(text: Any = None) -> Any:
        return str(text).upper()

    def setup(env: Any) -> None:
        env.bind("plain", Jsonata.JLambda(lambda a=None, b=None: [a, b]))
        env.bind("shout", Jsonata.JFunction(Jsonata.JLambda(shout), "<s-:s>"))

    assert evaluate("$plain(1, 2)", setup) == [1, 2]
    assert evaluate("'hi' ~> $shout()", setup) == "HI"


def test_utils_null_jlist_and_sequences() -> None:
    assert evaluate("null") is utils.Utils.NULL_VALUE
    assert isinstance(evaluate("[1, 2][]"), list)
    assert issubclass(utils.Utils.JList, list)
    assert utils.Utils.create_sequence_from_iter(range(1, 2)) == [1]


def test_functions_pad_and_datetime_from_millis() -> None:
    assert functions.Functions.pad("x", 3, "-") == "x--"
    assert functions.Functions.pad("x", -3, None) == "  x"
    assert functions.Functions.datetime_from_millis(0, None, None) == "1970-01-01T00:00:00.000Z"


class RecordingPattern:
    """A non-`re` pattern, as statebox's regex engine returns (duck-typed by the library)."""

    calls: list[str] = []

    def __init__(self, pattern: str, flags: Any) -> None:
        self.compiled = re.compile(pattern, re.IGNORECASE if flags.case_insensitive else 0)
        self.multiline = flags.multiline

    def search(self, string: str, *args: Any) -> Any:
        RecordingPattern.calls.append("search")
        return self.compiled.search(string, *args)

    def finditer(self, string: str, *args: Any) -> Any:
        RecordingPattern.calls.append("finditer")
        return self.compiled.finditer(string, *args)

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        RecordingPattern.calls.append("sub")
        return self.compiled.sub(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        RecordingPattern.calls.append("split")
        return self.compiled.split(string, maxsplit)


@pytest.mark.parametrize(
    ("expression", "expected", "method"),
    [
        ("$match('a1b22', /[0-9]+/).match", ["1", "22"], "finditer"),
        ("$contains('Hello', /hello/i)", True, "finditer"),
        ("$replace('abc', /(b)/, '[$1]')", "a[b]c", "sub"),
        ("$replace('abc', /(b)/, '$2')", "ac", "sub"),  # the library parses re's error wording
        ("$split('a1b22c', /[0-9]+/)", ["a", "b", "c"], "split"),
    ],
)
def test_regex_literals_go_through_the_regex_engine(expression: str, expected: Any, method: str) -> None:
    RecordingPattern.calls = []
    assert evaluate(expression, regex_engine=RecordingPattern) == expected
    assert method in RecordingPattern.calls
