"""WebActionControllerDouble: a TEST DOUBLE of the controller's web-action front end.

Not OpenWhisk: it turns a simulated HTTP request into the action's arguments and the action's
result back into HTTP, as openwhisk-contract.md §1.3 - §1.8 documents, and runs the activation
through an OpenWhiskPythonRuntimeDouble's `/run`:

- `raw=True` (`--web raw`, §1.4): `__ow_method` (lower case), `__ow_headers` (lower-case names),
  `__ow_path`, `__ow_query` (re-rendered query string), `__ow_body` (always a string: "" when
  empty, base64 for exactly application/json and binary types, else the text);
- `raw=False` (`--web true`, §1.3): the same metadata but no `__ow_query`; query values as
  top-level strings; a JSON object body merged on top (other JSON values in `__ow_body`); form
  fields merged as strings; text in `__ow_body`, binary as base64. A request naming a reserved
  `__ow_*` field or a parameter that has a value (`final`) is refused with 400 before the action;
- default parameters are merged underneath in both modes;
- the result is projected as the `.http` extension does (§1.6, §1.8): a top-level `error` is
  taken as the response; statusCode/headers/body; a non-object, or a /run that failed, is
  `400 "There was an error processing your request."`; every answer from an activation carries
  `x-openwhisk-activation-id`.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

RESERVED = ("__ow_method", "__ow_headers", "__ow_path", "__ow_user", "__ow_query", "__ow_body")
_BASE64 = re.compile(r"\A(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\Z")


@dataclass
class WebResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _is_binary(media: str) -> bool:
    return media == "application/octet-stream" or media.split("/")[0] in ("image", "audio", "video")


class WebActionControllerDouble:
    def __init__(
        self,
        runtime: Any,
        params: dict[str, Any],
        *,
        action_name: str = "/guest/statebox",
        namespace: str = "guest",
        api_key: str | None = None,
    ) -> None:
        self.runtime = runtime
        self.params = params
        self.action_name = action_name
        self.namespace = namespace
        self.api_key = api_key

    def request(
        self,
        method: str,
        path: str = "",
        *,
        query: dict[str, str] | None = None,
        body: bytes | str | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bool = True,
    ) -> WebResponse:
        data = body.encode("utf-8") if isinstance(body, str) else (body or b"")
        sent = {k.lower(): v for k, v in (headers or {}).items()}
        if content_type:
            sent["content-type"] = content_type
        meta = {"__ow_method": method.lower(), "__ow_headers": sent, "__ow_path": path}
        args = (
            self._raw_args(meta, query or {}, data, content_type)
            if raw
            else self._args(meta, query or {}, data, content_type)
        )
        if isinstance(args, WebResponse):
            return args
        status, result = self.runtime.run(
            {**self.params, **args},
            namespace=self.namespace,
            action_name=self.action_name,
            api_key=self.api_key,
        )
        return self._project(status, result, os.urandom(16).hex())

    # ---------------------------------------------------------------- request -> args
    def _raw_args(
        self, meta: dict[str, Any], query: dict[str, str], data: bytes, content_type: str | None
    ) -> dict[str, Any]:
        media = _media(content_type)
        if not data:
            ow_body = ""
        elif media == "application/json" or _is_binary(media):
            ow_body = base64.b64encode(data).decode("ascii")
        else:
            ow_body = data.decode("utf-8")
        return {**meta, "__ow_query": urlencode(query), "__ow_body": ow_body}

    def _args(
        self, meta: dict[str, Any], query: dict[str, str], data: bytes, content_type: str | None
    ) -> dict[str, Any] | WebResponse:
        media = _media(content_type)
        fields: dict[str, Any] = dict(query)
        extra: dict[str, Any] = {}
        if data:
            if _is_json(media):
                try:
                    parsed = json.loads(data)
                except ValueError:
                    return self._refuse(400, "The request content was malformed.")
                if isinstance(parsed, dict):
                    fields.update(parsed)
                else:
                    extra["__ow_body"] = parsed
            elif media == "application/x-www-form-urlencoded":
                fields.update(dict(parse_qsl(data.decode("utf-8"), keep_blank_values=True)))
            elif _is_binary(media):
                extra["__ow_body"] = base64.b64encode(data).decode("ascii")
            else:
                extra["__ow_body"] = data.decode("utf-8")
        final = {k for k, v in self.params.items() if v is not None}
        if any(k in RESERVED or k in final for k in fields):
            return self._refuse(
                400, "Request defines parameters that are not allowed (e.g., reserved properties)."
            )
        return {**fields, **extra, **meta}

    @staticmethod
    def _refuse(status: int, message: str) -> WebResponse:
        body = json.dumps({"error": message, "code": os.urandom(8).hex()}).encode()
        return WebResponse(status, {"Content-Type": "application/json"}, body)

    # ---------------------------------------------------------------- result -> HTTP
    def _project(self, status: int, result: Any, activation_id: str) -> WebResponse:
        response = self._http(status, result)
        response.headers["x-openwhisk-activation-id"] = activation_id
        return response

    def _http(self, status: int, result: Any) -> WebResponse:
        if status != 200 or not isinstance(result, dict):
            return self._refuse(400, "There was an error processing your request.")
        if "error" in result:
            result = result["error"]
            if not isinstance(result, dict):
                return self._refuse(400, "Response is not valid 'message/http'.")
        code = result.get("statusCode")
        if isinstance(code, str) and code.isdigit():
            code = int(code)
        if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
            return self._refuse(400, "Response is not valid 'message/http'.")
        headers = result.get("headers") or {}
        if not isinstance(headers, dict) or not all(
            isinstance(v, str | int | float | bool | list) for v in headers.values()
        ):
            return self._refuse(400, "Response is not valid 'message/http'.")
        headers = {k: str(v) for k, v in headers.items()}
        media = _media(next((v for k, v in headers.items() if k.lower() == "content-type"), None))
        body = result.get("body")
        if body is None or body == "":
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            return WebResponse(code or 204, headers, b"")
        if not isinstance(body, str):
            if media and not _is_json(media):
                return self._refuse(400, "Response type in header did not match generated content type.")
            headers.setdefault("Content-Type", "application/json")
            return WebResponse(code or 200, headers, json.dumps(body).encode("utf-8"))
        if not media:
            headers["Content-Type"] = "text/html"
            return WebResponse(code or 200, headers, body.encode("utf-8"))
        if _is_binary(media) or (_is_json(media) and _BASE64.match(body)):
            try:
                return WebResponse(code or 200, headers, base64.b64decode(body, validate=True))
            except (binascii.Error, ValueError):
                return self._refuse(400, "Response is not valid 'message/http'.")
        return WebResponse(code or 200, headers, body.encode("utf-8"))
