"""Continuation tokens: forged, truncated, altered at every character, signed with another key,
for another point, replayed and expired: 404 / 409 / 410, never a 500, and the store unchanged."""

from __future__ import annotations

import asyncio
import json
import string
from typing import Any

import pytest
from hypothesis import given, seed
from hypothesis import strategies as st

from statebox.execution.continuations import ContinuationSigner
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore
from statebox.web.handler import Service, handle
from statebox.web.protocol import HttpRequest
from tests.property.fuzzing import COUNTS, fuzz_settings, make_service, snapshot, tick


# ---------------------------------------------------------------------------- continuation tokens
@pytest.fixture
async def suspended() -> Any:
    clock = FakeClock()
    store = RedisStore.in_process()
    service = make_service(clock, store)
    definition = {
        "StartAt": "Ask",
        "States": {
            "Ask": {"Type": "Task", "Resource": "module:suspend", "TimeoutSeconds": 3600, "End": True}
        },
    }
    started = await handle(
        HttpRequest(
            "POST",
            "/",
            {},
            {"content-type": "application/json"},
            json.dumps({"definition": definition, "input": {"a": 1}}).encode(),
        ),
        service,
    )
    yield service, started.body["continuation"], clock, store
    await store.close()


async def status_of(service: Service, token: str, method: str = "POST") -> int:
    response = await handle(HttpRequest(method, "/", {"continuation": token}), service)
    assert response.status != 500
    if len(token) >= 16:  # a token is never echoed back (a short string may occur by chance)
        assert token not in json.dumps(response.body)
    return response.status


async def test_every_altered_or_truncated_token_is_404_and_changes_nothing(suspended: Any) -> None:
    service, token, _, store = suspended
    before = await snapshot(store)
    alphabet = string.ascii_letters + string.digits + "-_."
    tried = 0
    for index, char in enumerate(token):
        for replacement in {alphabet[(alphabet.index(char) + k) % len(alphabet)] for k in (1, 7, 31)}:
            altered = token[:index] + replacement + token[index + 1 :]
            # Even where base64 would decode it to the same bytes (its spare bits), one spelling.
            assert _maybe_verify(service, altered) is None, altered
            assert await status_of(service, altered, "POST" if tried % 2 else "GET") == 404, altered
            tried += 1
    for length in range(len(token)):
        assert await status_of(service, token[:length]) == 404
        tried += 1
    for extra in ("x", "=", "==", ".", " ", "%00", "\x00", "é"):
        assert await status_of(service, token + extra) == 404
        tried += 1
    COUNTS["tokens"] = COUNTS.get("tokens", 0) + tried
    assert tried > 150
    assert await snapshot(store) == before
    assert await status_of(service, token) == 200  # the real one still works, once


def _maybe_verify(service: Service, token: str) -> Any:
    try:
        return service.engine.signer.verify(token, service.engine.clock.now())
    except Exception:  # noqa: BLE001 - any refusal is "not the same token"
        return None


@seed(8006)
@fuzz_settings(200)
@given(
    forged=st.text(max_size=120)
    | st.builds(
        lambda a, b: f"{a}.{b}",
        st.text(string.ascii_letters + string.digits + "-_", max_size=60),
        st.text(string.ascii_letters + string.digits + "-_", max_size=30),
    )
    | st.binary(min_size=41, max_size=41).map(
        lambda raw: ContinuationSigner(b"other").issue(
            raw[1:17].hex(),
            raw[17:33].hex(),
            __import__("datetime").datetime(2030, 1, 1, tzinfo=__import__("datetime").UTC),
        )
    )
)
def test_forged_tokens_are_404(forged: str) -> None:
    tick("tokens")
    store = RedisStore.in_process()
    service = make_service(FakeClock(), store)
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(status_of(service, forged)) == 404
        assert loop.run_until_complete(status_of(service, forged, "GET")) == 404
        assert loop.run_until_complete(snapshot(store)) == {}
    finally:
        loop.run_until_complete(store.close())
        loop.close()


async def test_replayed_expired_and_foreign_tokens(suspended: Any) -> None:
    service, token, clock, store = suspended
    signer = service.engine.signer
    real = signer.verify(token, clock.now())
    other_point = signer.issue(real.execution_key, "ab" * 16, real.expires_at)
    other_execution = signer.issue("cd" * 16, real.point_id, real.expires_at)
    assert await status_of(service, other_point) == 404  # a genuine signature for no such point
    assert await status_of(service, other_execution) == 404
    before = await snapshot(store)
    # Expired: 410 before any lookup, even past the record's own deadline; an expired token
    # with a broken signature is still just unknown (404).
    from datetime import timedelta

    expired = signer.issue(real.execution_key, real.point_id, clock.now() - timedelta(seconds=1))
    assert await status_of(service, expired) == 410 and await status_of(service, expired, "GET") == 410
    assert await status_of(service, expired[:-2] + ("AA" if expired[-2:] != "AA" else "BB")) == 404
    assert await snapshot(store) == before
    # Replayed: once 200, then 409 whatever is sent along, and the first answer stands.
    assert await status_of(service, token) == 200
    after = await snapshot(store)
    for body in (b"", b'{"x": 1}', b'{"error": "E"}'):
        response = await handle(
            HttpRequest("POST", "/", {"continuation": token}, {"content-type": "application/json"}, body),
            service,
        )
        assert response.status == 409
    assert await status_of(service, token, "GET") == 409
    assert await snapshot(store) == after
    clock.advance(3601)
    assert await status_of(service, token) == 410  # a used token past its expiry: expired
    COUNTS["tokens"] = COUNTS.get("tokens", 0) + 12
