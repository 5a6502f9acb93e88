"""A scope for evaluating intrinsic functions outside a running machine (unit and property tests)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from statebox.intrinsics import compile_intrinsic
from statebox.ports import SeededEntropy


@dataclass
class FakeScope:
    context: Any = field(default_factory=lambda: {"Execution": {"Input": {"greeting": "hi"}}})
    variables: Mapping[str, Any] = field(default_factory=lambda: {"count": 3, "user": {"n": "Ada"}})
    entropy: SeededEntropy = field(default_factory=lambda: SeededEntropy(7))

    def context_object(self) -> Any:
        return self.context


def run(text: str, data: Any = None, scope: Any = None) -> Any:
    return compile_intrinsic(text).evaluate(data, scope if scope is not None else FakeScope())
