"""Settings, frozen and validated once at the edge (CLI, dev server, web action).

Nothing below the adapters (execution/engine.py and under) reads the environment; adapters
build a Settings and pass it in.

Limits (every one is checked where data enters, so no request can go around it):

    max_payload_bytes      execution input, task results, resume input, output  States.DataLimitExceeded
    max_payload_depth      nesting of the execution input and of a resume input  400 (InputError)
    max_transitions        state transitions of one execution                   States.Runtime
    max_map_concurrency    Map iterations running at once (AWS: 40)             (a ceiling, not an error)
    max_map_items          items one Map state may iterate over                 States.Runtime
    max_definition_bytes   a definition's JSON text (AWS: 1 MiB)                400 (DefinitionError)
    max_definition_depth   a definition's JSON nesting                          400 (DefinitionError)

Access (docs/security.md says what each protects):

    allowed_actions        None: a posted definition may call any action; else only the
                           resources matching one of these globs (module:suspend always)   400
    stored_machines_only   refuse posted definitions; only state_machines/ can be started   403
    hide_continuations     no answer or execution description shows a continuation, a resume
                           URL or a pending point's data: a continuation reaches people only
                           through the workflow's own steps ($$.Task.Token / ResumeUrl given
                           to an action, e.g. the approval email), so the one who starts an
                           approval cannot also give it
    production             STATEBOX_MODE=production: a secret and a Redis are required at start-up
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import InputError, Problem

DEFAULT_ACTIONS_DIR = "demo_actions"
MIN_PRODUCTION_SECRET_LENGTH = 16
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


@dataclass(frozen=True, slots=True)
class Settings:
    actions_dir: Path = field(default_factory=lambda: Path(DEFAULT_ACTIONS_DIR))
    max_payload_bytes: int = 256 * 1024
    max_payload_depth: int = 200  # JSON nesting of execution and resume inputs
    max_transitions: int = 25_000
    max_map_concurrency: int = 40
    max_map_items: int = 100_000  # items of one Map state
    max_definition_bytes: int = 1024 * 1024  # AWS's definition size limit
    max_definition_depth: int = 512  # JSON nesting of a definition (parse.MAX_DEFINITION_DEPTH at most)
    default_suspension_seconds: float = 7 * 24 * 3600  # a suspension's deadline without TimeoutSeconds
    wait_suspend_seconds: float | None = 60.0  # Waits this long or longer become timers
    retention_seconds: float = 30 * 24 * 3600  # finished executions are kept this long
    secret: str | None = None  # HMAC key for continuation tokens
    redis_url: str | None = None
    key_prefix: str = "statebox:"  # every Redis key starts with this (several deployments, one Redis)
    # What a posted (not stored) definition may call: globs over Task resources, e.g.
    # ("square", "utils/*", "module:increment"); None allows everything (a developer's machine).
    allowed_actions: tuple[str, ...] | None = None
    stored_machines_only: bool = False  # refuse posted definitions (403)
    hide_continuations: bool = False  # continuations only through the workflow's own steps
    production: bool = False  # STATEBOX_MODE=production: refuse to start without a secret and a Redis

    # Where the service is and what it reaches (see settings_table.py for each one's source).
    base_url: str | None = None  # the public URL resume links start with
    machines_dir: Path | None = None  # stored machines (None: the adapter's default)
    ow_api_host: str | None = None  # openwhisk: Tasks over REST when set
    ow_api_key: str | None = None
    forwarded_hops: int = 0  # proxies in front that append to X-Forwarded-For (0: trust none)
    # Operator parameters handed to module: actions (the mail action's SMTP host, ...).
    action_parameters: tuple[tuple[str, object], ...] = ()

    @staticmethod
    def from_env(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from the environment variables of `settings_table.TABLE`."""
        from .settings_table import load  # here, not at the top: settings_table imports this module

        settings = load(os.environ if environ is None else environ)
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})

    def startup_problems(self, *, needs_store: bool = True) -> list[str]:
        """Why this configuration must not serve (empty when it may). Outside production mode
        only an inconsistent one is refused: a Redis without a secret (continuations signed
        with a throw-away key would die with the process, and differ between processes)."""
        problems = []
        if self.redis_url and not self.secret:
            problems.append(
                "REDIS_URL is set but STATEBOX_SECRET is not: continuations stored in Redis must be "
                "signed with a stable secret (generate one with `openssl rand -hex 32`)"
            )
        if self.production:
            if not self.secret and not self.redis_url:
                problems.append(
                    "STATEBOX_MODE=production requires STATEBOX_SECRET (the continuation signing key)"
                )
            elif self.secret and len(self.secret) < MIN_PRODUCTION_SECRET_LENGTH:
                problems.append(
                    f"STATEBOX_MODE=production requires a STATEBOX_SECRET of at least "
                    f"{MIN_PRODUCTION_SECRET_LENGTH} characters (`openssl rand -hex 32`)"
                )
            if needs_store and not self.redis_url:
                problems.append(
                    "STATEBOX_MODE=production requires REDIS_URL: the embedded store forgets every "
                    "execution when the process stops"
                )
        return problems


def parse_int(text: str, key: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError([Problem("", f"{key} must be an integer, got {text!r}")]) from None
    if value < 0:
        raise InputError([Problem("", f"{key} must not be negative, got {value}")])
    return value


def parse_flag(value: object, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError([Problem("", f"{key} must be true or false, got {value!r}")])


def parse_mode(value: object) -> bool:
    """STATEBOX_MODE: `production` (True) or `development` (False, the default)."""
    text = str(value).strip().lower()
    if text in ("production", "prod"):
        return True
    if text in ("development", "dev", ""):
        return False
    raise InputError([Problem("", f"STATEBOX_MODE must be production or development, got {value!r}")])


def parse_allowed_actions(value: object) -> tuple[str, ...]:
    """`square, utils/*, module:increment` (a comma-separated string, or a JSON list as an
    OpenWhisk parameter may be) → a tuple of globs. An empty value allows nothing but
    module:suspend."""
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())
