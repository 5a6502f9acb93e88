"""ASL intrinsic functions (`States.Format(...)`, `States.ArrayRange(...)`, ...).

    call = compile_intrinsic("States.Format('Hello {}', $.name)")   # once, at definition load
    call.evaluate({"name": "Ada"}, scope)                              # per execution: "Hello Ada"

`compile_intrinsic` parses the text once (grammar.py), looks every function name up in
`FUNCTIONS` (the only place names are dispatched) and checks argument counts, raising
`ExpressionSyntaxError` with the position for any problem. `evaluate` then only walks the tree:
paths are compiled, literals are constants, and States.Format's literal template is split at its
placeholders ahead of time. Bad argument values at run time raise
`StatesError("States.IntrinsicFailure", cause)`; a path that does not resolve raises the path's
own `States.Runtime`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from statebox.dataflow.budget import check_built
from statebox.errors import ExpressionSyntaxError
from statebox.ports import Entropy, SystemEntropy
from statebox.types import JSON

from . import functions
from .grammar import Argument, Call, Literal, PathArgument, StringLiteral, parse

__all__ = [
    "FUNCTIONS",
    "Intrinsic",
    "IntrinsicCall",
    "IntrinsicScope",
    "compile_intrinsic",
    "is_intrinsic",
]


class IntrinsicScope(Protocol):
    """What an intrinsic may use besides the data: `$$`, variables and the entropy port."""

    def context_object(self) -> JSON: ...

    @property
    def variables(self) -> Mapping[str, JSON]: ...

    @property
    def entropy(self) -> Entropy: ...


# A compiled node: (data, scope) -> value.
Evaluator = Callable[[JSON, Any], JSON]

# Used only when evaluate() is given no scope (direct calls in tools and tests).
_FALLBACK_ENTROPY = SystemEntropy()


def _entropy(scope: Any) -> Entropy:
    return getattr(scope, "entropy", None) or _FALLBACK_ENTROPY


@dataclass(frozen=True, slots=True)
class Intrinsic:
    """A registry entry: the pure function and how many arguments it takes."""

    name: str
    function: Callable[..., JSON]
    min_args: int
    max_args: int | None  # None: any number
    uses_entropy: bool = False
    grows: bool = False  # its result can be larger than its arguments: measured (dataflow/budget.py)

    def __call__(self, *args: JSON, entropy: Entropy | None = None) -> JSON:
        if self.uses_entropy:
            return self.function(*args, entropy=entropy or _FALLBACK_ENTROPY)
        return self.function(*args)

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args} argument(s)"
        if self.min_args == self.max_args:
            return f"exactly {self.min_args} argument(s)"
        return f"{self.min_args} to {self.max_args} arguments"


_ANY = None  # no upper bound on the argument count
_REGISTRY = (
    Intrinsic("States.Format", functions.format_, 1, _ANY, grows=True),
    Intrinsic("States.StringToJson", functions.string_to_json, 1, 1, grows=True),
    Intrinsic("States.JsonToString", functions.json_to_string, 1, 1, grows=True),
    Intrinsic("States.Array", functions.array, 0, _ANY, grows=True),
    Intrinsic("States.ArrayPartition", functions.array_partition, 2, 2, grows=True),
    Intrinsic("States.ArrayContains", functions.array_contains, 2, 2),
    Intrinsic("States.ArrayRange", functions.array_range, 3, 3, grows=True),
    Intrinsic("States.ArrayGetItem", functions.array_get_item, 2, 2),
    Intrinsic("States.ArrayLength", functions.array_length, 1, 1),
    Intrinsic("States.ArrayUnique", functions.array_unique, 1, 1),
    Intrinsic("States.Base64Encode", functions.base64_encode, 1, 1, grows=True),
    Intrinsic("States.Base64Decode", functions.base64_decode, 1, 1),
    Intrinsic("States.Hash", functions.hash_, 2, 2),
    Intrinsic("States.JsonMerge", functions.json_merge, 3, 3, grows=True),
    Intrinsic("States.MathRandom", functions.math_random, 2, 3, uses_entropy=True),
    Intrinsic("States.MathAdd", functions.math_add, 2, 2),
    Intrinsic("States.StringSplit", functions.string_split, 2, 2, grows=True),
    Intrinsic("States.UUID", functions.uuid, 0, 0, uses_entropy=True),
)

FUNCTIONS: dict[str, Intrinsic] = {entry.name: entry for entry in _REGISTRY}
"""Every intrinsic by its ASL name: the only place the names are dispatched."""


def is_intrinsic(text: object) -> bool:
    """True when a `.$` value is meant as an intrinsic call rather than a path."""
    return isinstance(text, str) and text.lstrip().startswith("States.")


class IntrinsicCall:
    """A compiled intrinsic call. `evaluate(data, scope)` never parses anything."""

    __slots__ = ("text", "syntax", "evaluate")

    def __init__(self, text: str, syntax: Call, evaluate: Evaluator) -> None:
        self.text = text
        self.syntax = syntax  # the parsed tree, for tools; evaluation uses the linked closures
        self.evaluate: Evaluator = evaluate

    def __repr__(self) -> str:
        return f"IntrinsicCall({self.text!r})"


def compile_intrinsic(text: str) -> IntrinsicCall:
    """Parse and check an intrinsic call once; raises ExpressionSyntaxError."""
    if not isinstance(text, str):
        raise ExpressionSyntaxError(f"an intrinsic function call must be a string, got {text!r}")
    syntax = parse(text)
    return IntrinsicCall(text, syntax, _link(syntax, text))


# --------------------------------------------------------------------------- linking


def _constant(value: JSON) -> Evaluator:
    return lambda data, scope: value


def _link_argument(node: Argument, text: str) -> Evaluator:
    if isinstance(node, Call):
        return _link(node, text)
    if isinstance(node, PathArgument):
        return node.path.read
    if isinstance(node, StringLiteral):
        return _constant(node.value)
    assert isinstance(node, Literal)
    return _constant(node.value)


def _link(node: Call, text: str) -> Evaluator:
    entry = FUNCTIONS.get(node.name)
    if entry is None:
        raise ExpressionSyntaxError(
            f"invalid intrinsic function call {text!r}: unknown function {node.name!r} "
            f"(at column {node.position + 1}); the functions are {', '.join(FUNCTIONS)}"
        )
    count = len(node.arguments)
    if count < entry.min_args or (entry.max_args is not None and count > entry.max_args):
        raise ExpressionSyntaxError(
            f"invalid intrinsic function call {text!r}: {entry.name} takes "
            f"{entry.arity_text()}, got {count} (at column {node.position + 1})"
        )
    arguments = node.arguments
    function: Callable[..., JSON] = entry.function

    if entry.function is functions.format_ and isinstance(arguments[0], StringLiteral):
        # A literal template is split at its unescaped `{}` now, which also lets us check the
        # placeholder count at load time (escaped braces are not placeholders).
        template = arguments[0]
        if len(template.chunks) - 1 != count - 1:
            raise ExpressionSyntaxError(
                f"invalid intrinsic function call {text!r}: the States.Format template has "
                f"{len(template.chunks) - 1} '{{}}' placeholder(s) but {count - 1} value(s) "
                f"follow it (at column {template.position + 1})"
            )
        function = partial(functions.format_chunks, template.chunks)
        arguments = arguments[1:]

    evaluators = tuple(_link_argument(argument, text) for argument in arguments)
    evaluate = _bind(function, evaluators, entry.uses_entropy)
    if not entry.grows:
        return evaluate
    # Measured as it is built, so a loop that doubles a value stops at the payload limit
    # instead of at the end of the machine's memory (a value can share its parts).
    what = f"The value built by {entry.name} (at column {node.position + 1} of {text!r})"
    return lambda data, scope: check_built(evaluate(data, scope), scope, what)


def _bind(function: Callable[..., JSON], evaluators: tuple[Evaluator, ...], uses_entropy: bool) -> Evaluator:
    # Specialised closures for the common arities keep the per-call work to plain calls.
    if uses_entropy:
        return lambda data, scope: function(
            *[evaluate(data, scope) for evaluate in evaluators], entropy=_entropy(scope)
        )
    if not evaluators:
        return lambda data, scope: function()
    if len(evaluators) == 1:
        (only,) = evaluators
        return lambda data, scope: function(only(data, scope))
    if len(evaluators) == 2:
        first, second = evaluators
        return lambda data, scope: function(first(data, scope), second(data, scope))
    return lambda data, scope: function(*[evaluate(data, scope) for evaluate in evaluators])
