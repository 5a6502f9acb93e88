"""The library API behind `statebox.run` / `statebox.resume` (and their `*_async` forms): an
engine over one process-wide in-process store and signer, made lazily, that keeps no history
and stores only suspended executions."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import Settings
from ..continuations import ContinuationSigner
from ..ports import ActionInvoker, Clock, Entropy, SystemClock, SystemEntropy
from ..types import JSON
from .engine import Engine, LazyStore
from .views import ExecutionResult

_LOCAL: dict[str, Any] = {}


def local_engine_parts() -> tuple[Any, ContinuationSigner]:
    """The process-wide in-process store and signer behind `statebox.run` (created lazily)."""
    if "signer" not in _LOCAL:
        # Imported here (cold start): a run that never suspends never loads redis / fakeredis.
        from ..stores.redis import RedisStore

        _LOCAL["signer"] = ContinuationSigner(secrets.token_bytes(32))
        _LOCAL["store"] = LazyStore(RedisStore.in_process)
    return _LOCAL["store"], _LOCAL["signer"]


async def run_async(
    definition: JSON | str | bytes,
    input: JSON = None,
    *,
    actions: str | Path | None = None,
    invoker: ActionInvoker | None = None,
    clock: Clock | None = None,
    entropy: Entropy | None = None,
    settings: Settings | None = None,
    name: str | None = None,
    machine_name: str | None = None,
) -> ExecutionResult:
    """Validate `definition`, run it on `input` (default `{}`) and return how it ended, or
    where it suspended (resume with `resume_async`). Raises DefinitionError when invalid."""
    engine = _library_engine(actions, invoker, clock, entropy, settings)
    return await engine.start(definition, input, machine_name=machine_name)


async def resume_async(token: str, input: JSON = None, **options: Any) -> ExecutionResult:
    """Resume a suspension of an execution started by `run` in this process."""
    error = options.pop("error", None)
    cause = options.pop("cause", None)
    engine = _library_engine(
        options.pop("actions", None),
        options.pop("invoker", None),
        options.pop("clock", None),
        options.pop("entropy", None),
        options.pop("settings", None),
    )
    return await engine.resume(token, input, error=error, cause=cause)


def _library_engine(
    actions: str | Path | None,
    invoker: ActionInvoker | None,
    clock: Clock | None,
    entropy: Entropy | None,
    settings: Settings | None,
) -> Engine:
    settings = settings or Settings()
    if actions is not None:
        settings = replace(settings, actions_dir=Path(actions))
    store, signer = local_engine_parts()
    return Engine(
        settings,
        store=store,
        signer=signer,
        invoker=invoker,
        clock=clock or SystemClock(),
        entropy=entropy or SystemEntropy(),
        keep_history=False,
        persist_finished=False,
        check_input_depth=False,
    )


def _sync(coroutine: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    coroutine.close()
    raise RuntimeError("called inside a running event loop; await the *_async variant instead")


def run(definition: JSON | str | bytes, input: JSON = None, **options: Any) -> ExecutionResult:
    """Synchronous `run_async`, for scripts and the CLI."""
    return _sync(run_async(definition, input, **options))


def resume(token: str, input: JSON = None, **options: Any) -> ExecutionResult:
    """Synchronous `resume_async`."""
    return _sync(resume_async(token, input, **options))
