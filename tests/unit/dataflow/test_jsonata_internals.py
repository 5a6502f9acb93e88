"""The jsonata-python internals statebox/dataflow/jsonata_engine.py relies on, each checked on the
library itself (issue 13 #22, issue 14), so an upgrade that changes one fails here, by name,
instead of somewhere deep in an execution. pyproject.toml bounds the version (`>=0.7.1,<0.8`);
raising the bound means running this file against the new version first.

The adapter declares what it uses: `LIBRARY_PATHS` (names resolved from the library) and
`OBJECT_ATTRIBUTES` (attributes of the library's objects, names it looks up in a frame). The
first tests check that each declared one exists, that the adapter uses exactly those (read from
its source), and that no other statebox module imports jsonata-python; the rest check the
behaviour the adapter relies on."""

from __future__ import annotations

import ast
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

jsonata = pytest.importorskip("jsonata")
from jsonata import functions, jexception, utils  # noqa: E402

import statebox  # noqa: E402
from statebox.dataflow import jsonata_engine  # noqa: E402
from statebox.dataflow.jsonata_engine import LIBRARY_PATHS, OBJECT_ATTRIBUTES, resolve  # noqa: E402

Jsonata = jsonata.Jsonata
PACKAGE = Path(statebox.__file__).parent
ADAPTER = Path(jsonata_engine.__file__)


def evaluate(text: str, env_setup: Any = None, regex_engine: Any = None) -> Any:
    """Evaluate `text` the way the adapter does: compile, a child frame, `eval(ast, None, env)`."""
    compiled = Jsonata(text, regex_engine) if regex_engine else Jsonata(text)
    env = Jsonata.Frame(compiled.environment)
    env.bind("$", None)
    if env_setup is not None:
        env_setup(env)
    Jsonata.CURRENT.jsonata = compiled
    return compiled.eval(compiled.ast, None, env)


# ---------------------------------------------------------------- what the adapter declares


def test_every_library_name_the_adapter_declares_resolves() -> None:
    moved = []
    for field, path in LIBRARY_PATHS.items():
        try:
            resolve(path)
        except ImportError as exc:
            moved.append(f"{field}: {exc}")
    assert not moved, "jsonata-python moved what jsonata_engine.py uses:\n" + "\n".join(moved)


def test_a_name_that_moved_is_named_in_the_error() -> None:
    with pytest.raises(ImportError, match="'jsonata.jsonata:Jsonata.NoSuchFrame'"):
        resolve("jsonata.jsonata:Jsonata.NoSuchFrame")


def _frame_lookups() -> set[str]:
    looked_up: set[str] = set()

    class Recording(Jsonata.Frame):  # type: ignore[misc, name-defined]
        def lookup(self, name: str) -> Any:
            looked_up.add(name)
            return super().lookup(name)

    compiled = Jsonata("1 + 2")
    env = Recording(compiled.environment)
    Jsonata.CURRENT.jsonata = compiled
    compiled.eval(compiled.ast, None, env)
    return looked_up


def _objects_with_the_attributes() -> dict[str, Any]:
    """One real object of the library per entry of OBJECT_ATTRIBUTES."""
    RecordingPattern.flags = []
    evaluate("$contains('Hello', /hello/i)", regex_engine=RecordingPattern)
    with pytest.raises(jexception.JException) as caught:
        Jsonata("1 +")
    compiled = Jsonata("1 + 2")
    return {
        "compiled Jsonata": compiled,
        "Jsonata.Frame": Jsonata.Frame(compiled.environment),
        "JException": caught.value,
        "regex engine flags": RecordingPattern.flags[0],
        "tree node": compiled.ast,
        "frame names looked up per node": dict.fromkeys(_frame_lookups()),
    }


def test_every_object_attribute_the_adapter_declares_exists() -> None:
    objects = _objects_with_the_attributes()
    assert set(objects) == set(OBJECT_ATTRIBUTES), "a declared kind of object has no check here"
    missing = [
        f"{kind}.{name}"
        for kind, names in OBJECT_ATTRIBUTES.items()
        for name in names
        if not (name in objects[kind] if isinstance(objects[kind], dict) else hasattr(objects[kind], name))
    ]
    assert not missing, f"jsonata-python no longer has what jsonata_engine.py uses: {missing}"


def _adapter_tree() -> ast.Module:
    return ast.parse(ADAPTER.read_text(), filename=str(ADAPTER))


def _is_self_lib(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "_lib"


def test_the_adapter_reaches_the_library_only_through_its_declared_names() -> None:
    tree = _adapter_tree()
    assert _imports_jsonata(tree) == [], "jsonata_engine.py imports jsonata-python past `resolve`"
    dynamic = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("import_module", "__import__")
    ]
    functions_with_imports = {
        function.name
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Attribute) and node.attr == "import_module"
    }
    assert len(dynamic) == 1 and functions_with_imports == {"resolve"}, dynamic
    # Every field read off the resolved library (`lib.X`, `self._lib.X`) is declared, and
    # every declared one is read: the table is exactly what is used.
    read = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and ((isinstance(node.value, ast.Name) and node.value.id == "lib") or _is_self_lib(node.value))
    }
    assert read == set(LIBRARY_PATHS), (read - set(LIBRARY_PATHS), set(LIBRARY_PATHS) - read)


def _imports_jsonata(tree: ast.Module) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
            "resolve",
        ):
            # `importlib.import_module("jsonata")`, `resolve("jsonata.utils:Utils")` and the like
            names = [arg.value.partition(":")[0] for arg in node.args if isinstance(arg, ast.Constant)]
            names = [name for name in names if isinstance(name, str)]
        else:
            continue
        if any(name == "jsonata" or name.startswith("jsonata.") for name in names):
            lines.append(node.lineno)
    return lines


def test_no_other_statebox_module_imports_jsonata_python() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != ADAPTER and (lines := _imports_jsonata(ast.parse(path.read_text(), filename=str(path))))
    }
    assert offenders == {}, "only statebox/dataflow/jsonata_engine.py may import jsonata-python"


@pytest.mark.parametrize(
    ("source", "imports"),
    [
        ("import jsonata", True),
        ("import jsonata.utils as u", True),
        ("from jsonata.functions import Functions", True),
        ("importlib.import_module('jsonata.utils')", True),
        ("resolve('jsonata.utils:Utils.NULL_VALUE')", True),
        ("import jsonschema", False),
        ("from .dataflow.jsonata import Expression", False),
        ("x = {'name': 'jsonata'}", False),
    ],
)
def test_the_import_check_sees_every_way_of_importing(source: str, imports: bool) -> None:
    assert bool(_imports_jsonata(ast.parse(source))) is imports


# ------------------------------------------------------------------ the behaviour relied on


def test_the_version_is_inside_the_bound_these_checks_were_written_for() -> None:
    major, minor, *_ = (int(part) for part in re.findall(r"\d+", version("jsonata-python")))
    assert (major, minor) == (0, 7), "jsonata_engine.py uses jsonata-python internals: recheck this file"


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
    flags: list[Any] = []  # the flags objects the library handed over

    def __init__(self, pattern: str, flags: Any) -> None:
        RecordingPattern.flags.append(flags)
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
