"""The library API behind `statebox.run` / `statebox.resume` (and their `*_async` forms): an
engine over the process-wide in-process store and signer (`wiring.library_engine`), that keeps
no history and stores only suspended executions."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import Settings
from ..ports import ActionInvoker, Clock, Entropy
from ..types import JSON
from .engine import Engine
from .views import ExecutionResult


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
    # Imported on first use, for cold start: the composition root brings the store and invoker
    # modules, which `import statebox` does not need (and it imports this module).
    from ..wiring import library_engine

    return library_engine(settings, invoker, clock, entropy)


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
