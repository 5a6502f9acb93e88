"""OpenWhisk web-action arguments → HttpRequest, one translation for both deployments
(openwhisk-contract.md §1.3 / §1.4), so both answer the same.

`--web raw` is exact: `__ow_query` is the query string, `__ow_body` the body (base64 for
application/json and binary types).

`--web true` merges the query's fields (strings) and a JSON-object or form body's fields into
one dict, and nothing says which field came from where. statebox reads it back so that every
request of the HTTP surface means what it means in raw mode:

- no JSON or form body (no Content-Type, or a body OpenWhisk kept in `__ow_body`): every field
  is a query field, exactly as in raw mode (`?continuation=K&value=100` resumes with 100);
- a POST with such a body:
  - to `/NAME`: every field is the body, the stored machine's input (`input`, `execution`,
    `continuation` included: a POST /NAME is a start);
  - to `/` with `definition` or `stateMachine`: every field is the body;
  - to `/` with `StartAt` / `States` (a posted definition): `input` is the query's, the rest is
    the definition;
  - otherwise (a resume): `continuation` and `heartbeat` are the query's, the rest the body;
- any other method: every field is a query field.

The one thing raw mode can say that `--web true` cannot: query fields sent together with a
JSON or form body join the body there (the README says so).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl

from .protocol import HttpRequest

RESUME_QUERY_FIELDS = ("continuation", "heartbeat")


def is_merged(args: dict[str, Any]) -> bool:
    """A `--web true` request: web metadata, but no `__ow_query` (raw mode always has one; a
    request cannot add it, the controller refuses the reserved names)."""
    return "__ow_method" in args and "__ow_query" not in args


def remote_address(headers: dict[str, str], hops: int) -> str | None:
    """The client's address as the `hops` proxies in front appended it to X-Forwarded-For; the
    entries left of those are whatever the client sent, so they are never read. With no
    trusted proxy (0, the default: stock OpenWhisk's edge adds no X-Forwarded-For) none."""
    if hops <= 0:
        return None
    entries = [part.strip() for part in headers.get("x-forwarded-for", "").split(",") if part.strip()]
    return entries[-hops] if len(entries) >= hops else None


def to_request(args: dict[str, Any], *, base_url: str, forwarded_hops: int = 0) -> HttpRequest:
    headers = {str(k).lower(): str(v) for k, v in (args.get("__ow_headers") or {}).items()}
    method = str(args.get("__ow_method", "post")).upper()
    path = str(args.get("__ow_path") or "/")
    content_type = headers.get("content-type", "")
    remote = remote_address(headers, forwarded_hops)
    if not is_merged(args):
        query = dict(parse_qsl(str(args.get("__ow_query") or ""), keep_blank_values=True))
        body = _decode_raw_body(args.get("__ow_body"), content_type)
        return HttpRequest(method, path, query, headers, body, remote=remote, base_url=base_url)
    fields = {k: v for k, v in args.items() if not k.startswith(("__ow_", "statebox_"))}
    if "__ow_body" in args:  # a body that is not a JSON object: the fields are the query's
        raw = args["__ow_body"]
        # For JSON content the controller already parsed the body: a string is the value itself.
        json_family = content_type.startswith("application/json") or "+json" in content_type
        parsed = raw if (not isinstance(raw, str) or json_family) else None
        data = raw.encode("utf-8") if isinstance(raw, str) and not json_family else b""
        return HttpRequest(
            method,
            path,
            _as_query(fields),
            headers,
            data,
            parsed_body=parsed,
            remote=remote,
            base_url=base_url,
        )
    query, body = _split(method, path, fields, _has_field_body(content_type))
    return HttpRequest(method, path, query, headers, b"", parsed_body=body, remote=remote, base_url=base_url)


def _has_field_body(content_type: str) -> bool:
    """Whether the controller may have merged body fields (a JSON object, or a form)."""
    media = content_type.split(";")[0].strip().lower()
    return (
        media == "application/json" or media.endswith("+json") or media == "application/x-www-form-urlencoded"
    )


def _split(
    method: str, path: str, fields: dict[str, Any], field_body: bool
) -> tuple[dict[str, str], dict[str, Any] | None]:
    """(query, body) of a merged request, by the rules in the module docstring."""
    if method != "POST" or not field_body:
        return _as_query(fields), None
    if path.strip("/") or "definition" in fields or "stateMachine" in fields:
        return {}, fields or None
    if "StartAt" in fields or "States" in fields:
        query = {"input": _as_text(fields.pop("input"))} if "input" in fields else {}
        return query, fields
    query = {k: _as_text(fields.pop(k)) for k in RESUME_QUERY_FIELDS if k in fields}
    return query, fields or None


def _as_query(fields: dict[str, Any]) -> dict[str, str]:
    return {k: _as_text(v) for k, v in fields.items()}


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


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
