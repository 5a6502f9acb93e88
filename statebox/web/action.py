"""The OpenWhisk web-action entry point: `main(args)` → `{statusCode, headers, body}`.

It translates OpenWhisk's arguments into an HttpRequest and the answer back, nothing else. It
accepts both deployments (see openwhisk-contract.md §1.3 / §1.4):
- `--web raw`: `__ow_query` and `__ow_body` (base64 for application/json and binary types)
  are exact; recommended.
- `--web true`: query and body fields arrive merged into `args` (query values as strings).
  `continuation`, `execution` and `input` are read as query fields, everything else that is not
  `__ow_*` or a `statebox_*` parameter is the JSON body.

It never lets an exception escape and never returns a top-level `error` key (contract §0.5).
An activation with `statebox_tick: true` and no `__ow_method` (an alarm trigger's rule, see the
README) fires the due timers instead and answers `{"fired": n}`.
One event loop, engine and Redis connection pool per container, reused across activations.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import os
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from ..config import Settings, parse_allowed_actions, parse_flag, parse_mode
from ..errors import InputError
from ..eventloop import new_event_loop
from .protocol import HttpRequest, HttpResponse

log = logging.getLogger("statebox.action")

QUERY_FIELDS = ("continuation", "execution", "input")
PARAMETERS = {
    "statebox_redis_url": "redis_url",
    "statebox_secret": "secret",
    "statebox_actions_dir": "actions_dir",
    "statebox_base_url": "base_url",
    "statebox_machines_dir": "machines_dir",
    "statebox_ow_api_host": "ow_api_host",
    "statebox_ow_api_key": "ow_api_key",
    "statebox_allowed_actions": "allowed_actions",
    "statebox_stored_machines_only": "stored_machines_only",
    "statebox_hide_continuations": "hide_continuations",
    "statebox_mode": "mode",
}
# The operator's own environment variables for the same settings: they win over parameters,
# because in a `--web true` deployment a request can add any top-level argument the operator
# did not set as a (final) parameter (contract §1.3 / §1.5).
OPERATOR_ENV = {
    "redis_url": "REDIS_URL",
    "secret": "STATEBOX_SECRET",
    "actions_dir": "STATEBOX_ACTIONS_DIR",
    "base_url": "STATEBOX_BASE_URL",
    "machines_dir": "STATEBOX_MACHINES_DIR",
    "allowed_actions": "STATEBOX_ALLOWED_ACTIONS",
    "stored_machines_only": "STATEBOX_STORED_MACHINES_ONLY",
    "hide_continuations": "STATEBOX_HIDE_CONTINUATIONS",
    "mode": "STATEBOX_MODE",
}
# Read from parameters only when the request cannot have supplied them (`--web raw`, a trigger,
# an invoke): in `--web true` a request could otherwise point `module:` at any folder or send the
# action's API key to a host of its choosing. Under `--web true` they come from the environment.
RAW_ONLY = frozenset(
    {"statebox_actions_dir", "statebox_machines_dir", "statebox_ow_api_host", "statebox_ow_api_key"}
)
_CONTAINER: dict[str, Any] = {}
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def _json_response(status: int, body: Any) -> dict[str, Any]:
    from .security import SECURITY_HEADERS  # the handler's answers have them; so do these

    return {
        "statusCode": status,
        "headers": {**SECURITY_HEADERS, "Content-Type": "application/json"},
        "body": body,
    }


def main(args: dict[str, Any]) -> dict[str, Any]:
    try:
        config = _config(args)
        if not config.get("secret"):
            return _json_response(
                500,
                {
                    "message": "statebox is not configured: set the statebox_secret parameter "
                    "(or STATEBOX_SECRET) to sign continuations",
                    "kind": "ConfigurationError",
                },
            )
        if not config.get("redis_url"):
            return _json_response(
                500,
                {
                    "message": "statebox is not configured: set statebox_redis_url (or REDIS_URL); "
                    "a web action keeps its state in Redis",
                    "kind": "ConfigurationError",
                },
            )
        try:
            problems = _settings(config).startup_problems()
        except InputError as exc:  # a parameter with a value it cannot have
            problems = [str(exc)]
        if problems:
            message = "statebox is not configured: " + "; ".join(problems)
            return _json_response(
                500,
                {"message": message, "kind": "ConfigurationError"},
            )
        service = _service(config)
        deadline = activation_deadline()
        if is_tick(args):
            fired = _loop().run_until_complete(service.engine.run_due_timers(stop_at=deadline))
            return _json_response(200, {"fired": fired})
        if is_continuation(args):
            result = _loop().run_until_complete(
                service.engine.continue_execution(str(args["statebox_continue"]), stop_at=deadline)
            )
            _continue_if_running(result.status, result.execution_id, service, config)
            return _json_response(200, {"status": result.status, "executionId": result.execution_id})
        request = replace(to_request(args, config), deadline=deadline)
        from .handler import handle

        response = _loop().run_until_complete(handle(request, service))
        if response.status == 202 and isinstance(response.body, dict):
            _continue_if_running(
                response.body.get("status"), response.body.get("executionId"), service, config
            )
        return to_result(response)
    except Exception:  # noqa: BLE001 - contract §0.5: always answer {statusCode, headers, body}
        request_id = secrets.token_hex(6)
        log.exception("activation failed (request %s)", request_id)
        return _json_response(
            500, {"message": f"unexpected failure (request {request_id})", "kind": "InternalError"}
        )


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


def _continue_if_running(status: Any, execution_id: Any, service: Any, config: dict[str, Any]) -> None:
    """An execution stopped at a boundary continues in a fresh, non-blocking activation of this
    same action; the worker's "continue" timer is the safety net if that invoke fails."""
    if status != "RUNNING" or not execution_id:
        return
    try:
        _loop().run_until_complete(continue_elsewhere(str(execution_id), service, config))
    except Exception:  # noqa: BLE001 - the timer still continues it; log and answer 202
        log.exception("could not start a continuation activation for %s", execution_id)


async def continue_elsewhere(execution_id: str, service: Any, config: dict[str, Any]) -> None:
    from ..invokers.openwhisk import OpenWhiskInvoker

    action = os.environ.get("__OW_ACTION_NAME", "")
    host, key = config.get("ow_api_host"), config.get("ow_api_key")
    if not action or not host or not key:
        raise RuntimeError("no __OW_ACTION_NAME / API host / API key (deploy with -a provide-api-key true)")
    invoker = OpenWhiskInvoker(host, key)
    await invoker.invoke_nonblocking(action, {"statebox_continue": execution_id})


def is_tick(args: dict[str, Any]) -> bool:
    """A timer tick: an alarm trigger's `statebox_tick: true`, never a web request (a `--web true`
    request could otherwise smuggle the field in)."""
    return args.get("statebox_tick") in (True, "true") and "__ow_method" not in args


def _config(args: dict[str, Any]) -> dict[str, Any]:
    """The action's configuration: the operator's environment, else the `statebox_*`
    parameters, else defaults. `--web true` requests cannot change what matters (RAW_ONLY)."""
    env = os.environ
    config: dict[str, Any] = {name: env.get(key) or None for name, key in OPERATOR_ENV.items()}
    # openwhisk: Tasks go over REST when an API host is known (contract §2.1), else run locally.
    config["ow_api_host"] = env.get("__OW_API_HOST")
    config["ow_api_key"] = env.get("__OW_API_KEY")
    merged_request = "__ow_method" in args and "__ow_query" not in args  # --web true
    for parameter, name in PARAMETERS.items():
        value = args.get(parameter)
        if value is None or value == "":
            continue
        if merged_request and parameter in RAW_ONLY:
            log.warning("ignoring %s: under --web true a request could have set it", parameter)
            continue
        if name in OPERATOR_ENV and env.get(OPERATOR_ENV[name]):
            continue  # the operator's environment wins
        config[name] = value
    return config


def _loop() -> asyncio.AbstractEventLoop:
    loop = _CONTAINER.get("loop")
    if loop is None or loop.is_closed():
        loop = new_event_loop()
        _CONTAINER["loop"] = loop
    return loop


def _settings(config: dict[str, Any]) -> Settings:
    """Settings from the environment, with the parameters `_config` accepted on top."""
    settings = Settings.from_env()
    settings = replace(settings, secret=config.get("secret"), redis_url=config.get("redis_url"))
    if config.get("allowed_actions") is not None:
        settings = replace(settings, allowed_actions=parse_allowed_actions(config["allowed_actions"]))
    if config.get("stored_machines_only") is not None:
        flag = parse_flag(config["stored_machines_only"], "statebox_stored_machines_only")
        settings = replace(settings, stored_machines_only=flag)
    if config.get("hide_continuations") is not None:
        flag = parse_flag(config["hide_continuations"], "statebox_hide_continuations")
        settings = replace(settings, hide_continuations=flag)
    if config.get("mode") is not None:
        settings = replace(settings, production=parse_mode(config["mode"]))
    if config.get("actions_dir"):
        settings = replace(settings, actions_dir=Path(config["actions_dir"]))
    elif not settings.actions_dir.is_absolute():
        settings = replace(settings, actions_dir=_PACKAGE_ROOT / settings.actions_dir)
    return settings


def _service(config: dict[str, Any]) -> Any:
    key = json.dumps(config, sort_keys=True)
    cached = _CONTAINER.get("service")
    if cached is not None and _CONTAINER.get("service_key") == key:
        return cached
    from ..continuations import ContinuationSigner
    from ..engine import Engine
    from ..invokers.routing import build_invoker
    from ..stores.redis import RedisStore
    from .handler import Service

    settings = _settings(config)
    engine = Engine(
        settings,
        store=RedisStore.connect(config["redis_url"], prefix=settings.key_prefix),
        signer=ContinuationSigner(config["secret"]),
        invoker=build_invoker(settings.actions_dir, config.get("ow_api_host"), config.get("ow_api_key")),
        base_url=config.get("base_url"),
    )
    machines = (
        Path(config["machines_dir"]) if config.get("machines_dir") else _PACKAGE_ROOT / "state_machines"
    )
    service = Service(engine=engine, machines_dir=machines)
    _CONTAINER.update(service=service, service_key=key)
    return service


def _public_base_url(config: dict[str, Any]) -> str:
    """`https://APIHOST/api/v1/web/NAMESPACE/PACKAGE/ACTION` from the action's own identity;
    the request's `host` header may be an internal address (contract §1.3)."""
    if config.get("base_url"):
        return str(config["base_url"])
    api_host = os.environ.get("__OW_API_HOST", "").rstrip("/")
    parts = [p for p in os.environ.get("__OW_ACTION_NAME", "").split("/") if p]
    if not api_host or not parts:
        return ""
    if len(parts) == 2:
        parts = [parts[0], "default", parts[1]]
    if not api_host.startswith("http"):
        api_host = "https://" + api_host
    return f"{api_host}/api/v1/web/{'/'.join(parts)}"


def _decode_raw_body(body: Any, content_type: str) -> bytes:
    if not body:
        return b""
    if not isinstance(body, str):
        return json.dumps(body).encode()
    textual = (
        content_type.startswith("text/")
        or content_type.startswith("application/x-www-form-urlencoded")
        or ("+json" in content_type)
    )
    if not textual:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            pass
    return body.encode("utf-8")


def to_request(args: dict[str, Any], config: dict[str, Any]) -> HttpRequest:
    headers = {str(k).lower(): str(v) for k, v in (args.get("__ow_headers") or {}).items()}
    method = str(args.get("__ow_method", "post")).upper()
    path = str(args.get("__ow_path") or "/")
    remote = headers.get("x-forwarded-for", "").split(",")[0].strip() or None
    base_url = _public_base_url(config)
    if "__ow_query" in args:  # raw web action: exact query and body
        query = dict(parse_qsl(str(args.get("__ow_query") or ""), keep_blank_values=True))
        body = _decode_raw_body(args.get("__ow_body"), headers.get("content-type", ""))
        return HttpRequest(method, path, query, headers, body, remote=remote, base_url=base_url)
    # `input` is a body field of {"definition" | "stateMachine", "input"}; otherwise the query's.
    in_body = {"input"} if ("definition" in args or "stateMachine" in args) else set()
    query = {k: str(args[k]) for k in QUERY_FIELDS if k in args and k not in in_body}
    fields = {
        k: v
        for k, v in args.items()
        if not k.startswith("__ow_") and k not in PARAMETERS and (k not in QUERY_FIELDS or k in in_body)
    }
    if "__ow_body" in args:
        raw = args["__ow_body"]
        content_type = headers.get("content-type", "")
        # For JSON content the controller already parsed the body: a string is the value itself.
        json_family = content_type.startswith("application/json") or "+json" in content_type
        parsed = raw if (not isinstance(raw, str) or json_family) else None
        body = raw.encode("utf-8") if isinstance(raw, str) and not json_family else b""
        return HttpRequest(
            method, path, query, headers, body, parsed_body=parsed, remote=remote, base_url=base_url
        )
    return HttpRequest(
        method, path, query, headers, b"", parsed_body=fields or None, remote=remote, base_url=base_url
    )


def to_result(response: HttpResponse) -> dict[str, Any]:
    headers = dict(response.headers)
    body = response.body
    if isinstance(body, str) and response.content_type.startswith("application/json"):
        body = json.loads(body)
    return {"statusCode": response.status, "headers": headers, "body": body}
