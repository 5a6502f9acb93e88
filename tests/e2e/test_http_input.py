"""Input JSON cannot carry (issue 13, items 3 / 4 / 13), over HTTP through every adapter (the
dev server on a socket, the web action `--web true` and `--web raw` behind the controller
double) on a real redis-server: each is a 400 naming where the value is, nothing is stored
(the Redis key count does not move), and a refused resume claims nothing: the genuine resume
right after it succeeds at once (not 503 while a lease lapses)."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

import redis

from . import test_http
from .test_http import INCSQUARE_TEXT, JSON_TYPE, Client, adapters, start_incsquare

client = test_http.client  # the fixture: each adapter in turn

# Each as JSON text: for `?input=`, a JSON body of `POST /NAME`, and `{"definition", "input"}`.
NOT_REPRESENTABLE = [
    ("NaN", ""),
    ("Infinity", ""),
    ("-Infinity", ""),
    ("1e400", ""),
    ('{"a": [1, -1e400]}', "/a/1"),
    ('"\\udfff"', ""),
    ('{"k": "\\ud800"}', "/k"),
]


def key_count(redis_server: Any) -> int:
    with redis.Redis.from_url(redis_server.url) as connection:
        return int(connection.dbsize())


def assert_refused(reply: Any, pointer: str) -> None:
    assert reply.status == 400, (reply.status, reply.body)
    body = reply.json()
    assert body["error"] == "InputError", body
    assert body["problems"][0]["pointer"] == pointer, body
    assert "not JSON-representable" in body["problems"][0]["message"]


@adapters()
async def test_start_input_json_cannot_carry_is_refused_and_stores_nothing(
    client: Client, redis_server: Any
) -> None:
    await start_incsquare(client)  # the adapter's connections and machine cache are warm
    before = key_count(redis_server)
    for text, pointer in NOT_REPRESENTABLE:
        assert_refused(
            await client.request("POST", "/?input=" + quote(text), headers=JSON_TYPE, body=INCSQUARE_TEXT),
            pointer,
        )
        assert_refused(await client.request("POST", "/incsquare", headers=JSON_TYPE, body=text), pointer)
        wrapped = f'{{"stateMachine": "incsquare", "input": {text}}}'
        assert_refused(await client.request("POST", "/", headers=JSON_TYPE, body=wrapped), "/input" + pointer)
    assert key_count(redis_server) == before  # no orphaned execution


@adapters()
async def test_a_refused_resume_claims_nothing(client: Client, redis_server: Any) -> None:
    started = await start_incsquare(client)
    target = f"/?continuation={started['continuation']}"
    before = key_count(redis_server)
    for text, pointer in NOT_REPRESENTABLE:
        body = f'{{"x": {text}}}'
        assert_refused(await client.request("POST", target, headers=JSON_TYPE, body=body), "/x" + pointer)
        if client.name != "openwhisk":  # `--web true` hands query values over as strings: "NaN"
            assert_refused(await client.request("POST", f"{target}&x={quote(text)}"), pointer)
    assert key_count(redis_server) == before
    # At once: a claimed point would answer 503 after waiting for its lease.
    genuine = await asyncio.wait_for(client.request("POST", target, headers=JSON_TYPE, body=b"{}"), 8)
    assert (genuine.status, genuine.json()["output"]) == (200, {"value": 50})


@adapters()
async def test_query_input_that_is_not_json_is_a_400_showing_it(client: Client, redis_server: Any) -> None:
    await start_incsquare(client)
    before = key_count(redis_server)
    for text in ('{"a":', "", "hello"):
        reply = await client.request("POST", "/?input=" + quote(text), headers=JSON_TYPE, body=INCSQUARE_TEXT)
        assert reply.status == 400, (text, reply.body)
        message = reply.json()["problems"][0]["message"]
        assert "?input= is not valid JSON" in message and (json.dumps(text) if text else "(empty)") in message
    assert key_count(redis_server) == before
