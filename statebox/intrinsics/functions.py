"""One plain function per ASL intrinsic, with AWS's argument checks.

Each function takes already-evaluated JSON arguments and returns a new JSON value; it never
mutates an argument (data is shared across states). A bad argument raises
`StatesError("States.IntrinsicFailure", cause)`, the cause naming the function and the problem.
Randomness comes only from the `Entropy` port passed in (MathRandom without a seed, UUID).

AWS runs on the JVM, and a few outputs show it; we copy them on purpose:
* integer arguments that are not whole numbers are rounded as Java's `Math.round` does
  (half up: 2.5 -> 3, -2.5 -> -2), as the recorded MathAdd cases show;
* States.Format renders a float like Java's `Double.toString` and an object or array like
  Java's `Map.toString` / `List.toString` (`{Arg1=1, Arg2=[]}`), as recorded on AWS.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import random
import re
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any, NoReturn

from statebox.asl_errors import ErrorName
from statebox.errors import StatesError
from statebox.ports import Entropy
from statebox.types import JSON, json_type

# Documented limits.
MAX_RANGE_ITEMS = 1000  # ArrayRange
MAX_STRING_CHARS = 10_000  # Base64Encode, Base64Decode, Hash
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1  # MathAdd
HASH_ALGORITHMS: dict[str, str] = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


# --------------------------------------------------------------------------- argument checks


def fail(function: str, problem: str) -> NoReturn:
    raise StatesError(ErrorName.INTRINSIC_FAILURE, f"{function}: {problem}")


def _short(value: JSON, limit: int = 100) -> str:
    try:
        text = to_json_text(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _wrong_type(function: str, what: str, expected: str, value: JSON) -> NoReturn:
    fail(function, f"the {what} must be {expected}, got {json_type(value)} {_short(value)}")


def _array(function: str, what: str, value: JSON) -> list[Any]:
    if not isinstance(value, list):
        _wrong_type(function, what, "an array", value)
    return value


def _string(function: str, what: str, value: JSON) -> str:
    if not isinstance(value, str):
        _wrong_type(function, what, "a string", value)
    return value


def _object(function: str, what: str, value: JSON) -> dict[str, Any]:
    if not isinstance(value, dict):
        _wrong_type(function, what, "a JSON object", value)
    return value


def java_round(value: float) -> int:
    """Java's Math.round: nearest integer, halves toward positive infinity."""
    floor = math.floor(value)
    # value - floor is exact for doubles, so this avoids floor(x + 0.5)'s rounding trap
    # (0.49999999999999994 + 0.5 == 1.0).
    return floor + 1 if value - floor >= 0.5 else floor


def _integer(function: str, what: str, value: JSON) -> int:
    """An integer argument; AWS rounds a non-integer number to the nearest integer."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _wrong_type(function, what, "an integer", value)
    if isinstance(value, int):
        return value
    if not math.isfinite(value):
        fail(function, f"the {what} must be a finite number, got {value}")
    return java_round(value)


def _strict_integer(function: str, what: str, value: JSON) -> int:
    """An integer argument that is not rounded (a float is accepted only if whole)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _wrong_type(function, what, "an integer", value)
    if isinstance(value, float):
        if not value.is_integer():
            fail(function, f"the {what} must be an integer, got {_short(value)}")
        return int(value)
    return value


def _limited_string(function: str, what: str, value: JSON) -> str:
    text = _string(function, what, value)
    if len(text) > MAX_STRING_CHARS:
        fail(
            function,
            f"the {what} must have at most {MAX_STRING_CHARS} characters, got {len(text)}",
        )
    return text


# --------------------------------------------------------------------------- JSON helpers


def java_double(value: float) -> str:
    """Render a float as Java's Double.toString does (1.0, 1.0E20, 1.0E-5, 1234567.0)."""
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    # Scientific exponent of the leading digit.
    point = len("".join(map(str, digit_tuple))) + exponent - 1
    prefix = "-" if sign else ""
    if 1e-3 <= abs(value) < 1e7:
        if point >= 0:
            whole = digits[: point + 1].ljust(point + 1, "0")
            fraction = digits[point + 1 :] or "0"
        else:
            whole = "0"
            fraction = "0" * (-point - 1) + digits
        return f"{prefix}{whole}.{fraction}"
    return f"{prefix}{digits[0]}.{digits[1:] or '0'}E{point}"


def to_json_text(value: JSON) -> str:
    """Compact JSON text (no spaces), non-ASCII kept, floats as the JVM writes them."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a JSON number")
        return java_double(value)
    if isinstance(value, list):
        return "[" + ",".join(to_json_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                json.dumps(key, ensure_ascii=False) + ":" + to_json_text(item) for key, item in value.items()
            )
            + "}"
        )
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def format_value(value: JSON) -> str:
    """How States.Format shows a value: strings raw, containers as Java collections print."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={format_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def json_equal(a: JSON, b: JSON) -> bool:
    """JSON equality: booleans are not numbers, 1 == 1.0, object member order is ignored."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return (
            isinstance(b, list)
            and len(a) == len(b)
            and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
        )
    return type(a) is type(b) and a == b


def _identity(value: JSON) -> Any:
    """A hashable key with the same equality as json_equal (for ArrayUnique)."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value)  # hash(1) == hash(1.0) and 1 == 1.0, as json_equal says
    if isinstance(value, list):
        return ("a", tuple(_identity(item) for item in value))
    if isinstance(value, dict):
        return ("o", frozenset((k, _identity(v)) for k, v in value.items()))
    return ("s", value) if isinstance(value, str) else ("z", None)


# --------------------------------------------------------------------------- generic


def format_(template: JSON, *values: JSON) -> str:
    """States.Format with a template known only at run time (read from a path)."""
    chunks = tuple(_string("States.Format", "template (first argument)", template).split("{}"))
    return format_chunks(chunks, *values)


def format_chunks(chunks: Sequence[str], *values: JSON) -> str:
    """States.Format with the template already split at its `{}` placeholders."""
    if len(values) != len(chunks) - 1:
        fail(
            "States.Format",
            f"the template has {len(chunks) - 1} '{{}}' placeholder(s) but {len(values)} value(s) were given",
        )
    if not values:
        return chunks[0]
    parts = [chunks[0]]
    for value, chunk in zip(values, chunks[1:], strict=True):
        parts.append(format_value(value))
        parts.append(chunk)
    return "".join(parts)


# --------------------------------------------------------------------------- arrays


def array(*values: JSON) -> list[Any]:
    return list(values)


def array_partition(values: JSON, size: JSON) -> list[Any]:
    items = _array("States.ArrayPartition", "first argument", values)
    chunk = _integer("States.ArrayPartition", "chunk size (second argument)", size)
    if chunk <= 0:
        fail("States.ArrayPartition", f"the chunk size must be a positive integer, got {chunk}")
    return [items[i : i + chunk] for i in range(0, len(items), chunk)]


def array_contains(values: JSON, looking_for: JSON) -> bool:
    items = _array("States.ArrayContains", "first argument", values)
    return any(json_equal(item, looking_for) for item in items)


def array_range(start: JSON, end: JSON, step: JSON) -> list[int]:
    first = _integer("States.ArrayRange", "start (first argument)", start)
    last = _integer("States.ArrayRange", "end (second argument)", end)
    increment = _integer("States.ArrayRange", "step (third argument)", step)
    if increment == 0:
        fail("States.ArrayRange", "the step (third argument) must not be 0")
    # The end is inclusive.
    numbers = range(first, last + (1 if increment > 0 else -1), increment)
    # len() of a range past 2**63 items raises OverflowError: count without it.
    count = max(0, (numbers.stop - numbers.start + increment - (1 if increment > 0 else -1)) // increment)
    if count > MAX_RANGE_ITEMS:
        fail(
            "States.ArrayRange",
            f"the range would have {count if count < 10**18 else 'over 10^18'} items, "
            f"more than the limit of {MAX_RANGE_ITEMS}",
        )
    return list(numbers)


def array_get_item(values: JSON, index: JSON) -> JSON:
    items = _array("States.ArrayGetItem", "first argument", values)
    position = _strict_integer("States.ArrayGetItem", "index (second argument)", index)
    if not 0 <= position < len(items):
        fail(
            "States.ArrayGetItem",
            f"the index {position} is out of range for an array of {len(items)} item(s)",
        )
    return items[position]


def array_length(values: JSON) -> int:
    return len(_array("States.ArrayLength", "argument", values))


def array_unique(values: JSON) -> list[Any]:
    items = _array("States.ArrayUnique", "argument", values)
    seen: set[Any] = set()
    unique: list[Any] = []
    for item in items:
        key = _identity(item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


# --------------------------------------------------------------------------- encoding, hashing


def base64_encode(data: JSON) -> str:
    text = _limited_string("States.Base64Encode", "argument", data)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/]")


def base64_decode(data: JSON) -> str:
    text = _limited_string("States.Base64Decode", "argument", data)
    # MIME decoding: characters outside the alphabet (line breaks...) are skipped, and the
    # '=' padding marks the end but is not required.
    body = _NOT_BASE64.sub("", text.split("=", 1)[0])
    if len(body) % 4 == 1:
        fail("States.Base64Decode", "the argument is not valid Base64 (truncated data)")
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        fail("States.Base64Decode", f"the argument is not valid Base64: {exc}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        fail("States.Base64Decode", "the decoded bytes are not UTF-8 text")


def hash_(data: JSON, algorithm: JSON) -> str:
    text = _limited_string("States.Hash", "data (first argument)", data)
    name = _string("States.Hash", "algorithm (second argument)", algorithm)
    if name not in HASH_ALGORITHMS:
        fail(
            "States.Hash",
            f"unsupported algorithm {name!r}; use one of {', '.join(HASH_ALGORITHMS)}",
        )
    return hashlib.new(HASH_ALGORITHMS[name], text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- JSON


def json_merge(first: JSON, second: JSON, deep: JSON) -> dict[str, Any]:
    left = _object("States.JsonMerge", "first argument", first)
    right = _object("States.JsonMerge", "second argument", second)
    if not isinstance(deep, bool):
        _wrong_type("States.JsonMerge", "deep-merge flag (third argument)", "a boolean", deep)
    if deep:
        fail(
            "States.JsonMerge",
            "only shallow merging is supported: the third argument must be false",
        )
    merged = dict(left)
    merged.update(right)
    return merged


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def string_to_json(text: JSON) -> JSON:
    source = _string("States.StringToJson", "argument", text).strip(" \t\r\n")
    if not source:
        # AWS returns null for an empty or blank string (recorded).
        return None
    try:
        return json.loads(source, parse_constant=_reject_constant)
    except ValueError as exc:
        fail("States.StringToJson", f"the argument is not valid JSON: {exc}")


def json_to_string(value: JSON) -> str:
    try:
        return to_json_text(value)
    except (TypeError, ValueError) as exc:
        fail("States.JsonToString", str(exc))


# --------------------------------------------------------------------------- math


def math_random(start: JSON, end: JSON, seed: JSON = None, *, entropy: Entropy) -> int:
    low = _integer("States.MathRandom", "start (first argument)", start)
    high = _integer("States.MathRandom", "end (second argument)", end)
    if low >= high:
        fail(
            "States.MathRandom",
            f"the end ({high}) must be greater than the start ({low}); the end is exclusive",
        )
    if seed is not None:
        rng = random.Random(_integer("States.MathRandom", "seed (third argument)", seed))
        return rng.randrange(low, high)
    span = high - low
    if span > 2**53:
        # Past a double's integers the float product loses the low digits or overflows
        # (a 400-digit end): scale the 53-bit draw in exact integer arithmetic instead.
        return low + (int(entropy.random() * 2**53) * span >> 53)
    # min() guards against a float product rounding up to the exclusive end.
    return min(low + math.floor(entropy.random() * span), high - 1)


def math_add(a: JSON, b: JSON) -> int:
    total = 0
    for what, value in (("first argument", a), ("second argument", b)):
        number = _integer("States.MathAdd", what, value)
        if not INT32_MIN <= number <= INT32_MAX:
            fail(
                "States.MathAdd",
                f"the {what} must be between {INT32_MIN} and {INT32_MAX}, got {number}",
            )
        total += number
    return total


# --------------------------------------------------------------------------- strings, ids


@lru_cache(maxsize=128)
def _splitter(delimiters: str) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(ch) for ch in delimiters) + "]")


def string_split(text: JSON, delimiters: JSON) -> list[str]:
    """Split at any of the delimiter characters, dropping empty pieces (recorded on AWS:
    ",,,," gives [] and ".+,=" splits at each of the four characters)."""
    source = _string("States.StringSplit", "string (first argument)", text)
    chars = _string("States.StringSplit", "delimiter (second argument)", delimiters)
    if not chars:
        return [source] if source else []
    pieces = source.split(chars) if len(chars) == 1 else _splitter(chars).split(source)
    return [piece for piece in pieces if piece]


def uuid(*, entropy: Entropy) -> str:
    return entropy.uuid4()
