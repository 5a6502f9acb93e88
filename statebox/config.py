"""Settings, frozen and validated once at the edge (CLI, dev server, web action).

Nothing below `engine.py` reads the environment; adapters build a Settings and pass it in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import InputError, Problem

DEFAULT_ACTIONS_DIR = "demo_actions"


@dataclass(frozen=True, slots=True)
class Settings:
    actions_dir: Path = field(default_factory=lambda: Path(DEFAULT_ACTIONS_DIR))
    max_payload_bytes: int = 256 * 1024
    max_transitions: int = 25_000
    max_map_concurrency: int = 40
    default_suspension_seconds: float = 7 * 24 * 3600  # a suspension's deadline without TimeoutSeconds
    wait_suspend_seconds: float | None = 60.0  # Waits this long or longer become timers
    retention_seconds: float = 30 * 24 * 3600  # finished executions are kept this long
    secret: str | None = None  # HMAC key for continuation tokens
    redis_url: str | None = None
    key_prefix: str = "statebox:"  # every Redis key starts with this (several deployments, one Redis)

    @staticmethod
    def from_env(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, key in (
            ("secret", "STATEBOX_SECRET"),
            ("redis_url", "REDIS_URL"),
            ("key_prefix", "STATEBOX_KEY_PREFIX"),
        ):
            if env.get(key):
                values[name] = env[key]
        if "STATEBOX_ACTIONS_DIR" in env:
            values["actions_dir"] = Path(env["STATEBOX_ACTIONS_DIR"])
        for name, key in (
            ("max_payload_bytes", "STATEBOX_MAX_PAYLOAD_BYTES"),
            ("max_transitions", "STATEBOX_MAX_TRANSITIONS"),
        ):
            if key in env:
                try:
                    values[name] = int(env[key])
                except ValueError:
                    raise InputError([Problem("", f"{key} must be an integer, got {env[key]!r}")]) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(Settings(), **values)  # type: ignore[arg-type]
