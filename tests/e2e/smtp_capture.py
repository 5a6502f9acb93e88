"""A real SMTP server for the end-to-end tests: aiosmtpd's `Controller` on a free loopback port,
keeping every message it is sent. `send_approval_email` reaches it through the environment
(STATEBOX_SMTP_HOST / STATEBOX_SMTP_PORT / STATEBOX_MAIL_FROM), as a deployment would."""

from __future__ import annotations

import asyncio
import email
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest

from tests.support.servers import free_port

try:
    from aiosmtpd.controller import Controller
except ImportError:  # reported by the fixture as a failure: scripts/test.sh installs it
    Controller = None  # type: ignore[assignment,misc]

MAIL_FROM = "statebox@example.test"


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "the mail has no text/plain part"
        return part.get_content()

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None, "the mail has no text/html part"
        return part.get_content()

    def page_url(self) -> str:
        """The confirmation page URL the text part gives (`... confirm your choice: URL`)."""
        found = re.search(r"confirm your choice: (\S+)", self.text)
        assert found, self.text
        return found.group(1)

    def html_links(self) -> dict[str, str]:
        """The HTML part's links by their label (`Approve` / `Reject`), hrefs unescaped."""
        parser = _Links()
        parser.feed(self.html)
        return parser.links


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, str] = {}
        self._href: str | None = None
        self._label = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._label = ""

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._label += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links[self._label.strip()] = self._href
            self._href = None


class Mailbox:
    """The aiosmtpd handler: every message accepted, parsed and kept, in arrival order."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=policy.default)
        with self._lock:
            self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Mail]:
        """The first `count` messages, waiting up to `timeout` seconds for them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            with self._lock:
                if len(self.mails) >= count:
                    return list(self.mails[:count])
            if loop.time() > deadline:
                raise AssertionError(f"expected {count} mail(s) within {timeout}s, got {len(self.mails)}")
            await asyncio.sleep(0.02)

    def to(self, address: str) -> list[Mail]:
        with self._lock:
            return [m for m in self.mails if address in m.rcpt_tos]


@pytest.fixture(name="mailbox")
def mailbox_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """A running SMTP server on loopback; the environment points send_approval_email at it."""
    if Controller is None:
        pytest.fail("aiosmtpd is not installed: run scripts/test.sh (it installs the [test] extra)")
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("STATEBOX_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("STATEBOX_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("STATEBOX_MAIL_FROM", MAIL_FROM)
    try:
        yield box
    finally:
        controller.stop()
