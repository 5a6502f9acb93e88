"""`openwhisk:NAME` Task resources, invoked over OpenWhisk's REST API (openwhisk-contract.md §3).

    POST {api_host}/api/v1/namespaces/{ns}/actions/{[pkg/]action}?blocking=true
    Authorization: Basic base64("<uuid>:<key>")          (the `__OW_API_KEY` format)
    body: the Task's effective input (a non-object input is sent as {"value": input})

NAME is resolved as the OpenWhisk JS client does: `action` and `pkg/action` live in the
invoker's namespace (`_`, the key owner's, by default); `/ns/action`, `ns/pkg/action` and
`/ns/pkg/action` name the namespace. Anything else fails the task.

`result=true` is deliberately not requested: the full activation record's `response.status`
is what tells an application error from a developer error.

How the controller's answer becomes the Task's result or an ASL error:

- 200, record with status "success": the action's result.
- 202 (the blocking wait ran out): poll `GET .../activations/{id}` (404 until the record
  exists) with a bounded exponential back-off, then as below.
- 502, "application error": `application_error(result["error"])` (see `statebox.invokers`):
  Error is the action's `errorType` / `name`, else `ActionError`, so Retry / Catch can match it.
- 502, "action developer error" (crash, time limit, bad output, init failure):
  `States.TaskFailed`, the Cause names the activation and OpenWhisk's message.
- 429 (namespace throttled): `OpenWhisk.Throttled`, retriable by a Retry.
- 408, 500, 503, other 5xx but 502, a record with "whisk internal error":
  `OpenWhisk.Unavailable`, retriable by a Retry.
- 401, 403, 404, 400, 413, other 4xx: `States.TaskFailed`, the Cause says what was refused.
- a network failure (refused, reset, DNS, TLS, no answer): `States.TaskFailed`, the Cause names it.

`States.TaskFailed` in a Retry's ErrorEquals also matches the two OpenWhisk.* names; both are
transient by OpenWhisk's own account (contract §3.2), so `"ErrorEquals": ["OpenWhisk.Throttled"]`
with a back-off is the usual Retry. While polling an activation that is already running,
429 / 5xx / network failures are not raised (re-invoking would run the action twice): polling
continues until `max_poll_seconds`, then the Task fails with States.TaskFailed.

The Task's TimeoutSeconds is enforced by the Task state (`asyncio.timeout`): cancellation only
drops the request in flight; the connection pool is shared and stays open.

One `aiohttp.ClientSession` (connection pool) per event loop, kept at module level: the web
action keeps one loop per container, so warm activations reuse the connections. Credentials
travel per request, never in the URL, and are never logged nor put in a Cause.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import weakref
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from ..asl_errors import ErrorName
from ..errors import StatesError
from ..ports import ResourceRef, TaskCall
from ..types import JSON
from . import application_error

THROTTLED = "OpenWhisk.Throttled"
UNAVAILABLE = "OpenWhisk.Unavailable"

_ENTITY_NAME = re.compile(r"[\w](?:[\w@ .-]*[\w@.-])?\Z")
_SESSIONS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = (
    weakref.WeakKeyDictionary()
)


def client_session() -> aiohttp.ClientSession:
    """The running loop's shared session (one connection pool per container)."""
    loop = asyncio.get_running_loop()
    session = _SESSIONS.get(loop)
    if session is None or session.closed:
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=64, keepalive_timeout=55),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
            headers={"User-Agent": "statebox"},
        )
        _SESSIONS[loop] = session
    return session


async def close_client_session() -> None:
    """Close the running loop's shared session (process shutdown, tests)."""
    session = _SESSIONS.pop(asyncio.get_running_loop(), None)
    if session is not None:
        await session.close()


def resolve_action(name: str, default_namespace: str = "_") -> tuple[str, str]:
    """(namespace, `action` or `pkg/action`) for a resource name, as the JS client resolves it."""
    parts = name.split("/")
    qualified = name.startswith("/")
    if not qualified and len(parts) in (1, 2):
        namespace, entity = default_namespace, parts
    elif qualified and len(parts) in (3, 4):
        namespace, entity = parts[1], parts[2:]
    elif not qualified and len(parts) == 3:
        namespace, entity = parts[0], parts[1:]
    else:
        raise ValueError(name)
    if not all(_ENTITY_NAME.match(p) for p in entity) or not (
        namespace == "_" or _ENTITY_NAME.match(namespace)
    ):
        raise ValueError(name)
    return namespace, "/".join(entity)


def normalize_api_host(api_host: str) -> str:
    """`__OW_API_HOST` as a base URL: https:// when no scheme is given, no trailing slash."""
    host = api_host.strip().rstrip("/")
    if "://" not in host:
        host = "https://" + host
    return host


class _NoAnswer(Exception):
    """The request got no HTTP answer (network failure); the text is safe to show."""


class OpenWhiskInvoker:
    """Invokes OpenWhisk actions for `openwhisk:NAME` resources (see the module docstring)."""

    def __init__(
        self,
        api_host: str,
        api_key: str | None,
        namespace: str = "_",
        *,
        poll_initial_seconds: float = 0.25,
        poll_max_seconds: float = 5.0,
        max_poll_seconds: float = 330.0,
        read_timeout_seconds: float = 90.0,
    ) -> None:
        self.api_host = normalize_api_host(api_host)
        self.namespace = namespace or "_"
        self.poll_initial_seconds = poll_initial_seconds
        self.poll_max_seconds = poll_max_seconds
        self.max_poll_seconds = max_poll_seconds  # an action runs at most 300 s (contract §2.2)
        self.read_timeout_seconds = read_timeout_seconds  # a blocking call is held <= 60 s
        # "Basic base64(uuid:key)", built once; never logged, never in a URL or a Cause.
        self._authorization: str | None = None
        if api_key:
            self._authorization = "Basic " + base64.b64encode(api_key.encode("utf-8")).decode("ascii")

    def __repr__(self) -> str:  # never shows the key
        return f"OpenWhiskInvoker(api_host={self.api_host!r}, namespace={self.namespace!r})"

    # ------------------------------------------------------------------ the port
    async def invoke(self, resource: ResourceRef, payload: JSON, call: TaskCall) -> JSON:
        if resource.kind != "openwhisk":
            raise StatesError(
                ErrorName.TASK_FAILED, f"The resource '{resource.text}' is not an openwhisk: action."
            )
        namespace, action = self._resolve(resource)
        label = f"/{namespace}/{action}" if namespace != "_" else action
        body = payload if isinstance(payload, dict) else {"value": payload}
        status, data, activation_id = await self._call(
            "POST", self._action_url(namespace, action), label, body=body, query={"blocking": "true"}
        )
        if status == 202:
            if isinstance(data, dict) and data.get("activationId"):
                activation_id = str(data["activationId"])
            if not activation_id:
                raise StatesError(
                    ErrorName.TASK_FAILED,
                    f"OpenWhisk answered 202 for the action {label} without an activation id.",
                )
            record = await self._poll(str(activation_id), label)
            return self._from_record(record, label)
        return self._outcome(status, data, label, activation_id)

    async def invoke_nonblocking(self, name: str, payload: JSON) -> str:
        """Start an action without waiting (e.g. the action re-invoking itself); returns the
        activation id. Failures raise StatesError like `invoke`."""
        namespace, action = self._resolve(ResourceRef.parse(f"openwhisk:{name}"))
        label = f"/{namespace}/{action}" if namespace != "_" else action
        body = payload if isinstance(payload, dict) else {"value": payload}
        url = self._action_url(namespace, action)
        status, data, activation_id = await self._call("POST", url, label, body=body)
        if status == 202 and isinstance(data, dict) and data.get("activationId"):
            return str(data["activationId"])
        self._raise_for_status(status, data, label)
        return str(activation_id or "")

    # ------------------------------------------------------------------ internals
    def _resolve(self, resource: ResourceRef) -> tuple[str, str]:
        if self._authorization is None:
            raise StatesError(
                ErrorName.TASK_FAILED,
                f"Cannot invoke the OpenWhisk action '{resource.name}': no API key is configured "
                "(deploy the statebox action with -a provide-api-key true, or set statebox_ow_api_key).",
            )
        try:
            return resolve_action(resource.name, self.namespace)
        except ValueError:
            raise StatesError(
                ErrorName.TASK_FAILED,
                f"The resource '{resource.text}' is not a valid OpenWhisk action name: use "
                "openwhisk:action, openwhisk:pkg/action or openwhisk:/namespace/pkg/action.",
            ) from None

    def _action_url(self, namespace: str, action: str) -> str:
        path = "/".join(quote(part, safe="") for part in action.split("/"))
        return f"{self.api_host}/api/v1/namespaces/{quote(namespace, safe='')}/actions/{path}"

    async def _call(
        self,
        method: str,
        url: str,
        label: str,
        *,
        body: Any = None,
        query: dict[str, str] | None = None,
        raise_on_network: bool = True,
    ) -> tuple[int, Any, str | None]:
        """One request: (status, parsed JSON body or None, x-openwhisk-activation-id)."""
        target = URL(url, encoded=True)
        if query:
            target = target.with_query(query)
        data = None
        headers = {"Accept": "application/json", "Authorization": self._authorization or ""}
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            async with client_session().request(
                method,
                target,
                data=data,
                headers=headers,
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=10, sock_read=self.read_timeout_seconds
                ),
            ) as response:
                text = await response.text(errors="replace")
                activation = response.headers.get("x-openwhisk-activation-id")
                status = response.status
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
            cause = (
                f"OpenWhisk could not be reached to invoke the action {label} at {self.api_host}: "
                f"{type(exc).__name__}: {exc}".rstrip(": ")
            )
            if raise_on_network:
                raise StatesError(ErrorName.TASK_FAILED, cause) from None
            raise _NoAnswer(cause) from None
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None if status != 200 else _Unparsable(text)
        return status, parsed, activation

    def _outcome(self, status: int, data: Any, label: str, activation_id: str | None) -> JSON:
        if isinstance(data, _Unparsable):
            raise StatesError(
                ErrorName.TASK_FAILED,
                f"OpenWhisk answered the invocation of {label} with a body that is not JSON.",
            )
        if status == 200:
            if _is_record(data):
                return self._from_record(data, label)
            return data  # a bare result (an array result, or a controller that sent result only)
        if status == 502:
            if _is_record(data):
                return self._from_record(data, label)
            if isinstance(data, dict) and "error" in data:
                raise application_error(data["error"])
        self._raise_for_status(status, data, label)
        raise AssertionError("unreachable")  # pragma: no cover

    def _from_record(self, record: dict[str, Any], label: str) -> JSON:
        response = record.get("response") or {}
        status = response.get("status")
        if status is None:
            status = "success" if response.get("success") else "application error"
        result = response.get("result")
        activation = record.get("activationId", "?")
        if status == "success":
            return result
        error = result.get("error") if isinstance(result, dict) else result
        if status == "application error":
            raise application_error(error)
        message = error if isinstance(error, str) else json.dumps(error, separators=(",", ":"))
        if status == "whisk internal error":
            raise StatesError(
                UNAVAILABLE,
                f"OpenWhisk had an internal error running {label} (activation {activation}): {message}",
            )
        raise StatesError(
            ErrorName.TASK_FAILED,
            f"The action {label} failed ({status}, activation {activation}): {message}",
        )

    def _raise_for_status(self, status: int, data: Any, label: str) -> None:
        said = ""
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            said = f": {data['error']}"
        if status == 429:
            raise StatesError(THROTTLED, f"OpenWhisk throttled the invocation of {label} (429){said}")
        if status == 408 or (status >= 500 and status != 502):
            raise StatesError(UNAVAILABLE, f"OpenWhisk could not invoke {label} ({status}){said}")
        reason = {
            401: "OpenWhisk refused the API key (401 Unauthorized); deploy the statebox action with "
            "-a provide-api-key true or set statebox_ow_api_key",
            403: f"the API key is not allowed to invoke {label} (403 Forbidden)",
            404: f"the action {label} does not exist (404)",
            413: f"the input of {label} is larger than OpenWhisk accepts (413)",
        }.get(status, f"OpenWhisk refused to invoke {label} ({status})")
        raise StatesError(ErrorName.TASK_FAILED, f"{reason}{said}")

    async def _poll(self, activation_id: str, label: str) -> dict[str, Any]:
        """Wait for the activation record of a blocking call that answered 202."""
        url = f"{self.api_host}/api/v1/namespaces/_/activations/{quote(activation_id, safe='')}"
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.max_poll_seconds
        delay = self.poll_initial_seconds
        last = "no answer yet"
        while True:
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.poll_max_seconds)
            try:
                status, data, _ = await self._call("GET", url, label, raise_on_network=False)
            except _NoAnswer as exc:
                status, data, last = 0, None, str(exc)
            if status == 200 and _is_record(data):
                return data
            if status in (401, 403):
                self._raise_for_status(status, data, label)
            if status not in (0, 200, 404, 408, 429) and status < 500:
                self._raise_for_status(status, data, label)
            if status:
                last = f"last answer {status}"
            if loop.time() >= give_up:
                raise StatesError(
                    ErrorName.TASK_FAILED,
                    f"The activation {activation_id} of {label} did not finish within "
                    f"{self.max_poll_seconds:g} s of polling ({last}).",
                )


class _Unparsable(str):
    """A 200 body that is not JSON."""


def _is_record(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("response"), dict) and "activationId" in data
