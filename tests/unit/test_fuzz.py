"""Hostile input, generated (hypothesis; fixed seeds, so a run is repeatable):

- the validator: `statebox.parse` on random JSON, random text and mutated real definitions
  (state_machines/ and the AWS-recorded conformance corpus) returns a Machine or raises
  DefinitionError, nothing else;
- the interpreter: random machines built from every state type, paths, intrinsics, Retry /
  Catch and Choice rules, on random inputs: `statebox.run_async` returns an ExecutionResult
  (or DefinitionError for a machine the generator got wrong), never another exception;
- the HTTP handler: random methods, paths, query strings, headers, content types and bodies
  (web/test_handler.py has the first such test) against a live suspended execution: never a
  500, and every refused call (4xx) leaves the store byte for byte as it was;
- continuation tokens: forged, truncated, altered at every character, signed with another key,
  for another point, replayed and expired: 404 / 409 / 410 as the case may be, never a 500,
  and the store unchanged.

`FUZZ_EXAMPLES` scales the example counts (default 1; `bench/fuzz.py` runs longer and counts).
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import statebox
from statebox.config import Settings
from statebox.errors import DefinitionError
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.execution.views import ExecutionResult
from statebox.ports import FakeClock, SeededEntropy
from statebox.stores.redis import RedisStore
from statebox.web.handler import Service, handle
from statebox.web.protocol import HttpRequest

ROOT = Path(__file__).resolve().parents[2]
MACHINES = ROOT / "state_machines"
CONFORMANCE = ROOT.parent / "shared" / "conformance"
SCALE = float(os.environ.get("FUZZ_EXAMPLES", "1"))
COUNTS: dict[str, int] = {}  # examples tried per target (bench/fuzz.py reports them)


def examples(n: int) -> int:
    return max(1, int(n * SCALE))


def fuzz_settings(n: int) -> Any:
    return settings(
        max_examples=examples(n), deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )


def tick(target: str) -> None:
    COUNTS[target] = COUNTS.get(target, 0) + 1


# ---------------------------------------------------------------------------- JSON values
KEYS = st.sampled_from(
    [
        "StartAt",
        "States",
        "Type",
        "Next",
        "End",
        "Resource",
        "Parameters",
        "ResultPath",
        "InputPath",
        "OutputPath",
        "ResultSelector",
        "Choices",
        "Default",
        "Variable",
        "Branches",
        "ItemProcessor",
        "ItemsPath",
        "Iterator",
        "Retry",
        "Catch",
        "ErrorEquals",
        "Seconds",
        "TimeoutSeconds",
        "QueryLanguage",
        "Arguments",
        "Output",
        "Assign",
        "Items",
        "Condition",
        "Comment",
        "x.$",
        "a",
        "MaxConcurrency",
        "Error",
        "Cause",
    ]
) | st.text(max_size=8)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(
        [
            "$",
            "$.a",
            "$$.Execution.Id",
            "$[0]",
            "States.Format('{}', $.a)",
            "{% $states.input %}",
            "{%",
            "Pass",
            "Task",
            "module:increment",
            "module:suspend",
            "openwhisk:x",
            "S",
            "A",
            "",
        ]
    )
    | st.text(max_size=12)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


def _locations(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        found.append(path + (key,))
        found.extend(_locations(value, path + (key,)))
    return found


def _bases() -> list[Any]:
    bases = [json.loads(p.read_text()) for p in sorted(MACHINES.glob("*.json"))]
    cases = sorted(CONFORMANCE.glob("cases/*/*.json")) if CONFORMANCE.is_dir() else []
    bases += [json.loads(p.read_text())["definition"] for p in cases[::25]]
    return bases


BASES = _bases()


# ---------------------------------------------------------------------------- the validator
def parse_only_definition_errors(doc: Any) -> None:
    try:
        machine = statebox.parse(doc)
    except DefinitionError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
    else:
        assert machine.definition_hash


@seed(8001)
@fuzz_settings(200)
@given(JSON_VALUES)
def test_parse_random_json(doc: Any) -> None:
    tick("validator")
    parse_only_definition_errors(doc)


@seed(8002)
@fuzz_settings(200)
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_parse_random_text(text: Any) -> None:
    tick("validator")
    parse_only_definition_errors(text)


def mutated_definition(data: st.DataObject, edits: int = 4, duplicate: bool = True) -> Any:
    """One of BASES with 1 to `edits` random edits: a field deleted, replaced, renamed, or (with
    `duplicate`) replaced by a copy of the whole document (self-similar nesting)."""
    doc = copy.deepcopy(data.draw(st.sampled_from(BASES)))
    actions = ["delete", "replace", "rename"] + (["duplicate"] if duplicate else [])
    for _ in range(data.draw(st.integers(1, edits))):
        locations = _locations(doc)
        if not locations:
            break
        where = data.draw(st.sampled_from(locations))
        parent = doc
        for step in where[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(actions))
        if action == "delete" and isinstance(parent, dict):
            del parent[where[-1]]
        elif action == "rename" and isinstance(parent, dict):
            parent[data.draw(KEYS)] = parent.pop(where[-1])
        elif action == "duplicate":
            parent[where[-1]] = copy.deepcopy(doc)
        else:
            parent[where[-1]] = data.draw(JSON_VALUES)
    return doc


@seed(8003)
@fuzz_settings(250)
@given(st.data())
def test_parse_mutated_definitions(data: st.DataObject) -> None:
    tick("validator")
    doc = mutated_definition(data)
    parse_only_definition_errors(doc)
    parse_only_definition_errors(json.dumps(doc))


# ---------------------------------------------------------------------------- the interpreter
PATHS = st.sampled_from(
    ["$", "$.a", "$.b", "$.a.b", "$[0]", "$.items", "$.n", "$$.Execution.Input", "$.missing"]
)
REF_PATHS = st.sampled_from(["$", "$.a", "$.r", "$.a.b", None])
INTRINSICS = st.sampled_from(
    [
        "States.Format('{} and {}', $.a, $.b)",
        "States.StringToJson($.s)",
        "States.JsonToString($)",
        "States.Array($.a, $.b, 1)",
        "States.ArrayPartition($.items, 2)",
        "States.ArrayContains($.items, $.a)",
        "States.ArrayRange(1, $.n, 1)",
        "States.ArrayGetItem($.items, $.n)",
        "States.ArrayLength($.items)",
        "States.ArrayUnique($.items)",
        "States.Base64Encode($.s)",
        "States.Base64Decode($.s)",
        "States.Hash($.s, 'SHA-256')",
        "States.JsonMerge($.a, $.b, false)",
        "States.MathRandom(1, $.n)",
        "States.MathAdd($.n, $.a)",
        "States.StringSplit($.s, ',')",
        "States.UUID()",
    ]
)
TEMPLATES = st.recursive(
    st.dictionaries(st.sampled_from(["x", "y", "z"]), SCALARS, max_size=2)
    | st.fixed_dictionaries({"x.$": PATHS})
    | st.fixed_dictionaries({"x.$": INTRINSICS}),
    lambda inner: st.dictionaries(st.sampled_from(["p", "q", "r.$"]), inner | PATHS, max_size=3),
    max_leaves=6,
)
RULES = st.sampled_from(
    [
        {"Variable": "$.n", "NumericGreaterThan": 2},
        {"Variable": "$.a", "IsPresent": True},
        {"Variable": "$.s", "StringMatches": "*a*b*"},
        {"Variable": "$.a", "StringEquals": "x"},
        {"Variable": "$.n", "NumericEqualsPath": "$.a"},
        {"Not": {"Variable": "$.b", "IsNull": True}},
        {"Or": [{"Variable": "$.n", "IsNumeric": True}, {"Variable": "$.s", "IsString": True}]},
        {"Variable": "$.t", "TimestampLessThan": "2026-01-01T00:00:00Z"},
    ]
)
ERRORS = st.lists(
    st.sampled_from(["States.ALL", "States.TaskFailed", "States.Runtime", "Boom", "ValueError"]),
    min_size=1,
    max_size=2,
)
INPUTS = (
    st.fixed_dictionaries(
        {},
        optional={
            "a": JSON_VALUES,
            "b": JSON_VALUES,
            "s": st.text(max_size=20) | st.sampled_from(['{"k": 1}', "a,b", "aXb", "SGVsbG8="]),
            "n": st.integers(-3, 30)
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.sampled_from([99_999_999, 100_000_000, 10**12, 2**70]),  # past AWS's most seconds
            "items": st.lists(JSON_VALUES, max_size=6),
            "t": st.sampled_from(["2025-01-01T00:00:00Z", "nope", 3]),
        },
    )
    | JSON_VALUES
)


@st.composite
def machines(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    count = draw(st.integers(1, 5))
    names = [f"S{depth}_{i}" for i in range(count)]
    states: dict[str, Any] = {}
    for i, name in enumerate(names):
        later = names[i + 1 :]
        flow = {"Next": draw(st.sampled_from(later))} if later and draw(st.booleans()) else {"End": True}
        kinds = ["Pass", "Pass", "Task", "Choice", "Wait", "Fail", "Succeed"] + (
            ["Map", "Parallel"] if depth < 2 else []
        )
        kind = draw(st.sampled_from(kinds))
        state: dict[str, Any] = {"Type": kind}
        if kind in ("Pass", "Task", "Map", "Parallel"):
            state.update(flow)
            for field, strategy in (("InputPath", PATHS), ("ResultPath", REF_PATHS), ("OutputPath", PATHS)):
                if draw(st.booleans()):
                    state[field] = draw(strategy)
            if draw(st.booleans()) and kind != "Map":
                state["Parameters"] = draw(TEMPLATES)
        if kind == "Pass" and draw(st.booleans()):
            state["Result"] = draw(JSON_VALUES)
        if kind == "Task":
            state["Resource"] = draw(
                st.sampled_from(
                    ["module:increment", "module:square", "module:flaky", "module:nope", "module:suspend"]
                )
            )
            if draw(st.booleans()):
                state["ResultSelector"] = draw(TEMPLATES)
            if draw(st.booleans()):
                state[draw(st.sampled_from(["TimeoutSecondsPath", "HeartbeatSecondsPath"]))] = "$.n"
        if kind in ("Task", "Map", "Parallel") and draw(st.booleans()):
            state["Retry"] = [
                {"ErrorEquals": draw(ERRORS), "MaxAttempts": draw(st.integers(0, 2)), "IntervalSeconds": 1}
            ]
        if kind in ("Task", "Map", "Parallel") and later and draw(st.booleans()):
            state["Catch"] = [{"ErrorEquals": draw(ERRORS), "Next": draw(st.sampled_from(later))}]
        if kind == "Choice":
            targets = later or [name]  # a loop back to itself: the transition cap ends it
            state["Choices"] = [{**draw(RULES), "Next": draw(st.sampled_from(targets))}]
            if draw(st.booleans()):
                state["Default"] = draw(st.sampled_from(targets))
        if kind == "Wait":
            state.update(flow)
            state[draw(st.sampled_from(["Seconds", "SecondsPath", "Timestamp"]))] = draw(
                st.sampled_from(
                    [0, 1, 99_999_999, 10**12, "$.n", "2026-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "$.t"]
                )
            )
        if kind == "Fail":
            state.update({"Error": "Boom", "Cause": "fuzz"})
        if kind == "Map":
            state["ItemProcessor"] = draw(machines(depth + 1))
            if draw(st.booleans()):
                state["ItemsPath"] = draw(PATHS)
            if draw(st.booleans()):
                state["MaxConcurrency"] = draw(st.integers(0, 3))
        if kind == "Parallel":
            state["Branches"] = [draw(machines(depth + 1)) for _ in range(draw(st.integers(1, 2)))]
        states[name] = state
    return {"StartAt": names[0], "States": states}


def test_the_interpreter_returns_results_for_random_machines() -> None:
    loop = asyncio.new_event_loop()
    outcomes: set[str] = set()
    limits = Settings(max_transitions=200, actions_dir=ROOT / "demo_actions")

    @seed(8004)
    @fuzz_settings(150)
    @given(definition=machines(), execution_input=INPUTS)
    def check(definition: dict[str, Any], execution_input: Any) -> None:
        tick("interpreter")
        try:
            statebox.parse(definition)
        except DefinitionError:
            outcomes.add("invalid")
            return
        result = loop.run_until_complete(
            statebox.run_async(
                definition, execution_input, clock=FakeClock(), entropy=SeededEntropy(1), settings=limits
            )
        )
        assert isinstance(result, ExecutionResult)
        assert result.status in ("SUCCEEDED", "FAILED", "TIMED_OUT", "SUSPENDED")
        if result.status == "FAILED":
            assert result.error, result
        json.dumps(result.to_json())
        outcomes.add(result.status if result.status != "FAILED" else f"FAILED {result.error}")

    try:
        check()
    finally:
        loop.close()
    print("interpreter outcomes:", sorted(outcomes))
    assert "SUCCEEDED" in outcomes and any(o.startswith("FAILED") for o in outcomes), outcomes


N = "{% $states.input.n %}"
SUSPEND = {"Type": "Task", "Resource": "module:suspend"}
SECONDS_STATES = [
    {"Type": "Wait", "SecondsPath": "$.n"},
    {"Type": "Wait", "QueryLanguage": "JSONata", "Seconds": N},
    {**SUSPEND, "TimeoutSecondsPath": "$.n"},
    {**SUSPEND, "HeartbeatSecondsPath": "$.n"},
    {**SUSPEND, "QueryLanguage": "JSONata", "TimeoutSeconds": N},
    {**SUSPEND, "QueryLanguage": "JSONata", "HeartbeatSeconds": N},
]


@seed(8009)
@fuzz_settings(150)
@given(
    state=st.sampled_from(SECONDS_STATES),
    n=st.integers(-(2**70), 2**70) | st.floats() | st.sampled_from([99_999_999, 100_000_000, 10**12]),
)
def test_any_number_of_seconds_read_at_run_time_ends_cleanly(state: dict[str, Any], n: Any) -> None:
    """Waits and task deadlines from the input: too big, negative, fractional or not finite, the
    state fails or the execution suspends or ends; nothing overflows into a traceback."""
    tick("seconds")
    definition = {"StartAt": "S", "States": {"S": {**state, "End": True}}}
    result = asyncio.run(
        statebox.run_async(definition, {"n": n}, clock=FakeClock(), entropy=SeededEntropy(1))
    )
    assert result.status in ("SUCCEEDED", "FAILED", "SUSPENDED"), result
    if result.status == "FAILED":
        assert result.error and result.cause


# ---------------------------------------------------------------------------- the handler, state unchanged
async def snapshot(store: RedisStore) -> dict[bytes, Any]:
    return {key: await store.client.dump(key) for key in sorted(await store.client.keys("*"))}


def make_service(clock: FakeClock, store: RedisStore, **options: Any) -> Service:
    engine = Engine(
        Settings(actions_dir=ROOT / "demo_actions", **options),
        store=store,
        signer=ContinuationSigner(b"k"),
        clock=clock,
    )
    return Service(engine, MACHINES, max_request_bytes=4000)


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
