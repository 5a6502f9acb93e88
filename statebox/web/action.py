"""The OpenWhisk web-action entry point: `main(args)` → `{statusCode, headers, body}`.

It builds its Settings from `settings_table` (the `statebox_*` parameters; an environment
variable, where the action's process has one, wins) and translates the arguments into an
HttpRequest with `owargs.to_request`, the same translation for `--web raw` and `--web true`.
Under `--web true` a request can add any argument the operator did not bind, so there the
operator lists the parameters they bind in `statebox_parameters`, and a request naming any
other `statebox_*` field is refused with 400 (`settings_table.web_true_problems`).

It never lets an exception escape and never returns a top-level `error` key (contract §0.5).
An activation with `statebox_tick: true` and no `__ow_method` (an alarm trigger's rule, see the
README) fires the due timers instead and answers `{"fired": n}` (as a web response).
One event loop, engine and Redis connection pool per container, reused across activations.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import InputError, Problem
from ..eventloop import new_event_loop
from ..settings_table import load, web_true_problems
from .owargs import is_merged
from .owargs import to_request as _to_request
from .protocol import HttpRequest, HttpResponse

log = logging.getLogger("statebox.action")

_CONTAINER: dict[str, Any] = {}
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def _json_response(status: int, body: Any) -> dict[str, Any]:
    from .security import SECURITY_HEADERS  # the handler's answers have them; so do these

    return {
        "statusCode": status,
        "headers": {**SECURITY_HEADERS, "Content-Type": "application/json"},
        "body": body,
    }


def _not_configured(problems: list[str]) -> dict[str, Any]:
    message = "statebox is not configured: " + "; ".join(problems)
    return _json_response(500, {"message": message, "kind": "ConfigurationError"})


def _refused(problems: list[Problem]) -> dict[str, Any]:
    body = {
        "error": "InputError",
        "message": "; ".join(p.message for p in problems),
        "problems": [{"pointer": p.pointer, "message": p.message} for p in problems],
    }
    return _json_response(400, body)


def main(args: dict[str, Any]) -> dict[str, Any]:
    try:
        if is_merged(args):
            deployment, request_problems = web_true_problems(args)
            if deployment:
                return _not_configured(deployment)
            if request_problems:
                return _refused(request_problems)
        try:
            settings = _settings(args)
        except InputError as exc:  # a parameter with a value it cannot have
            return _not_configured([str(exc)])
        problems = _required(settings) or settings.startup_problems()
        if problems:
            return _not_configured(problems)
        service = _service(settings)
        deadline = activation_deadline()
        if is_tick(args):
            fired = _loop().run_until_complete(service.engine.run_due_timers(stop_at=deadline))
            return _json_response(200, {"fired": fired})
        if is_continuation(args):
            result = _loop().run_until_complete(
                service.engine.continue_execution(str(args["statebox_continue"]), stop_at=deadline)
            )
            _continue_if_running(result.status, result.execution_id, service, settings)
            return _json_response(200, {"status": result.status, "executionId": result.execution_id})
        request = replace(to_request(args, settings), deadline=deadline)
        from .handler import handle

        response = _loop().run_until_complete(handle(request, service))
        if response.status == 202 and isinstance(response.body, dict):
            _continue_if_running(
                response.body.get("status"), response.body.get("executionId"), service, settings
            )
        return to_result(response)
    except Exception:  # noqa: BLE001 - contract §0.5: always answer {statusCode, headers, body}
        request_id = secrets.token_hex(6)
        log.exception("activation failed (request %s)", request_id)
        return _json_response(
            500, {"message": f"unexpected failure (request {request_id})", "kind": "InternalError"}
        )


def _required(settings: Settings) -> list[str]:
    if not settings.secret:
        return ["set the statebox_secret parameter to sign continuations (`openssl rand -hex 32`)"]
    if not settings.redis_url:
        return ["set the statebox_redis_url parameter: a web action keeps its state in Redis"]
    return []


# A web request is answered within 60 s by the controller whatever the action's limit
# (contract §0.3); stop this much earlier to save the snapshot and answer.
WEB_WAIT_SECONDS = 60.0
MARGIN_SECONDS = 8.0
_ACTIVATION_START = "activation_start"


def activation_deadline(now: datetime | None = None) -> datetime:
    """When this activation must stop at a state boundary: the earlier of `__OW_DEADLINE` and
    the controller's 60-second web wait, less a margin."""
    now = now or datetime.now(UTC)
    limit = now + timedelta(seconds=WEB_WAIT_SECONDS)
    raw = os.environ.get("__OW_DEADLINE")
    if raw:
        try:
            limit = min(limit, datetime.fromtimestamp(int(raw) / 1000, UTC))
        except (ValueError, OverflowError, OSError):
            pass
    return limit - timedelta(seconds=MARGIN_SECONDS)


def is_continuation(args: dict[str, Any]) -> bool:
    """The action invoking itself to continue a long execution (never a web request)."""
    return bool(args.get("statebox_continue")) and "__ow_method" not in args


def _continue_if_running(status: Any, execution_id: Any, service: Any, settings: Settings) -> None:
    """An execution stopped at a boundary continues in a fresh, non-blocking activation of this
    same action; the worker's "continue" timer is the safety net if that invoke fails."""
    if status != "RUNNING" or not execution_id:
        return
    try:
        _loop().run_until_complete(continue_elsewhere(str(execution_id), service, settings))
    except Exception:  # noqa: BLE001 - the timer still continues it; log and answer 202
        log.exception("could not start a continuation activation for %s", execution_id)


async def continue_elsewhere(execution_id: str, service: Any, settings: Settings) -> None:
    from ..invokers.openwhisk import OpenWhiskInvoker

    action = os.environ.get("__OW_ACTION_NAME", "")
    host, key = settings.ow_api_host, settings.ow_api_key
    if not action or not host or not key:
        raise RuntimeError("no __OW_ACTION_NAME / API host / API key (deploy with -a provide-api-key true)")
    invoker = OpenWhiskInvoker(host, key)
    await invoker.invoke_nonblocking(action, {"statebox_continue": execution_id})


def is_tick(args: dict[str, Any]) -> bool:
    """A timer tick: an alarm trigger's `statebox_tick: true`, never a web request (a `--web true`
    request could otherwise smuggle the field in)."""
    return args.get("statebox_tick") in (True, "true") and "__ow_method" not in args


def _loop() -> asyncio.AbstractEventLoop:
    loop = _CONTAINER.get("loop")
    if loop is None or loop.is_closed():
        loop = new_event_loop()
        _CONTAINER["loop"] = loop
    return loop


def _settings(args: dict[str, Any]) -> Settings:
    """Settings from the table: the environment, else the `statebox_*` parameters. What is not
    set defaults to the action's own identity (contract §2.1) and the zip's folders."""
    settings = load(os.environ, args)
    env = os.environ
    settings = replace(
        settings,
        # openwhisk: Tasks go over REST when an API host is known, else run locally.
        ow_api_host=settings.ow_api_host or env.get("__OW_API_HOST") or None,
        ow_api_key=settings.ow_api_key or env.get("__OW_API_KEY") or None,
        machines_dir=settings.machines_dir or _PACKAGE_ROOT / "state_machines",
    )
    if not settings.actions_dir.is_absolute():
        settings = replace(settings, actions_dir=_PACKAGE_ROOT / settings.actions_dir)
    return settings


def _service(settings: Settings) -> Any:
    cached = _CONTAINER.get("service")
    if cached is not None and _CONTAINER.get("settings") == settings:
        return cached
    from ..continuations import ContinuationSigner
    from ..execution.engine import Engine
    from ..settings_table import invoker_for
    from ..stores.redis import RedisStore
    from .handler import Service

    assert settings.redis_url and settings.secret  # main() checked
    engine = Engine(
        settings,
        store=RedisStore.connect(settings.redis_url, prefix=settings.key_prefix),
        signer=ContinuationSigner(settings.secret),
        invoker=invoker_for(settings),
        base_url=settings.base_url,
    )
    service = Service(engine=engine, machines_dir=settings.machines_dir or _PACKAGE_ROOT / "state_machines")
    _CONTAINER.update(service=service, settings=settings)
    return service


def _public_base_url(settings: Settings) -> str:
    """`https://APIHOST/api/v1/web/NAMESPACE/PACKAGE/ACTION` from the action's own identity;
    the request's `host` header may be an internal address (contract §1.3)."""
    if settings.base_url:
        return settings.base_url
    api_host = os.environ.get("__OW_API_HOST", "").rstrip("/")
    parts = [p for p in os.environ.get("__OW_ACTION_NAME", "").split("/") if p]
    if not api_host or not parts:
        return ""
    if len(parts) == 2:
        parts = [parts[0], "default", parts[1]]
    if not api_host.startswith("http"):
        api_host = "https://" + api_host
    return f"{api_host}/api/v1/web/{'/'.join(parts)}"


def to_request(args: dict[str, Any], settings: Settings) -> HttpRequest:
    return _to_request(args, base_url=_public_base_url(settings), forwarded_hops=settings.forwarded_hops)


def to_result(response: HttpResponse) -> dict[str, Any]:
    headers = dict(response.headers)
    body = response.body
    if isinstance(body, str) and response.content_type.startswith("application/json"):
        body = json.loads(body)
    return {"statusCode": response.status, "headers": headers, "body": body}
