"""How far one JSONata evaluation may go (issue 13, 5a and 5b).

jsonata-python evaluates by walking the expression tree and calls an entry and an exit hook
around every node (jsonata_engine.py binds them; this module has no library internals). The hooks
of an `EvaluationBudget`:

* count the nodes evaluated: JSONata optimises tail calls, so `$f := function($x){ $f($x) }`
  loops for ever without growing the stack, and exponential recursion is just slow; both end
  at `MAX_STEPS` (or at `MAX_SECONDS`, checked every few hundred nodes) as
  States.QueryEvaluationError. Stack depth is bounded by the interpreter's recursion limit
  (jsonata_engine.py's `_DeepStack`), also reported as States.QueryEvaluationError;
* measure what a node built: a string, or an array / object made by a constructor or a
  function, past the payload limit is States.DataLimitExceeded, found the moment it is built
  (`$s & $s` doubling, `[$a, $a]` nesting), not when the whole result is encoded.

Regular expressions run under the same deadline (regexes.py), and the library functions that
could allocate without evaluating a node (`$pad`) are checked before they run (jsonata_functions.py).
"""

from __future__ import annotations

import time
from typing import Any

from .budget import bounded_size

MAX_STEPS = 1_000_000  # tree nodes per evaluation: seconds of work, far above real mappings
MAX_SECONDS = 1.0  # wall time per evaluation, regular expressions included
LONG_STEPS, LONG_SECONDS = 20_000, 0.05  # an evaluation this long lets other requests in next
_CHECK_EVERY = 256  # nodes between clock reads

# Node types that only read values that already exist: not measured (their parts were).
_READERS = frozenset({"path", "name", "variable", "string", "number", "value", "parent", "regex", "lambda"})


class BudgetExceeded(Exception):  # noqa: N818 - carries which bound and why
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind  # "steps", "time" or "size"


class EvaluationBudget:
    __slots__ = ("steps_left", "started", "deadline", "max_bytes", "_until_clock")

    def __init__(self, max_bytes: int) -> None:
        # The module's bounds are read per evaluation, so tests (and tools) can lower them.
        self.steps_left = MAX_STEPS
        self.started = time.monotonic()
        self.deadline = self.started + MAX_SECONDS
        self.max_bytes = max_bytes
        self._until_clock = _CHECK_EVERY

    def ran_long(self) -> bool:
        """Long enough that the event loop should serve others before the next state."""
        return MAX_STEPS - self.steps_left >= LONG_STEPS or time.monotonic() - self.started > LONG_SECONDS

    def seconds_left(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def entry(self, expr: Any, input: Any, environment: Any) -> None:  # noqa: A002 - the hook's signature
        self.steps_left -= 1
        if self.steps_left < 0:
            raise BudgetExceeded(
                "steps", f"the evaluation took more than {MAX_STEPS} steps (endless recursion or a loop?)"
            )
        self._until_clock -= 1
        if self._until_clock <= 0:
            self._until_clock = _CHECK_EVERY
            if time.monotonic() > self.deadline:
                raise BudgetExceeded("time", f"the evaluation ran for more than {MAX_SECONDS:g} seconds")

    def exit(self, expr: Any, input: Any, environment: Any, result: Any) -> None:  # noqa: A002
        kind = type(result)
        if kind is str:
            if len(result) + 2 > self.max_bytes:
                raise self.too_big()
        elif isinstance(result, (list, dict)) and getattr(expr, "type", None) not in _READERS:
            # Data nested past the stack raises RecursionError: "nested too deeply" (jsonata_engine.py).
            if len(result) > self.max_bytes or bounded_size(result, self.max_bytes) is None:
                raise self.too_big()

    def too_big(self) -> BudgetExceeded:
        return BudgetExceeded(
            "size", f"it built a value larger than the payload limit of {self.max_bytes} bytes"
        )

    def check_width(self, width: Any) -> None:
        """A `$pad` width: the padded string is allocated at once, inside the library."""
        if (
            isinstance(width, (int, float))
            and not isinstance(width, bool)
            and abs(width) + 2 > self.max_bytes
        ):
            raise self.too_big()
