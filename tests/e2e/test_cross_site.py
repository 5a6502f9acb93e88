"""A page of another site cannot answer a confirmation page for its person (issue 13, 5k), in
headless Chromium against the dev server on a real redis-server. The attacker knows the
continuation (all three attacks need the token) and tries:

- a form on its own page that POSTs "approved" to the resume URL;
- a `fetch(..., {mode: "no-cors"})` POST (the answer is opaque to it, the side effect is not);
- the confirmation page in an invisible iframe under its own page, for a click-jacked Approve.

Each must leave the execution suspended; the same person's click on the page itself still
resumes it. The attacker's site is a second loopback server reached as `localhost` (another
site than the service's 127.0.0.1, both in the loopback address space, so Chromium's own
private-network checks do not step in and only statebox's answers decide).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import Page, expect

from statebox.config import Settings
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.stores.redis import RedisStore
from statebox.web.devserver import build_app
from statebox.web.handler import Service

from . import test_approval_flow
from .conftest import served
from .test_approval_flow import MACHINES, ROOT, DevServer, unique_prefix

browser, page = test_approval_flow.browser, test_approval_flow.page  # the fixtures: one Chromium

pytestmark = pytest.mark.asyncio(loop_scope="module")

ASKS = {
    "StartAt": "Ask",
    "States": {"Ask": {"Type": "Task", "Resource": "module:suspend", "End": True}},
}


@contextlib.asynccontextmanager
async def dev_server(redis_url: str) -> AsyncIterator[DevServer]:
    """The dev server's app on a loopback socket, on the real Redis; `server.answered` lists
    (method, status) of every request it answered, so a test sees what the browser hides."""
    store = RedisStore.connect(redis_url, prefix=unique_prefix())
    engine = Engine(
        Settings(actions_dir=ROOT / "demo_actions"), store=store, signer=ContinuationSigner("x" * 32)
    )
    app = build_app(Service(engine, MACHINES), timer_interval=None)
    answered: list[tuple[str, int]] = []

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        response = await handler(request)
        answered.append((request.method, response.status))
        return response

    app.middlewares.append(record)
    try:
        async with served(app) as url, aiohttp.ClientSession() as session:
            server = DevServer(engine, url, session)
            server.answered = answered  # type: ignore[attr-defined]
            yield server
    finally:
        await store.close()


async def start(server: Any) -> dict[str, Any]:
    body = {"definition": ASKS, "input": {"subject": "Wire 10 000 EUR?", "details": {"to": "mallory"}}}
    async with server.session.post(server.base_url, json=body) as reply:
        assert reply.status == 202, await reply.text()
        return await reply.json()


async def still_pending(server: Any, started: dict[str, Any]) -> None:
    described = await server.execution(started["executionId"])
    assert (described["status"], described["audit"]) == ("SUSPENDED", []), described
    async with server.session.get(started["resumeUrl"]) as reply:
        assert reply.status == 200, await reply.text()  # pending, not claimed or used


@contextlib.asynccontextmanager
async def attacker_site(html: str) -> AsyncIterator[str]:
    """The attacker's page on its own loopback server; yields its URL on `localhost`."""

    async def page_of_the_attacker(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page_of_the_attacker)
    async with served(app) as url:
        yield url.replace("127.0.0.1", "localhost")


async def test_a_cross_site_form_post_is_refused(redis_server: Any, page: Page) -> None:
    async with dev_server(redis_server.url) as server:
        started = await start(server)
        form = (
            f'<form method="post" action="{started["resumeUrl"]}">'
            '<input name="decision" value="approved"><button>Win a prize</button></form>'
        )
        async with attacker_site(form) as attacker:
            await page.goto(attacker)
            async with page.expect_response(lambda r: r.url == started["resumeUrl"]) as answer:
                await page.get_by_role("button", name="Win a prize").click()
            response = await answer.value
            assert (response.status, response.request.method) == (403, "POST")
            assert json.loads(await response.body())["error"] == "CrossSiteRequest"
            sent = await response.request.all_headers()
            assert sent["origin"] == attacker.rstrip("/") and sent["sec-fetch-site"] == "cross-site"
        await still_pending(server, started)


async def test_a_no_cors_fetch_post_is_refused(redis_server: Any, page: Page) -> None:
    async with dev_server(redis_server.url) as server:
        started = await start(server)
        async with attacker_site("<p>nothing to see</p>") as attacker:
            await page.goto(attacker)
            async with page.expect_request(lambda r: r.url == started["resumeUrl"]) as sent:
                outcome = await page.evaluate(
                    """async (url) => {
                        try {
                            const reply = await fetch(url, {method: "POST", mode: "no-cors",
                                headers: {"Content-Type": "application/x-www-form-urlencoded"},
                                body: "decision=approved"});
                            return reply.type;
                        } catch (error) {
                            return "blocked";  // Cross-Origin-Resource-Policy: not even opaque
                        }
                    }""",
                    started["resumeUrl"],
                )
            request = await sent.value
            assert request.method == "POST" and outcome in ("opaque", "blocked")
            assert server.answered[-1] == ("POST", 403)  # the server saw it and refused it
        await still_pending(server, started)


async def test_the_page_will_not_load_in_another_sites_frame(redis_server: Any, page: Page) -> None:
    async with dev_server(redis_server.url) as server:
        started = await start(server)
        frame_page = (
            f'<iframe src="{started["resumeUrl"]}" style="opacity:0.01" width="600" height="600"></iframe>'
        )
        async with attacker_site(frame_page) as attacker:
            async with page.expect_response(lambda r: r.url == started["resumeUrl"]) as answer:
                await page.goto(attacker)
            framed = await answer.value
            await page.wait_for_load_state("load")
            # Chromium shows its error page in the frame instead: no form, no buttons to click.
            await expect(page.frame_locator("iframe").get_by_role("button")).to_have_count(0)
            assert await page.frame_locator("iframe").locator("form").count() == 0
            assert framed.status == 200 and framed.headers["x-frame-options"] == "DENY"
            assert "frame-ancestors 'none'" in framed.headers["content-security-policy"]
        await still_pending(server, started)


async def test_the_person_on_the_page_itself_still_approves(redis_server: Any, page: Page) -> None:
    async with dev_server(redis_server.url) as server:
        started = await start(server)
        opened = await page.goto(started["resumeUrl"])
        assert opened is not None and opened.status == 200
        assert opened.headers["referrer-policy"] == "no-referrer"
        async with page.expect_navigation() as navigation:
            await page.get_by_role("button", name="Approve", exact=True).click()
        result = await navigation.value
        assert result is not None and (result.status, result.request.method) == (200, "POST")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Approved")
        described = await server.execution(started["executionId"])
        assert described["status"] == "SUCCEEDED", described
        assert described["output"]["decision"] == "approved"
