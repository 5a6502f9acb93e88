"""Requests to the HTTP handler and checks on its answers (unit and property tests of statebox.web)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from statebox.config import Settings
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.ports import FakeClock
from statebox.web.handler import Service, handle
from statebox.web.protocol import HttpRequest, HttpResponse
from statebox.web.security import SECURITY_HEADERS

ROOT = Path(__file__).resolve().parents[2]
MACHINES = ROOT / "state_machines"
INCSQUARE_TEXT = (MACHINES / "incsquare.json").read_text(encoding="utf-8")
INCSQUARE = json.loads(INCSQUARE_TEXT)
BASE_URL = "https://statebox.test/api/v1/web/guest/default/statebox"
JSON_TYPE = {"content-type": "application/json"}


def make_engine(store: Any, clock: FakeClock) -> Engine:
    return Engine(
        Settings(actions_dir=ROOT / "demo_actions"),
        store=store,
        signer=ContinuationSigner(b"k"),
        clock=clock,
    )


def request(
    method: str,
    path: str = "/",
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | str | Any = b"",
) -> HttpRequest:
    if not isinstance(body, bytes | str):
        body = json.dumps(body)
        headers = {**JSON_TYPE, **(headers or {})}
    if isinstance(body, str):
        body = body.encode("utf-8")
    return HttpRequest(
        method=method,
        path=path,
        query=query or {},
        headers=headers or {},
        body=body,
        remote="203.0.113.7",
        base_url=BASE_URL,
    )


async def call(service: Service, req: HttpRequest) -> HttpResponse:
    response = await handle(req, service)
    assert response.status != 500, response.body
    assert_well_formed(response)
    return response


def assert_well_formed(response: HttpResponse) -> None:
    """The body is JSON (a JSON value with a JSON type) or an HTML page (text with text/html)."""
    content_type = response.content_type
    for name, value in SECURITY_HEADERS.items():  # every answer, JSON or HTML, error or not
        assert response.headers.get(name) == value, (name, response.headers)
    if content_type.startswith("application/json"):
        assert not isinstance(response.body, str | bytes)
        assert json.loads(response.encoded) == response.body  # what is sent: strict JSON
        json.dumps(response.body, allow_nan=False)
    else:
        assert content_type.startswith("text/html"), content_type
        assert isinstance(response.body, str)
        assert response.body.lower().startswith("<!doctype html>")


async def start_incsquare(service: Service, value: int = 6) -> dict[str, Any]:
    response = await call(service, request("POST", query={"input": str(value)}, body=INCSQUARE_TEXT))
    assert response.status == 202, response.body
    return response.body
