"""The payload size budget, enforced while values are built (issue 13, 5a).

The payload limit (`Limits.max_payload_bytes`, from `Settings.max_payload_bytes`) is checked
exactly at the boundaries by encoding the value. Inside an execution a value can grow much
faster than it can be encoded: `States.Array($.s, $.s)` in a loop doubles a value that shares
its halves, so sixty passes describe 2**60 items in a few kilobytes of memory, and encoding it
(or formatting it) never finishes. So every place that builds a value (intrinsics, templates,
ResultPath, JSONata results) measures what it built with `check_built`, which:

* counts a shared part once per place it occurs (that is what encoding would write), but walks
  it only once (sizes are remembered by object identity for the one measurement);
* stops as soon as the limit is passed, so one measurement costs at most the limit.

The size is a lower bound of the compact JSON encoding (strings count their characters plus
quotes, numbers at least one byte): small enough never to refuse a value the boundary check
would accept, close enough to stop any explosion early.
"""

from __future__ import annotations

from typing import Any

from .asl_errors import ErrorName
from .errors import StatesError
from .types import JSON

DEFAULT_MAX_BYTES = 256 * 1024  # AWS's payload limit; Limits.max_payload_bytes overrides it


class _TooBig(Exception):  # noqa: N818 - internal signal
    pass


def payload_limit(scope: Any) -> int:
    """The payload limit of the execution a scope (a Frame) belongs to."""
    runtime = getattr(scope, "runtime", None)
    limits = getattr(runtime, "limits", None)
    return getattr(limits, "max_payload_bytes", DEFAULT_MAX_BYTES)


def bounded_size(value: Any, limit: int) -> int | None:
    """The (lower-bound) JSON size of `value`, or None once it passes `limit`. Data nested
    past the interpreter's stack raises RecursionError, as encoding it would."""
    known: dict[int, int] = {}

    def size(item: Any) -> int:
        kind = type(item)
        if kind is str:
            measured = len(item) + 2
        elif kind is dict or kind is list or isinstance(item, (dict, list)):
            remembered = known.get(id(item))
            if remembered is not None:
                measured = remembered
            else:
                measured = _container_size(item)
                known[id(item)] = measured
            return measured
        else:
            measured = 1
        return measured

    def _container_size(item: Any) -> int:
        measured = 2 + max(len(item) - 1, 0)  # brackets and commas
        if isinstance(item, dict):
            for key, member in item.items():
                measured += len(key) + 3 + size(member)
                if measured > limit:
                    raise _TooBig()
        else:
            for member in item:
                measured += size(member)
                if measured > limit:
                    raise _TooBig()
        return measured

    try:
        total = size(value)
    except _TooBig:
        return None
    return total if total <= limit else None


def data_limit_error(what: str, limit: int) -> StatesError:
    return StatesError(
        ErrorName.DATA_LIMIT_EXCEEDED,
        f"{what} exceeds the payload size limit of {limit} bytes.",
    )


def check_built(value: JSON, scope: Any, what: str) -> JSON:
    """`value`, after making sure it is within the payload limit (States.DataLimitExceeded)."""
    if isinstance(value, str):
        limit = payload_limit(scope)
        if len(value) + 2 > limit:
            raise data_limit_error(what, limit)
        return value
    if isinstance(value, (dict, list)):
        limit = payload_limit(scope)
        try:
            size = bounded_size(value, limit)
        except RecursionError:
            # The wording of Runtime.check_size, which meets such data at the boundaries.
            raise StatesError(ErrorName.RUNTIME, f"{what} is nested too deeply.") from None
        if size is None:
            raise data_limit_error(what, limit)
    return value
