"""A scope for evaluating Choice rules outside a running machine (unit and property tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class FakeScope:
    def __init__(self, context: Any = None, variables: Mapping[str, Any] | None = None) -> None:
        self._context = context if context is not None else {}
        self.variables = dict(variables or {})

    def context_object(self) -> Any:
        return self._context
