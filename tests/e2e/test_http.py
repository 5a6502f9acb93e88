"""One table of HTTP scenarios, run against both adapters of the handler, over a real
redis-server:

- the dev server (`statebox.web.devserver.build_app`) on a real loopback socket, driven by
  aiohttp's client;
- the OpenWhisk web action (`statebox.web.action.main`) behind `OpenWhiskWebActionDouble`, a
  test double of the controller's web-action protocol (openwhisk-contract.md §1.3 / §1.4 for
  how a request becomes `args`, §1.6 / §1.8 for how the result becomes HTTP), deployed both
  `--web true` (non-raw) and `--web raw`.

DESIGN.md: the dev server "behaves exactly like the web action", so the same scenario must
give the same answers through each of them.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import json
import os
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import aiohttp
import pytest
from yarl import URL

from statebox import settings_table
from statebox.config import Settings
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.stores.redis import RedisStore
from statebox.web import action as web_action
from statebox.web.devserver import build_app
from statebox.web.handler import Service

from .conftest import served

ROOT = Path(__file__).resolve().parents[2]
INCSQUARE_TEXT = (ROOT / "state_machines" / "incsquare.json").read_text(encoding="utf-8")
INCSQUARE = json.loads(INCSQUARE_TEXT)
SECRET = "e2e-secret"
OW_BASE_URL = "https://openwhisk.test/api/v1/web/guest/default/statebox"
JSON_TYPE = {"Content-Type": "application/json"}
FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
INVALID = {"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}
CATCHES = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "module:suspend",
            "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.failure", "Next": "Handled"}],
            "End": True,
        },
        "Handled": {"Type": "Pass", "End": True},
    },
}


# ====================================================================== the controller double
@dataclass
class HttpReply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        assert self.content_type.startswith("application/json"), (self.status, self.content_type, self.body)
        return json.loads(self.body)


RESERVED = ("__ow_method", "__ow_headers", "__ow_path", "__ow_user", "__ow_query", "__ow_body")
_BINARY_TYPES = {
    "application/octet-stream",
    "application/zip",
    "application/gzip",
    "application/pdf",
    "application/x-tar",
}
_BASE64 = re.compile(r"\A(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\Z")


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _is_json_family(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _is_binary(media_type: str) -> bool:
    """Pekko HTTP's notion, as far as the contract needs it; no type at all is octet-stream."""
    return (
        media_type in _BINARY_TYPES
        or media_type.split("/")[0] in ("image", "audio", "video")
        or media_type == ""
    )


class ControllerRejected(Exception):  # noqa: N818 - the controller answered; the action did not run
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class OpenWhiskWebActionDouble:
    """The controller's side of a web action (`/api/v1/web/NS/PKG/ACTION.http/PATH?QUERY`).

    `invoke(method, path, query_string, headers, body)` builds the action's `args` exactly as
    the controller does (contract §1.3 for `--web true`, §1.4 for `--web raw`), calls the
    action, and turns its result into an HTTP reply (§1.6 for `.http`, §1.8 for errors).
    `parameters` are the action's default parameters; `final` is what `--web` sets.
    """

    def __init__(
        self,
        action: Callable[[dict[str, Any]], Any],
        *,
        raw: bool,
        parameters: Mapping[str, Any],
        final: bool = True,
        internal_host: str = "172.17.0.1",
    ) -> None:
        self.action = action
        self.raw = raw
        self.parameters = dict(parameters)
        self.final = final
        self.internal_host = internal_host
        self.calls: list[tuple[dict[str, Any], Any]] = []  # (args, result) of every activation

    # ------------------------------------------------------------------ request → args
    def build_args(
        self, method: str, path: str, query_string: str, headers: Mapping[str, str], body: bytes
    ) -> dict[str, Any]:
        # Header names lower-cased, one value each; the host is the controller's view of it.
        ow_headers = {str(k).lower(): str(v) for k, v in headers.items()}
        ow_headers["host"] = self.internal_host
        if body and "content-type" not in ow_headers:
            ow_headers["content-type"] = "application/octet-stream"
        media_type = _media_type(ow_headers.get("content-type", ""))
        metadata = {
            "__ow_method": method.lower(),
            "__ow_headers": ow_headers,
            "__ow_path": path,
        }
        if self.raw:
            return {
                **self.parameters,
                **metadata,
                "__ow_query": query_string,
                "__ow_body": self._raw_body(media_type, body),
            }

        # Non-raw: query values (strings, percent-decoded, one per key), then the body on top.
        request_params: dict[str, Any] = dict(parse_qsl(query_string, keep_blank_values=True))
        ow_body: dict[str, Any] = {}
        if body:
            if _is_json_family(media_type):
                try:
                    value = json.loads(body)
                except ValueError:
                    raise ControllerRejected(400, "The request content was malformed.") from None
                if isinstance(value, dict):
                    request_params.update(value)
                else:
                    ow_body["__ow_body"] = value
            elif media_type == "application/x-www-form-urlencoded":
                request_params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            elif _is_binary(media_type):
                ow_body["__ow_body"] = base64.b64encode(body).decode("ascii")
            else:
                ow_body["__ow_body"] = body.decode("utf-8")
        # Reserved names, and (final) any default parameter that has a value, cannot be set (§1.5).
        if any(k in RESERVED or (self.final and self.parameters.get(k) is not None) for k in request_params):
            raise ControllerRejected(
                400, "Request defines parameters that are not allowed (e.g., reserved properties)."
            )
        return {**self.parameters, **request_params, **ow_body, **metadata}

    @staticmethod
    def _raw_body(media_type: str, body: bytes) -> str:
        if not body:
            return ""
        if media_type == "application/json" or _is_binary(media_type):
            return base64.b64encode(body).decode("ascii")
        return body.decode("utf-8")

    # ------------------------------------------------------------------ result → HTTP
    def project(self, result: Any) -> HttpReply:
        if not isinstance(result, dict):
            return self._error(400, "Response is not valid 'message/http'.")
        if "error" in result:  # an application error: its value is the response (§1.8)
            projected = result["error"]
            if not isinstance(projected, dict):
                return self._error(400, "Response is not valid 'message/http'.")
            result = projected
        status_value = result.get("statusCode")
        headers_value = result.get("headers") or {}
        body = result.get("body")
        if not isinstance(headers_value, dict):
            return self._error(400, "Response is not valid 'message/http'.")
        headers: dict[str, str] = {}
        for name, value in headers_value.items():
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(v, str | int | float | bool) for v in values):
                return self._error(400, "Response is not valid 'message/http'.")
            headers[str(name).lower()] = ", ".join(
                json.dumps(v) if isinstance(v, bool) else str(v) for v in values
            )
        declared = headers.pop("content-type", None)
        if body is None or body == "":
            payload, content_type = b"", None
        elif not isinstance(body, str):
            if declared is not None and not _is_json_family(_media_type(declared)):
                return self._error(400, "Response type in header did not match generated content type.")
            payload, content_type = json.dumps(body).encode(), declared or "application/json"
        elif declared is None:
            payload, content_type = body.encode("utf-8"), "text/html"
        elif _is_binary(_media_type(declared)) or (
            _is_json_family(_media_type(declared)) and len(body) % 4 == 0 and _BASE64.match(body)
        ):
            try:
                payload, content_type = base64.b64decode(body, validate=True), declared
            except (binascii.Error, ValueError):
                return self._error(400, "Response is not valid 'message/http'.")
        else:
            payload, content_type = body.encode("utf-8"), declared
        if status_value is None:
            status = 200 if payload else 204
        else:
            try:
                status = int(status_value)
            except (TypeError, ValueError):
                return self._error(400, "Response is not valid 'message/http'.")
            if isinstance(status_value, bool) or isinstance(status_value, float):
                return self._error(400, "Response is not valid 'message/http'.")
        if content_type is not None:
            headers["content-type"] = content_type
        headers["x-openwhisk-activation-id"] = secrets.token_hex(16)
        headers["access-control-allow-origin"] = "*"
        return HttpReply(status, headers, payload)

    @staticmethod
    def _error(status: int, message: str) -> HttpReply:
        body = json.dumps({"error": message, "code": secrets.token_hex(16)}).encode()
        return HttpReply(status, {"content-type": "application/json"}, body)

    # ------------------------------------------------------------------ one request
    def invoke(
        self,
        method: str,
        path: str = "",
        query_string: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> HttpReply:
        try:
            args = self.build_args(method, path, query_string, headers or {}, body)
        except ControllerRejected as refused:
            return self._error(refused.status, refused.message)
        try:
            result = self.action(json.loads(json.dumps(args)))  # the action gets a JSON copy
            # The runtime's proxy (Go) reads the result as JSON: NaN / Infinity are not (§5).
            json.dumps(result, allow_nan=False)
        except Exception:  # noqa: BLE001 - "action developer error"
            self.calls.append((args, None))
            return self._error(400, "There was an error processing your request.")
        self.calls.append((args, result))
        return self.project(result)


# ====================================================================== clients
class Client:
    """An adapter under test: `await request(method, target, headers=, body=)`."""

    name: str
    base_url: str

    async def request(
        self, method: str, target: str, *, headers: Mapping[str, str] | None = None, body: bytes | Any = b""
    ) -> HttpReply:
        headers = dict(headers or {})
        if not isinstance(body, bytes | str):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode("utf-8")
        return await self._send(method, target, headers, body)

    async def _send(self, method: str, target: str, headers: dict[str, str], body: bytes) -> HttpReply:
        raise NotImplementedError

    def target_of(self, url: str) -> str:
        """The path + query to request for a URL the service handed out."""
        assert url.startswith(self.base_url), (url, self.base_url)
        parts = urlsplit(url)
        return "/" + ("?" + parts.query if parts.query else "")


class DevServerClient(Client):
    name = "devserver"

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url

    async def _send(self, method: str, target: str, headers: dict[str, str], body: bytes) -> HttpReply:
        url = URL(self.base_url.rstrip("/") + target, encoded=True)
        # aiohttp wants big bodies as a stream (it warns about raw bytes over 1 MB).
        data = io.BytesIO(body) if len(body) > 65536 else (body or None)
        async with self.session.request(method, url, headers=headers, data=data) as response:
            payload = await response.read()
            return HttpReply(response.status, {k.lower(): v for k, v in response.headers.items()}, payload)


class OpenWhiskClient(Client):
    def __init__(self, double: OpenWhiskWebActionDouble) -> None:
        self.double = double
        self.name = "openwhisk-raw" if double.raw else "openwhisk"
        self.base_url = OW_BASE_URL

    async def _send(self, method: str, target: str, headers: dict[str, str], body: bytes) -> HttpReply:
        parts = urlsplit(target)
        path = "" if parts.path in ("", "/") else parts.path
        before = len(self.double.calls)
        # main() runs its own event loop (one per container): call it off this test's loop.
        reply = await asyncio.to_thread(self.double.invoke, method, path, parts.query, headers, body)
        for _args, result in self.double.calls[before:]:
            assert result is not None, "the action raised"
            assert "error" not in result, f"the action returned a top-level error key: {result}"
            assert isinstance(result.get("statusCode"), int), result
        return reply


# ====================================================================== fixtures
ADAPTERS = ["devserver", "openwhisk", "openwhisk-raw"]


@pytest.fixture
async def client(
    request: pytest.FixtureRequest, redis_server: Any, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Client]:
    adapter = request.param
    if adapter == "devserver":
        store = RedisStore.connect(redis_server.url, prefix=f"e2e{time.monotonic_ns()}:")
        engine = Engine(
            Settings(actions_dir=ROOT / "demo_actions"), store=store, signer=ContinuationSigner(SECRET)
        )
        app = build_app(Service(engine, ROOT / "state_machines"), timer_interval=None)
        try:
            async with served(app) as url, aiohttp.ClientSession() as session:
                yield DevServerClient(session, url)
        finally:
            await store.close()
        return
    for name in list(os.environ):
        if name in ("REDIS_URL", "STATEBOX_SECRET") or name.startswith(("STATEBOX_", "__OW_")):
            monkeypatch.delenv(name)
    await asyncio.to_thread(web_action.CONTAINER.reset)
    double = OpenWhiskWebActionDouble(
        web_action.main,
        raw=adapter == "openwhisk-raw",
        parameters={
            "statebox_redis_url": redis_server.url,
            "statebox_secret": SECRET,
            "statebox_base_url": OW_BASE_URL,
            "statebox_parameters": "statebox_redis_url,statebox_secret,statebox_base_url",
        },
    )
    try:
        yield OpenWhiskClient(double)
    finally:
        await asyncio.to_thread(web_action.CONTAINER.reset)


def adapters(*, xfail: Mapping[str, str] | None = None) -> Any:
    """Parametrize `client` over every adapter; `xfail` maps an adapter to a known bug."""
    params = [
        pytest.param(name, marks=pytest.mark.xfail(reason=xfail[name], strict=True))
        if xfail and name in xfail
        else name
        for name in ADAPTERS
    ]
    return pytest.mark.parametrize("client", params, indirect=True)


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._in_button: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({**attributes, "buttons": [], "textareas": []})
        elif tag == "button" and self.forms:
            self._in_button = {**attributes, "label": ""}
            self.forms[-1]["buttons"].append(self._in_button)
        elif tag == "textarea" and self.forms:
            self.forms[-1]["textareas"].append(attributes)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = None

    def handle_data(self, data: str) -> None:
        if self._in_button is not None:
            self._in_button["label"] += data.strip()


# ====================================================================== scenarios
async def start_incsquare(client: Client) -> dict[str, Any]:
    reply = await client.request("POST", "/?input=6", headers=JSON_TYPE, body=INCSQUARE_TEXT)
    assert reply.status == 202, (reply.status, reply.body)
    return reply.json()


@adapters()
async def test_incsquare_start_resume_and_resume_again(client: Client) -> None:
    started = await start_incsquare(client)
    assert started["status"] == "SUSPENDED"
    assert started["output"] == {"value": 49}
    assert started["expiresAt"]
    token = started["continuation"]
    assert started["resumeUrl"].startswith(client.base_url)
    assert started["resumeUrl"].endswith(f"?continuation={token}")

    resumed = await client.request("POST", client.target_of(started["resumeUrl"]))
    assert resumed.status == 200
    assert resumed.json()["status"] == "SUCCEEDED"
    assert resumed.json()["output"] == {"value": 50}
    assert resumed.json()["executionId"] == started["executionId"]

    again = await client.request("POST", f"/?continuation={token}")
    assert again.status == 409
    assert again.json()["executionId"] == started["executionId"]

    described = await client.request("GET", f"/?execution={started['executionId']}")
    assert described.status == 200
    assert (described.json()["status"], described.json()["output"]) == ("SUCCEEDED", {"value": 50})
    assert described.json()["history"][0]["type"] == "ExecutionStarted"


@adapters()
async def test_start_a_stored_machine_by_path(client: Client) -> None:
    reply = await client.request("POST", "/incsquare", headers=JSON_TYPE, body=b"6")
    assert reply.status == 202
    assert reply.json()["output"] == {"value": 49}


@adapters()
async def test_start_with_definition_and_input_in_the_body(client: Client) -> None:
    reply = await client.request("POST", "/", body={"definition": INCSQUARE, "input": 6})
    assert reply.status == 202
    assert reply.json()["output"] == {"value": 49}


@adapters()
async def test_start_a_stored_machine_by_name_in_the_body(client: Client) -> None:
    reply = await client.request("POST", "/", body={"stateMachine": "incsquare", "input": 6})
    assert reply.status == 202
    assert reply.json()["output"] == {"value": 49}


@adapters()
async def test_a_json_string_body_is_the_input(client: Client) -> None:
    reply = await client.request("POST", "/incsquare", headers=JSON_TYPE, body=b'"six"')
    # incsquare's first action cannot add 1 to a string: the execution runs and fails.
    assert reply.status == 200, reply.body
    assert (reply.json()["status"], reply.json()["error"]) == ("FAILED", "TypeError")


@adapters()
async def test_resume_merges_a_json_body(client: Client) -> None:
    started = await start_incsquare(client)
    reply = await client.request(
        "POST", client.target_of(started["resumeUrl"]), body={"approved": True, "by": "alice"}
    )
    assert reply.status == 200
    assert reply.json()["output"] == {"value": 50, "approved": True, "by": "alice"}


@adapters()
async def test_resume_merges_query_fields(client: Client) -> None:
    # --web true merges query fields into the arguments as strings (contract §1.3); a request
    # without a body has only query fields, read as raw mode reads them.
    started = await start_incsquare(client)
    reply = await client.request("POST", client.target_of(started["resumeUrl"]) + "&approved=true")
    assert reply.status == 200
    assert reply.json()["output"] == {"value": 50, "approved": True}


@adapters()
async def test_a_query_value_resumes_as_json_in_every_mode(client: Client) -> None:
    started = await start_incsquare(client)
    reply = await client.request("POST", client.target_of(started["resumeUrl"]) + "&value=100")
    assert reply.status == 200, reply.body
    assert (reply.json()["status"], reply.json()["output"]) == ("SUCCEEDED", {"value": 101})


@adapters()
async def test_a_stored_machine_keeps_every_body_field_and_no_query_field(client: Client) -> None:
    # `input`, `execution` and `continuation` are the input's own fields in a POST /NAME body.
    body = {"value": 6, "input": 1, "execution": "mine", "continuation": "also mine"}
    reply = await client.request("POST", "/incsquare", body=body)
    assert reply.status == 202, reply.body
    assert reply.json()["output"] == {**body, "value": 49}
    # A query beside a body that is not a JSON object, or with no body at all, is not input.
    reply = await client.request("POST", "/incsquare?extra=1", headers=JSON_TYPE, body=b"6")
    assert reply.status == 202 and reply.json()["output"] == {"value": 49}
    reply = await client.request("POST", "/incsquare?value=6")
    assert reply.status == 202 and reply.json()["output"] == {"value": 1}
    # A POST /NAME is a start whatever its query holds.
    reply = await client.request("POST", "/incsquare?continuation=x", headers=JSON_TYPE, body=b"6")
    assert reply.status == 202 and reply.json()["output"] == {"value": 49}


@adapters()
async def test_the_approval_input_is_checked_before_it_starts(client: Client) -> None:
    for body, pointer in (
        ({"approver": 5}, "/approver"),
        ({"approver": "not an address"}, "/approver"),
        ({"approver": "a@example.com\nBcc: b@example.com"}, "/approver"),
        ({"subject": "no approver"}, "/approver"),
        ({"approver": "a@example.com", "subject": ["x"]}, "/subject"),
    ):
        reply = await client.request("POST", "/approval", body=body)
        assert reply.status == 400, (body, reply.body)
        assert [p["pointer"] for p in reply.json()["problems"]] == [pointer], reply.body


OPERATOR_FIELDS = [s.parameter for s in settings_table.TABLE] + [
    "statebox_tick",
    "statebox_continue",
    "statebox_parameters",
    "statebox_anything_else",
]


@pytest.mark.parametrize("place", ["query", "body"])
@pytest.mark.parametrize("name", OPERATOR_FIELDS)
@adapters()
async def test_a_request_sets_no_operator_setting(client: Client, name: str, place: str) -> None:
    """No request reaches a setting: --web true refuses the name (400) when the operator did
    not bind it (bound ones the controller refuses itself); raw mode and the dev server never
    read settings from a request."""
    evil = "https://evil.example/x"
    query = urlencode({name: evil}) if place == "query" else ""
    body = {"approver": "alice@example.com", **({name: evil} if place == "body" else {})}
    reply = await client.request("POST", "/approval" + (f"?{query}" if query else ""), body=body)
    if client.name == "openwhisk":
        assert isinstance(client, OpenWhiskClient)
        assert reply.status == 400, reply.body
        if name in client.double.parameters:  # bound by the operator: the controller refuses it
            assert "not allowed" in reply.json()["error"]
        else:
            assert [p["pointer"] for p in reply.json()["problems"]] == [f"/{name}"]
        return
    # Accepted as input (or refused for a reason of its own), but no setting changed: the mail
    # action cannot reach an SMTP server here, so the start fails, never with the evil URL.
    assert evil not in reply.text


@pytest.mark.parametrize("client", ["openwhisk", "openwhisk-raw"], indirect=True)
async def test_the_audit_trusts_no_x_forwarded_for_by_default(client: Client) -> None:
    started = await start_incsquare(client)
    forged = {"X-Forwarded-For": "198.51.100.66"}
    reply = await client.request("POST", client.target_of(started["resumeUrl"]), headers=forged)
    assert reply.status == 200
    described = await client.request("GET", f"/?execution={started['executionId']}")
    (audit,) = described.json()["audit"]
    assert audit.get("address") is None and "198.51.100.66" not in described.text


@adapters()
async def test_resume_as_a_failure_is_caught(client: Client) -> None:
    reply = await client.request("POST", "/", body={"definition": CATCHES})
    assert reply.status == 202, reply.body
    started = reply.json()
    failed = await client.request(
        "POST", client.target_of(started["resumeUrl"]), body={"error": "Rejected", "cause": "no budget"}
    )
    assert failed.status == 200
    assert failed.json()["status"] == "SUCCEEDED"
    assert failed.json()["output"] == {"failure": {"Error": "Rejected", "Cause": "no budget"}}


@adapters()
async def test_invalid_definition_is_a_400_with_pointers(client: Client) -> None:
    reply = await client.request("POST", "/?input=6", headers=JSON_TYPE, body=json.dumps(INVALID))
    assert reply.status == 400
    problems = reply.json()["problems"]
    assert problems and all(p["pointer"].startswith("/") and p["message"] for p in problems)
    assert "/StartAt" in {p["pointer"] for p in problems}


@adapters()
async def test_malformed_json_is_a_400(client: Client) -> None:
    reply = await client.request("POST", "/", headers=JSON_TYPE, body=b'{"StartAt": ')
    assert reply.status == 400
    assert "error" in reply.json()


@adapters()
async def test_forged_continuation_is_a_404(client: Client) -> None:
    started = await start_incsquare(client)
    body, mac = started["continuation"].split(".")
    forged = f"{body}.{mac[::-1]}"
    for token in ("forged", forged, quote("x" * 300)):
        for method in ("GET", "POST"):
            reply = await client.request(method, f"/?continuation={token}")
            assert reply.status == 404, (method, token, reply.body)
            assert reply.json()["error"] == "ContinuationNotFound"
    page = await client.request("GET", f"/?continuation={forged}", headers=BROWSER)
    assert page.status == 404
    assert page.content_type.startswith("text/html")
    assert "<form" not in page.text
    # The real one is untouched.
    resumed = await client.request("POST", client.target_of(started["resumeUrl"]))
    assert resumed.status == 200


@adapters()
async def test_the_confirmation_page_never_resumes_and_its_form_does(client: Client) -> None:
    started = await start_incsquare(client)
    target = client.target_of(started["resumeUrl"])
    for _ in range(3):  # a mail scanner prefetching the link, a person opening it twice
        page = await client.request("GET", target, headers=BROWSER)
        assert page.status == 200
        assert page.content_type.startswith("text/html")
    parser = FormParser()
    parser.feed(page.text)
    (form,) = parser.forms
    assert form["method"].lower() == "post"
    assert form["action"] == started["resumeUrl"]
    assert sorted(b["label"] for b in form["buttons"]) == ["Approve", "Reject"]
    assert [t["name"] for t in form["textareas"]] == ["comment"]

    pending = await client.request("GET", target)
    assert pending.status == 200
    assert pending.json()["state"] == "AwaitResume"
    assert pending.json()["data"] == {"value": 49}
    described = await client.request("GET", f"/?execution={started['executionId']}")
    assert described.json()["status"] == "SUSPENDED"

    # What the browser sends when Approve is clicked.
    clicked = await client.request(
        "POST",
        client.target_of(form["action"]),
        headers=FORM_TYPE,
        body=urlencode({"decision": "approved", "comment": "ok"}),
    )
    assert clicked.status == 200
    assert clicked.json()["output"] == {"value": 50, "decision": "approved", "comment": "ok"}
    again = await client.request(
        "POST", target, headers={**FORM_TYPE, **BROWSER}, body="decision=rejected&comment="
    )
    assert again.status == 409
    assert again.content_type.startswith("text/html")


@adapters()
async def test_unknown_stored_machine_is_a_404(client: Client) -> None:
    for target in ("/nope", "/..%2Fstate_machines%2Fincsquare"):
        reply = await client.request("POST", target, headers=JSON_TYPE, body=b"6")
        assert reply.status == 404, (target, reply.body)


# ====================================================================== the double itself
def _echo(args: dict[str, Any]) -> dict[str, Any]:
    return {"body": {"args": args}}


def test_double_non_raw_merges_query_and_body_as_the_contract_says() -> None:
    double = OpenWhiskWebActionDouble(_echo, raw=False, parameters={"statebox_secret": "s", "unset": None})
    reply = double.invoke(
        "POST",
        "/x",
        "input=6&a=q",
        {"Content-Type": "application/json", "X-Thing": "1"},
        b'{"a": "b", "n": 1}',
    )
    args = reply.json()["args"]
    assert reply.status == 200 and reply.content_type == "application/json"
    assert args["__ow_method"] == "post" and args["__ow_path"] == "/x"
    assert args["__ow_headers"]["x-thing"] == "1"
    assert args["__ow_headers"]["content-type"] == "application/json"
    assert (args["input"], args["a"], args["n"], args["statebox_secret"]) == ("6", "b", 1, "s")
    assert "__ow_query" not in args and "__ow_body" not in args
    # Non-object JSON → __ow_body parsed; forms → string fields; text → __ow_body text.
    listed = double.invoke("POST", "", "", {"Content-Type": "application/json"}, b"[1]").json()
    assert listed["args"]["__ow_body"] == [1]
    form = double.invoke("POST", "", "", {"Content-Type": "application/x-www-form-urlencoded"}, b"x=1").json()
    assert form["args"]["x"] == "1"
    text = double.invoke("POST", "", "", {"Content-Type": "text/plain"}, b"hi").json()
    assert text["args"]["__ow_body"] == "hi"
    # Reserved names and final parameters cannot be set by the request; the action does not run.
    calls = len(double.calls)
    for query, body in (
        ("__ow_method=get", b""),
        ("statebox_secret=x", b""),
        ("", b'{"statebox_secret": "x"}'),
        ("", b'{"__ow_path": "/"}'),
    ):
        refused = double.invoke("POST", "", query, {"Content-Type": "application/json"}, body)
        assert refused.status == 400 and "not allowed" in refused.json()["error"]
    assert double.invoke("POST", "", "unset=1", {}, b"").status == 200  # a null parameter is not final
    assert len(double.calls) == calls + 1
    assert double.invoke("POST", "", "", {"Content-Type": "application/json"}, b"{").status == 400


def test_double_raw_passes_query_and_body_strings() -> None:
    double = OpenWhiskWebActionDouble(_echo, raw=True, parameters={"p": 1})
    reply = double.invoke("POST", "", "a=1&b=x%20y", {"Content-Type": "application/json"}, b'{"a": 2}')
    args = reply.json()["args"]
    assert args["__ow_query"] == "a=1&b=x%20y" and "a" not in args and args["p"] == 1
    assert base64.b64decode(args["__ow_body"]) == b'{"a": 2}'
    form = double.invoke("POST", "", "", {"Content-Type": "application/x-www-form-urlencoded"}, b"x=1").json()
    assert form["args"]["__ow_body"] == "x=1"
    assert double.invoke("GET", "", "", {}, b"").json()["args"]["__ow_body"] == ""


def test_double_projects_results_as_the_controller_does() -> None:
    def answer(result: Any) -> HttpReply:
        return OpenWhiskWebActionDouble(lambda args: result, raw=True, parameters={}).invoke("GET")

    assert answer({"body": "<p>hi</p>"}).content_type == "text/html"
    assert answer({"statusCode": "201", "body": {"a": 1}}).status == 201
    assert answer({}).status == 204
    assert answer({"statusCode": "x"}).status == 400
    assert answer({"headers": {"Content-Type": "text/plain"}, "body": {"a": 1}}).status == 400
    assert answer([1]).status == 400
    assert answer({"error": "boom"}).status == 400
    assert answer({"error": {"statusCode": 418}}).status == 418
    assert answer({"error": {}}).status == 204
    legacy = answer({"headers": {"Content-Type": "application/json"}, "body": "true"})
    assert legacy.body == base64.b64decode("true")  # the base64-looking JSON string quirk
    assert OpenWhiskWebActionDouble(lambda a: 1 / 0, raw=True, parameters={}).invoke("GET").status == 400


@pytest.mark.parametrize("raw", [False, True], ids=["openwhisk", "openwhisk-raw"])
async def test_resume_url_comes_from_the_action_identity_not_the_host_header(
    raw: bool, redis_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Contract §1.3 / §2.1: `host` is an internal address; the public URL is built from
    # __OW_API_HOST (scheme optional, trailing slash tolerated) and __OW_ACTION_NAME.
    for name in list(os.environ):
        if name in ("REDIS_URL", "STATEBOX_SECRET") or name.startswith(("STATEBOX_", "__OW_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("__OW_API_HOST", "openwhisk.example/")
    monkeypatch.setenv("__OW_ACTION_NAME", "/guest/statebox")
    await asyncio.to_thread(web_action.CONTAINER.reset)
    double = OpenWhiskWebActionDouble(
        web_action.main,
        raw=raw,
        parameters={
            "statebox_redis_url": redis_server.url,
            "statebox_secret": SECRET,
            "statebox_parameters": "statebox_redis_url,statebox_secret",
        },
    )
    try:
        reply = await OpenWhiskClient(double)._send(
            "POST", "/incsquare", {"Content-Type": "application/json"}, b"6"
        )
        assert reply.status == 202
        token = reply.json()["continuation"]
        expected = f"https://openwhisk.example/api/v1/web/guest/default/statebox?continuation={token}"
        assert reply.json()["resumeUrl"] == expected
        assert "172.17.0.1" not in reply.text
    finally:
        await asyncio.to_thread(web_action.CONTAINER.reset)


@pytest.mark.parametrize("client", ["devserver"], indirect=True)
async def test_dev_server_answers_413_for_a_body_over_the_limit(client: Client) -> None:
    # (The OpenWhisk controller refuses bodies over 1 MB itself, before the action runs.)
    big = json.dumps({"definition": INCSQUARE, "input": {"blob": "x" * (1024 * 1024)}})
    reply = await client.request("POST", "/", headers=JSON_TYPE, body=big)
    assert reply.status == 413
    assert reply.json()["error"] == "PayloadTooLarge"


async def test_a_dev_server_given_its_public_url_ignores_the_host_header(redis_server: Any) -> None:
    """Resume links (the approval email's too) come from --base-url, not from a Host header
    that whoever starts the execution chooses."""
    store = RedisStore.connect(redis_server.url, prefix=f"e2e{time.monotonic_ns()}:")
    engine = Engine(
        Settings(actions_dir=ROOT / "demo_actions"), store=store, signer=ContinuationSigner(SECRET)
    )
    public = "https://approvals.example/"
    app = build_app(Service(engine, ROOT / "state_machines"), timer_interval=None, base_url=public)
    try:
        async with served(app) as url, aiohttp.ClientSession() as session:
            async with session.post(
                f"{url}?input=6",
                data=INCSQUARE_TEXT,
                headers={"Host": "attacker.example", "Content-Type": "application/json"},
            ) as answer:
                body = await answer.json()
        assert answer.status == 202
        assert body["resumeUrl"].startswith(public + "?continuation=")
        record = await store.load(body["executionId"])
        assert record["baseUrl"] == public
    finally:
        await store.close()


@adapters()
async def test_every_adapter_sends_the_security_headers(client: Client) -> None:
    from statebox.web.security import SECURITY_HEADERS

    started = await start_incsquare(client)
    target = client.target_of(started["resumeUrl"])
    replies = [
        await client.request("GET", target, headers=BROWSER),  # the confirmation page
        await client.request("GET", target),
        await client.request("POST", "/?input=NaN", headers=JSON_TYPE, body=INCSQUARE_TEXT),
        await client.request("POST", target, headers={"Origin": "https://evil.test"}),
    ]
    assert [r.status for r in replies] == [200, 200, 400, 403]
    for reply in replies:
        for name, value in SECURITY_HEADERS.items():
            assert reply.headers.get(name.lower()) == value, (client.name, reply.status, name)
