"""Where executions live between activations. Only the execution layer talks to a store.

`protocol.Store` is the contract. `RedisStore` (redis.py) implements it on a real Redis (or
Redis Cluster) and, for `statebox serve` / `statebox run` with nothing installed, on an
in-process fakeredis; `LazyStore` (lazy.py) builds one on first use.
"""

from __future__ import annotations

from .protocol import Claim, NewPoint, RecordJSON, Store

__all__ = ["Claim", "NewPoint", "RecordJSON", "Store"]
