"""The HTML pages a person sees: the confirmation page behind an emailed link and the result
pages. Plain server-rendered HTML, no scripts; every value is escaped. A GET only ever shows a
page — its buttons POST — so mail scanners that prefetch links approve nothing."""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from typing import Any

from ..timestamps import parse_timestamp

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:40rem;margin:2rem auto;
padding:0 1rem;color:#1b1b1b;line-height:1.5}
h1{font-size:1.5rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}dd{margin:0;white-space:pre-wrap;word-break:break-word}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
textarea{width:100%;min-height:5rem;font:inherit;padding:.5rem;box-sizing:border-box}
.actions{display:flex;gap:1rem;margin-top:1rem}
button{font:inherit;font-weight:600;padding:.6rem 1.4rem;border-radius:.4rem;border:2px solid;cursor:pointer}
.approve{background:#1a7f37;border-color:#1a7f37;color:#fff}.reject{background:#fff;border-color:#b42318;color:#b42318}
button:focus{outline:3px solid #0969da;outline-offset:2px}.note{color:#555;font-size:.9rem}
"""

# The one stylesheet the pages may use: the Content-Security-Policy names it by its hash.
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def _value(value: Any) -> str:
    if isinstance(value, str):
        return escape(value)
    return escape(json.dumps(value, indent=2, ensure_ascii=False))


def confirmation_page(pending: dict[str, Any], action_url: str) -> str:
    """What is being decided, with Approve / Reject buttons that POST and a comment box."""
    data = pending.get("data")
    subject = None
    rows = []
    if isinstance(data, dict):
        subject = data.get("subject")
        details = data.get("details", {k: v for k, v in data.items() if k != "subject"})
        if isinstance(details, dict):
            rows = [f"<dt>{escape(str(k))}</dt><dd>{_value(v)}</dd>" for k, v in details.items()]
        else:
            rows = [f"<dt>Details</dt><dd>{_value(details)}</dd>"]
    elif data is not None:
        rows = [f"<dt>Details</dt><dd>{_value(data)}</dd>"]
    title = str(subject) if subject else f"Decision needed: {pending.get('state', '')}"
    body = (
        f"<h1>{escape(title)}</h1>"
        + (f"<dl>{''.join(rows)}</dl>" if rows else "")
        + f'<form method="post" action="{escape(action_url)}">'
        '<label for="comment">Comment (optional)</label>'
        '<textarea id="comment" name="comment"></textarea>'
        '<div class="actions">'
        '<button class="approve" type="submit" name="decision" value="approved">Approve</button>'
        '<button class="reject" type="submit" name="decision" value="rejected">Reject</button>'
        "</div></form>"
        f'<p class="note">{_expiry_note(pending.get("expiresAt"))}'
        "Your choice is recorded once; a second click changes nothing.</p>"
    )
    return _page(title, body)


def _expiry_note(value: Any) -> str:
    """`This link expires on <time datetime="ISO">26 November 2026, 18:30 UTC</time>. `: read
    aloud as words, not as a timestamp with milliseconds; the exact instant stays in `datetime`."""
    instant = parse_timestamp(value)
    if instant is None:
        return ""
    shown = f"{instant.day} {instant:%B %Y, %H:%M} UTC"
    return f'This link expires on <time datetime="{escape(str(value))}">{shown}</time>. '


def result_page(title: str, message: str) -> str:
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p>")


PAGE_FOR_STATUS = {
    404: ("Link not found", "This link is not valid. Check that you copied all of it."),
    409: ("Already decided", "This request was already answered; nothing more to do."),
    410: ("Link expired", "This request has expired and can no longer be answered."),
    413: (
        "Answer too long",
        "Your answer is too large to record (a long comment?). Nothing was recorded and the "
        "request is still waiting: go back, shorten it and send it again.",
    ),
    503: ("Please try again", "The service is briefly unavailable. Nothing was lost; try again shortly."),
}
