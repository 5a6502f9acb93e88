"""Is the Redis behind the store durable enough for "a continuation resumes at most once"?

The claim and commit scripts make a resume happen once *while Redis remembers it*. A Redis
that forgets its last writes on a crash forgets that a point was used: with the default RDB
snapshots only, a restart brought back a snapshot taken before the approval, and the same
link answered 200 a second time. Exactly-once therefore needs the append-only file, written
before each reply is sent: `appendonly yes` and `appendfsync always` (docs/reliability.md).
`everysec` survives a crash of the Redis process but not of its host (the last second).

`RedisStore` checks once, beside its first write (a task: the write does not wait for it),
with `CONFIG GET`, and logs a warning naming what is missing. Managed Redis often refuses
CONFIG (renamed, or not in the ACL): then it says it could not check, once, and goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("statebox.store")
REQUIRED = "appendonly yes, appendfsync always"
CHECK_TIMEOUT_SECONDS = 5.0


def persistence_warnings(config: Mapping[str, str], where: str = "Redis") -> list[str]:
    """What a CONFIG GET of `appendonly` / `appendfsync` says is missing (none: durable)."""
    appendonly = config.get("appendonly", "?")
    fsync = config.get("appendfsync", "?")
    if appendonly != "yes":
        return [
            f"{where} runs without the append-only file (appendonly {appendonly}): after a crash "
            "or restart it can forget that a continuation was used, and the same link can resume "
            f"the execution a second time. Exactly-once needs {REQUIRED} (docs/reliability.md)."
        ]
    if fsync != "always":
        return [
            f"{where} writes its append-only file with appendfsync {fsync}: a crash of its host "
            "can lose the last commits, so a link answered 200 could resume again. Exactly-once "
            f"needs {REQUIRED} (docs/reliability.md)."
        ]
    return []


async def check_persistence(client: Any, cluster: bool) -> bool:
    """Log what the server (every primary of a cluster) lacks; True once the question is
    settled (answered, or refused), False when the server could not be asked (ask again)."""
    # Imported here (cold start), as in redis.py: importing stores/ does not load redis-py.
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import RedisClusterException, RedisError, ResponseError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            if cluster:
                await client.initialize()  # the node map (a no-op once the client has it)
                nodes = [(node, f"Redis node {node.name}") for node in client.get_primaries()]
                configs = [
                    (await client.config_get("append*", target_nodes=node), where) for node, where in nodes
                ]
            else:
                configs = [(await client.config_get("append*"), "Redis")]
    except (RedisConnectionError, RedisTimeoutError, RedisClusterException, OSError):
        # Unreachable now (a cluster: no node answers): the store's own calls say so; ask on a
        # later write.
        return False
    except (ResponseError, RedisError) as exc:  # CONFIG renamed away, or not in this user's ACL
        log.warning(
            "could not check Redis persistence (CONFIG GET refused: %s); exactly-once needs %s: "
            "make sure the provider's settings say so",
            exc,
            REQUIRED,
        )
        return True
    for config, where in configs:
        for warning in persistence_warnings(_text_map(config), where):
            log.warning("%s", warning)
    return True


def _text_map(config: Mapping[Any, Any]) -> dict[str, str]:
    def text(value: Any) -> str:
        return value.decode() if isinstance(value, bytes) else str(value)

    return {text(key): text(value) for key, value in config.items()}
