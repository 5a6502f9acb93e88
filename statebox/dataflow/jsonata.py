"""Arguments → (work) → Output / Assign for `QueryLanguage: JSONata` states, written once.

Every `{% ... %}` string of a definition is compiled here once, at parse time, into an
`Expression`; a JSON value with expressions inside (Arguments, Output, Assign, ItemSelector,
Items, a Catch's Output) becomes a `JsonataTemplate` whose constant parts are built once and
handed out as copies. At run time an expression sees:

* `$states`: `input` (the state's raw input), `context` (the context object, built only for
  expressions that mention it), `result` (Task / Parallel / Map / Pass result, in Output and
  Assign) and `errorOutput` (in a Catch);
* the workflow variables in scope, as `$name` (read through a frame of ours, never copied);
* the Step Functions extensions `$partition`, `$range`, `$hash`, `$random` (optionally seeded),
  `$uuid` and `$parse`, plus `$now` / `$millis` on the injected clock. `$eval` is refused, as
  AWS refuses it.

Any failure is `States.QueryEvaluationError` with AWS's wording, so it flows into Retry / Catch
like any other error.

`jsonata-python` is imported lazily, by the first JSONata machine parsed: `import statebox`
never pays for it. Where that library differs from the JSONata reference behaviour these
workflows need, the thin layer below fixes it, each fix with a comment saying why:
results keep JSONata `null` apart from "undefined", integral numbers come back as ints,
evaluation does not share mutable state between threads, and the interpreter's recursion limit
is raised only while an expression evaluates, not for the whole process.
"""

from __future__ import annotations

import hashlib
import json
import math
import random as _random_module
import re
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import regexes
from ..asl_errors import ErrorName
from ..budget import check_built, payload_limit
from ..errors import ExpressionSyntaxError, StatesError
from ..messages import json_text
from ..templates import copy_json
from ..types import JSON
from .jsonata_bounds import BudgetExceeded, EvaluationBudget

_EXPRESSION = re.compile(r"^\{%([\s\S]*)%\}$")
_MISSING: Any = object()

# `$states` is read whole (`$states`, `$states[...]`) or through `.context`: only then is the
# context object built for an evaluation.
_NEEDS_CONTEXT = re.compile(r"context|\$states(?!\s*\.\s*(input|result|errorOutput)\b)")
# AWS rejects `$eval`; a call to it is a definition problem, found without evaluating anything.
_EVAL_CALL = re.compile(r"\$eval\s*\(")


def is_expression(value: Any) -> bool:
    """A `{% ... %}` string: AWS takes only a string that starts with `{%` and ends with `%}`
    (surrounding spaces make it a literal, tasks/arguments__test_base_cases_BASE_LAMBDA_LITERALS)."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}") and len(value) >= 4


# --------------------------------------------------------------------------- the library

_HOOKS = frozenset({"__evaluate_entry", "__evaluate_exit"})


class _Library:
    """The jsonata-python pieces we use, imported on first use."""

    def __init__(self) -> None:
        limit = sys.getrecursionlimit()
        import jsonata
        from jsonata import functions, jexception, utils

        # jsonata-python raises the process-wide recursion limit to 10000 at import, for good:
        # not its decision to make for a whole engine. Ours is restored here and raised only
        # while an expression evaluates (`_DeepStack`).
        sys.setrecursionlimit(limit)
        self.Jsonata = jsonata.Jsonata
        self.JException = jexception.JException
        self.Utils = utils.Utils
        self.NULL = utils.Utils.NULL_VALUE
        self.JList = utils.Utils.JList
        self.JLambda = jsonata.Jsonata.JLambda
        self.JFunction = jsonata.Jsonata.JFunction
        self.Functions = functions.Functions
        self.local = threading.local()
        self.extensions = {**_static_extensions(self), **_guarded_builtins(self)}
        self.Env = _make_env_class(self)

    def budget(self) -> EvaluationBudget:
        """The budget of the evaluation running in this thread."""
        return self.local.budget  # type: ignore[no-any-return]

    def runner(self) -> Any:
        """This thread's evaluator. A compiled Jsonata object keeps per-evaluation state on
        itself (`input`, `environment`, `timestamp`), so machines shared between threads
        (the parse cache) evaluate their ASTs through one private instance per thread."""
        runner = getattr(self.local, "runner", None)
        if runner is None:
            runner = self.Jsonata("null")
            self.local.runner = runner
        return runner


_LIBRARY: _Library | None = None
_LOCK = threading.Lock()


def library() -> _Library:
    global _LIBRARY
    if _LIBRARY is None:
        with _LOCK:
            if _LIBRARY is None:
                _LIBRARY = _Library()
    return _LIBRARY


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


_DEEP_STACK = _DeepStack()


class _FunctionError(Exception):
    """An extension function refused its arguments (reported like a JSONata error)."""


def _make_env_class(lib: _Library) -> type:
    base = lib.Jsonata.Frame
    null = lib.NULL
    extensions = lib.extensions

    class Env(base):  # type: ignore[misc, valid-type]
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
                # The library asks for its entry / exit hooks on every node it evaluates: the
                # evaluation's budget counts and measures there (jsonata_bounds.py).
                budget = self.budget
                return budget.entry if name == "__evaluate_entry" else budget.exit
            if name == "states":
                return self.states
            value = self.variables.get(name, _MISSING)
            if value is not _MISSING:
                # A JSON null variable is JSONata null, not "undefined".
                return null if value is None else value
            function = extensions.get(name)
            if function is not None:
                return function
            dynamic = _DYNAMIC.get(name)
            if dynamic is not None:
                return lib.JLambda(dynamic(self.scope))
            return self.parent.lookup(name) if self.parent is not None else None

    return Env


# ------------------------------------------------------------------------ the extensions


def _plain_list(lib: _Library, value: Any, function: str) -> list[Any]:
    if value is None or value is lib.NULL:
        raise _FunctionError(f"{function}: the array argument is missing or null")
    return list(value) if isinstance(value, list) else [value]


def _integer_argument(lib: _Library, value: Any, function: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise _FunctionError(f"{function}: {what} must be an integer, got {_show(lib, value)}")
    return int(value)


def _show(lib: _Library, value: Any) -> str:
    try:
        return json_text(_to_json(lib, value, "", ""), limit=None)
    except Exception:  # noqa: BLE001 - only for a message
        return repr(value)


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
_MAX_GENERATED = 1_000_000  # guard against `$range(0, 1e12, 1)` eating the activation


def _static_extensions(lib: _Library) -> dict[str, Any]:
    """The Step Functions JSONata functions that need no run-time port."""

    def partition(array: Any = None, size: Any = None) -> Any:
        items = _plain_list(lib, array, "$partition")
        chunk = _integer_argument(lib, size, "$partition", "the partition size")
        if chunk <= 0:
            raise _FunctionError("$partition: the partition size must be greater than 0")
        # A plain array (not a sequence): AWS keeps [[0]] as it is (jsonata/test_array_partition_0).
        return [items[i : i + chunk] for i in range(0, len(items), chunk)]

    def range_(start: Any = None, end: Any = None, step: Any = None) -> Any:
        first = _integer_argument(lib, start, "$range", "the start")
        last = _integer_argument(lib, end, "$range", "the end")
        stride = _integer_argument(lib, 1 if step is None else step, "$range", "the step")
        if stride == 0:
            raise _FunctionError("$range: the step must not be 0")
        values = range(first, last + (1 if stride > 0 else -1), stride)
        if len(values) > _MAX_GENERATED:
            raise _FunctionError(f"$range: more than {_MAX_GENERATED} values")
        # A JSONata sequence, so a single value collapses to itself as AWS returns it
        # (jsonata/test_array_range_2: $range(1, 9, 9) is 1).
        return lib.Utils.create_sequence_from_iter(values)

    def hash_(value: Any = None, algorithm: Any = None) -> Any:
        if not isinstance(value, str):
            raise _FunctionError(f"$hash: the value to hash must be a string, got {_show(lib, value)}")
        name = "SHA-256" if algorithm is None else algorithm
        if name not in _HASHES:
            raise _FunctionError(
                f"$hash: the algorithm must be one of {', '.join(_HASHES)}, got {_show(lib, name)}"
            )
        return hashlib.new(_HASHES[name], value.encode("utf-8")).hexdigest()

    def parse(text: Any = None) -> Any:
        if not isinstance(text, str):
            raise _FunctionError(f"$parse: the argument must be a JSON string, got {_show(lib, text)}")
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise _FunctionError(f"$parse: the argument is not valid JSON ({exc})") from None
        return lib.NULL if value is None else _to_jsonata(lib, value)

    def refuse_eval(*_: Any) -> Any:
        raise _FunctionError("The JSONata function $eval is not supported in Step Functions.")

    return {
        "partition": lib.JLambda(partition),
        "range": lib.JLambda(range_),
        "hash": lib.JLambda(hash_),
        "parse": lib.JLambda(parse),
        "eval": lib.JLambda(refuse_eval),
    }


def _guarded_builtins(lib: _Library) -> dict[str, Any]:
    """Library functions that allocate their whole result at once, checked before they run
    (with the library's own signatures, so context arguments work as before)."""

    def pad(string: Any = None, width: Any = None, char: Any = None) -> Any:
        lib.budget().check_width(width)
        return lib.Functions.pad(string, width, char)

    return {"pad": lib.JFunction(lib.JLambda(pad), "<s-ns?:s>")}


def _bounded_regex_engine(pattern: str, flags: Any) -> regexes.BoundedPattern:
    """JSONata regex literals compile to patterns bounded in time and output (regexes.py)."""
    native = (regexes.regex.IGNORECASE if flags.case_insensitive else 0) | (
        regexes.regex.MULTILINE if flags.multiline else 0
    )
    return regexes.BoundedPattern(pattern, native)


def _to_jsonata(lib: _Library, value: JSON) -> Any:
    """JSON from outside (e.g. `$parse`) as JSONata data: null inside arrays is JSONata null."""
    if isinstance(value, list):
        return [lib.NULL if item is None else _to_jsonata(lib, item) for item in value]
    if isinstance(value, dict):
        return {key: _to_jsonata(lib, item) for key, item in value.items()}
    return value


def _random_factory(scope: Any) -> Callable[..., Any]:
    def random(seed: Any = None) -> float:
        if seed is None:
            return scope.entropy.random() if scope is not None else _random_module.random()
        if isinstance(seed, bool) or not isinstance(seed, (int, float)):
            raise _FunctionError("$random: the seed must be an integer")
        return _random_module.Random(int(seed)).random()

    return random


def _uuid_factory(scope: Any) -> Callable[..., Any]:
    def uuid() -> str:
        if scope is not None:
            return str(scope.entropy.uuid4())
        import uuid as uuid_module

        return str(uuid_module.uuid4())

    return uuid


def _clock_now(scope: Any) -> datetime:
    if scope is not None:
        return scope.runtime.clock.now()
    from datetime import UTC

    return datetime.now(UTC)


def _now_factory(scope: Any) -> Callable[..., Any]:
    def now(picture: Any = None, timezone: Any = None) -> Any:
        moment = _clock_now(scope)
        millis = int(moment.timestamp() * 1000)
        if picture is None and timezone is None:
            return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        from jsonata.functions import Functions

        return Functions.datetime_from_millis(millis, picture, timezone)

    return now


def _millis_factory(scope: Any) -> Callable[..., Any]:
    def millis() -> int:
        return int(_clock_now(scope).timestamp() * 1000)

    return millis


# Functions that read a port of the running execution (entropy, clock): bound per evaluation.
_DYNAMIC: dict[str, Callable[[Any], Callable[..., Any]]] = {
    "random": _random_factory,
    "uuid": _uuid_factory,
    "now": _now_factory,
    "millis": _millis_factory,
}


# --------------------------------------------------------------------------- results


class _Unsupported(Exception):  # noqa: N818 - internal signal
    pass


def _to_json(lib: _Library, value: Any, text: str, field: str) -> JSON:
    """A JSONata result as plain JSON, sharing every part that is already plain.

    jsonata-python returns JSONata null as a marker (kept apart from "undefined", which is
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
                raise _Unsupported()
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
        raise _Unsupported()

    try:
        return convert(value)
    except _Unsupported:
        raise StatesError(
            ErrorName.QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{text}' specified for the field '{field}' returned an "
            "unsupported result type.",
        ) from None
    except RecursionError:
        raise StatesError(
            ErrorName.QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{text}' specified for the field '{field}' returned a value "
            "nested too deeply.",
        ) from None


# ------------------------------------------------------------------------ expressions


class Expression:
    """One compiled `{% ... %}` expression, reported in errors by its field (e.g. `Output/x`)."""

    __slots__ = ("text", "field", "needs_context", "_ast")

    def __init__(self, text: str, field: str) -> None:
        self.text = text
        self.field = field
        self.needs_context = bool(_NEEDS_CONTEXT.search(text))
        if _EVAL_CALL.search(_without_strings(text)):
            raise ExpressionSyntaxError(
                f"the JSONata function $eval is not supported in Step Functions (in {text!r})"
            )
        lib = library()
        try:
            compiled = lib.Jsonata(text, _bounded_regex_engine)
        except lib.JException as exc:
            raise ExpressionSyntaxError(
                f"invalid JSONata expression {text!r}: {_describe(lib, exc)}"
            ) from None
        except RecursionError:
            raise ExpressionSyntaxError(f"the JSONata expression {text!r} is nested too deeply") from None
        except Exception as exc:  # noqa: BLE001 - the parser can fail in ways of its own
            raise ExpressionSyntaxError(f"invalid JSONata expression {text!r}: {exc}") from None
        if compiled.errors:
            raise ExpressionSyntaxError(f"invalid JSONata expression {text!r}: {compiled.errors[0]}")
        self._ast = compiled.ast

    @staticmethod
    def compile(source: str, field: str) -> Expression:
        """Compile a `{% ... %}` string (the caller checked `is_expression`)."""
        match = _EXPRESSION.match(source.strip())
        if match is None:
            raise ExpressionSyntaxError(f"{source!r} is not a JSONata expression '{{% ... %}}'")
        text = match.group(1).strip()
        if not text:
            raise ExpressionSyntaxError("the JSONata expression '{% %}' is empty")
        return Expression(text, field)

    def evaluate(self, states: Any, scope: Any) -> JSON:
        """The value as JSON. `states` is the `$states` object, `scope` the frame (variables,
        entropy, clock). Raises States.QueryEvaluationError, also for an undefined result."""
        lib = library()
        raw = self.raw(states, scope)
        if raw is None:
            raise StatesError(
                ErrorName.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{self.text}' specified for the field '{self.field}' "
                "returned nothing (undefined).",
            )
        return _to_json(lib, raw, self.text, self.field)

    def raw(self, states: Any, scope: Any) -> Any:
        """The JSONata value as the library returns it (None: undefined)."""
        lib = library()
        runner = lib.runner()
        variables = scope.variables if scope is not None else {}
        budget = EvaluationBudget(payload_limit(scope))
        env = lib.Env(runner.environment, states, variables, scope, budget)
        env.bind("$", None)
        lib.Jsonata.CURRENT.jsonata = runner
        saved, lib.local.budget = getattr(lib.local, "budget", None), budget
        try:
            with _DEEP_STACK, regexes.deadline(budget.seconds_left(), budget.max_bytes):
                return runner.eval(self._ast, None, env)
        except StatesError:
            raise
        except BudgetExceeded as exc:
            if exc.kind == "size":
                raise self._too_big(str(exc)) from None
            raise self._failed(str(exc)) from None
        except regexes.RegexTimeout as exc:
            raise self._failed(str(exc)) from None
        except regexes.OutputTooLarge as exc:
            raise self._too_big(str(exc)) from None
        except _FunctionError as exc:
            raise self._failed(str(exc)) from None
        except lib.JException as exc:
            raise self._failed(_describe(lib, exc)) from None
        except RecursionError:
            raise self._failed("the evaluation is nested too deeply") from None
        except ZeroDivisionError:
            # JSONata divides as doubles: x/0 is ±Infinity, which is "out of range" (D1001).
            raise self._failed("D1001: Number out of range") from None
        except Exception as exc:  # noqa: BLE001 - any library failure is the expression's
            raise self._failed(f"{type(exc).__name__}: {exc}") from None
        finally:
            lib.local.budget = saved
            runtime = getattr(scope, "runtime", None)
            if runtime is not None and budget.ran_long():
                runtime.yield_soon = True

    def _too_big(self, detail: str) -> StatesError:
        return StatesError(
            ErrorName.DATA_LIMIT_EXCEEDED,
            f"The JSONata expression '{self.text}' specified for the field '{self.field}' "
            f"exceeded the payload size limit: {detail}.",
        )

    def _failed(self, detail: str) -> StatesError:
        return StatesError(
            ErrorName.QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{self.text}' specified for the field '{self.field}' threw "
            f"an error during evaluation. {detail}",
        )

    def __repr__(self) -> str:
        return f"Expression({self.text!r}, field={self.field!r})"


def _describe(lib: _Library, exc: Exception) -> str:
    code = getattr(exc, "error", None)
    message = str(exc)
    return f"{code}: {message}" if code else message


_STRING = re.compile(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'")


def _without_strings(text: str) -> str:
    return _STRING.sub('""', text)


# -------------------------------------------------------------------------- templates

Evaluate = Callable[[Any, Any], JSON]


class JsonataTemplate:
    """A JSON value whose `{% %}` strings are compiled; `evaluate(states, scope)` builds it.
    Constant parts are compiled once and handed out as fresh copies."""

    __slots__ = ("evaluate", "is_constant", "needs_context")

    def __init__(self, evaluate: Evaluate, is_constant: bool, needs_context: bool) -> None:
        self.evaluate = evaluate
        self.is_constant = is_constant
        self.needs_context = needs_context

    @staticmethod
    def compile(
        raw: JSON, field: str, problems: list[tuple[tuple[str | int, ...], str]] | None = None
    ) -> JsonataTemplate:
        """Compile `raw`; syntax errors go to `problems` as (relative path, message) when a
        list is given, else raise ExpressionSyntaxError."""
        collected: list[tuple[tuple[str | int, ...], str]] = [] if problems is None else problems
        before = len(collected)
        context = [False]
        evaluate, constant = _compile_node(raw, field, (), collected, context)
        if problems is None and len(collected) > before:
            raise ExpressionSyntaxError(collected[before][1])
        if not constant and isinstance(raw, (dict, list)):
            # Each expression is measured as it evaluates; the object around them is measured
            # here (two fields holding the same value double it).
            build, what = evaluate, f"The value built by the state's {field}"

            def evaluate(states: Any, scope: Any) -> JSON:
                return check_built(build(states, scope), scope, what)

        return JsonataTemplate(evaluate, constant, context[0])


def _compile_node(
    raw: JSON,
    field: str,
    at: tuple[str | int, ...],
    problems: list[tuple[tuple[str | int, ...], str]],
    context: list[bool],
) -> tuple[Evaluate, bool]:
    if is_expression(raw):
        try:
            expression = Expression.compile(raw, field)
        except ExpressionSyntaxError as exc:
            problems.append((at, str(exc)))
            return (lambda states, scope: None), True
        context[0] = context[0] or expression.needs_context
        return expression.evaluate, False
    if isinstance(raw, dict):
        parts = [
            (key, *_compile_node(value, f"{field}/{key}", at + (key,), problems, context))
            for key, value in raw.items()
        ]
        if all(constant for _, _, constant in parts):
            return _literal(raw), True
        members = tuple((key, evaluate) for key, evaluate, _ in parts)

        def build_object(states: Any, scope: Any) -> JSON:
            return {key: evaluate(states, scope) for key, evaluate in members}

        return build_object, False
    if isinstance(raw, list):
        items = [
            _compile_node(item, f"{field}/{index}", at + (index,), problems, context)
            for index, item in enumerate(raw)
        ]
        if all(constant for _, constant in items):
            return _literal(raw), True
        evaluators = tuple(evaluate for evaluate, _ in items)
        return (lambda states, scope: [evaluate(states, scope) for evaluate in evaluators]), False
    return _literal(raw), True


def _literal(raw: JSON) -> Evaluate:
    if isinstance(raw, (dict, list)):
        # Literals belong to the cached machine: hand out copies so no output aliases them.
        return lambda states, scope: copy_json(raw)
    return lambda states, scope: raw


# ------------------------------------------------------------------------ the data flow


def states_object(
    raw: JSON,
    scope: Any,
    needs_context: bool,
    result: JSON = _MISSING,
    error_output: JSON = _MISSING,
) -> dict[str, Any]:
    """The `$states` object of one step; the context object only when something reads it."""
    lib = library()
    null = lib.NULL
    states: dict[str, Any] = {"input": null if raw is None else raw}
    if result is not _MISSING:
        states["result"] = null if result is None else result
    if error_output is not _MISSING:
        states["errorOutput"] = error_output
    if needs_context and scope is not None:
        states["context"] = scope.context_object()
    return states


@dataclass(frozen=True, slots=True)
class JsonataFlow:
    """The JSONata pipeline: Arguments before the work, then Assign and Output together.

    Assign and Output both see the variables as they were before the state (all assignments
    of one Assign see the old values); the new values are committed last. Without Output a
    state's output is its result (its input for Choice, Wait, Succeed; the error output in
    a Catch)."""

    arguments: JsonataTemplate | None = None
    output_template: JsonataTemplate | None = None
    assign: JsonataTemplate | None = None
    needs_context: bool = False

    @staticmethod
    def build(
        arguments: JsonataTemplate | None,
        output: JsonataTemplate | None,
        assign: JsonataTemplate | None,
    ) -> JsonataFlow:
        needs = any(t is not None and t.needs_context for t in (arguments, output, assign))
        return JsonataFlow(arguments=arguments, output_template=output, assign=assign, needs_context=needs)

    def effective_input(self, raw: JSON, scope: Any) -> JSON:
        """Arguments (or the raw input)."""
        if self.arguments is None:
            return raw
        return self.arguments.evaluate(states_object(raw, scope, self.arguments.needs_context), scope)

    def select_input(self, raw: JSON, scope: Any) -> JSON:
        """JSONata has no InputPath: the data a state works on is its raw input."""
        return raw

    def output(self, raw: JSON, result: JSON, scope: Any) -> JSON:
        """Assign and Output with `$states.result`; the variables change last."""
        if self.output_template is None and self.assign is None:
            return result
        return self._finish(states_object(raw, scope, self.needs_context, result=result), result, scope)

    def pass_through(self, raw: JSON, data: JSON, scope: Any) -> JSON:
        """Assign and Output of a state without a result (Choice, Wait, Succeed)."""
        if self.output_template is None and self.assign is None:
            return raw
        return self._finish(states_object(raw, scope, self.needs_context), raw, scope)

    def recover(self, raw: JSON, error_output: JSON, scope: Any) -> JSON:
        """A Catch's Assign and Output, with `$states.errorOutput`."""
        if self.output_template is None and self.assign is None:
            return error_output
        states = states_object(raw, scope, self.needs_context, error_output=error_output)
        return self._finish(states, error_output, scope)

    def _finish(self, states: dict[str, Any], default: JSON, scope: Any) -> JSON:
        values = self.assign.evaluate(states, scope) if self.assign is not None else None
        output = default if self.output_template is None else self.output_template.evaluate(states, scope)
        if values:
            scope.assign(values)
        return output


class JsonataValue:
    """A single field that may hold a `{% %}` expression (Seconds, Items, MaxConcurrency, ...):
    `read(raw, scope)` evaluates it against `$states.input`; `text` names it in messages."""

    __slots__ = ("template", "text", "error")

    error: str

    def __init__(self, template: JsonataTemplate, text: str) -> None:
        self.template = template
        self.text = text
        self.error = ErrorName.QUERY_EVALUATION_ERROR

    def read(self, raw: JSON, scope: Any) -> JSON:
        return self.template.evaluate(states_object(raw, scope, self.template.needs_context), scope)

    evaluate = read  # the signature of templates.Template.evaluate (Map's ItemSelector)
