"""Framework-free HTTP request and response values: what the handler sees and answers.

The dev server (aiohttp) and the OpenWhisk web action only translate to and from these, so
neither of them decides anything and they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str  # upper case
    path: str = "/"
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # names lower case
    body: bytes = b""
    form: Mapping[str, str] | None = None  # already-parsed form fields (non-raw web actions)
    parsed_body: Any = None  # an already-parsed JSON body (non-raw web actions)
    remote: str | None = None
    base_url: str = ""  # the public URL of this service, without query
    deadline: datetime | None = None  # stop at a state boundary by then (serverless time limits)

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def wants_html(self) -> bool:
        accept = self.header("accept")
        return "text/html" in accept and "application/json" not in accept.split(",")[0]


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    body: Any = None  # a JSON value, or str for HTML / text
    headers: Mapping[str, str] = field(default_factory=dict)
    encoded: bytes | None = None  # the JSON body as sent, once the handler has encoded it

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "application/json")
