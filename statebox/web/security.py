"""What every answer of the HTTP surface carries, and which POSTs it refuses.

A continuation id is a bearer credential in a URL, and its page has buttons that act: so no
answer may be framed (clickjacking), leak its URL in a Referer, be cached, or run anything but
its own stylesheet; and no page of another site may make the browser POST here (a hidden form,
a `no-cors` fetch) even when it knows a token. Programs (curl, SDKs) send neither `Origin` nor
`Sec-Fetch-Site` and are unaffected.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from urllib.parse import urlsplit

from ..errors import CrossSiteRequest
from ..jsonio import encode_answer
from . import pages
from .protocol import HttpRequest, HttpResponse

log = logging.getLogger("statebox.web")

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src '{pages.STYLE_HASH}'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# `none`: typed or opened from a mail client or bookmark; anything else came from another page.
_OWN_FETCH_SITES = ("same-origin", "none")


def finish(response: HttpResponse) -> HttpResponse:
    """The response with the security headers, its JSON encoded once and strictly: an answer
    holding NaN or Infinity becomes a 500 naming where, never invalid JSON."""
    headers = {**SECURITY_HEADERS, **response.headers}
    if isinstance(response.body, str) and not response.content_type.startswith("application/json"):
        return replace(response, headers=headers)
    try:
        return replace(response, headers=headers, encoded=encode_answer(response.body))
    except ValueError as exc:
        log.error("answer %s not sent: %s", response.status, exc)
        body = {"error": "InternalError", "message": str(exc)}
        return HttpResponse(
            500, body, {**SECURITY_HEADERS, "Content-Type": "application/json"}, encode_answer(body)
        )


def refuse_cross_site(request: HttpRequest) -> None:
    """CrossSiteRequest (403) for a POST a browser sent on behalf of another site's page.

    `Sec-Fetch-Site` decides when the browser sends it (every current one does): our own page's
    form POSTs with `Origin: null`, since `Referrer-Policy: no-referrer` hides its origin too.
    Without it (older browsers), `Origin` must name this service; `null` is refused there, as
    sandboxed frames of any site send it."""
    site = request.header("sec-fetch-site")
    if site:
        if site not in _OWN_FETCH_SITES:
            raise CrossSiteRequest(f"a {site} POST is refused: answer from the link's own page")
        return
    origin = request.header("origin")
    if origin and not _is_own_origin(origin, request):
        raise CrossSiteRequest("a POST from another origin is refused: answer from the link's own page")


def _is_own_origin(origin: str, request: HttpRequest) -> bool:
    """`Origin` names this service: the public base URL's origin, or the Host the request was
    sent to (the dev server without --base-url). `null` (sandboxed frames, file: pages) never."""
    sent = urlsplit(origin)
    if not sent.scheme or not sent.netloc:
        return False
    public = urlsplit(request.base_url)
    if public.netloc and (sent.scheme, sent.netloc.lower()) == (public.scheme, public.netloc.lower()):
        return True
    return bool(request.header("host")) and sent.netloc.lower() == request.header("host").lower()
