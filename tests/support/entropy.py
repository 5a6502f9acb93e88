"""Entropy that always draws the same number, for exact Retry delays (unit and property tests)."""

from __future__ import annotations


class FixedEntropy:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value

    def uuid4(self) -> str:
        return "00000000-0000-4000-8000-000000000000"
