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

from ..asl_errors import ErrorName
from ..errors import StatesError
from ..types import JSON

DEFAULT_MAX_BYTES = 256 * 1024  # AWS's payload limit; Limits.max_payload_bytes overrides it


class _TooBig(Exception):  # noqa: N818 - internal signal
    pass


def payload_limit(scope: Any) -> int:
    """The payload limit of the execution a scope (a Frame) belongs to."""
    runtime = getattr(scope, "runtime", None)
    limits = getattr(runtime, "limits", None)
    return getattr(limits, "max_payload_bytes", DEFAULT_MAX_BYTES)


class SizeMemo:
    """Sizes of the containers one execution has measured, by identity, so a value measured
    once costs nothing when it is placed again (a 200 KiB document carried through a chain of
    states is walked once, not once per state). Values are never changed once built (ResultPath
    copies the containers on its path), so a size stays true; each entry holds its container,
    so its id cannot be reused while it is remembered. What it keeps alive is bounded: past
    `max_bytes` of remembered sizes it starts again.

    Besides exact sizes it keeps upper bounds: a state's output is at most its input plus the
    result placed into it, so when both are known the output needs no walk at all; a bound
    that passes the limit is replaced by an exact walk."""

    __slots__ = ("_sizes", "_bytes", "max_bytes")

    def __init__(self, max_bytes: int = 4 * DEFAULT_MAX_BYTES) -> None:
        self._sizes: dict[int, tuple[Any, int, bool]] = {}
        self._bytes = 0
        self.max_bytes = max_bytes

    def get(self, item: Any) -> int | None:
        """The exact size of `item`, if measured."""
        entry = self._sizes.get(id(item))
        if entry is not None and entry[0] is item and entry[2]:
            return entry[1]
        return None

    def bound(self, item: Any) -> int | None:
        """An upper bound of the size of `item` (its exact size, if measured)."""
        if type(item) is str:
            return len(item) + 2
        if type(item) is int:
            return item.bit_length() // 3 + 2  # at least its decimal digits and a sign
        if type(item) is not dict and type(item) is not list:
            return None if isinstance(item, (dict, list)) else 32  # a float's digits, true, null
        entry = self._sizes.get(id(item))
        if entry is not None and entry[0] is item:
            return entry[1]
        return None

    def put(self, item: Any, size: int, exact: bool = True, new_bytes: int | None = None) -> None:
        """Remember `item`'s size. `new_bytes`: what of it is not already remembered through
        its members (all of it, unless said), which is what counts towards `max_bytes`."""
        if self.max_bytes <= 0:
            return
        cost = size if new_bytes is None else new_bytes
        if self._bytes + cost > self.max_bytes:
            self._sizes.clear()
            self._bytes = 0
        self._sizes[id(item)] = (item, size, exact)
        self._bytes += cost


def bounded_size(value: Any, limit: int, memo: SizeMemo | None = None) -> int | None:
    """The (lower-bound) JSON size of `value`, or None once it passes `limit`. Data nested
    past the interpreter's stack raises RecursionError, as encoding it would."""
    try:
        total = _size(value, limit, {}, memo if memo is not None else SizeMemo(0))
    except _TooBig:
        return None
    return total if total <= limit else None


def _size(item: Any, limit: int, known: dict[int, int], memo: SizeMemo) -> int:
    kind = type(item)
    if kind is str:
        return len(item) + 2
    if kind is not dict and kind is not list and not isinstance(item, (dict, list)):
        return 1
    measured = known.get(id(item))
    if measured is None:
        measured = memo.get(item)
        if measured is None:
            measured = _container_size(item, limit, known, memo)
        known[id(item)] = measured
    return measured


def _container_size(item: dict | list, limit: int, known: dict[int, int], memo: SizeMemo) -> int:
    measured = own = 2 + max(len(item) - 1, 0)  # brackets and commas
    members = item.values() if isinstance(item, dict) else item
    if isinstance(item, dict):
        for key in item:
            own += len(key) + 3
        measured = own
    for member in members:
        size = _size(member, limit, known, memo)
        measured += size
        if type(member) is not dict and type(member) is not list:
            own += size  # a container member is remembered (and counted) on its own
        if measured > limit:
            raise _TooBig()
    memo.put(item, measured, new_bytes=own)
    return measured


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
        runtime = getattr(scope, "runtime", None)
        if runtime is None:
            limit, memo = DEFAULT_MAX_BYTES, None
        else:
            limit, memo = runtime.limits.max_payload_bytes, runtime.sizes
            if _bound_by_members(value, limit, memo) is not None:
                return value
        try:
            size = bounded_size(value, limit, memo)
        except RecursionError:
            # The wording of Runtime.check_size, which meets such data at the boundaries.
            raise StatesError(ErrorName.RUNTIME, f"{what} is nested too deeply.") from None
        if size is None:
            raise data_limit_error(what, limit)
    return value


def _within_known_bounds(
    value: dict | list, limit: int, memo: SizeMemo, known: Any = None, known_bound: int = 0
) -> bool:
    """Whether the members' remembered sizes (and `known_bound` for the member `known`)
    already keep a new container within `limit` (then it is remembered by that bound, unwalked)."""
    bound = _bound_by_members(value, limit, memo, known, known_bound)
    return bound is not None


def _bound_by_members(
    value: dict | list, limit: int, memo: SizeMemo, known: Any = None, known_bound: int = 0
) -> int | None:
    """A bound of a new container's size from its members' remembered sizes (and `known_bound`
    for the member `known`), remembered; None when a member's is unknown or it passes `limit`.
    Runs for most states' outputs, so memo.bound is inlined."""
    own = 2 + len(value)  # brackets, commas and keys: what the members' sizes leave out
    total = own
    remembered = memo._sizes.get
    members = value.values() if type(value) is dict else value
    for member in members:
        kind = type(member)
        if kind is str:
            size = len(member) + 2
            own += size
        elif kind is dict or kind is list:
            if member is known:
                size = known_bound
            else:
                entry = remembered(id(member))
                if entry is None or entry[0] is not member:
                    return None
                size = entry[1]
        elif kind is int:
            size = member.bit_length() // 3 + 2
            own += size
        elif kind is float or kind is bool or member is None:
            size = 32
            own += size
        else:
            return None
        total += size
    if type(value) is dict:
        keys = 3 * len(value)
        for key in value:
            keys += len(key)
        own += keys
        total += keys
    if total > limit:
        return None
    memo.put(value, total, exact=False, new_bytes=own)
    return total


def check_placed(
    output: JSON, raw: JSON, result: JSON, slack: int, scope: Any, what: str, part_of_input: bool = False
) -> None:
    """`output` (a state's input with a result placed into it, then OutputPath) is within the
    payload limit: without a walk when the input's and the result's sizes are known (a result
    that is `part_of_input` is at most the input's) and their sum (plus `slack`, what the
    ResultPath's keys add) is within it."""
    runtime = getattr(scope, "runtime", None)
    if runtime is not None and type(output) in (dict, list):
        memo, limit = runtime.sizes, runtime.limits.max_payload_bytes
        before = memo.bound(raw)
        placed = before if part_of_input else memo.bound(result)
        if placed is None and type(result) in (dict, list):
            placed = _bound_by_members(result, limit, memo)  # type: ignore[arg-type]
        if before is not None and placed is not None:
            bound = before + placed + slack
            if bound <= limit:
                memo.put(output, bound, exact=False, new_bytes=slack)
                return
            # OutputPath may have kept little more than the result: bound it member by member.
            if _within_known_bounds(output, limit, memo, result, placed):  # type: ignore[arg-type]
                return
    check_built(output, scope, what)
