"""Regular expressions from requests, with a time limit (issue 13, 5b).

Python's `re` cannot be interrupted and holds the GIL: one catastrophic pattern
(`(a|aa)+$` on forty a's and a b) stops the whole process. Patterns that come from a
definition or a request (JSONata's `$match` / `$replace` / `$split` / `$contains`, a
ResumeSchema's `pattern`) run on the `regex` package instead, whose matching takes a
`timeout=` and releases the GIL.

The time allowed is a deadline for the whole evaluation, not a fresh allowance per call: a
thousand slow matches in one evaluation share one budget. `deadline(seconds)` opens it (per
thread); outside one, each call gets `DEFAULT_SECONDS`.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import regex

DEFAULT_SECONDS = 1.0
_GROUP_REFERENCE = re.compile(r"\\g<(\d+)>")


class RegexTimeout(Exception):  # noqa: N818 - named for what happened
    """A regular expression ran past the evaluation's deadline."""


class OutputTooLarge(Exception):  # noqa: N818 - named for what happened
    """A substitution built a string past the allowed size."""


_local = threading.local()


@contextlib.contextmanager
def deadline(seconds: float, max_chars: int | None = None) -> Iterator[None]:
    """Every bounded match in this thread until the block ends shares `seconds`; a `sub`
    may add at most `max_chars` characters."""
    saved = getattr(_local, "deadline", None), getattr(_local, "max_chars", None)
    _local.deadline = time.monotonic() + seconds
    _local.max_chars = max_chars
    try:
        yield
    finally:
        _local.deadline, _local.max_chars = saved


def remaining() -> float:
    """Seconds left for matching (a small positive floor: regex takes 0 as 'no limit')."""
    until = getattr(_local, "deadline", None)
    if until is None:
        return DEFAULT_SECONDS
    left = until - time.monotonic()
    if left <= 0:
        raise RegexTimeout("the regular expression ran out of time")
    return left


def _timed(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, timeout=remaining(), **kwargs)
    except TimeoutError:
        raise RegexTimeout("the regular expression took too long (catastrophic backtracking?)") from None


class BoundedPattern:
    """A compiled pattern with re.Pattern's search / finditer / sub / split, each bounded in
    time, and `sub` bounded in the size it builds (the `deadline` block's `max_chars`)."""

    __slots__ = ("compiled",)

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.compiled = regex.compile(pattern, flags)

    @property
    def pattern(self) -> str:
        return self.compiled.pattern

    @property
    def groups(self) -> int:
        return self.compiled.groups

    def search(self, string: str, *args: Any) -> Any:
        return _timed(self.compiled.search, string, *args)

    def match(self, string: str, *args: Any) -> Any:
        return _timed(self.compiled.match, string, *args)

    def finditer(self, string: str, *args: Any) -> Iterator[Any]:
        # The iterator matches lazily: each step is timed against the same deadline.
        matches = self.compiled.finditer(string, *args, timeout=remaining())
        while True:
            try:
                found = next(matches)
            except StopIteration:
                return
            except TimeoutError:
                raise RegexTimeout(
                    "the regular expression took too long (catastrophic backtracking?)"
                ) from None
            yield found

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        return _timed(self.compiled.split, string, maxsplit)

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        if isinstance(repl, str):
            template = repl
            for reference in _GROUP_REFERENCE.finditer(template):
                if int(reference.group(1)) > self.compiled.groups:
                    # The wording of re's error, which callers written for re recognise.
                    number, at = reference.group(1), reference.start() + 3
                    raise re.error(f"invalid group reference {number} at position {at}")
            repl = lambda found: found.expand(template)  # noqa: E731
        return _timed(self.compiled.sub, self._counting(repl), string, count)

    def _counting(self, repl: Callable[[Any], str]) -> Callable[[Any], str]:
        limit = getattr(_local, "max_chars", None)
        if limit is None:
            return repl
        built = [0]

        def replace(found: Any) -> str:
            piece = repl(found)
            built[0] += len(piece)
            if built[0] > limit:
                raise OutputTooLarge(f"the replacement builds a string of more than {limit} characters")
            return piece

        return replace
