"""The whole HTTP surface of DESIGN.md as one transport-neutral function:
`await handle(request, service) -> HttpResponse`.

    POST /                       body = ASL definition, ?input=JSON          start
    POST /                       body = {"definition" | "stateMachine", "input"}   start
    POST /NAME                   start state_machines/NAME.json, body = input
    POST /?continuation=ID       resume, body / query fields merged in; {"error", "cause"} fails it
    POST /?continuation=ID&heartbeat=1   a heartbeat for the suspended task; stays pending
    GET  /?continuation=ID       what is pending (JSON), or a confirmation page for a browser
    GET  /?execution=ID          status, output and history

The status-code table for our errors lives here and nowhere else. Request JSON is decoded by
`strictjson` (refused before the engine stores or claims anything); every answer goes out
through `security.finish` (security headers, strict JSON).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from .. import strictjson
from ..errors import (
    ContinuationAlreadyUsed,
    ContinuationExpired,
    DefinitionError,
    Forbidden,
    InputError,
    MachineNotFound,
    NotFound,
    PayloadTooLarge,
    Problem,
    StateboxError,
    StoreUnavailable,
)
from ..execution.continuations import redact
from ..execution.engine import Engine
from ..execution.stored_inputs import check_start_input
from ..execution.views import ExecutionResult
from . import pages
from .protocol import HttpRequest, HttpResponse
from .security import finish, refuse_cross_site

log = logging.getLogger("statebox.web")

STATUS_FOR_ERROR: dict[type[StateboxError], int] = {
    DefinitionError: 400,
    InputError: 400,
    Forbidden: 403,
    NotFound: 404,
    ContinuationAlreadyUsed: 409,
    ContinuationExpired: 410,
    PayloadTooLarge: 413,
    StoreUnavailable: 503,
}
_MACHINE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}\Z")


@dataclass
class Service:
    """What the handler needs: the engine, where stored machines live, and limits."""

    engine: Engine
    machines_dir: Path
    max_request_bytes: int = 1024 * 1024
    stored: dict[str, tuple[int, str]] = field(default_factory=dict)  # name -> (mtime, text)


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(status, body, {"Content-Type": "application/json"})


def _html(status: int, body: str) -> HttpResponse:
    return HttpResponse(status, body, {"Content-Type": "text/html; charset=utf-8"})


def _body(request: HttpRequest) -> Any:
    """The request body as JSON (None when empty); form posts become a dict of fields.
    Whatever cannot be carried on as JSON (NaN, 1e400, lone surrogates) is refused here."""
    if request.parsed_body is not None:
        return strictjson.check_value(request.parsed_body, "the request body")
    if request.form is not None:
        return strictjson.check_value(dict(request.form), "the form")
    if not request.body:
        return None
    if len(request.body) > 0 and request.header("content-type").startswith(
        "application/x-www-form-urlencoded"
    ):
        try:
            return dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise InputError([Problem("", "the form body is not UTF-8")]) from None
    return strictjson.parse(request.body, "the request body")


def _query_value(name: str, text: str) -> Any:
    """Resume fields from the query: `?approved=true` is true, `?decision=approved` the string."""
    what = f"the query field {name!r}"
    try:
        return strictjson.decode(text, what)
    except ValueError:  # not JSON: the text itself
        return strictjson.check_value(text, what)


def _result_response(result: ExecutionResult, request: HttpRequest) -> HttpResponse:
    status = 202 if result.status in ("SUSPENDED", "RUNNING") else 200
    body = result.to_json()
    if result.continuation is not None:
        body["resumeUrl"] = _resume_url(request.base_url, result.continuation)
    return _json(status, body)


def _resume_url(base_url: str, token: str) -> str:
    return f"{base_url}{'&' if '?' in base_url else '?'}continuation={token}"


async def handle(request: HttpRequest, service: Service) -> HttpResponse:
    """Answer one request. Never raises: every failure is a response, and every response
    carries the security headers and is valid JSON (or HTML)."""
    return finish(await _answer(request, service))


async def _answer(request: HttpRequest, service: Service) -> HttpResponse:
    try:
        if len(request.body) > service.max_request_bytes:
            raise PayloadTooLarge(f"the request body is larger than {service.max_request_bytes} bytes")
        if request.method.upper() == "POST":
            refuse_cross_site(request)
        return await _route(request, service)
    except StateboxError as exc:
        status = next((code for cls, code in STATUS_FOR_ERROR.items() if isinstance(exc, cls)), 400)
        return _error_response(request, status, exc)
    except Exception:  # noqa: BLE001 - the last line of defence: log, never show a traceback
        request_id = secrets.token_hex(6)
        log.exception("request %s failed", request_id)
        return _json(500, {"error": "InternalError", "message": f"unexpected failure (request {request_id})"})


def _error_response(request: HttpRequest, status: int, exc: StateboxError) -> HttpResponse:
    if request.wants_html() and status in pages.PAGE_FOR_STATUS:
        title, message = pages.PAGE_FOR_STATUS[status]
        return _html(status, pages.result_page(title, message))
    body: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
    problems = getattr(exc, "problems", None)
    if problems:
        body["problems"] = [{"pointer": p.pointer, "message": p.message} for p in problems]
    if isinstance(exc, ContinuationAlreadyUsed) and exc.execution_id:
        body["executionId"] = exc.execution_id
    return _json(status, body)


async def _route(request: HttpRequest, service: Service) -> HttpResponse:
    query = request.query
    method = request.method.upper()
    names_a_machine = method == "POST" and request.path.strip("/") != ""  # POST /NAME always starts
    if "continuation" in query and not names_a_machine:
        if method == "GET":
            return await _show_continuation(request, service)
        if method == "POST":
            return await _resume(request, service)
    elif "execution" in query and method == "GET":
        return _json(200, await service.engine.describe_execution(query["execution"]))
    elif method == "POST":
        return await _start(request, service)
    elif method == "GET" and request.path.strip("/") == "":
        return _json(200, {"service": "statebox", "machines": _stored_machines(service)})
    if request.path.strip("/") == "":
        message = f"{method} is not allowed here: GET or POST"
        return HttpResponse(
            405,
            {"error": "MethodNotAllowed", "message": message},
            {"Content-Type": "application/json", "Allow": "GET, POST"},
        )
    return _json(404, {"error": "NotFound", "message": "no such route"})


def _stored_machines(service: Service) -> list[str]:
    if not service.machines_dir.is_dir():
        return []
    return sorted(p.stem for p in service.machines_dir.glob("*.json"))


def _stored_machine(service: Service, name: str) -> tuple[str, str]:
    if not _MACHINE_NAME.match(name):
        raise MachineNotFound(f"no stored machine named {name!r}")
    path = service.machines_dir / f"{name}.json"
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        raise MachineNotFound(f"no stored machine named {name!r}") from None
    cached = service.stored.get(name)
    if cached is None or cached[0] != stamp:  # read again only when the file changed
        try:
            cached = (stamp, path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            raise MachineNotFound(f"no stored machine named {name!r}") from None
        service.stored[name] = cached
    return cached[1], name


async def _start(request: HttpRequest, service: Service) -> HttpResponse:
    name = request.path.strip("/")
    body = _body(request)
    if name:
        definition, machine_name = _stored_machine(service, name)
        execution_input = body if body is not None else {}
    elif isinstance(body, dict) and ("definition" in body or "stateMachine" in body):
        if "stateMachine" in body:
            definition, machine_name = _stored_machine(service, str(body["stateMachine"]))
        else:
            _refuse_posted_definitions(service)
            definition, machine_name = body["definition"], None
        execution_input = body.get("input", {})
    elif isinstance(body, dict) and ("States" in body or "StartAt" in body):
        _refuse_posted_definitions(service)
        definition, machine_name = body, None
        query_input = request.query.get("input")
        execution_input = {} if query_input is None else strictjson.parse(query_input, "?input=")
    else:
        raise InputError(
            [
                Problem(
                    "",
                    'POST an ASL definition (with ?input=JSON), {"definition": ..., "input": ...}, '
                    '{"stateMachine": NAME, ...} or POST /NAME with the input',
                )
            ]
        )
    if machine_name is not None:
        check_start_input(service.machines_dir, machine_name, execution_input)
    result = await service.engine.start(
        definition,
        execution_input,
        machine_name=machine_name,
        base_url=request.base_url,
        stop_at=request.deadline,
        trusted=machine_name is not None,  # stored machines are the operator's own
    )
    return _result_response(result, request)


def _refuse_posted_definitions(service: Service) -> None:
    if service.engine.settings.stored_machines_only:
        raise Forbidden(
            "this deployment runs stored machines only: POST /NAME or "
            '{"stateMachine": NAME, "input": ...} with one of the names GET / lists; '
            "posted definitions are refused (STATEBOX_STORED_MACHINES_ONLY)"
        )


async def _show_continuation(request: HttpRequest, service: Service) -> HttpResponse:
    token = request.query["continuation"]
    pending = await service.engine.describe_continuation(token)
    if request.wants_html():
        return _html(200, pages.confirmation_page(pending, _resume_url(request.base_url, token)))
    pending["resumeUrl"] = _resume_url(request.base_url, token)
    return _json(200, pending)


async def _resume(request: HttpRequest, service: Service) -> HttpResponse:
    token = request.query["continuation"]
    if request.query.get("heartbeat") in ("1", "true"):
        caller = {"address": request.remote, "userAgent": request.header("user-agent") or None}
        return _json(200, await service.engine.heartbeat(token, caller=caller))
    body = _body(request)
    if body is not None and not isinstance(body, dict):
        raise InputError([Problem("", "the resume input must be a JSON object")])
    fields = {k: _query_value(k, v) for k, v in request.query.items() if k != "continuation"}
    resume_input = {**fields, **(body or {})}
    caller = {"address": request.remote, "userAgent": request.header("user-agent") or None}
    error = resume_input.pop("error", None) if "error" in resume_input else None
    if error is not None:
        result = await service.engine.resume(
            token,
            error=str(error),
            cause=_text(resume_input.get("cause")),
            caller=caller,
            base_url=request.base_url,
            stop_at=request.deadline,
        )
    else:
        if request.form is not None or request.header("content-type").startswith(
            "application/x-www-form-urlencoded"
        ):
            resume_input = {k: v for k, v in resume_input.items() if not (k == "comment" and v == "")}
        result = await service.engine.resume(
            token, resume_input, caller=caller, base_url=request.base_url, stop_at=request.deadline
        )
    log.info("resumed %s -> %s", redact(token), result.status)
    if request.wants_html():
        decision = resume_input.get("decision")
        title = {"approved": "Approved", "rejected": "Rejected"}.get(str(decision), "Thank you")
        return _html(200, pages.result_page(title, "Your answer was recorded."))
    return _result_response(result, request)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)
