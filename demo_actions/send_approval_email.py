"""Emails an approver a link to the confirmation page, where Approve / Reject buttons resume
the execution. Settings: the operator's parameters statebox_smtp_host, statebox_smtp_port
(default 25), statebox_mail_from and statebox_mail_allowed_recipients, which statebox lays over
the Task's arguments (a definition cannot choose them); else the environment variables
STATEBOX_SMTP_HOST, ... (a direct call). Also a valid OpenWhisk Python action (stdlib only).

statebox_mail_allowed_recipients (`alice@example.com, @example.org`): whom it may mail. Without
it, anyone who can start the approval chooses the recipient, subject and text: an open relay
through your SMTP server (README, "A public web action").
"""

import json
import os
import re
import smtplib
from email.message import EmailMessage
from html import escape

_ADDRESS = re.compile(r"[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+\Z")


class InvalidRecipient(ValueError):
    """The recipient is not one e-mail address."""


class RecipientNotAllowed(ValueError):
    """The operator's statebox_mail_allowed_recipients does not list the recipient."""


def _setting(args, name, default=None):
    return args.get(name) or os.environ.get(name.upper()) or default


def allowed(address, rules):
    """Whether `rules` (`a@x.org, @example.com`; empty: everyone) lets `address` be mailed."""
    entries = [rule.strip().lower() for rule in str(rules or "").split(",") if rule.strip()]
    if not entries:
        return True
    address = address.lower()
    domain = address.rsplit("@", 1)[1]
    return any(address == rule or rule.lstrip("@") == domain for rule in entries)


def main(args):
    to = args.get("to")
    if not isinstance(to, str) or not _ADDRESS.match(to):
        raise InvalidRecipient(f"the approver must be one e-mail address, got {to!r}")
    if not allowed(to, _setting(args, "statebox_mail_allowed_recipients")):
        raise RecipientNotAllowed(f"{to} is not among the recipients this deployment may mail")
    host = _setting(args, "statebox_smtp_host", "localhost")
    port = int(_setting(args, "statebox_smtp_port", 25))
    sender = _setting(args, "statebox_mail_from", "statebox@localhost")
    page = args["resumeUrl"]
    subject = " ".join(str(args.get("subject") or "Approval needed").split())  # one header line
    details = args.get("details")
    shown = json.dumps(details, indent=2, ensure_ascii=False) if details is not None else ""

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(
        f"{subject}\n\n{shown}\n\n"
        f"Approve: {page}&decision=approved\n"
        f"Reject:  {page}&decision=rejected\n\n"
        f"Both links open a page where you confirm your choice: {page}\n"
    )
    message.add_alternative(
        f"<p>{escape(subject)}</p><pre>{escape(shown)}</pre>"
        f'<p><a href="{escape(page)}&amp;decision=approved">Approve</a> &middot; '
        f'<a href="{escape(page)}&amp;decision=rejected">Reject</a></p>'
        "<p>Both links open a page where you confirm your choice.</p>",
        subtype="html",
    )
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        smtp.send_message(message)
    return {"sent": True, "to": to}
