"""The engine, the one façade every adapter calls: start, suspend, resume exactly once,
timers — over a store.

`Engine` is the façade the adapters (CLI, dev server, web action, worker) call. It runs the
pure interpreter, turns a Suspension into a snapshot record plus continuation tokens, and on
resume claims the pending point (so a double click resumes once), continues the interpreter
from the snapshot and commits the new record in one write.

Record (snapshot format 1, JSON):
    format, executionKey, executionId, machine, definitionHash, status, input, startTime,
    stopTime, position (the interpreter's position tree, or null), output, error, cause,
    pending (open points: id, kind, state, due, data, token, schema), transitions,
    history (events named like AWS's), audit (one line per resume or heartbeat, bounded:
    execution/audit.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .access import check_allowed_actions, check_definition_depth, check_definition_size
from .asl_errors import ErrorName
from .config import Settings
from .continuations import ContinuationSigner
from .errors import (
    ContinuationAlreadyUsed,
    ContinuationExpired,
    ContinuationNotFound,
    ExecutionNotFound,
    InputError,
    Problem,
    StatesError,
    StoreUnavailable,
)
from .execution.admission import check_merged_payload, check_resume_payload
from .execution.audit import append_audit, audit_line
from .execution.timers import fire_due_timers
from .interpreter import (
    ExecutionTimedOut,
    Frame,
    Limits,
    Runtime,
    iso_timestamp,
    run_graph,
)
from .interpreter.points import PointIssuer
from .model import Machine
from .parse import _remember, json_depth, load_definition, parse, recent
from .ports import ActionInvoker, Clock, Entropy, SystemClock, SystemEntropy
from .records import RECORD_FORMAT
from .stores import Claim, NewPoint
from .suspension import ResumeEvent, Suspension, locate, pending_points, scan_position
from .timestamps import parse_timestamp
from .types import JSON


@dataclass(frozen=True, slots=True, repr=False)
class ExecutionResult:
    """How an execution ended (or paused). `status` is SUCCEEDED, FAILED, TIMED_OUT or SUSPENDED."""

    status: str
    execution_id: str
    output: JSON = None
    error: str | None = None
    cause: str | None = None
    continuation: str | None = None
    expires_at: str | None = None
    pending: tuple[dict[str, Any], ...] = ()  # every open point: continuation, state, expiresAt

    def __repr__(self) -> str:
        # Short on purpose: asyncio and loggers repr results, and outputs can be 256 KiB.
        detail = f", error={self.error!r}" if self.error else ""
        return f"ExecutionResult(status={self.status!r}, execution_id={self.execution_id!r}{detail})"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "executionId": self.execution_id}
        if self.status == "SUCCEEDED":
            out["output"] = self.output
        elif self.status in ("SUSPENDED", "RUNNING"):
            if self.continuation is not None:
                out["continuation"] = self.continuation
                out["expiresAt"] = self.expires_at
            out["output"] = self.output
            out["pending"] = list(self.pending)
        else:
            out["error"] = self.error
            out["cause"] = self.cause
        return out


log = logging.getLogger("statebox.engine")
CONTINUE_GRACE = timedelta(seconds=120)
CLAIM_WAIT_SECONDS = 10.0  # how long a resume queues behind another one of the same execution
_INTERNAL_POINTS = frozenset({"continue", "expire"})  # the engine's own timers, no continuation
FINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT"})


@dataclass(frozen=True, slots=True)
class EngineLimits(Limits):
    """The interpreter's Limits plus the ones only some states read (through getattr, so the
    interpreter runs with a plain Limits too)."""

    max_map_items: int = 100_000


@dataclass
class Engine:
    settings: Settings
    store: Any  # stores.redis.RedisStore; a zero-argument callable makes it lazily
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
            self.store = _LazyStore(self._make_store)
        if self.invoker is None:
            from .invokers.local import LocalActionInvoker

            self.invoker = LocalActionInvoker(self.settings.actions_dir)
        settings = self.settings
        self._limits = EngineLimits(
            max_payload_bytes=settings.max_payload_bytes,
            max_transitions=settings.max_transitions,
            max_map_concurrency=settings.max_map_concurrency,
            max_map_items=settings.max_map_items,
        )

    # ------------------------------------------------------------------ public operations
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
            machine = self._admit(definition, machine_name, trusted)
        self._check_input_depth(execution_input, "The execution input")
        key = secrets.token_hex(16)
        now = self.clock.now()
        record: dict[str, Any] = {
            "format": RECORD_FORMAT,
            "executionKey": key,
            "executionId": f"arn:statebox:execution:{machine.name}:{key}",
            "machine": machine.name,
            "definitionHash": machine.definition_hash,
            "status": "RUNNING",
            "input": {} if execution_input is None else execution_input,
            "startTime": iso_timestamp(now),
            "position": None,
            "pending": [],
            "transitions": 0,
            "history": [{"timestamp": iso_timestamp(now), "type": "ExecutionStarted"}],
            "audit": [],
            "baseUrl": base_url or self.base_url,
        }
        return await self._advance(machine, record, None, None, stop_at, owner="", is_new=True)

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

    async def describe_continuation(self, token: str) -> dict[str, Any]:
        """What a continuation is waiting for (never resumes anything)."""
        continuation = self.signer.verify(token, self.clock.now())
        record = await self.store.load(continuation.execution_key)
        status = await self.store.point_status(continuation.execution_key, continuation.point_id)
        if record is None or status is None:
            raise ContinuationNotFound("unknown continuation")
        if status not in ("pending", "claimed"):  # claimed: a resume is in flight, or died before its commit
            raise ContinuationAlreadyUsed("this continuation was already resumed", record["executionKey"])
        point = next((p for p in record["pending"] if p["id"] == continuation.point_id), None)
        if point is None:
            raise ContinuationAlreadyUsed("this continuation was already resumed", record["executionKey"])
        details = _point_details(record, continuation.point_id)
        return {
            "executionId": record["executionKey"],
            "machine": record["machine"],
            "state": point["state"],
            "kind": point["kind"],
            "expiresAt": point["due"],
            "data": details.get("data"),
            "schema": details.get("schema"),
        }

    async def describe_execution(self, execution_key: str) -> dict[str, Any]:
        record = await self.store.load(execution_key)
        if record is None:
            raise ExecutionNotFound("unknown execution")
        out = {
            "executionId": record["executionKey"],
            "machine": record["machine"],
            "status": record["status"],
            "input": record["input"],
            "startTime": record["startTime"],
            "history": record["history"],
            "audit": record["audit"],
        }
        for name in ("output", "error", "cause", "stopTime"):
            if name in record:
                out[name] = record[name]
        if record["status"] in ("SUSPENDED", "RUNNING"):
            out["pending"] = list(self._public_points(record))
        return out

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
        record = await self.store.load(execution_key)
        if record is None:
            raise ExecutionNotFound("unknown execution")
        point = next((p for p in record["pending"] if p["kind"] == "continue"), None)
        if point is None:
            raise ContinuationAlreadyUsed("nothing to continue", execution_key)
        return await self._resume_point(
            execution_key, point["id"], ResumeEvent("continue", point["id"]), None, stop_at
        )

    # ------------------------------------------------------------------ internals
    def _admit(self, definition: JSON | str | bytes, machine_name: str | None, trusted: bool) -> Machine:
        settings = self.settings
        machine = recent(definition, machine_name)
        if machine is None:  # new to this process: the size and depth limits, then compile
            check_definition_size(definition, settings.max_definition_bytes)
            doc = load_definition(definition)
            check_definition_depth(doc, settings.max_definition_depth)
            machine = parse(definition if isinstance(definition, dict) else doc, machine_name)
            if isinstance(definition, (str, bytes)):
                _remember(definition, machine_name, machine)
        if not trusted and settings.allowed_actions is not None:
            check_allowed_actions(machine.definition, settings.allowed_actions)
        return machine

    def _check_input_depth(self, value: JSON, what: str) -> None:
        if not self.check_input_depth:
            return
        limit = self.settings.max_payload_depth
        if isinstance(value, (dict, list)) and json_depth(value, limit) > limit:
            raise InputError([Problem("", f"{what} is nested more than {limit} levels deep")])

    async def _claim(self, execution_key: str, point_id: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """Claim a pending point for this caller: (lease owner, record, point).

        "busy": a sibling point of the same execution is being resumed; "claimed": this very
        point is, by a resume still running or one that died before committing (its lease has
        not lapsed yet). Both wait a little, then answer 503: never 409, which would tell the
        approver their answer was taken when it may not have been."""
        owner = secrets.token_hex(8)
        claim = await self._claim_once(execution_key, point_id, owner)
        waited, pause = 0.0, 0.01
        while claim.status in ("busy", "claimed") and waited < CLAIM_WAIT_SECONDS:
            await asyncio.sleep(pause)
            waited += pause
            pause = min(pause * 2, 0.25)
            claim = await self._claim_once(execution_key, point_id, owner)
        if claim.status == "busy":
            raise StoreUnavailable("the execution is busy; try again")
        if claim.status == "claimed":
            raise StoreUnavailable("this continuation is being resumed right now; try again in a minute")
        if claim.status == "missing":
            raise ContinuationNotFound("unknown continuation")
        if claim.status == "used" or claim.record is None:
            raise ContinuationAlreadyUsed("this continuation was already resumed", execution_key)
        record = claim.record
        point = next((p for p in record["pending"] if p["id"] == point_id), None)
        if point is None or record["status"] in FINAL_STATUSES:
            await self.store.release(execution_key, point_id, owner)
            raise ContinuationAlreadyUsed("this execution has already finished", execution_key)
        return owner, record, point

    async def _claim_once(self, execution_key: str, point_id: str, owner: str) -> Claim:
        try:
            return await self.store.claim(execution_key, point_id, owner)
        except StoreUnavailable:
            # The claim may still have run (a timeout, not a refusal): give it back if so.
            await self._release_quietly(execution_key, point_id, owner)
            raise

    async def _release_quietly(self, execution_key: str, point_id: str, owner: str) -> None:
        """Give a claim back if this owner still holds it (a no-op otherwise, whatever order
        the server sees this and the claim or commit in): best effort, the lease lapses anyway."""
        try:
            await self.store.release(execution_key, point_id, owner)
        except StoreUnavailable:
            pass

    async def heartbeat(self, token: str, *, caller: dict[str, Any] | None = None) -> dict[str, Any]:
        """Extend a suspended task's HeartbeatSeconds window (AWS's SendTaskHeartbeat); the
        continuation stays pending."""
        continuation = self.signer.verify(token, self.clock.now())
        key, point_id = continuation.execution_key, continuation.point_id
        owner, record, point = await self._claim(key, point_id)
        now = self.clock.now()
        missed = parse_timestamp(point.get("heartbeatDue"))
        if missed is not None and missed <= now:
            # AWS: a heartbeat after the window closed is refused (the task has timed out).
            await self.store.release(key, point_id, owner)
            raise ContinuationExpired("the heartbeat window has already closed")
        seconds = point.get("heartbeat")
        if seconds:
            due = iso_timestamp(now + timedelta(seconds=seconds))
            for same in (point, *(p for p in pending_points(record["position"]) if p["id"] == point_id)):
                same["heartbeatDue"] = due
        line = audit_line(iso_timestamp(now), point["state"], "heartbeat", point_id, **(caller or {}))
        append_audit(record, line)
        saved = await self.store.save(
            record,
            ttl_seconds=self._ttl(record),
            new_points=[NewPoint(point_id, _timer_due(point, now), point["kind"])],  # re-arm it
            owner=owner,
        )
        if not saved:
            raise StoreUnavailable("another resume took over this execution; try again")
        return {
            "executionId": key,
            "state": point["state"],
            "status": record["status"],
            "heartbeatDue": point.get("heartbeatDue"),
            "expiresAt": point["due"],
        }

    async def _resume_point(
        self,
        execution_key: str,
        point_id: str,
        event: ResumeEvent,
        caller: dict[str, Any] | None,
        stop_at: datetime | None,
        base_url: str | None = None,
    ) -> ExecutionResult:
        owner, record, point = await self._claim(execution_key, point_id)
        if base_url and not self._base(record):
            record["baseUrl"] = base_url
        try:
            located, route = locate(record.get("position"), point_id)
            details = located if located is not None else _point_details(record, point_id)
            if event.kind not in ("continue", "expire"):
                event = replace(event, route=route)  # only the branch holding the point runs
            if event.kind == "success" and details.get("schema") is not None:
                self._check_resume_input(details, event.input)
            check_merged_payload(details, event, self.settings.max_payload_bytes)
            machine = await self._machine(record)
        except BaseException:
            await self.store.release(execution_key, point_id, owner)
            raise
        now = self.clock.now()
        line = audit_line(
            iso_timestamp(now), point["state"], event.kind, point_id, **(caller or {}), error=event.error
        )
        append_audit(record, line)
        record["history"].append(
            {
                "timestamp": iso_timestamp(now),
                "type": "ExecutionResumed",
                "state": point["state"],
                "outcome": event.kind,
            }
        )
        try:
            return await self._advance(
                machine, record, record["position"], event, stop_at, owner=owner, finished_point=point_id
            )
        except Exception:
            # The run or its commit failed, or the commit's answer was lost: if it did not happen,
            # free the point now rather than when the lease lapses (if it did, the lock is gone
            # and this does nothing).
            await self._release_quietly(execution_key, point_id, owner)
            raise

    def _check_resume_input(self, point: dict[str, Any], resume_input: JSON) -> None:
        # Nothing fetched, regular expressions bounded in time: resume_schema.py.
        from .resume_schema import resume_input_problems

        problems = resume_input_problems(point["schema"], resume_input)
        if problems:
            raise InputError(problems)

    async def _machine(self, record: dict[str, Any]) -> Machine:
        from .parse import machine_by_hash

        machine = machine_by_hash(record["definitionHash"], record["machine"])
        if machine is not None:
            return machine
        text = await self.store.load_definition(record["definitionHash"])
        if text is None:
            raise StoreUnavailable("the execution's definition is missing from the store")
        return parse(text, record["machine"])

    def _runtime(
        self, machine: Machine, record: dict[str, Any], event: ResumeEvent | None, stop_at: datetime | None
    ) -> Runtime:
        key = record["executionKey"]
        settings = self.settings
        return Runtime(
            invoker=self.invoker,  # type: ignore[arg-type]
            clock=self.clock,
            entropy=self.entropy,
            limits=self._limits,
            execution_id=record["executionId"],
            execution_name=key,
            execution_input=record["input"],
            start_time=parse_timestamp(record["startTime"]) or self.clock.now(),
            state_machine_id=f"arn:statebox:stateMachine:{machine.name}",
            state_machine_name=machine.name,
            transitions=record["transitions"],
            first_transition=record["transitions"],
            stop_at=stop_at,
            resume_event=event,
            points=PointIssuer(
                sign=lambda point_id, due: self.signer.issue(key, point_id, due),
                url=(lambda token: self.resume_url(token, record)) if self._base(record) else None,
                default_seconds=settings.default_suspension_seconds,
            ),
            wait_suspend_seconds=settings.wait_suspend_seconds,
            history=[] if self.keep_history else None,
            event_sink=self.event_sink,
            execution_deadline=self._deadline(machine, record),
        )

    def _deadline(self, machine: Machine, record: dict[str, Any]) -> datetime | None:
        if machine.timeout_seconds is None:
            return None
        start = parse_timestamp(record["startTime"]) or self.clock.now()
        return start + timedelta(seconds=machine.timeout_seconds)

    def _base(self, record: dict[str, Any]) -> str | None:
        return record.get("baseUrl") or self.base_url

    def resume_url(self, token: str, record: dict[str, Any]) -> str:
        base = self._base(record) or ""
        return f"{base}{'&' if '?' in base else '?'}continuation={token}"

    async def _advance(self, *args: Any, owner: str, **options: Any) -> ExecutionResult:
        """Run and commit; a resume holds the execution's lease meanwhile and renews it, or a
        run longer than the lease would let a second click (or the timeout timer) claim the
        same point again. Most resumes end long before a renewal is due, so the renewal task
        is only started when the first one is (a timer handle costs far less than a task)."""
        if not owner:
            return await self._run_and_commit(*args, owner=owner, **options)
        renewal = _LeaseRenewal(self, args[1]["executionKey"], owner)
        try:
            return await self._run_and_commit(*args, owner=owner, **options)
        finally:
            renewal.stop()

    async def _run_and_commit(
        self,
        machine: Machine,
        record: dict[str, Any],
        position: dict[str, Any] | None,
        event: ResumeEvent | None,
        stop_at: datetime | None,
        *,
        owner: str,
        is_new: bool = False,
        finished_point: str | None = None,
    ) -> ExecutionResult:
        runtime = self._runtime(machine, record, event, stop_at)
        points: list[dict[str, Any]] | None = None  # the open points, with their data, once scanned
        previous_points = {p["id"] for p in record["pending"]}
        deadline = runtime.execution_deadline
        try:
            if event is not None and event.kind == "expire":
                raise ExecutionTimedOut()
            if is_new:
                runtime.check_size(record["input"], "The execution input")
            run = run_graph(machine.graph, record["input"], Frame(runtime=runtime), position)
            if deadline is None:
                output = await run
            else:
                async with asyncio.timeout((deadline - self.clock.now()).total_seconds()):
                    output = await run
            if deadline is not None and self.clock.now() > deadline:
                raise ExecutionTimedOut()  # the last state outlived the deadline (injected clocks)
            runtime.check_size(output, "The execution output")
        except (ExecutionTimedOut, TimeoutError):
            record.update(
                status="TIMED_OUT",
                error=ErrorName.TIMEOUT.value,
                cause=f"The execution ran past the machine's TimeoutSeconds ({machine.timeout_seconds:g}).",
                position=None,
                pending=[],
            )
        except StatesError as failure:
            record.update(
                status="FAILED", error=failure.error, cause=failure.cause, position=None, pending=[]
            )
        except RecursionError:
            # Data nested deeper than the interpreter can walk (built at run time, e.g. by
            # States.StringToJson or an action's result): a clear failure, never a traceback.
            _fail_too_deep(record, "process")
        except Suspension as stop:
            try:
                points, boundary = scan_position(stop.position)
            except RecursionError:
                _fail_too_deep(record, "process")
            else:
                if deadline is not None:
                    # One expiry timer per execution, kept across re-suspensions.
                    expiry = next((p for p in record["pending"] if p["kind"] == "expire"), None)
                    points.append(expiry or _internal_point("expire", deadline))
                if boundary:
                    # The self-invoked continuation normally takes it at once; the timer is only
                    # the safety net, so it waits long enough not to race that activation.
                    points.append(_internal_point("continue", self.clock.now() + CONTINUE_GRACE))
                record.update(
                    status="RUNNING" if any(p["kind"] == "continue" for p in points) else "SUSPENDED",
                    position=stop.position,
                    # The points' data and schema stay in the position tree only: storing them
                    # twice made a suspended record several times its data.
                    pending=[{k: v for k, v in p.items() if k not in ("data", "schema")} for p in points],
                )
        else:
            record.update(status="SUCCEEDED", output=output, position=None, pending=[])
        now = self.clock.now()
        record["transitions"] = runtime.transitions
        if runtime.history:
            record["history"].extend(runtime.history)
        final_event = {"timestamp": iso_timestamp(now), "type": _event_for(record["status"])}
        record["history"].append(final_event)
        if self.event_sink is not None:
            self.event_sink(record["executionKey"], final_event)
        if record["status"] in FINAL_STATUSES:
            record["stopTime"] = iso_timestamp(now)
        new_points = [
            NewPoint(p["id"], _timer_due(p, now), p["kind"])
            for p in record["pending"]
            if p["id"] not in previous_points
        ]
        if is_new and not self.persist_finished and record["status"] in FINAL_STATUSES:
            return self._result(record, points)
        definition = (machine.definition_hash, _definition_text(machine)) if is_new else None
        try:
            saved = await self.store.save(
                record,
                ttl_seconds=self._ttl(record),
                new_points=new_points,
                finished_point=finished_point,
                owner=owner,
                definition=definition,
            )
        except RecursionError:
            # The record could not be encoded (data nested too deeply): store it as failed
            # instead, so the continuation is used up cleanly rather than left half-written.
            _fail_too_deep(record, "store")
            record.update(input=None, stopTime=iso_timestamp(now))
            record["history"].append({"timestamp": iso_timestamp(now), "type": "ExecutionFailed"})
            saved = await self.store.save(
                record,
                ttl_seconds=self._ttl(record),
                new_points=[],
                finished_point=finished_point,
                owner=owner,
                definition=definition,
            )
        if not saved:
            raise StoreUnavailable("another resume took over this execution; try again")
        return self._result(record, points)

    def _ttl(self, record: dict[str, Any]) -> int:
        retention = int(self.settings.retention_seconds)
        if record["status"] in FINAL_STATUSES:
            return retention
        latest = max(
            ((parse_timestamp(p["due"]) or self.clock.now()) for p in record["pending"]),
            default=self.clock.now(),
        )
        return max(1, int((latest - self.clock.now()).total_seconds())) + retention

    def _public_points(
        self, record: dict[str, Any], points: list[dict[str, Any]] | None = None
    ) -> tuple[dict[str, Any], ...]:
        """The open points a caller may see (not the engine's own timers), with their data."""
        hidden = self.settings.hide_continuations
        # The data lives in the position tree; records written before it moved there keep it in
        # `pending`.
        if points is None and not hidden:
            points = pending_points(record.get("position"))
        details = {} if hidden else {p["id"]: p for p in points or ()}
        public = []
        for point in record["pending"]:
            if point["kind"] in _INTERNAL_POINTS:
                continue
            out: dict[str, Any] = {"state": point["state"], "kind": point["kind"], "expiresAt": point["due"]}
            if not hidden:  # hidden: the data too, as a callback task's data often carries its token
                if point["kind"] in ("merge", "token") and point.get("token"):
                    out["continuation"] = point["token"]
                    if self._base(record):
                        out["resumeUrl"] = self.resume_url(point["token"], record)
                data = details.get(point["id"], point).get("data")
                if data is not None:
                    out["data"] = data
            public.append(out)
        return tuple(public)

    def _result(self, record: dict[str, Any], points: list[dict[str, Any]] | None = None) -> ExecutionResult:
        status = record["status"]
        key = record["executionKey"]
        if status == "SUCCEEDED":
            return ExecutionResult(status, key, output=record["output"])
        if status in ("FAILED", "TIMED_OUT"):
            return ExecutionResult(status, key, error=record.get("error"), cause=record.get("cause"))
        public = self._public_points(record, points)
        first = next((p for p in public if "continuation" in p), None)
        return ExecutionResult(
            status,
            key,
            output=(first or (public[0] if public else {})).get("data"),
            continuation=first["continuation"] if first else None,
            expires_at=first["expiresAt"] if first else None,
            pending=public,
        )


class _LeaseRenewal:
    """Renews a resume's lease every third of the lease while the resume runs."""

    def __init__(self, engine: Engine, execution_key: str, owner: str) -> None:
        self.engine = engine
        self.execution_key = execution_key
        self.owner = owner
        self.interval = getattr(engine.store, "lease_ms", 60_000) / 3000
        self.task: asyncio.Task[None] | None = None
        self.timer = asyncio.get_running_loop().call_later(self.interval, self._start)

    def _start(self) -> None:
        self.task = asyncio.create_task(self._renew_until_stopped())

    async def _renew_until_stopped(self) -> None:
        store = self.engine.store
        while True:
            try:
                if not await store.renew(self.execution_key, self.owner):
                    return  # committed meanwhile, or taken over (then the commit is refused)
            except StoreUnavailable:
                log.warning("could not renew the lease on %s (store unavailable)", self.execution_key[:8])
            await asyncio.sleep(self.interval)

    def stop(self) -> None:
        self.timer.cancel()
        if self.task is not None:
            self.task.cancel()


class _LazyStore:
    """Creates the real store on first use, so runs that never suspend never build one."""

    def __init__(self, make: Any) -> None:
        self._make = make
        self._store: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._store is None:
            self._store = self._make()
        return getattr(self._store, name)


_LOCAL: dict[str, Any] = {}


def local_engine_parts() -> tuple[Any, ContinuationSigner]:
    """The process-wide in-process store and signer behind `statebox.run` (created lazily)."""
    if "signer" not in _LOCAL:
        from .stores.redis import RedisStore

        _LOCAL["signer"] = ContinuationSigner(secrets.token_bytes(32))
        _LOCAL["store"] = _LazyStore(RedisStore.in_process)
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


def _point_details(record: dict[str, Any], point_id: str) -> dict[str, Any]:
    """A pending point as the position tree holds it (with its data and resume schema)."""
    for point in pending_points(record.get("position")):
        if point.get("id") == point_id:
            return point
    # Records written before the data moved out of `pending` still carry it there.
    return next((p for p in record["pending"] if p["id"] == point_id), {})


def _timer_due(point: dict[str, Any], now: datetime) -> float:
    """When a point's timer fires: its deadline, or its heartbeat deadline if sooner."""
    due = parse_timestamp(point["due"]) or now
    heartbeat_due = parse_timestamp(point.get("heartbeatDue"))
    if heartbeat_due is not None and heartbeat_due < due:
        due = heartbeat_due
    return due.timestamp()


def _fail_too_deep(record: dict[str, Any], verb: str) -> None:
    record.update(
        status="FAILED",
        error=ErrorName.RUNTIME.value,
        cause=f"The execution's data is nested too deeply to {verb}.",
        position=None,
        pending=[],
    )
    record.pop("output", None)


def _internal_point(kind: str, due: datetime) -> dict[str, Any]:
    """A pending point of the engine's own: no continuation, only a timer."""
    return {
        "id": secrets.token_hex(16),
        "kind": kind,
        "state": "",
        "due": iso_timestamp(due),
        "data": None,
        "token": None,
    }


def _event_for(status: str) -> str:
    return {
        "SUCCEEDED": "ExecutionSucceeded",
        "FAILED": "ExecutionFailed",
        "TIMED_OUT": "ExecutionTimedOut",
        "SUSPENDED": "ExecutionSuspended",
        "RUNNING": "ExecutionStopped",
    }[status]


def _definition_text(machine: Machine) -> str:
    return machine.definition_text or json.dumps(
        machine.definition, separators=(",", ":"), ensure_ascii=False
    )


def utc_now() -> datetime:
    return datetime.now(UTC)
