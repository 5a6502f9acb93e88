"""Continuation ids: unguessable, signed, carrying their execution and expiry.

    token = base64url(version | expires_at (8 bytes, unix s) | execution key (16) | point id (16))
            + "." + base64url(HMAC-SHA256(secret, payload)[:16])

128 random bits name the pending point, another 128 the execution, so nobody can guess one.
The HMAC means a forged or altered token is refused without touching the store, the expiry
means an expired one answers "expired" without a lookup, and the execution key lets the store
find every key of the execution under one Redis Cluster hash tag.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import ContinuationExpired, ContinuationNotFound

_VERSION = 1
_LAYOUT = struct.Struct(">BQ16s16s")
_MAC_BYTES = 16


@dataclass(frozen=True, slots=True)
class Continuation:
    execution_key: str  # 32 hex chars
    point_id: str  # 32 hex chars
    expires_at: datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ContinuationSigner:
    """Issues and verifies tokens with one secret."""

    def __init__(self, secret: bytes | str) -> None:
        if isinstance(secret, str):
            secret = secret.encode()
        if not secret:
            raise ValueError("the continuation signing secret must not be empty")
        self._secret = secret

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def issue(self, execution_key: str, point_id: str, expires_at: datetime) -> str:
        payload = _LAYOUT.pack(
            _VERSION,
            math.ceil(expires_at.timestamp()),  # whole seconds, never before the expiry shown
            bytes.fromhex(execution_key),
            bytes.fromhex(point_id),
        )
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def verify(self, token: object, now: datetime | None = None) -> Continuation:
        """The continuation a token names. Raises ContinuationNotFound for anything forged,
        altered or malformed, ContinuationExpired when past its expiry."""
        if not isinstance(token, str) or len(token) > 200 or token.count(".") != 1:
            raise ContinuationNotFound("unknown continuation")
        body, mac = token.split(".")
        try:
            payload = _unb64(body)
            given_mac = _unb64(mac)
        except (binascii.Error, ValueError):
            raise ContinuationNotFound("unknown continuation") from None
        if len(payload) != _LAYOUT.size or not hmac.compare_digest(given_mac, self._mac(payload)):
            raise ContinuationNotFound("unknown continuation")
        if _b64(payload) != body or _b64(given_mac) != mac:
            # One spelling per token: base64's spare bits and padding cannot make variants.
            raise ContinuationNotFound("unknown continuation")
        version, expires, execution_key, point_id = _LAYOUT.unpack(payload)
        if version != _VERSION:
            raise ContinuationNotFound("unknown continuation")
        expires_at = datetime.fromtimestamp(expires, UTC)
        if (now or datetime.now(UTC)) >= expires_at:
            raise ContinuationExpired("this continuation has expired")
        return Continuation(execution_key.hex(), point_id.hex(), expires_at)


def redact(token: str) -> str:
    """A token as logs may show it: `#` and 12 hex digits of its SHA-256. The same token always
    gives the same fingerprint and different tokens different ones (a token's first characters
    are its version and expiry, shared by every token issued that second), so a log line can be
    matched to a token one holds (`printf %s TOKEN | sha256sum | cut -c1-12`); the fingerprint
    reveals nothing of the token and cannot stand in for it."""
    return "#" + hashlib.sha256(token.encode("utf-8", "backslashreplace")).hexdigest()[:12]
