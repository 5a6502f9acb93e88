"""The approval workflow end to end, as a person meets it (DESIGN.md, "The approval sample,
exactly"):

- the dev server app (`build_app`) on a real loopback socket, backed by a real redis-server;
- `send_approval_email` mailing through a real SMTP server (aiosmtpd on loopback), configured
  by the environment;
- the emailed link opened in headless Chromium (Debian's /usr/bin/chromium driven by the
  `playwright` Python package — never a downloaded browser), which types a comment and clicks.

Chromium missing is a failure, not a skip: scripts/test.sh installs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
import pytest_asyncio

from statebox.config import Settings
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.ports import Clock, FakeClock, SystemClock
from statebox.stores.redis import RedisStore
from statebox.web.devserver import build_app
from statebox.web.handler import Service

from .conftest import screenshot, served
from .smtp_capture import MAIL_FROM, Mailbox, mailbox_fixture  # noqa: F401 - the `mailbox` fixture

try:
    from playwright.async_api import Browser, Page, async_playwright, expect
except ImportError:  # reported by the `browser` fixture as a failure
    async_playwright = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parents[2]
MACHINES = ROOT / "state_machines"
SECRET = "approval-e2e-secret"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SUBJECT = "Publish the Q3 report?"
DETAILS = {"report": "Q3 2026 results", "pages": 14, "requestedBy": "bob@example.com"}
THREE_DAYS = 259200
CONFIRMATION_PAGE = f"""
- main:
  - heading "{SUBJECT}" [level=1]
  - term: report
  - definition: {DETAILS["report"]}
  - term: pages
  - definition: "{DETAILS["pages"]}"
  - term: requestedBy
  - definition: {DETAILS["requestedBy"]}
  - textbox "Comment (optional)"
  - button "Approve"
  - button "Reject"
  - paragraph:
    - text: This link expires on
    - time: /\\d{{1,2}} [A-Z][a-z]+ \\d{{4}}, \\d\\d:\\d\\d UTC/
"""

pytestmark = pytest.mark.asyncio(loop_scope="module")


# ====================================================================== fixtures and helpers
@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    if async_playwright is None:
        pytest.fail(
            "the playwright Python package is not installed: run scripts/test.sh "
            "(it installs the [test] extra; no `playwright install` is needed)"
        )
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium package "
            "(scripts/test.sh does, as root: apt-get update && apt-get install -y chromium)"
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context()
    try:
        yield await context.new_page()
    finally:
        await context.close()


@dataclass
class DevServer:
    engine: Engine
    base_url: str
    session: aiohttp.ClientSession

    async def start_approval(self, approver: str = "alice@example.com", **extra: Any) -> dict[str, Any]:
        body = {"approver": approver, "subject": SUBJECT, "details": DETAILS, **extra}
        async with self.session.post(self.base_url + "approval", json=body) as reply:
            assert reply.status == 202, (reply.status, await reply.text())
            return await reply.json()

    async def execution(self, execution_id: str) -> dict[str, Any]:
        async with self.session.get(self.base_url, params={"execution": execution_id}) as reply:
            assert reply.status == 200, (reply.status, await reply.text())
            return await reply.json()

    async def wait_for_status(self, execution_id: str, status: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            described = await self.execution(execution_id)
            if described["status"] == status or time.monotonic() > deadline:
                assert described["status"] == status, described
                return described
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def dev_server(
    redis_url: str,
    *,
    machines: Path = MACHINES,
    clock: Clock | None = None,
    prefix: str | None = None,
) -> AsyncIterator[DevServer]:
    """`statebox serve`'s app on a real loopback socket, on the real Redis (no timer loop: the
    tests tick timers themselves, or run `statebox worker`)."""
    store = RedisStore.connect(redis_url, **({} if prefix is None else {"prefix": prefix}))
    engine = Engine(
        Settings(actions_dir=ROOT / "demo_actions"),
        store=store,
        signer=ContinuationSigner(SECRET),
        clock=clock or SystemClock(),
    )
    try:
        async with served(build_app(Service(engine, machines), timer_interval=None)) as url:
            async with aiohttp.ClientSession() as session:
                yield DevServer(engine, url, session)
    finally:
        await store.close()


def unique_prefix() -> str:
    return f"approval{time.monotonic_ns()}:"


async def check_mail(box: Mailbox, started: dict[str, Any], approver: str = "alice@example.com") -> str:
    """The approval mail: to the approver, from the configured sender, a text part with the
    confirmation page URL and an HTML part with both links. Returns the page URL."""
    (mail,) = await box.wait_for(1)
    assert mail.rcpt_tos == [approver]
    assert mail.mail_from == MAIL_FROM
    assert mail.message["To"] == approver
    assert mail.message["Subject"] == SUBJECT
    url = mail.page_url()
    assert url == started["resumeUrl"]
    assert parse_qs(urlsplit(url).query)["continuation"] == [started["continuation"]]
    assert DETAILS["report"] in mail.text
    links = mail.html_links()
    assert links == {"Approve": f"{url}&decision=approved", "Reject": f"{url}&decision=rejected"}
    assert f"Approve: {url}&decision=approved" in mail.text
    assert f"Reject:  {url}&decision=rejected" in mail.text
    return url


async def expect_confirmation_page(page: Page) -> None:
    """What is being decided, Approve / Reject buttons and a labelled comment box, checked on
    the accessibility tree Chromium builds (what a screen reader gets)."""
    assert await page.evaluate("[document.documentElement.lang, document.title]") == ["en", SUBJECT]
    await expect(page.locator("main")).to_match_aria_snapshot(CONFIRMATION_PAGE)


async def expect_status_page(page: Page, response: Any, status: int, heading: str) -> None:
    """An error answer shown as a page: the status, a heading, no form, no traceback."""
    assert response is not None and response.status == status, response and response.status
    assert response.headers["content-type"].startswith("text/html")
    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    await expect(page.get_by_role("button")).to_have_count(0)
    text = await page.locator("body").inner_text()
    assert "Traceback" not in text and "Error" not in text, text


# ====================================================================== scenarios
async def test_approve_in_the_browser(
    redis_server: Any,
    mailbox: Mailbox,
    page: Page,
    tmp_path: Path,
) -> None:
    async with dev_server(redis_server.url, prefix=unique_prefix()) as server:
        started = await server.start_approval()
        assert started["status"] == "SUSPENDED"
        execution_id = started["executionId"]
        url = await check_mail(mailbox, started)

        # A mail scanner prefetching both links, without and with a browser's Accept header.
        for link in mailbox.mails[0].html_links().values():
            async with server.session.get(link) as prefetch:
                assert prefetch.status == 200
                assert (await prefetch.json())["state"] == "RequestApproval"
            async with server.session.get(link, headers={"Accept": "text/html"}) as prefetch:
                assert prefetch.status == 200
                assert "<form" in await prefetch.text()

        # The person opens the page, twice: nothing is resumed by looking.
        opened = await page.goto(url)
        assert opened is not None and opened.status == 200
        await expect_confirmation_page(page)
        shot = await screenshot(page, tmp_path, "confirmation-page")
        print(f"confirmation page screenshot: {shot}")
        reloaded = await page.reload()
        assert reloaded is not None and reloaded.status == 200
        described = await server.execution(execution_id)
        assert described["status"] == "SUSPENDED"
        assert described["audit"] == []

        # Type a comment and click Approve.
        await page.get_by_role("textbox", name="Comment (optional)").fill("Looks good — ship it.")
        async with page.expect_navigation() as navigation:
            await page.get_by_role("button", name="Approve", exact=True).click()
        result = await navigation.value
        assert result is not None and result.status == 200 and result.request.method == "POST"
        await expect(page.get_by_role("heading", level=1)).to_have_text("Approved")
        await expect(page.get_by_text("Your answer was recorded.")).to_be_visible()
        await screenshot(page, tmp_path, "answer-recorded")

        described = await server.execution(execution_id)
        assert described["status"] == "SUCCEEDED", described
        assert described["output"] == {
            "decision": "approved",
            "subject": SUBJECT,
            "approver": "alice@example.com",
            "reply": {"decision": "approved", "comment": "Looks good — ship it."},
        }
        (audit,) = described["audit"]
        assert audit["state"] == "RequestApproval" and audit["outcome"] == "success"
        assert "Chrome" in audit["userAgent"]

        # The link again, as page and as a second click: "already decided".
        again = await page.goto(url)
        await expect_status_page(page, again, 409, "Already decided")
        async with server.session.post(
            url, data={"decision": "rejected", "comment": "changed my mind"}, headers={"Accept": "text/html"}
        ) as second:
            assert second.status == 409
            assert "Already decided" in await second.text()
        assert (await server.execution(execution_id))["output"]["decision"] == "approved"


async def test_reject_with_the_keyboard(redis_server: Any, mailbox: Mailbox, page: Page) -> None:
    """Opened from the mail's Reject link; comment typed and Reject pressed with the keyboard only."""
    async with dev_server(redis_server.url, prefix=unique_prefix()) as server:
        started = await server.start_approval()
        await check_mail(mailbox, started)
        reject_link = mailbox.mails[0].html_links()["Reject"]
        opened = await page.goto(reject_link)
        assert opened is not None and opened.status == 200
        await expect_confirmation_page(page)
        assert (await server.execution(started["executionId"]))["status"] == "SUSPENDED"

        await page.get_by_role("textbox", name="Comment (optional)").focus()
        await page.keyboard.type("Numbers are not final.")
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("button", name="Approve", exact=True)).to_be_focused()
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("button", name="Reject", exact=True)).to_be_focused()
        async with page.expect_navigation() as navigation:
            await page.keyboard.press("Enter")
        result = await navigation.value
        assert result is not None and result.status == 200
        await expect(page.get_by_role("heading", level=1)).to_have_text("Rejected")

        described = await server.execution(started["executionId"])
        assert described["status"] == "SUCCEEDED", described
        assert described["output"]["decision"] == "rejected"
        assert described["output"]["reply"] == {"decision": "rejected", "comment": "Numbers are not final."}


async def test_timeout_escalates_on_the_timer_tick_and_the_link_expires(
    redis_server: Any,
    mailbox: Mailbox,
    page: Page,
) -> None:
    """approval.json as it ships (3 days), on a FakeClock: nobody answers, the timer fires."""
    clock = FakeClock()
    async with dev_server(redis_server.url, clock=clock, prefix=unique_prefix()) as server:
        started = await server.start_approval()
        url = await check_mail(mailbox, started)
        opened = await page.goto(url)  # the approver opens the page, then walks away
        assert opened is not None and opened.status == 200

        clock.advance(THREE_DAYS - 1)
        assert await server.engine.run_due_timers() == 0
        assert (await server.execution(started["executionId"]))["status"] == "SUSPENDED"
        clock.advance(2)

        # Clicking Approve on the page still open in the browser: too late.
        async with page.expect_navigation() as navigation:
            await page.get_by_role("button", name="Approve", exact=True).click()
        await expect_status_page(page, await navigation.value, 410, "Link expired")

        assert await server.engine.run_due_timers() == 1
        described = await server.execution(started["executionId"])
        assert described["status"] == "SUCCEEDED", described
        assert described["output"] == {
            "decision": "escalated",
            "subject": SUBJECT,
            "approver": "alice@example.com",
            "reason": "no answer within 3 days",
        }
        assert [a["outcome"] for a in described["audit"]] == ["timeout"]
        assert await server.engine.run_due_timers() == 0

        again = await page.goto(url)
        await expect_status_page(page, again, 410, "Link expired")


async def test_timeout_with_the_worker_running(
    redis_server: Any,
    mailbox: Mailbox,
    tmp_path: Path,
) -> None:
    """A 1-second TimeoutSeconds variant of approval.json and a real `statebox worker` process
    (sharing the Redis and the signing secret): the execution ends on the escalation branch."""
    machines = tmp_path / "machines"
    machines.mkdir()
    definition = json.loads((MACHINES / "approval.json").read_text(encoding="utf-8"))
    definition["States"]["RequestApproval"]["TimeoutSeconds"] = 1
    (machines / "approval.json").write_text(json.dumps(definition), encoding="utf-8")
    # The worker uses the default key prefix: a database of its own keeps other tests' timers out.
    redis_url = redis_server.url.rsplit("/", 1)[0] + "/9"
    env = {**os.environ, "REDIS_URL": redis_url, "STATEBOX_SECRET": SECRET}
    async with dev_server(redis_url, machines=machines) as server:
        started = await server.start_approval()
        await check_mail(mailbox, started)
        worker = subprocess.Popen(
            [sys.executable, "-m", "statebox", "worker", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        # The worker prints its line after the commit that the status shows: read its output
        # meanwhile and wait for the line before stopping it (stopping at SUCCEEDED raced it).
        lines: list[bytes] = []
        assert worker.stdout is not None
        reader = threading.Thread(target=lambda: lines.extend(iter(worker.stdout.readline, b"")), daemon=True)
        reader.start()
        try:
            described = await server.wait_for_status(started["executionId"], "SUCCEEDED", timeout=15)
            deadline = time.monotonic() + 15
            while not any(b"fired 1 timer(s)" in line for line in lines) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
            reader.join(timeout=10)
        output = b"".join(lines)
        assert described["output"]["decision"] == "escalated", described
        assert b"fired 1 timer(s)" in output, output


async def test_forged_and_expired_links_are_pages(
    redis_server: Any,
    mailbox: Mailbox,
    page: Page,
) -> None:
    clock = FakeClock()
    async with dev_server(redis_server.url, clock=clock, prefix=unique_prefix()) as server:
        started = await server.start_approval()
        url = await check_mail(mailbox, started)
        token = started["continuation"]
        body, mac = token.rsplit(".", 1)
        for forged in (f"{body}.{mac[::-1]}", "not-a-token", token[:-2]):
            reply = await page.goto(f"{server.base_url}?continuation={forged}")
            await expect_status_page(page, reply, 404, "Link not found")

        clock.advance(THREE_DAYS + 1)  # expired, though no timer has fired yet
        reply = await page.goto(url)
        await expect_status_page(page, reply, 410, "Link expired")
        described = await server.execution(started["executionId"])
        assert described["status"] == "SUSPENDED"
        assert described["audit"] == []


async def test_parallel_approval_in_two_browsers(
    redis_server: Any,
    mailbox: Mailbox,
    browser: Browser,
) -> None:
    """parallel_approval.json: each approver gets their own mail and page; the execution
    finishes only after both have clicked Approve."""
    async with dev_server(redis_server.url, prefix=unique_prefix()) as server:
        body = {
            "approvers": ["alice@example.com", "carol@example.com"],
            "subject": SUBJECT,
            "details": DETAILS,
        }
        async with server.session.post(server.base_url + "parallel_approval", json=body) as reply:
            assert reply.status == 202, await reply.text()
            started = await reply.json()
        mails = await mailbox.wait_for(2)
        assert sorted(m.rcpt_tos[0] for m in mails) == ["alice@example.com", "carol@example.com"]
        assert len({m.page_url() for m in mails}) == 2

        for number, address in enumerate(["carol@example.com", "alice@example.com"]):
            (mail,) = mailbox.to(address)
            context = await browser.new_context()
            try:
                approver_page = await context.new_page()
                opened = await approver_page.goto(mail.page_url())
                assert opened is not None and opened.status == 200
                await expect_confirmation_page(approver_page)
                await approver_page.get_by_role("textbox", name="Comment (optional)").fill(
                    f"ok from {address}"
                )
                async with approver_page.expect_navigation() as navigation:
                    await approver_page.get_by_role("button", name="Approve", exact=True).click()
                assert (await navigation.value).status == 200
            finally:
                await context.close()
            described = await server.execution(started["executionId"])
            if number == 0:
                assert described["status"] == "SUSPENDED", described
                assert len(described["pending"]) == 1
            else:
                assert described["status"] == "SUCCEEDED", described
        output = described["output"]
        assert output["decision"] == "approved"
        assert [a["approver"] for a in output["answers"]] == ["alice@example.com", "carol@example.com"]
        assert [a["reply"]["comment"] for a in output["answers"]] == [
            "ok from alice@example.com",
            "ok from carol@example.com",
        ]
