"""The one façade every adapter calls: parse (cached), build the ports, run, report.

`run` / `run_async` are the library entry points (`statebox.run`). They run an execution in
process with the local action invoker; later layers add the store for suspend / resume.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .asl_errors import ErrorName
from .config import Settings
from .errors import StatesError
from .interpreter import Frame, Limits, Runtime, run_graph
from .model import Machine
from .parse import parse
from .ports import ActionInvoker, Clock, Entropy, SystemClock, SystemEntropy
from .types import JSON


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """How an execution ended (or paused). `status` is SUCCEEDED, FAILED, TIMED_OUT or SUSPENDED."""

    status: str
    execution_id: str
    output: JSON = None
    error: str | None = None
    cause: str | None = None
    continuation: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "executionId": self.execution_id}
        if self.status == "SUCCEEDED":
            out["output"] = self.output
        elif self.status == "SUSPENDED":
            out["continuation"] = self.continuation
            out["output"] = self.output
        else:
            out["error"] = self.error
            out["cause"] = self.cause
        return out


async def execute(
    machine: Machine,
    execution_input: JSON,
    *,
    invoker: ActionInvoker,
    clock: Clock,
    entropy: Entropy,
    limits: Limits,
    execution_name: str | None = None,
) -> ExecutionResult:
    """Run one execution of a parsed machine to its end."""
    name = execution_name or entropy.uuid4()
    execution_id = f"arn:statebox:execution:{machine.name}:{name}"
    runtime = Runtime(
        invoker=invoker,
        clock=clock,
        entropy=entropy,
        limits=limits,
        execution_id=execution_id,
        execution_name=name,
        execution_input=execution_input,
        start_time=clock.now(),
        state_machine_id=f"arn:statebox:stateMachine:{machine.name}",
        state_machine_name=machine.name,
    )
    try:
        runtime.check_size(execution_input, "The execution input")
        async with asyncio.timeout(machine.timeout_seconds):
            output = await run_graph(machine.graph, execution_input, Frame(runtime=runtime))
        runtime.check_size(output, "The execution output")
    except StatesError as failure:
        return ExecutionResult("FAILED", execution_id, error=failure.error, cause=failure.cause)
    except TimeoutError:
        return ExecutionResult(
            "TIMED_OUT",
            execution_id,
            error=ErrorName.TIMEOUT,
            cause=f"The execution ran longer than the machine's TimeoutSeconds "
            f"({machine.timeout_seconds:g}).",
        )
    return ExecutionResult("SUCCEEDED", execution_id, output=output)


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
    """Validate `definition`, run it on `input` (default `{}`) and return how it ended.
    Raises DefinitionError for an invalid definition."""
    from .invokers.local import LocalActionInvoker

    settings = settings or Settings()
    machine = parse(definition, machine_name)
    if invoker is None:
        invoker = LocalActionInvoker(actions if actions is not None else settings.actions_dir)
    return await execute(
        machine,
        {} if input is None else input,
        invoker=invoker,
        clock=clock or SystemClock(),
        entropy=entropy or SystemEntropy(),
        limits=Limits(
            max_payload_bytes=settings.max_payload_bytes,
            max_transitions=settings.max_transitions,
            max_map_concurrency=settings.max_map_concurrency,
        ),
        execution_name=name,
    )


def run(definition: JSON | str | bytes, input: JSON = None, **options: Any) -> ExecutionResult:
    """Synchronous `run_async`, for scripts and the CLI (not from inside a running event loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run_async(definition, input, **options))
    raise RuntimeError("statebox.run() was called inside a running event loop; await run_async()")
