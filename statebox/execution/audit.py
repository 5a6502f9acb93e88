"""The audit trail of an execution: one line per resume or heartbeat, bounded.

700 heartbeats with a 7 KB User-Agent made a 5 MB record, each heartbeat slower than the last
(the whole record is read and written each time). So a line keeps at most
MAX_FIELD_CHARS characters of each caller detail (address, User-Agent, error name), and a
point keeps at most MAX_LINES_PER_POINT lines: past that its oldest heartbeat line goes, and
the point's first line kept counts what went before it (`"earlierHeartbeats"`). The line that
ends a point (a resume, a timeout) is never dropped: it is the point's last.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_FIELD_CHARS = 256
MAX_LINES_PER_POINT = 20
_POINT = "point"  # the first 8 hex characters of the point id: enough to tell a record's points apart


def audit_line(timestamp: str, state: str, outcome: str, point_id: str, **details: Any) -> dict[str, Any]:
    """A line for `point_id`'s resume or heartbeat; empty details left out, long ones cut."""
    line: dict[str, Any] = {"timestamp": timestamp, "state": state, "outcome": outcome, _POINT: point_id[:8]}
    for name, value in details.items():
        if value is None or value == "":
            continue
        if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
            value = value[:MAX_FIELD_CHARS] + "…"
        line[name] = value
    return line


def append_audit(audit: Sequence[dict[str, Any]], line: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """The audit with `line` added, the point's oldest heartbeat dropped past the cap (the
    lines given are left as they are)."""
    lines = [*audit, line]
    point = line[_POINT]
    same = [index for index, earlier in enumerate(lines) if earlier.get(_POINT) == point]
    if len(same) <= MAX_LINES_PER_POINT:
        return tuple(lines)
    oldest = next((i for i in same if lines[i]["outcome"] == "heartbeat"), None)
    if oldest is None:
        return tuple(lines)  # nothing but resumes (a point resumes once): nothing to drop
    dropped = lines.pop(oldest)
    following = next(i for i in same if i > oldest) - 1  # indexes after `oldest` moved down by one
    kept = lines[following]
    earlier = kept.get("earlierHeartbeats", 0) + dropped.get("earlierHeartbeats", 0) + 1
    lines[following] = {**kept, "earlierHeartbeats": earlier}
    return tuple(lines)
