"""web/security.py: the header set on every answer of the HTTP surface, and POSTs a browser
makes for another site's page refused (403 CrossSiteRequest) before anything is started or
claimed. The browser's side of it (a real cross-origin form, no-cors fetch and iframe) is
tests/e2e/test_cross_site.py."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import pytest
import test_handler
from test_handler import BROWSER, point_status  # the handler's helpers

from statebox.web.handler import Service, handle
from statebox.web.security import SECURITY_HEADERS
from tests.support.web import (
    BASE_URL,
    INCSQUARE_TEXT,
    JSON_TYPE,
    assert_well_formed,
    call,
    request,
    start_incsquare,
)

OWN_ORIGIN = "https://statebox.test"  # BASE_URL's origin
clock, service = test_handler.clock, test_handler.service  # the fixtures: an in-process engine


def test_the_policy_forbids_framing_referrers_scripts_and_foreign_form_targets() -> None:
    policy = dict(
        part.strip().split(" ", 1) for part in SECURITY_HEADERS["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'" and "script-src" not in policy
    assert SECURITY_HEADERS["X-Frame-Options"] == "DENY"
    assert SECURITY_HEADERS["Referrer-Policy"] == "no-referrer"


async def test_every_kind_of_answer_carries_the_headers(service: Service) -> None:
    started = await start_incsquare(service)
    token = started["continuation"]
    answers = [
        await handle(request("GET"), service),
        await handle(request("GET", query={"continuation": token}), service),
        await handle(request("GET", query={"continuation": token}, headers=BROWSER), service),
        await handle(request("GET", query={"continuation": "forged"}, headers=BROWSER), service),
        await handle(request("GET", query={"execution": started["executionId"]}), service),
        await handle(request("POST", headers=JSON_TYPE, body=b"{"), service),
        await handle(request("PUT"), service),
        await handle(request("GET", "/nope"), service),
        await handle(
            request("POST", query={"continuation": token}, headers={"origin": "https://evil.test"}), service
        ),
        await handle(request("POST", query={"continuation": token}, headers=BROWSER), service),
        await handle(request("POST", query={"continuation": token}, headers=BROWSER), service),  # 409 page
    ]
    assert {a.status for a in answers} == {200, 400, 403, 404, 405, 409}
    assert {a.content_type.split(";")[0] for a in answers} == {"application/json", "text/html"}
    for answer in answers:
        assert_well_formed(answer)  # checks SECURITY_HEADERS, header by header


async def test_the_pages_own_stylesheet_is_the_one_the_policy_allows(service: Service) -> None:
    started = await start_incsquare(service)
    page = await call(
        service, request("GET", query={"continuation": started["continuation"]}, headers=BROWSER)
    )
    (style,) = re.findall(r"<style>(.*?)</style>", page.body, re.S)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in page.headers["Content-Security-Policy"]
    assert "<script" not in page.body


REFUSED = [
    pytest.param({"sec-fetch-site": "cross-site"}, id="sec-fetch-cross-site"),
    pytest.param({"sec-fetch-site": "same-site"}, id="sec-fetch-same-site"),
    pytest.param({"origin": "https://evil.test"}, id="other-origin"),
    pytest.param({"origin": "http://statebox.test"}, id="other-scheme"),
    pytest.param({"origin": "https://statebox.test.evil.test"}, id="suffix-host"),
    pytest.param({"origin": "null"}, id="opaque-origin"),
    pytest.param({"origin": OWN_ORIGIN, "sec-fetch-site": "cross-site"}, id="both-one-foreign"),
    pytest.param({"origin": "null", "sec-fetch-site": "cross-site"}, id="sandboxed-frame"),
]
ALLOWED = [
    pytest.param({}, id="a-program"),
    pytest.param({"sec-fetch-site": "same-origin", "origin": OWN_ORIGIN}, id="own-page"),
    pytest.param({"sec-fetch-site": "same-origin", "origin": "null"}, id="own-page-no-referrer"),
    pytest.param({"sec-fetch-site": "none"}, id="typed-or-from-mail"),
    pytest.param({"origin": "http://127.0.0.1:8080", "host": "127.0.0.1:8080"}, id="dev-server-host"),
]


@pytest.mark.parametrize("headers", REFUSED)
async def test_a_cross_site_post_is_refused_and_claims_nothing(
    service: Service, headers: dict[str, str]
) -> None:
    started = await start_incsquare(service)
    token = started["continuation"]
    for query, body in (({"continuation": token}, b"{}"), ({"input": "6"}, INCSQUARE_TEXT.encode())):
        response = await call(
            service, request("POST", query=query, headers={**JSON_TYPE, **headers}, body=body)
        )
        assert (response.status, response.body["error"]) == (403, "CrossSiteRequest"), response.body
    assert await point_status(service, started) == "pending"
    genuine = await call(service, request("POST", query={"continuation": token}))
    assert genuine.status == 200


@pytest.mark.parametrize("headers", ALLOWED)
async def test_a_post_from_the_service_itself_or_a_program_goes_through(
    service: Service, headers: dict[str, Any]
) -> None:
    started = await start_incsquare(service)
    response = await call(
        service, request("POST", query={"continuation": started["continuation"]}, headers=headers)
    )
    assert (response.status, response.body["output"]) == (200, {"value": 50})
    assert BASE_URL.startswith(OWN_ORIGIN)


def test_the_web_actions_own_answers_carry_the_headers_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers the web action gives before the handler runs (here: not configured, a 500)."""
    from statebox.web import action

    for name in ("STATEBOX_SECRET", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    answer = action.main({"__ow_method": "get", "__ow_headers": {}, "__ow_path": "", "__ow_query": ""})
    assert answer["statusCode"] == 500 and answer["body"]["kind"] == "ConfigurationError"
    for name, value in SECURITY_HEADERS.items():
        assert answer["headers"][name] == value
