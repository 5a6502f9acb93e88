"""Emails an approver a link to the confirmation page, where Approve / Reject buttons resume
the execution. Settings (parameters or environment): STATEBOX_SMTP_HOST, STATEBOX_SMTP_PORT
(default 25), STATEBOX_MAIL_FROM. Also a valid OpenWhisk Python action (stdlib only)."""

import json
import os
import smtplib
from email.message import EmailMessage
from html import escape


def _setting(args, name, default=None):
    return args.get(name) or os.environ.get(name) or default


def main(args):
    host = _setting(args, "STATEBOX_SMTP_HOST", "localhost")
    port = int(_setting(args, "STATEBOX_SMTP_PORT", 25))
    sender = _setting(args, "STATEBOX_MAIL_FROM", "statebox@localhost")
    page = args["resumeUrl"]
    subject = args.get("subject") or "Approval needed"
    details = args.get("details")
    shown = json.dumps(details, indent=2, ensure_ascii=False) if details is not None else ""

    message = EmailMessage()
    message["From"] = sender
    message["To"] = args["to"]
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
    return {"sent": True, "to": args["to"]}
