"""OpenWhiskControllerDouble: a TEST DOUBLE of the OpenWhisk controller's documented REST API.

It is not OpenWhisk. It reproduces, as an aiohttp app, only what openwhisk-contract.md §3 says
the controller does for the calls statebox's `openwhisk:` invoker makes:

- `POST /api/v1/namespaces/{ns}/actions/{[pkg/]action}?blocking=true[&result=true][&timeout=MS]`
  with Basic auth `uuid:key`; `_` is the key owner's namespace; `timeout` outside 1..60000 is 400.
  - finished within the blocking wait: 200 with the full activation record (§3.4) when the
    status is "success", 502 for "application error" (a result with a top-level `error`, or a
    Python exception, as the Python launcher turns it into `{"error": str(exc)}`) and for
    "action developer error" (`DeveloperError`, a run past the action's time limit, a result
    that is not an object or array), 500 for "whisk internal error"; with `result=true` the
    body is only `response.result`;
  - still running when the blocking wait (`blocking_wait`, 60 s upstream) ends: 202
    `{"activationId": id}`; the activation goes on;
  - non-blocking: 202 `{"activationId": id}` at once;
  - every answer about an activation carries `x-openwhisk-activation-id`.
- `GET /api/v1/namespaces/{ns}/activations/{id}` (and `/result`): 404 until the activation
  has finished, then the record.
- Errors as the controller words them (`{"error": ..., "code": <transaction id>}`): 401 bad or
  missing credentials, 403 another namespace's action, 404 unknown action, 429 when
  `throttle(n)` is armed (and any other status with `fail_next(n, status)`); `garble_next(n,
  status)` answers with a body that is not JSON (an HTML error page from a proxy in front).

Every request is recorded (method, path, query, auth login, JSON body, client address, status),
so tests can check what went over the wire and that connections were reused.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


class DeveloperError(Exception):
    """Raised by a fake action to end its activation as an "action developer error"."""


@dataclass
class FakeAction:
    fn: Callable[[Any], Any]
    duration: float = 0.0  # seconds the activation runs before fn's result is known
    timeout_ms: int = 60_000  # the action's time limit (wsk --timeout)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    login: str | None
    body: Any
    peer: Any
    status: int = 0


@dataclass
class _Activation:
    id: str
    namespace: str
    name: str
    task: asyncio.Task[dict[str, Any]] | None = None
    record: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class OpenWhiskControllerDouble:
    """A test double of the controller's REST behaviour (see the module docstring)."""

    def __init__(
        self,
        *,
        namespace: str = "guest",
        uuid: str = "23bc46b1-71f6-4ed5-8c54-816aa4f8c502",
        key: str = "123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP",
        blocking_wait: float = 60.0,
    ) -> None:
        self.namespace = namespace
        self.uuid = uuid
        self.key = key
        self.blocking_wait = blocking_wait
        self.actions: dict[tuple[str, str], FakeAction] = {}
        self.requests: list[RecordedRequest] = []
        self.activations: dict[str, _Activation] = {}
        self._failures: list[int] = []
        self._garbled: list[int] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ------------------------------------------------------------------ set-up
    @property
    def api_key(self) -> str:
        return f"{self.uuid}:{self.key}"

    def action(
        self,
        name: str,
        fn: Callable[[Any], Any],
        *,
        duration: float = 0.0,
        timeout_ms: int = 60_000,
        namespace: str | None = None,
    ) -> None:
        """Deploy a fake action `name` (`action` or `pkg/action`) whose result is fn(params)."""
        self.actions[(namespace or self.namespace, name)] = FakeAction(fn, duration, timeout_ms)

    def throttle(self, times: int) -> None:
        """The next `times` invocations answer 429, as a throttled namespace does."""
        self.fail_next(times, 429)

    def fail_next(self, times: int, status: int) -> None:
        self._failures.extend([status] * times)

    def garble_next(self, times: int, status: int = 200) -> None:
        """The next `times` invocations answer `status` with an HTML body, not JSON."""
        self._garbled.extend([status] * times)

    def invocations(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST"]

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/api/v1/namespaces/{ns}/actions/{name:.+}", self._invoke)
        app.router.add_get("/api/v1/namespaces/{ns}/activations/{id}", self._activation)
        app.router.add_get("/api/v1/namespaces/{ns}/activations/{id}/result", self._activation_result)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        for activation in self.activations.values():
            if activation.task is not None and not activation.task.done():
                activation.task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ handlers
    def _error(self, status: int, message: str, recorded: RecordedRequest) -> web.Response:
        recorded.status = status
        return web.json_response({"error": message, "code": secrets.token_hex(16)}, status=status)

    def _authenticate(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            login, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        return login if (login, password) == (self.uuid, self.key) else None

    async def _record(self, request: web.Request) -> RecordedRequest:
        text = await request.text()
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = text
        header = request.headers.get("Authorization", "")
        login = None
        if header.startswith("Basic "):
            login = base64.b64decode(header[6:]).decode(errors="replace").partition(":")[0]
        recorded = RecordedRequest(
            request.method,
            request.raw_path.split("?")[0],
            dict(request.query),
            login,
            body,
            request.transport.get_extra_info("peername") if request.transport else None,
        )
        self.requests.append(recorded)
        return recorded

    async def _invoke(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        if self._authenticate(request) is None:
            message = (
                "The supplied authentication is invalid."
                if "Authorization" in request.headers
                else "The resource requires authentication, which was not supplied with the request."
            )
            return self._error(401, message, recorded)
        if self._garbled:
            recorded.status = self._garbled.pop(0)
            return web.Response(
                status=recorded.status, text="<html><body>Bad gateway</body></html>", content_type="text/html"
            )
        if self._failures:
            status = self._failures.pop(0)
            if status == 429:
                return self._error(
                    429, "Too many requests in the last minute (count: 121, allowed: 120).", recorded
                )
            return self._error(
                status,
                "The server is currently unavailable (because it is overloaded or down for maintenance).",
                recorded,
            )
        namespace = request.match_info["ns"]
        namespace = self.namespace if namespace == "_" else namespace
        name = request.match_info["name"]
        action = self.actions.get((namespace, name))
        if action is None:
            return self._error(404, "The requested resource does not exist.", recorded)
        if namespace != self.namespace:
            return self._error(
                403, "The supplied authentication is not authorized to access this resource.", recorded
            )
        blocking = request.query.get("blocking") == "true"
        wait = self.blocking_wait
        if "timeout" in request.query:
            try:
                timeout_ms = int(request.query["timeout"])
            except ValueError:
                timeout_ms = -1
            if not 1 <= timeout_ms <= 60_000:
                return self._error(400, "Timeout must be number of milliseconds up to 60000.", recorded)
            wait = min(wait, timeout_ms / 1000)
        params = recorded.body if recorded.body is not None else {}
        activation = _Activation(secrets.token_hex(16), namespace, name)
        activation.task = asyncio.create_task(self._run(activation, action, params))
        self.activations[activation.id] = activation
        headers = {"x-openwhisk-activation-id": activation.id}
        if blocking:
            await asyncio.wait({activation.task}, timeout=wait)
        if not blocking or not activation.task.done():
            recorded.status = 202
            return web.json_response({"activationId": activation.id}, status=202, headers=headers)
        if activation.task.cancelled():
            return self._error(503, "The server is shutting down.", recorded)
        record = activation.task.result()
        status = {"success": 200, "application error": 502, "action developer error": 502}.get(
            record["response"]["status"], 500
        )
        recorded.status = status
        body = record["response"]["result"] if request.query.get("result") == "true" else record
        return web.json_response(body, status=status, headers=headers)

    async def _run(self, activation: _Activation, action: FakeAction, params: Any) -> dict[str, Any]:
        start = int(time.time() * 1000)
        limit = action.timeout_ms / 1000
        result: Any
        if action.duration > limit:
            await asyncio.sleep(limit)
            status = "action developer error"
            result = {"error": f"The action exceeded its time limits of {action.timeout_ms} milliseconds."}
        else:
            await asyncio.sleep(action.duration)
            try:
                result = action.fn(params)
                if inspect.isawaitable(result):
                    result = await result
            except DeveloperError as exc:
                status, result = "action developer error", {"error": str(exc)}
            except Exception as exc:  # noqa: BLE001 - the Python launcher's {"error": str(exc)}
                status, result = "application error", {"error": str(exc)}
            else:
                if isinstance(result, dict) and "error" in result:
                    status = "application error"
                elif isinstance(result, dict | list):
                    status = "success"
                else:
                    status = "action developer error"
                    result = {"error": "The action did not produce a valid JSON or JSON Array response"}
        end = int(time.time() * 1000)
        activation.record = {
            "namespace": activation.namespace,
            "name": activation.name.rsplit("/", 1)[-1],
            "version": "0.0.1",
            "subject": activation.namespace,
            "activationId": activation.id,
            "start": start,
            "end": end,
            "duration": end - start,
            "response": {"status": status, "success": status == "success", "result": result},
            "logs": [],
            "annotations": [
                {"key": "path", "value": f"{activation.namespace}/{activation.name}"},
                {"key": "kind", "value": "python:3.11"},
                {"key": "limits", "value": {"timeout": action.timeout_ms, "memory": 256, "logs": 10}},
            ],
            "publish": False,
        }
        return activation.record

    async def _activation(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        if self._authenticate(request) is None:
            return self._error(401, "The supplied authentication is invalid.", recorded)
        activation = self.activations.get(request.match_info["id"])
        if activation is None or activation.record is None:
            return self._error(404, "The requested resource does not exist.", recorded)
        recorded.status = 200
        return web.json_response(activation.record)

    async def _activation_result(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        if self._authenticate(request) is None:
            return self._error(401, "The supplied authentication is invalid.", recorded)
        activation = self.activations.get(request.match_info["id"])
        if activation is None or activation.record is None:
            return self._error(404, "The requested resource does not exist.", recorded)
        recorded.status = 200
        response = activation.record["response"]
        return web.json_response(
            {"result": response["result"], "success": response["success"], "status": response["status"]}
        )
