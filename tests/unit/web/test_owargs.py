"""statebox/web/owargs.py: a `--web true` request's merged fields read back as the same query
and body a `--web raw` request carries (contract §1.3 / §1.4)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest

from statebox.web.owargs import remote_address, to_request

ASL = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}


def raw_args(method: str, path: str, query: dict[str, str], body: Any, content_type: str) -> dict[str, Any]:
    data = "" if body is None else json.dumps(body) if content_type == "application/json" else body
    encoded = (
        base64.b64encode(data.encode()).decode() if content_type == "application/json" and data else data
    )
    return {
        "__ow_method": method,
        "__ow_headers": {"content-type": content_type} if content_type else {},
        "__ow_path": path,
        "__ow_query": urlencode(query),
        "__ow_body": encoded,
    }


def merged_args(
    method: str, path: str, query: dict[str, str], body: Any, content_type: str
) -> dict[str, Any]:
    fields: dict[str, Any] = dict(query)
    if isinstance(body, dict):
        fields.update(body)
    elif isinstance(body, str) and content_type == "application/x-www-form-urlencoded":
        fields.update(dict(part.split("=") for part in body.split("&")))
    headers = {"content-type": content_type} if content_type else {}
    return {
        **fields,
        "statebox_secret": "operator",
        "__ow_method": method,
        "__ow_headers": headers,
        "__ow_path": path,
    }


def seen(request: Any) -> tuple[dict[str, str], Any]:
    """What the handler reads: the query and the body as JSON."""
    if request.parsed_body is not None:
        return dict(request.query), request.parsed_body
    body = request.body.decode()
    if request.header("content-type").startswith("application/x-www-form-urlencoded"):
        return dict(request.query), dict(part.split("=") for part in body.split("&")) if body else None
    return dict(request.query), json.loads(body) if body else None


CASES = [
    ("post", "", {"continuation": "K", "value": "100"}, None, ""),
    ("post", "", {"continuation": "K"}, {"decision": "approved", "n": 2}, "application/json"),
    ("post", "", {"continuation": "K"}, "decision=approved&comment=ok", "application/x-www-form-urlencoded"),
    ("post", "", {"input": "6"}, ASL, "application/json"),
    ("post", "", {}, {"definition": ASL, "input": 6}, "application/json"),
    ("post", "", {}, {"stateMachine": "incsquare", "input": {"execution": 1}}, "application/json"),
    (
        "post",
        "/approval",
        {},
        {"approver": "a@example.com", "input": 1, "continuation": "c"},
        "application/json",
    ),
    ("post", "/incsquare", {"value": "6"}, None, ""),
    ("get", "", {"execution": "E"}, None, ""),
    ("get", "", {"continuation": "K"}, None, "application/json"),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]} {c[1] or '/'} {sorted(c[2])}" for c in CASES])
def test_both_modes_give_the_handler_the_same_request(case: tuple[Any, ...]) -> None:
    raw = to_request(raw_args(*case), base_url="https://x")
    merged = to_request(merged_args(*case), base_url="https://x")
    assert seen(merged) == seen(raw)
    assert (merged.method, merged.path) == (raw.method, raw.path)


def test_x_forwarded_for_is_read_only_as_far_as_trusted_proxies_appended_it() -> None:
    headers = {"x-forwarded-for": "198.51.100.66, 203.0.113.7"}
    assert remote_address(headers, 0) is None
    assert remote_address(headers, 1) == "203.0.113.7"
    assert remote_address(headers, 2) == "198.51.100.66"
    assert remote_address(headers, 3) is None
    assert remote_address({}, 1) is None
