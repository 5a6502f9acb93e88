"""Where executions live between activations. Only `Engine` talks to a store.

`RedisStore` is the one implementation; it runs on a real Redis (or Redis Cluster) and, for
`statebox serve` / `statebox run` with nothing installed, on an in-process fakeredis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..types import JSON


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of trying to claim a pending point for one resume."""

    # "ok"; "missing"; "used" (a resume committed); "claimed" (this point's resume is in
    # flight); "busy" (a sibling point's resume is)
    status: str
    record: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class NewPoint:
    point_id: str
    due_epoch: float
    kind: str


__all__ = ["Claim", "JSON", "NewPoint"]
