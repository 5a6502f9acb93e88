"""The adapter to jsonata-python: the only statebox module that imports it or touches its internals.

It compiles an expression's text to the library's tree, evaluates a tree with `$states`, the
workflow variables and the Step Functions functions (jsonata_functions.py) looked up through an
evaluation frame of ours, under an `EvaluationBudget` (jsonata_bounds.py), and converts results
to plain JSON. Callers (jsonata.py, the ASL side) see three exceptions of this module and plain
values, never a library type.

Where the library differs from what these workflows need, the fix is here, each with a comment
saying why: results keep JSONata `null` apart from "undefined", integral numbers come back as
ints, evaluation does not share mutable state between threads, and the interpreter's recursion
limit is raised only while an expression evaluates, not for the whole process.

Every library name used is in `LIBRARY_PATHS`, every attribute of its objects in
`OBJECT_ATTRIBUTES`: tests/unit/dataflow/test_jsonata_internals.py checks each one on the
installed version, so an upgrade that moves one fails there, by name. pyproject.toml bounds the
version (`>=0.7.1,<0.8`).
"""

from __future__ import annotations

import importlib
import math
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .. import regexes
from ..errors import StatesError
from ..types import JSON
from .jsonata_bounds import BudgetExceeded, EvaluationBudget
from .jsonata_functions import FunctionError, dynamic_extensions, guarded_builtins, static_extensions

# Each field of `_Library` and where it is read from (`module:attribute.attribute`).
LIBRARY_PATHS: Mapping[str, str] = {
    "Jsonata": "jsonata.jsonata:Jsonata",
    "Frame": "jsonata.jsonata:Jsonata.Frame",
    "CURRENT": "jsonata.jsonata:Jsonata.CURRENT",
    "JLambda": "jsonata.jsonata:Jsonata.JLambda",
    "JFunction": "jsonata.jsonata:Jsonata.JFunction",
    "JException": "jsonata.jexception:JException",
    "NULL": "jsonata.utils:Utils.NULL_VALUE",
    "JList": "jsonata.utils:Utils.JList",
    "create_sequence_from_iter": "jsonata.utils:Utils.create_sequence_from_iter",
    "pad": "jsonata.functions:Functions.pad",
    "datetime_from_millis": "jsonata.functions:Functions.datetime_from_millis",
}
# Attributes of the library's objects, and names it looks up in a frame, that this module and
# the budget's hooks (jsonata_bounds.py) rely on.
OBJECT_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "compiled Jsonata": ("ast", "errors", "environment", "eval"),
    "Jsonata.Frame": ("bindings", "parent", "bind", "lookup"),
    "JException": ("error",),
    "regex engine flags": ("case_insensitive", "multiline"),
    "tree node": ("type",),
    "frame names looked up per node": ("__evaluate_entry", "__evaluate_exit"),
}
_HOOKS = frozenset(OBJECT_ATTRIBUTES["frame names looked up per node"])
_MISSING: Any = object()


class SyntaxProblem(Exception):  # noqa: N818 - the problem is the message
    """The library could not compile an expression; the message says why (`too_deep`: nested
    past the interpreter's stack)."""

    def __init__(self, detail: str, *, too_deep: bool = False) -> None:
        super().__init__(detail)
        self.too_deep = too_deep


class EvaluationFailed(Exception):  # noqa: N818 - carries the detail and which kind
    """An evaluation failed: `too_big` when it built a value past the payload limit."""

    def __init__(self, detail: str, *, too_big: bool = False) -> None:
        super().__init__(detail)
        self.too_big = too_big


class UnsupportedResult(Exception):  # noqa: N818 - AWS's wording: "unsupported result type"
    """A result that is not JSON (a function, an infinite number)."""


@dataclass(frozen=True, slots=True)
class _Library:
    """The jsonata-python objects used, one field per entry of `LIBRARY_PATHS`."""

    Jsonata: Any
    Frame: Any
    CURRENT: Any
    JLambda: Any
    JFunction: Any
    JException: Any
    NULL: Any
    JList: Any
    create_sequence_from_iter: Any
    pad: Any
    datetime_from_millis: Any


def resolve(path: str) -> Any:
    """The library object at `module:attribute.attribute`; an ImportError naming it if it moved."""
    module_name, _, attributes = path.partition(":")
    # The only import of jsonata-python, here inside a function for cold start: it costs ~30 ms
    # and is paid by the first JSONata machine parsed, never by `import statebox` or a JSONPath
    # machine (the lazy-import probe in tests/unit/dataflow/test_jsonata.py).
    value: Any = importlib.import_module(module_name)
    for attribute in attributes.split("."):
        value = getattr(value, attribute, _MISSING)
        if value is _MISSING:
            raise ImportError(f"jsonata-python has no {path!r}: statebox/dataflow/jsonata_engine.py uses it")
    return value


def _import_library() -> _Library:
    limit = sys.getrecursionlimit()
    library = _Library(**{field: resolve(path) for field, path in LIBRARY_PATHS.items()})
    # jsonata-python raises the process-wide recursion limit to 10000 at import, for good: not
    # its decision to make for a whole engine. Ours is restored here and raised only while an
    # expression evaluates (`_DeepStack`).
    sys.setrecursionlimit(limit)
    return library


class _DeepStack:
    """Lets the recursive evaluator recurse deeply (a recursive JSONata function of a few
    hundred levels, as in JavaScript) only while expressions evaluate: the first evaluation
    to enter raises the interpreter's limit, the last to leave restores it. Deeper still is a
    RecursionError, reported as States.QueryEvaluationError."""

    LIMIT = 10_000  # jsonata-python's own choice; ~10 Python frames per JSONata call level

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._saved = 0

    def __enter__(self) -> None:
        with self._lock:
            if self._active == 0:
                self._saved = sys.getrecursionlimit()
                if self._saved < self.LIMIT:
                    sys.setrecursionlimit(self.LIMIT)
            self._active += 1

    def __exit__(self, *_: Any) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0 and self._saved < self.LIMIT:
                sys.setrecursionlimit(self._saved)


def _bounded_regex_engine(pattern: str, flags: Any) -> regexes.BoundedPattern:
    """JSONata regex literals compile to patterns bounded in time and output (regexes.py)."""
    native = (regexes.regex.IGNORECASE if flags.case_insensitive else 0) | (
        regexes.regex.MULTILINE if flags.multiline else 0
    )
    return regexes.BoundedPattern(pattern, native)


def _describe(exc: Exception) -> str:
    code = getattr(exc, "error", None)
    message = str(exc)
    return f"{code}: {message}" if code else message


class JsonataEngine:
    """jsonata-python behind a small surface: `compile`, `evaluate`, `to_json`, `null`.

    One per process (`shared()`): the library's import (with its recursion-limit change) and
    its class-level `Jsonata.CURRENT` are process-wide, and per machine it would cost each
    parse ~35 µs and each machine its own evaluator per thread for nothing. The recursion-limit
    counter belongs to the class, not to an instance: `sys.setrecursionlimit` is process-wide,
    so every engine must count through the same one, or one engine's last evaluation would
    lower the limit under another's running one. Compiled trees belong to the machines
    (jsonata.Expression); nothing else is kept here."""

    _shared: ClassVar[JsonataEngine | None] = None
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()
    _deep_stack: ClassVar[_DeepStack] = _DeepStack()

    @classmethod
    def shared(cls) -> JsonataEngine:
        engine = cls._shared
        if engine is None:
            # Built once: two threads importing at once could save the raised limit as ours.
            with cls._shared_lock:
                engine = cls._shared
                if engine is None:
                    engine = cls._shared = cls()
        return engine

    def __init__(self) -> None:
        self._lib = _import_library()
        self.null: Any = self._lib.NULL
        # Per thread: the evaluator (see `_runner`) and the budget of the evaluation running.
        self._local = threading.local()
        self._env = self._env_class()

    # ---------------------------------------------------------------- what jsonata.py calls

    def compile(self, text: str) -> Any:
        """The library's tree for `text` (already stripped of `{% %}`); SyntaxProblem if invalid."""
        lib = self._lib
        try:
            compiled = lib.Jsonata(text, _bounded_regex_engine)
        except lib.JException as exc:
            raise SyntaxProblem(_describe(exc)) from None
        except RecursionError:
            raise SyntaxProblem("nested too deeply", too_deep=True) from None
        except Exception as exc:  # noqa: BLE001 - the parser can fail in ways of its own
            raise SyntaxProblem(str(exc)) from None
        if compiled.errors:
            raise SyntaxProblem(str(compiled.errors[0]))
        return compiled.ast

    def evaluate(self, tree: Any, states: Any, scope: Any, budget: EvaluationBudget) -> Any:
        """The JSONata value of a compiled tree (None: undefined). `states` is the `$states`
        object, `scope` the frame (variables, entropy, clock). A StatesError raised while
        evaluating passes through; any other failure is EvaluationFailed."""
        lib = self._lib
        local = self._local
        runner = self._runner()
        variables = scope.variables if scope is not None else {}
        env = self._env(runner.environment, states, variables, scope, budget)
        env.bind("$", None)
        lib.CURRENT.jsonata = runner
        saved, local.budget = getattr(local, "budget", None), budget
        try:
            with self._deep_stack, regexes.deadline(budget.seconds_left(), budget.max_bytes):
                return runner.eval(tree, None, env)
        except StatesError:
            raise
        except BudgetExceeded as exc:
            raise EvaluationFailed(str(exc), too_big=exc.kind == "size") from None
        except regexes.RegexTimeout as exc:
            raise EvaluationFailed(str(exc)) from None
        except regexes.OutputTooLarge as exc:
            raise EvaluationFailed(str(exc), too_big=True) from None
        except FunctionError as exc:
            raise EvaluationFailed(str(exc)) from None
        except lib.JException as exc:
            raise EvaluationFailed(_describe(exc)) from None
        except RecursionError:
            raise EvaluationFailed("the evaluation is nested too deeply") from None
        except ZeroDivisionError:
            # JSONata divides as doubles: x/0 is ±Infinity, which is "out of range" (D1001).
            raise EvaluationFailed("D1001: Number out of range") from None
        except Exception as exc:  # noqa: BLE001 - any library failure is the expression's
            raise EvaluationFailed(f"{type(exc).__name__}: {exc}") from None
        finally:
            local.budget = saved

    def to_json(self, value: Any) -> JSON:
        """A JSONata result as plain JSON, sharing every part that is already plain; raises
        UnsupportedResult (or RecursionError for data nested past the stack)."""
        return _to_json(self._lib, value)

    # ------------------------------------------------- what jsonata_functions.py calls back

    def budget(self) -> EvaluationBudget:
        """The budget of the evaluation running in this thread."""
        return self._local.budget  # type: ignore[no-any-return]

    def sequence(self, values: Iterable[Any]) -> Any:
        """A JSONata sequence: a single value collapses to itself."""
        return self._lib.create_sequence_from_iter(values)

    def pad(self, string: Any, width: Any, char: Any) -> Any:
        return self._lib.pad(string, width, char)

    def format_millis(self, millis: int, picture: Any, timezone: Any) -> Any:
        return self._lib.datetime_from_millis(millis, picture, timezone)

    # ---------------------------------------------------------------------------- inside

    def _runner(self) -> Any:
        """This thread's evaluator. A compiled Jsonata object keeps per-evaluation state on
        itself (`input`, `environment`, `timestamp`), so machines shared between threads
        (the parse cache) evaluate their trees through one private instance per thread."""
        runner = getattr(self._local, "runner", None)
        if runner is None:
            runner = self._lib.Jsonata("null")
            self._local.runner = runner
        return runner

    def _functions(self) -> tuple[dict[str, Any], dict[str, Callable[[Any], Any]]]:
        """The Step Functions functions as library callables: fixed ones, and those bound per
        evaluation to a port of the running execution (entropy, clock)."""
        lib = self._lib
        fixed = {name: lib.JLambda(function) for name, function in static_extensions(self).items()}
        for name, (function, signature) in guarded_builtins(self).items():
            fixed[name] = lib.JFunction(lib.JLambda(function), signature)

        def bind(factory: Callable[[Any], Callable[..., Any]]) -> Callable[[Any], Any]:
            return lambda scope: lib.JLambda(factory(scope))

        return fixed, {name: bind(factory) for name, factory in dynamic_extensions(self).items()}

    def _env_class(self) -> type:
        null = self.null
        fixed, dynamic = self._functions()

        class Env(self._lib.Frame):  # type: ignore[misc, name-defined]
            """The evaluation frame: `$states`, the variables and our functions, read in place."""

            def __init__(
                self, parent: Any, states: Any, variables: Mapping[str, JSON], scope: Any, budget: Any
            ) -> None:
                super().__init__(parent)
                self.states = states
                self.variables = variables
                self.scope = scope
                self.budget = budget

            def lookup(self, name: str) -> Any:
                bindings = self.bindings
                if name in bindings:
                    return bindings[name]
                if name in _HOOKS:
                    # The library asks for its entry / exit hooks on every node it evaluates:
                    # the evaluation's budget counts and measures there (jsonata_bounds.py).
                    budget = self.budget
                    return budget.entry if name == "__evaluate_entry" else budget.exit
                if name == "states":
                    return self.states
                value = self.variables.get(name, _MISSING)
                if value is not _MISSING:
                    # A JSON null variable is JSONata null, not "undefined".
                    return null if value is None else value
                function = fixed.get(name)
                if function is not None:
                    return function
                make = dynamic.get(name)
                if make is not None:
                    return make(self.scope)
                return self.parent.lookup(name) if self.parent is not None else None

        return Env


def _to_json(lib: _Library, value: Any) -> JSON:
    """jsonata-python returns JSONata null as a marker (kept apart from "undefined", which is
    None), arrays as list subclasses, and whole numbers as floats at times; functions are not
    JSON at all (AWS: "returned an unsupported result type")."""
    null = lib.NULL
    jlist = lib.JList

    def convert(item: Any) -> Any:
        kind = type(item)
        if kind is str or kind is int or kind is bool:
            return item
        if item is null or item is None:
            return None
        if kind is float:
            # JSONata numbers are doubles; 7.0 prints as 7 there, so it is the int 7 here.
            if item.is_integer() and abs(item) < 2**53:
                return int(item)
            if not math.isfinite(item):
                raise UnsupportedResult()
            return item
        if kind is dict:
            changed = None
            for key, member in item.items():
                new = convert(member)
                if new is not member:
                    if changed is None:
                        changed = dict(item)
                    changed[key] = new
            return item if changed is None else changed
        if kind is list:
            changed_list = None
            for index, member in enumerate(item):
                new = convert(member)
                if new is not member:
                    if changed_list is None:
                        changed_list = list(item)
                    changed_list[index] = new
            return item if changed_list is None else changed_list
        if isinstance(item, list) or kind is jlist:
            return [convert(member) for member in item]
        if isinstance(item, dict):
            return {key: convert(member) for key, member in item.items()}
        if isinstance(item, float):
            return convert(float(item))
        if isinstance(item, int) and not isinstance(item, bool):
            return int(item)
        raise UnsupportedResult()

    return convert(value)
