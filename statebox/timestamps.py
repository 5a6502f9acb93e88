"""Timestamps as ASL reads them: one grammar, for Choice rules, Wait states and the definition
check of a literal Wait `Timestamp` (the same grammar held to RFC 3339's stricter form)."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta

# AWS's error text for a bad Wait timestamp ("not a valid ISO-8601 extended offset date-time
# format string") is the Javadoc name of Java's ISO_OFFSET_DATE_TIME, so this mirrors that
# parser: case-insensitive T and Z, seconds optional, 0-9 fraction digits, offsets up to
# +-18:00 with optional seconds, strict calendar. ASCII digits only (`\d` would admit others).
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?"
    r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)"
)
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MAX_OFFSET_SECONDS = 18 * 3600

Instant = tuple[int, int]
"""(seconds since the Unix epoch, nanoseconds): tuples order exactly like the instants."""


def _days_from_civil(year: int, month: int, day: int) -> int:
    # Proleptic Gregorian day count without datetime, which cannot represent year 0.
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_instant(text: object) -> Instant | None:
    """The instant an ISO-8601 offset date-time string denotes, or None if it is not one."""
    if not isinstance(text, str):
        return None
    return _parse_instant(text)


# Timestamp rules re-parse the Variable's string on every evaluation, and loops tend to see the
# same few strings again; a small cache makes those repeats cost a dict lookup.
@functools.lru_cache(maxsize=1024)
def _parse_instant(text: str) -> Instant | None:
    m = _TIMESTAMP.fullmatch(text)
    if m is None:
        return None
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    hour, minute = int(m[4]), int(m[5])
    second = int(m[6]) if m[6] else 0
    if not 1 <= month <= 12 or hour > 23 or minute > 59 or second > 59:
        return None
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= day <= _DAYS_IN_MONTH[month - 1] + (month == 2 and leap):
        return None
    offset = 0
    if m[8]:
        off_h, off_m = int(m[9]), int(m[10])
        off_s = int(m[11]) if m[11] else 0
        if off_m > 59 or off_s > 59:
            return None
        offset = off_h * 3600 + off_m * 60 + off_s
        if offset > _MAX_OFFSET_SECONDS:
            return None
        if m[8] == "-":
            offset = -offset
    nanos = int(m[7].ljust(9, "0")) if m[7] else 0
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return seconds - offset, nanos


def is_rfc3339(text: object) -> bool:
    """A timestamp a definition may write as a literal Wait `Timestamp`: one this grammar reads,
    in the RFC 3339 form AWS's definition check wants (an uppercase T and Z, seconds, an offset
    in hours and minutes), so a definition is never accepted with a timestamp it cannot run."""
    if not isinstance(text, str):
        return False
    m = _TIMESTAMP.fullmatch(text)
    if m is None or m[6] is None or m[11] is not None:
        return False
    uppercase = text[10] == "T" and (m[8] is not None or text.endswith("Z"))
    return uppercase and parse_instant(text) is not None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_timestamp(text: object) -> datetime | None:
    """The instant as an aware UTC datetime (microsecond precision), or None if invalid."""
    instant = parse_instant(text)
    if instant is None:
        return None
    seconds, nanos = instant
    try:
        return _EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000)
    except OverflowError:
        return None
