"""Properties of the HTTP handler: random requests never get a 500, answers are JSON or HTML,
and refusals leave the store as it was."""

from __future__ import annotations

import asyncio
import json
import logging
import string
from urllib.parse import urlencode

from hypothesis import HealthCheck, event, given, seed, settings
from hypothesis import strategies as st

from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore
from statebox.web.handler import Service, handle
from statebox.web.protocol import HttpRequest
from tests.property.fuzzing import JSON_VALUES, fuzz_settings, make_service, snapshot, tick
from tests.support.web import (
    BASE_URL,
    INCSQUARE,
    INCSQUARE_TEXT,
    MACHINES,
    assert_well_formed,
    make_engine,
    start_incsquare,
)

HEADER_NAMES = st.sampled_from(
    [
        "content-type",
        "accept",
        "user-agent",
        "x-forwarded-for",
        "content-length",
        "transfer-encoding",
        "cookie",
        "origin",
    ]
) | st.text(alphabet=string.ascii_lowercase + "-", min_size=1, max_size=12)


HEADER_VALUES = st.sampled_from(
    [
        "application/json",
        "text/html",
        "application/x-www-form-urlencoded",
        "text/plain; charset=latin-1",
        "multipart/form-data",
        "*/*",
        "-1",
        "99999999999999999999",
        "chunked",
        "\x00",
        "é",
    ]
) | st.text(max_size=40)


QUERY_KEYS = st.sampled_from(
    ["continuation", "execution", "input", "heartbeat", "error", "cause", "decision", "statebox_secret"]
) | st.text(max_size=8)


def test_random_requests_never_500_and_refusals_change_nothing() -> None:
    loop = asyncio.new_event_loop()
    clock = FakeClock()
    store = RedisStore.in_process()
    service = make_service(clock, store)
    started = loop.run_until_complete(
        handle(
            HttpRequest(
                "POST", "/incsquare", {}, {"content-type": "application/json"}, b"6", base_url="http://s/"
            ),
            service,
        )
    ).body
    token = started["continuation"]
    values = st.sampled_from(
        [
            token,
            token[:-1],
            token[:10],
            started["executionId"],
            "6",
            "true",
            "{}",
            "[",
            "%00",
            "../x",
            "x" * 300,
        ]
    ) | st.text(max_size=40)
    statuses: set[int] = set()

    @seed(8005)
    @fuzz_settings(200)
    @given(
        method=st.sampled_from(["GET", "POST", "PUT", "HEAD", "OPTIONS", "post", "BREW", ""]),
        path=st.sampled_from(["/", "/incsquare", "/approval", "/..", "/%2e%2e/x", "//", "/a/b", "/\x00"])
        | st.text(max_size=20),
        query=st.dictionaries(QUERY_KEYS, values, max_size=4),
        headers=st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=4),
        body=st.binary(max_size=300)
        | st.sampled_from(
            [b"", b"{}", b"[]", b"null", b'{"error": 1}', b'{"definition": 1}', b"6", b"x" * 5000]
        )
        | JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    )
    def check(method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> None:
        tick("handler")
        before = loop.run_until_complete(snapshot(store))
        request = HttpRequest(method, path, query, headers, body, remote="203.0.113.9", base_url="http://s/")
        response = loop.run_until_complete(handle(request, service))
        statuses.add(response.status)
        assert response.status != 500, (request, response.body)
        if 400 <= response.status < 500:
            assert loop.run_until_complete(snapshot(store)) == before, (request, response.status)
            if isinstance(response.body, dict):
                assert response.body.get("message"), response.body
                assert token not in json.dumps(response.body)
        json.dumps(response.body)

    logging.disable(logging.CRITICAL)
    try:
        check()
    finally:
        logging.disable(logging.NOTSET)
        loop.run_until_complete(store.close())
        loop.close()
    print("handler statuses:", sorted(statuses))
    assert {400, 404}.issubset(statuses), statuses


# ---------------------------------------------------------------- fuzz: never a 500
REQUEST_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


FIELD_KEYS = st.sampled_from(
    [
        "continuation",
        "execution",
        "input",
        "approved",
        "error",
        "cause",
        "decision",
        "comment",
        "stateMachine",
    ]
) | st.text(max_size=10)


CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/x-www-form-urlencoded",
        "text/plain",
        "text/html",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "application/vnd.api+json",
        "",
        ";;;",
    ]
) | st.text(max_size=30)


ACCEPTS = st.sampled_from(
    ["text/html", "application/json", "text/html,application/json", "*/*", ""]
) | st.text(max_size=30)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["bytes", "json", "definition", "start", "form", "text"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "json":
        return json.dumps(draw(REQUEST_VALUES)).encode()
    if kind == "definition":
        return INCSQUARE_TEXT.encode()
    if kind == "start":
        start_request = {
            draw(st.sampled_from(["definition", "stateMachine"])): draw(
                st.sampled_from([INCSQUARE, "incsquare", "../x", 5, None, [], {"StartAt": 1}])
            ),
            "input": draw(REQUEST_VALUES),
        }
        return json.dumps(start_request).encode()
    if kind == "form":
        return urlencode(draw(st.dictionaries(FIELD_KEYS, st.text(max_size=20), max_size=4))).encode()
    return draw(st.text(max_size=100)).encode("utf-8", "surrogatepass")


def test_random_requests_never_get_a_500(fake_clock: FakeClock) -> None:
    clock = fake_clock
    loop = asyncio.new_event_loop()
    store = RedisStore.in_process()
    service = Service(make_engine(store, clock), MACHINES, max_request_bytes=600)
    started = loop.run_until_complete(start_incsquare(service))
    signer = service.engine.signer
    tokens = [
        started["continuation"],
        started["continuation"][:-1] + "A",
        signer.issue("ab" * 16, "cd" * 16, clock.now().replace(year=2030)),
        signer.issue("ab" * 16, "cd" * 16, clock.now().replace(year=2020)),
    ]
    values = st.sampled_from(
        tokens + [started["executionId"], "6", "true", "null", "{}", "[1", ""]
    ) | st.text(max_size=30)

    seen: set[int] = set()

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(
        method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "post", "get"]),
        path=st.sampled_from(["/", "", "/incsquare", "/nope", "/../incsquare", "/a/b", "//"])
        | st.text(max_size=20),
        query=st.dictionaries(FIELD_KEYS, values, max_size=4),
        headers=st.dictionaries(
            st.sampled_from(["user-agent", "x-forwarded-for", "origin"])
            | st.text(max_size=10).map(str.lower),
            st.text(max_size=30),
            max_size=3,
        ),
        content_type=CONTENT_TYPES,
        accept=ACCEPTS,
        body=bodies(),
    )
    def check(
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        content_type: str,
        accept: str,
        body: bytes,
    ) -> None:
        req = HttpRequest(
            method=method,
            path=path,
            query=query,
            headers={**headers, "content-type": content_type, "accept": accept},
            body=body,
            base_url=BASE_URL,
        )
        response = loop.run_until_complete(handle(req, service))
        event(f"status {response.status}")
        seen.add(response.status)
        assert response.status != 500, (req, response.body)
        assert 200 <= response.status < 600
        assert_well_formed(response)

    logging.disable(logging.CRITICAL)
    try:
        check()
        print("statuses seen:", sorted(seen))
        # The fuzz reached past the front door: starts, refusals and unknown continuations.
        assert {400, 404}.issubset(seen) and seen & {200, 202}, seen
    finally:
        logging.disable(logging.NOTSET)
        loop.run_until_complete(store.close())
        loop.close()
