"""`Engine`: the one façade every adapter calls (CLI, dev server, web action, the library).

Start here. An execution's life, and the module that does each part:

1. `start(definition, input)`: the definition is admitted (size, nesting, allowed actions:
   `admission.py`) and compiled once per process; a new execution record is made
   (`records.py` says what it holds) and run.
2. A run (`commit.py`) hands the record's input and position to the pure interpreter
   (`interpreter.run_graph`). It ends with the machine's output, an ASL error, the machine's
   TimeoutSeconds, or a `Suspension`: a position tree with open points, each a `module:suspend`
   or `.waitForTaskToken` task waiting for a person, a long Wait or a Retry back-off (a timer),
   or a stop at a state boundary (`continue`). The record is committed to the store in one
   write, with a timer per new point; each point that waits for a person gets a signed
   continuation token (`continuations.py`), shown with its data (`views.py`).
3. `resume(token, input)`: the token names the execution and the point. The resume is admitted
   (payload limits, the point's ResumeSchema), claims the point exactly once and holds a lease
   on the execution (`claims.py`), and the run goes on from the stored position with the
   answer as the resume event; the commit marks the point used only while the lease holds, so
   a double click resumes once. `heartbeat` extends a task's HeartbeatSeconds window.
4. `run_due_timers()`: a worker's tick (`timers.py`): expired points resume with
   States.Timeout, long Waits and boundary stops continue (`continue_execution`), and a timer
   that keeps failing fails its execution with States.Runtime.
5. `describe_continuation` / `describe_execution`: what a point waits for, and the record as a
   caller may see it (`views.py`); the audit trail of resumes and heartbeats: `audit.py`.

The store (`stores/`) keeps records, points, leases and timers; `library.py` builds an engine
over an in-process store for `statebox.run` / `statebox.resume`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from ..config import Settings
from ..definition.model import Machine
from ..definition.parse import machine_by_hash, parse
from ..errors import (
    ContinuationAlreadyUsed,
    ContinuationExpired,
    ContinuationNotFound,
    ExecutionNotFound,
    StoreUnavailable,
)
from ..interpreter import Limits, iso_timestamp
from ..interpreter.suspension import ResumeEvent, locate, pending_points
from ..ports import ActionInvoker, Clock, Entropy, SystemClock, SystemEntropy
from ..stores import NewPoint, Store
from ..stores.lazy import LazyStore
from ..timestamps import parse_timestamp
from ..types import JSON
from . import claims, commit, views
from .admission import (
    admit_definition,
    check_input_depth,
    check_merged_payload,
    check_resume_payload,
    check_resume_schema,
)
from .audit import append_audit, audit_line
from .continuations import ContinuationSigner
from .records import ExecutionRecord, ExecutionStatus, PointKind
from .timers import fire_due_timers
from .views import ExecutionResult


@dataclass
class Engine:
    settings: Settings
    store: Store  # stores.protocol; a zero-argument callable making one is accepted too (built lazily)
    signer: ContinuationSigner
    invoker: ActionInvoker | None = None
    clock: Clock = field(default_factory=SystemClock)
    entropy: Entropy = field(default_factory=SystemEntropy)
    base_url: str | None = None  # the resume URL is base_url + "?continuation=<token>"
    keep_history: bool = True
    persist_finished: bool = True  # False: only suspended executions reach the store (library runs)
    # The input nesting limit guards the HTTP edge; a library caller's own objects skip the walk
    # (data nested past what the engine can handle still fails the execution cleanly).
    check_input_depth: bool = True
    event_sink: Callable[[str, dict[str, Any]], None] | None = None  # sees each event as it happens

    def __post_init__(self) -> None:
        if callable(self.store) and not hasattr(self.store, "save"):
            self._make_store = self.store
            self.store = LazyStore(self._make_store)
        if self.invoker is None:
            # Imported here (cold start): an engine given its invoker never loads the local one.
            from ..invokers.local import LocalActionInvoker

            self.invoker = LocalActionInvoker(self.settings.actions_dir)
        settings = self.settings
        self.limits = Limits(
            max_payload_bytes=settings.max_payload_bytes,
            max_transitions=settings.max_transitions,
            max_map_concurrency=settings.max_map_concurrency,
            max_map_items=settings.max_map_items,
        )

    async def start(
        self,
        definition: JSON | str | bytes | Machine,
        execution_input: JSON = None,
        *,
        machine_name: str | None = None,
        stop_at: datetime | None = None,
        base_url: str | None = None,
        trusted: bool = False,
    ) -> ExecutionResult:
        """Start an execution. The definition's size and nesting are checked against the
        settings first, and, unless `trusted` (a stored machine, or the operator's own file),
        its Task resources against `Settings.allowed_actions`; all before anything is stored."""
        if isinstance(definition, Machine):
            machine = definition
        else:
            machine = admit_definition(self.settings, definition, machine_name, trusted)
        self._check_input_depth(execution_input, "The execution input")
        key = secrets.token_hex(16)
        now = iso_timestamp(self.clock.now())
        record = ExecutionRecord(
            execution_key=key,
            execution_id=f"arn:statebox:execution:{machine.name}:{key}",
            machine=machine.name,
            definition_hash=machine.definition_hash,
            status=ExecutionStatus.RUNNING,
            input={} if execution_input is None else execution_input,
            start_time=now,
            history=({"timestamp": now, "type": "ExecutionStarted"},),
            base_url=base_url or self.base_url,
        )
        return await commit.advance(self, machine, record, None, stop_at, owner="", is_new=True)

    async def resume(
        self,
        token: str,
        resume_input: JSON = None,
        *,
        error: str | None = None,
        cause: str | None = None,
        caller: dict[str, Any] | None = None,
        stop_at: datetime | None = None,
        base_url: str | None = None,
    ) -> ExecutionResult:
        """Resume the point a continuation names: as success with `resume_input` merged in,
        or, when `error` is given, as a failure of the suspended task. `base_url`: where this
        request reached the service, for the resume URLs of an execution started without one
        (a stored one is kept: a resume's Host header must not redirect the next approver)."""
        continuation = self.signer.verify(token, self.clock.now())
        self._check_input_depth(resume_input, "The resume input")
        if error is not None:
            event = ResumeEvent("failure", continuation.point_id, error=str(error), cause=cause)
        else:
            event = ResumeEvent(
                "success", continuation.point_id, input={} if resume_input is None else resume_input
            )
        check_resume_payload(event, self.settings.max_payload_bytes)
        return await self._resume_point(
            continuation.execution_key, continuation.point_id, event, caller, stop_at, base_url
        )

    async def heartbeat(self, token: str, *, caller: dict[str, Any] | None = None) -> dict[str, Any]:
        """Extend a suspended task's HeartbeatSeconds window (AWS's SendTaskHeartbeat); the
        continuation stays pending."""
        continuation = self.signer.verify(token, self.clock.now())
        key, point_id = continuation.execution_key, continuation.point_id
        owner, record, point = await claims.claim(self.store, key, point_id)
        now = self.clock.now()
        missed = parse_timestamp(point.heartbeat_due)
        if missed is not None and missed <= now:
            # AWS: a heartbeat after the window closed is refused (the task has timed out).
            await self.store.release(key, point_id, owner)
            raise ContinuationExpired("the heartbeat window has already closed")
        if point.heartbeat:
            due = iso_timestamp(now + timedelta(seconds=point.heartbeat))
            for same in pending_points(record.position):  # the interpreter's copy of the point
                if same["id"] == point_id:
                    same["heartbeatDue"] = due
            point = replace(point, heartbeat_due=due)
            record = replace(record, pending=tuple(point if p.id == point_id else p for p in record.pending))
        line = audit_line(iso_timestamp(now), point.state, "heartbeat", point_id, **(caller or {}))
        record = replace(record, audit=append_audit(record.audit, line))
        saved = await self.store.save(
            record.to_json(),
            ttl_seconds=commit.ttl(self, record),
            new_points=[NewPoint(point_id, commit.timer_due(point, now), point.kind.value)],  # re-arm it
            owner=owner,
        )
        if not saved:
            raise StoreUnavailable("another resume took over this execution; try again")
        return {
            "executionId": key,
            "state": point.state,
            "status": record.status.value,
            "heartbeatDue": point.heartbeat_due,
            "expiresAt": point.due,
        }

    async def describe_continuation(self, token: str) -> dict[str, Any]:
        """What a continuation is waiting for (never resumes anything)."""
        continuation = self.signer.verify(token, self.clock.now())
        record = await self._load(continuation.execution_key)
        status = await self.store.point_status(continuation.execution_key, continuation.point_id)
        if record is None or status is None:
            raise ContinuationNotFound("unknown continuation")
        if status not in ("pending", "claimed"):  # claimed: a resume is in flight, or died before its commit
            raise ContinuationAlreadyUsed("this continuation was already resumed", record.execution_key)
        point = record.point(continuation.point_id)
        if point is None:
            raise ContinuationAlreadyUsed("this continuation was already resumed", record.execution_key)
        return views.continuation_view(record, point)

    async def describe_execution(self, execution_key: str) -> dict[str, Any]:
        record = await self._load(execution_key)
        if record is None:
            raise ExecutionNotFound("unknown execution")
        return views.execution_view(self, record)

    async def run_due_timers(self, limit: int = 100, stop_at: datetime | None = None) -> int:
        """Fire every due timer once (across any number of workers): expired suspensions
        resume with States.Timeout, long Waits and boundary stops continue. Returns how many
        were fired. With `stop_at` (a serverless tick), no timer is taken after it, and the
        executions it resumes stop at a state boundary by then. A timer that fails is retried
        with backoff, then fails its execution (`execution/timers.py`)."""
        return await fire_due_timers(self, limit, stop_at)

    async def continue_execution(
        self, execution_key: str, stop_at: datetime | None = None
    ) -> ExecutionResult:
        """Continue an execution that stopped at a state boundary (a new activation's work)."""
        record = await self._load(execution_key)
        if record is None:
            raise ExecutionNotFound("unknown execution")
        point = record.first_of_kind(PointKind.CONTINUE)
        if point is None:
            raise ContinuationAlreadyUsed("nothing to continue", execution_key)
        return await self._resume_point(
            execution_key, point.id, ResumeEvent("continue", point.id), None, stop_at
        )

    def resume_url(self, token: str, record: ExecutionRecord) -> str:
        return views.resume_url(self, token, record)

    async def _resume_point(
        self,
        execution_key: str,
        point_id: str,
        event: ResumeEvent,
        caller: dict[str, Any] | None,
        stop_at: datetime | None,
        base_url: str | None = None,
    ) -> ExecutionResult:
        """Claim the point, admit the resume, note it in the audit and history, run and commit."""
        owner, record, point = await claims.claim(self.store, execution_key, point_id)
        if base_url and not views.base_url(self, record):
            record = replace(record, base_url=base_url)
        try:
            located, route = locate(record.position, point_id)
            details = located if located is not None else views.point_details(record, point_id)
            if event.kind not in ("continue", "expire"):
                event = replace(event, route=route)  # only the branch holding the point runs
            if event.kind == "success":
                check_resume_schema(details, event.input)
            check_merged_payload(details, event, self.settings.max_payload_bytes)
            machine = await self._machine(record)
        except BaseException:
            await self.store.release(execution_key, point_id, owner)
            raise
        now = iso_timestamp(self.clock.now())
        line = audit_line(now, point.state, event.kind, point_id, **(caller or {}), error=event.error)
        resumed = {"timestamp": now, "type": "ExecutionResumed", "state": point.state, "outcome": event.kind}
        record = replace(record, audit=append_audit(record.audit, line), history=(*record.history, resumed))
        try:
            return await commit.advance(
                self, machine, record, event, stop_at, owner=owner, finished_point=point_id
            )
        except Exception:
            # The run or its commit failed, or the commit's answer was lost: if it did not happen,
            # free the point now rather than when the lease lapses (if it did, the lock is gone
            # and this does nothing).
            await claims.release_quietly(self.store, execution_key, point_id, owner)
            raise

    async def _machine(self, record: ExecutionRecord) -> Machine:
        machine = machine_by_hash(record.definition_hash, record.machine)
        if machine is not None:
            return machine
        text = await self.store.load_definition(record.definition_hash)
        if text is None:
            raise StoreUnavailable("the execution's definition is missing from the store")
        return parse(text, record.machine)

    async def _load(self, execution_key: str) -> ExecutionRecord | None:
        stored = await self.store.load(execution_key)
        return None if stored is None else ExecutionRecord.from_json(stored)

    def _check_input_depth(self, value: JSON, what: str) -> None:
        if self.check_input_depth:
            check_input_depth(value, self.settings.max_payload_depth, what)
