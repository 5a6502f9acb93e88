"""The composition root: the one place where a `Settings` becomes the running parts.

    Settings ──► build_store    REDIS_URL's Redis (redis+cluster:// a Redis Cluster), else this
             │                  process's embedded store (fakeredis, created on first use)
             ├─► build_signer   STATEBOX_SECRET, else this process's own random key
             ├─► build_invoker  module: actions in process; openwhisk: over REST with an API host
             └─► Engine  ──►  Service (the HTTP handler's view: engine + stored machines)

Each adapter takes its parts from here and says only how it differs:

    adapter        built by          finished executions stored   resume links start with
    CLI            cli_engine        only with Redis              (none: it prints tokens)
    dev server     dev_service       always (GET ?execution=)     the request's, or --base-url
    web action     action_service    always                       STATEBOX_BASE_URL, else its own URL
    library        library_engine    never (results are returned) (none)

Where the settings come from is `settings_table.py`; nothing here reads the environment.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Settings
from .execution.continuations import ContinuationSigner
from .execution.engine import Engine
from .invokers.routing import RoutingInvoker
from .invokers.routing import build_invoker as routing_invoker
from .ports import ActionInvoker, Clock, Entropy, SystemClock, SystemEntropy
from .settings_table import ACTION_PARAMETERS
from .stores.redis import RedisStore

if TYPE_CHECKING:
    from .web.handler import Service

EventSink = Callable[[str, dict[str, Any]], None]


class InProcess:
    """The embedded store and the signing key of executions that live in this process only
    (the library, and the CLI and dev server without REDIS_URL). One per process, so a `run`
    that suspends can be resumed by a later call; the store is made on first use, since
    fakeredis is slow to import and most runs never suspend."""

    def __init__(self) -> None:
        self.signer = ContinuationSigner(secrets.token_bytes(32))
        self._store: RedisStore | None = None

    def store(self) -> RedisStore:
        if self._store is None:
            self._store = RedisStore.in_process()
        return self._store


IN_PROCESS = InProcess()


def build_store(settings: Settings) -> RedisStore | Callable[[], RedisStore]:
    """The Redis `settings.redis_url` names, or the process's embedded store (a zero-argument
    callable: `Engine` makes it on first use)."""
    if settings.redis_url:
        return RedisStore.connect(settings.redis_url, prefix=settings.key_prefix)
    return IN_PROCESS.store


def build_signer(settings: Settings) -> ContinuationSigner:
    """Continuations signed with `settings.secret`, else with this process's own key (good for
    executions that die with the process, which is all there are without a secret:
    `Settings.startup_problems` refuses a Redis without one)."""
    return ContinuationSigner(settings.secret) if settings.secret else IN_PROCESS.signer


def build_invoker(settings: Settings) -> RoutingInvoker:
    """`module:` actions from `settings.actions_dir`, given the operator's action parameters;
    `openwhisk:` over REST when an API host is set, else from the actions folder too."""
    return routing_invoker(
        settings.actions_dir,
        settings.ow_api_host,
        settings.ow_api_key,
        action_parameters=dict(settings.action_parameters),
        reserved=ACTION_PARAMETERS,
    )


def _engine(settings: Settings, **differences: Any) -> Engine:
    return Engine(
        settings,
        store=build_store(settings),
        signer=build_signer(settings),
        invoker=build_invoker(settings),
        **differences,
    )


def cli_engine(settings: Settings) -> Engine:
    """`statebox run / resume / status / history / worker`. Without Redis nothing outlives the
    command, so finished executions are not written at all."""
    return _engine(settings, persist_finished=bool(settings.redis_url))


def build_service(engine: Engine, machines_dir: Path) -> Service:
    """The HTTP handler's view of the engine, with the stored machines it may start."""
    # Imported here to buy cold-start time: the library (`import statebox`) builds engines
    # through this module and never loads the HTTP handler (about 40 ms of imports).
    from .web.handler import Service

    return Service(engine=engine, machines_dir=machines_dir)


def dev_service(settings: Settings, machines_dir: Path, event_sink: EventSink | None = None) -> Service:
    """`statebox serve` (one per worker process): resume links from each request (its
    --base-url, else its Host header), every transition to `event_sink`."""
    return build_service(_engine(settings, event_sink=event_sink), machines_dir)


def action_service(settings: Settings) -> Service:
    """The OpenWhisk web action; `settings` hold its folders and its own URL by now."""
    assert settings.machines_dir is not None  # web.action._settings fills it in
    return build_service(_engine(settings, base_url=settings.base_url), settings.machines_dir)


def library_engine(
    settings: Settings,
    invoker: ActionInvoker | None = None,
    clock: Clock | None = None,
    entropy: Entropy | None = None,
) -> Engine:
    """`statebox.run` / `resume`: always in this process (the caller's settings choose limits
    and the actions folder, never a Redis), no history, the caller's objects unchecked."""
    return Engine(
        settings,
        store=IN_PROCESS.store,
        signer=IN_PROCESS.signer,
        invoker=invoker,  # None: module: actions from settings.actions_dir
        clock=clock or SystemClock(),
        entropy=entropy or SystemEntropy(),
        keep_history=False,
        persist_finished=False,
        check_input_depth=False,
    )
