"""Integers JSON allows and 64-bit readers do not (unit and property tests of the stored record)."""

from __future__ import annotations

PAST_64_BITS = [-(2**63) - 1, 2**64, 2**70, -(2**70), 10**40]
