"""Operator settings of the built action.zip, deployed as the README shows (`-p statebox_*`),
run as OpenWhisk runs it: the runtime double gives the action process no environment of the
test's, so only the parameters can reach it. The approval mail goes to a real SMTP server
(aiosmtpd)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from .openwhisk_runtime_double import OpenWhiskPythonRuntimeDouble
from .smtp_capture import MAIL_FROM, Mailbox, mailbox_fixture  # noqa: F401 - the fixture
from .web_action_double import WebActionControllerDouble

MODES = [pytest.param(True, id="web-raw"), pytest.param(False, id="web-true")]


def deployed(runtime: OpenWhiskPythonRuntimeDouble, redis_url: str, mailbox_port: int, **more: Any) -> Any:
    """`wsk action update statebox action.zip ... -p statebox_redis_url ... -p statebox_secret ...
    -p statebox_smtp_host ... -p statebox_smtp_port ... -p statebox_mail_from ...` (README)."""
    params = {
        "statebox_redis_url": redis_url,
        "statebox_secret": "e2e-signing-secret-0123456789",
        "statebox_base_url": "https://openwhisk.example/api/v1/web/guest/default/statebox",
        "statebox_smtp_host": "127.0.0.1",
        "statebox_smtp_port": mailbox_port,  # wsk sends `-p statebox_smtp_port 1025` as a number
        "statebox_mail_from": MAIL_FROM,
        **more,
    }
    params["statebox_parameters"] = ",".join(sorted(params))
    return WebActionControllerDouble(runtime, params)


def smtp_port() -> int:
    import os

    return int(os.environ["STATEBOX_SMTP_PORT"])  # the mailbox fixture's port (the action never sees it)


@pytest.mark.parametrize("raw", MODES)
def test_the_approval_mail_is_sent_with_the_parameters_the_readme_shows(
    raw: bool,
    runtime: OpenWhiskPythonRuntimeDouble,
    redis_server: Any,
    mailbox: Mailbox,
) -> None:
    web = deployed(runtime, redis_server.url, smtp_port())
    # Neither subject nor details: both are optional.
    started = web.request(
        "POST",
        "/approval",
        body=json.dumps({"approver": "alice@example.com"}),
        content_type="application/json",
        raw=raw,
    )
    assert started.status == 202, started.body
    (mail,) = asyncio.run(mailbox.wait_for(1))
    assert mail.rcpt_tos == ["alice@example.com"] and mail.mail_from == MAIL_FROM
    assert mail.message["Subject"] == "Approval needed"
    token = started.json()["continuation"]
    assert (
        mail.page_url() == f"https://openwhisk.example/api/v1/web/guest/default/statebox?continuation={token}"
    )


@pytest.mark.parametrize("raw", MODES)
def test_only_the_allowed_recipients_are_mailed(
    raw: bool,
    runtime: OpenWhiskPythonRuntimeDouble,
    redis_server: Any,
    mailbox: Mailbox,
) -> None:
    web = deployed(
        runtime,
        redis_server.url,
        smtp_port(),
        statebox_mail_allowed_recipients="boss@corp.example, @example.com",
    )
    refused = web.request(
        "POST",
        "/approval",
        body=json.dumps({"approver": "victim@elsewhere.example", "subject": "spam"}),
        content_type="application/json",
        raw=raw,
    )
    assert refused.status == 200, refused.body
    assert (refused.json()["status"], refused.json()["error"]) == ("FAILED", "RecipientNotAllowed")
    assert "victim@elsewhere.example" in json.loads(refused.json()["cause"])["errorMessage"]
    for approver in ("boss@corp.example", "Bob@Example.com"):
        allowed = web.request(
            "POST",
            "/approval",
            body=json.dumps({"approver": approver}),
            content_type="application/json",
            raw=raw,
        )
        assert allowed.status == 202, allowed.body
    mails = asyncio.run(mailbox.wait_for(2))
    assert [m.rcpt_tos for m in mails] == [["boss@corp.example"], ["Bob@Example.com"]]
    assert mailbox.to("victim@elsewhere.example") == []


def test_a_web_true_deployment_without_the_declaration_refuses_to_serve(
    runtime: OpenWhiskPythonRuntimeDouble, redis_server: Any
) -> None:
    web = WebActionControllerDouble(
        runtime, {"statebox_redis_url": redis_server.url, "statebox_secret": "e2e-signing-secret-0123456789"}
    )
    answer = web.request("POST", "/incsquare", body="6", content_type="application/json", raw=False)
    assert answer.status == 500
    assert answer.json()["kind"] == "ConfigurationError" and "statebox_parameters" in answer.json()["message"]
    # --web raw needs no declaration: a raw request cannot add arguments.
    assert web.request("POST", "/incsquare", body="6", content_type="application/json").status == 202
