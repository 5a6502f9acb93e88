"""Pending points: where a suspended execution waits for the outside world (a callback task,
`module:suspend`) or for time (a long Wait, a Retry back-off). `PendingPoint` is built and read
here only; its JSON is the `point` of the position tree (see positions.py), stored as it is.

`PointIssuer` is the port through which the engine takes part: it signs the continuation token
a point is resumed with, and names the URL that `$$.Task.ResumeUrl` shows. The interpreter
mints the point's id and deadline but never builds a token or a URL itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ..types import JSON
from .times import iso_timestamp


class PointKind(StrEnum):
    """What a pending point waits for. A StrEnum, so stored records (plain strings) compare equal."""

    MERGE = "merge"  # module:suspend: the resume input is merged into the point's data
    TOKEN = "token"  # .waitForTaskToken: the resume input is the task's result
    TIMER = "timer"  # a long Wait or a Retry back-off: fires at `due`
    # The engine's own timers (never in a position tree): a boundary stop's next activation,
    # and the machine's TimeoutSeconds.
    CONTINUE = "continue"
    EXPIRE = "expire"


CALLBACK_KINDS = frozenset({PointKind.MERGE, PointKind.TOKEN})

DEFAULT_SUSPENSION_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class PendingPoint:
    """One pending point, as the position tree stores it.

    `due` is the point's deadline (ISO-8601, `iso_timestamp`), `data` the effective input the
    outside world sees (None until the task computed it; a Wait's input for a timer), `token`
    the continuation that resumes it. Callback points (merge, token) always carry `schema`
    (the Task's ResumeSchema, null when none); timers never do. `heartbeat` / `heartbeat_due`
    only when the Task has HeartbeatSeconds."""

    id: str
    kind: PointKind
    state: str
    due: str | None
    data: JSON = None
    token: str | None = None
    schema: JSON = None
    heartbeat: float | None = None
    heartbeat_due: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The point as stored: key order and presence exactly as records have always had them."""
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "state": self.state,
            "due": self.due,
            "data": self.data,
            "token": self.token,
        }
        if self.kind in CALLBACK_KINDS:
            out["schema"] = self.schema
        if self.heartbeat:
            out["heartbeat"] = self.heartbeat
            out["heartbeatDue"] = self.heartbeat_due
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> PendingPoint:
        return cls(
            id=raw["id"],
            kind=PointKind(raw["kind"]),
            state=raw["state"],
            due=raw.get("due"),
            data=raw.get("data"),
            token=raw.get("token"),
            schema=raw.get("schema"),
            heartbeat=raw.get("heartbeat"),
            heartbeat_due=raw.get("heartbeatDue"),
        )


@dataclass(frozen=True, slots=True)
class PointIssuer:
    """The engine's part in minting a point. Without `sign` (a run in process, tests) the token
    is the point's id; without `url` there is no `$$.Task.ResumeUrl`."""

    sign: Callable[[str, datetime], str] | None = None  # (point id, deadline) -> continuation
    url: Callable[[str], str] | None = None  # continuation -> resume URL
    default_seconds: float = DEFAULT_SUSPENSION_SECONDS  # a deadline without TimeoutSeconds

    def new_point(
        self,
        kind: PointKind,
        state: str,
        now: datetime,
        seconds: float | None,
        *,
        data: JSON = None,
        schema: JSON = None,
        heartbeat: float | None = None,
    ) -> PendingPoint:
        """A fresh pending point with an unguessable id, its deadline and its token."""
        point_id = secrets.token_hex(16)
        due = now + timedelta(seconds=self.default_seconds if seconds is None else seconds)
        return PendingPoint(
            id=point_id,
            kind=kind,
            state=state,
            due=iso_timestamp(due),
            data=data,
            token=self.sign(point_id, due) if self.sign is not None else point_id,
            schema=schema,
            heartbeat=heartbeat or None,
            heartbeat_due=iso_timestamp(now + timedelta(seconds=heartbeat)) if heartbeat else None,
        )

    def resume_url(self, token: str) -> str | None:
        return self.url(token) if self.url is not None else None
