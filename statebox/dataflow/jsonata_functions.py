"""The Step Functions JSONata functions: `$partition`, `$range`, `$hash`, `$parse`, `$random`
(optionally seeded), `$uuid`, `$now` / `$millis` on the injected clock, `$pad` checked against
the payload limit before it allocates, and `$eval` refused, as AWS refuses it.

Plain Python: what they need from the library (its null marker, sequences, `$pad`, date
pictures) they ask of the `Library` they are given, jsonata_engine.JsonataEngine, which wraps
them as library functions. A refusal is a `FunctionError`, reported as
States.QueryEvaluationError with the message it carries.
"""

from __future__ import annotations

import hashlib
import json
import random as _random_module
import uuid as _uuid_module
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from ..messages import json_text
from ..types import JSON
from .jsonata_bounds import EvaluationBudget


class Library(Protocol):
    """What the functions ask of the library adapter."""

    null: Any

    def budget(self) -> EvaluationBudget: ...
    def to_json(self, value: Any) -> JSON: ...
    def sequence(self, values: Iterable[Any]) -> Any: ...
    def pad(self, string: Any, width: Any, char: Any) -> Any: ...
    def format_millis(self, millis: int, picture: Any, timezone: Any) -> Any: ...


class FunctionError(Exception):
    """An extension function refused its arguments (reported like a JSONata error)."""


def _plain_list(lib: Library, value: Any, function: str) -> list[Any]:
    if value is None or value is lib.null:
        raise FunctionError(f"{function}: the array argument is missing or null")
    return list(value) if isinstance(value, list) else [value]


def _integer_argument(lib: Library, value: Any, function: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise FunctionError(f"{function}: {what} must be an integer, got {_show(lib, value)}")
    return int(value)


def _show(lib: Library, value: Any) -> str:
    try:
        return json_text(lib.to_json(value), limit=None)
    except Exception:  # noqa: BLE001 - only for a message
        return repr(value)


def _to_jsonata(null: Any, value: JSON) -> Any:
    """JSON from outside (`$parse`) as JSONata data: null inside arrays is JSONata null."""
    if isinstance(value, list):
        return [null if item is None else _to_jsonata(null, item) for item in value]
    if isinstance(value, dict):
        return {key: _to_jsonata(null, item) for key, item in value.items()}
    return value


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
_MAX_GENERATED = 1_000_000  # guard against `$range(0, 1e12, 1)` eating the activation


def static_extensions(lib: Library) -> dict[str, Callable[..., Any]]:
    """The Step Functions JSONata functions that need no run-time port."""

    def partition(array: Any = None, size: Any = None) -> Any:
        items = _plain_list(lib, array, "$partition")
        chunk = _integer_argument(lib, size, "$partition", "the partition size")
        if chunk <= 0:
            raise FunctionError("$partition: the partition size must be greater than 0")
        # A plain array (not a sequence): AWS keeps [[0]] as it is (jsonata/test_array_partition_0).
        return [items[i : i + chunk] for i in range(0, len(items), chunk)]

    def range_(start: Any = None, end: Any = None, step: Any = None) -> Any:
        first = _integer_argument(lib, start, "$range", "the start")
        last = _integer_argument(lib, end, "$range", "the end")
        stride = _integer_argument(lib, 1 if step is None else step, "$range", "the step")
        if stride == 0:
            raise FunctionError("$range: the step must not be 0")
        values = range(first, last + (1 if stride > 0 else -1), stride)
        if len(values) > _MAX_GENERATED:
            raise FunctionError(f"$range: more than {_MAX_GENERATED} values")
        # A JSONata sequence, so a single value collapses to itself as AWS returns it
        # (jsonata/test_array_range_2: $range(1, 9, 9) is 1).
        return lib.sequence(values)

    def hash_(value: Any = None, algorithm: Any = None) -> Any:
        if not isinstance(value, str):
            raise FunctionError(f"$hash: the value to hash must be a string, got {_show(lib, value)}")
        name = "SHA-256" if algorithm is None else algorithm
        if name not in _HASHES:
            raise FunctionError(
                f"$hash: the algorithm must be one of {', '.join(_HASHES)}, got {_show(lib, name)}"
            )
        return hashlib.new(_HASHES[name], value.encode("utf-8")).hexdigest()

    def parse(text: Any = None) -> Any:
        if not isinstance(text, str):
            raise FunctionError(f"$parse: the argument must be a JSON string, got {_show(lib, text)}")
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise FunctionError(f"$parse: the argument is not valid JSON ({exc})") from None
        return lib.null if value is None else _to_jsonata(lib.null, value)

    def refuse_eval(*_: Any) -> Any:
        raise FunctionError("The JSONata function $eval is not supported in Step Functions.")

    return {"partition": partition, "range": range_, "hash": hash_, "parse": parse, "eval": refuse_eval}


def guarded_builtins(lib: Library) -> dict[str, tuple[Callable[..., Any], str]]:
    """Library functions that allocate their whole result at once, checked before they run,
    each with the library's own signature (so context arguments work as before)."""

    def pad(string: Any = None, width: Any = None, char: Any = None) -> Any:
        lib.budget().check_width(width)
        return lib.pad(string, width, char)

    return {"pad": (pad, "<s-ns?:s>")}


def _random_factory(scope: Any) -> Callable[..., Any]:
    def random(seed: Any = None) -> float:
        if seed is None:
            return scope.entropy.random() if scope is not None else _random_module.random()
        if isinstance(seed, bool) or not isinstance(seed, (int, float)):
            raise FunctionError("$random: the seed must be an integer")
        return _random_module.Random(int(seed)).random()

    return random


def _uuid_factory(scope: Any) -> Callable[..., Any]:
    def uuid() -> str:
        return str(scope.entropy.uuid4() if scope is not None else _uuid_module.uuid4())

    return uuid


def _clock_now(scope: Any) -> datetime:
    return scope.runtime.clock.now() if scope is not None else datetime.now(UTC)


def _now_factory(lib: Library) -> Callable[[Any], Callable[..., Any]]:
    def factory(scope: Any) -> Callable[..., Any]:
        def now(picture: Any = None, timezone: Any = None) -> Any:
            moment = _clock_now(scope)
            millis = int(moment.timestamp() * 1000)
            if picture is None and timezone is None:
                return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
            return lib.format_millis(millis, picture, timezone)

        return now

    return factory


def _millis_factory(scope: Any) -> Callable[..., Any]:
    def millis() -> int:
        return int(_clock_now(scope).timestamp() * 1000)

    return millis


def dynamic_extensions(lib: Library) -> dict[str, Callable[[Any], Callable[..., Any]]]:
    """Functions that read a port of the running execution (entropy, clock): each factory is
    bound per evaluation to its scope."""
    return {
        "random": _random_factory,
        "uuid": _uuid_factory,
        "now": _now_factory(lib),
        "millis": _millis_factory,
    }
