"""ResumeSchema as request data (issue 13, 5b / 5c): only local references, never fetched;
regular expressions bounded in time; patterns that do not compile are definition problems.

The fetch tests point the schema at a real HTTP server on a loopback port and at a real file,
and assert that neither is read and that their content never reaches a message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from statebox.config import Settings
from statebox.definition.resume_schema import resume_input_problems
from statebox.errors import InputError
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore
from statebox.validation import find_problems

ROOT = Path(__file__).resolve().parents[3]
SECRET = "s3cr3t-content-never-shown"
SLOW = "(a|aa)+$"
SLOW_TEXT = "a" * 40 + "b"


def with_schema(schema: Any) -> dict[str, Any]:
    ask = {"Type": "Task", "Resource": "module:suspend", "ResumeSchema": schema, "End": True}
    return {"StartAt": "Ask", "States": {"Ask": ask}}


def problems(schema: Any) -> list[tuple[str, str]]:
    return [(p.pointer, p.message) for p in find_problems(with_schema(schema))]


AT = "/States/Ask/ResumeSchema"


# ------------------------------------------------------------------------- definition time


@pytest.mark.parametrize(
    ("schema", "pointer"),
    [
        ({"$ref": "http://127.0.0.1:9/schema.json"}, f"{AT}/$ref"),
        ({"$ref": "file:///etc/passwd"}, f"{AT}/$ref"),
        ({"$ref": "other.json#/x"}, f"{AT}/$ref"),
        ({"properties": {"a": {"$ref": "https://example.com/a"}}}, f"{AT}/properties/a/$ref"),
        ({"items": [{"$dynamicRef": "http://x/y#meta"}]}, f"{AT}/items/0/$dynamicRef"),
        ({"$defs": {"d": {"allOf": [{"$ref": "file:///tmp/x"}]}}}, f"{AT}/$defs/d/allOf/0/$ref"),
    ],
)
def test_a_non_local_reference_is_a_definition_problem(schema: Any, pointer: str) -> None:
    found = problems(schema)
    assert [p for p, _ in found if p == pointer], found
    assert any("only local references" in message for _, message in found)


@pytest.mark.parametrize(
    "schema",
    [
        {"$defs": {"name": {"type": "string"}}, "properties": {"who": {"$ref": "#/$defs/name"}}},
        {"const": {"$ref": "http://not-a-reference/just-data"}},
        {"enum": [{"$ref": "file:///data"}]},
        {"properties": {"code": {"pattern": "^[A-Z]{3}$"}}},
    ],
)
def test_local_references_and_data_that_looks_like_one_are_fine(schema: Any) -> None:
    assert problems(schema) == []


def test_a_pattern_that_does_not_compile_is_a_definition_problem() -> None:
    found = problems({"properties": {"x": {"pattern": "(unclosed"}}, "patternProperties": {"[": {}}})
    pointers = [p for p, _ in found]
    assert f"{AT}/properties/x/pattern" in pointers and f"{AT}/patternProperties/[" in pointers


def test_pattern_properties_with_unevaluated_properties_is_refused() -> None:
    found = problems({"patternProperties": {"^a": {}}, "unevaluatedProperties": False})
    assert [p for p, _ in found] == [f"{AT}/patternProperties"]


# ------------------------------------------------------------------------------ at resume


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on a loopback port that records every request it gets."""
    import asyncio
    import threading

    seen: list[str] = []
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def schema(request: web.Request) -> web.Response:
        seen.append(request.path)
        return web.json_response({"type": "string", "description": SECRET})

    def serve() -> None:
        loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_get("/{tail:.*}", schema)
        runner = web.AppRunner(app)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        state["port"] = runner.addresses[0][1]
        state["loop"], state["runner"] = loop, runner
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(30)
    yield f"http://127.0.0.1:{state['port']}", seen
    state["loop"].call_soon_threadsafe(state["loop"].stop)
    thread.join(30)


def test_a_remote_reference_is_never_fetched_at_resume(http_server: tuple[str, list[str]]) -> None:
    # A schema stored before definitions were checked for it (or by a bug) is applied safely.
    url, seen = http_server
    found = resume_input_problems({"properties": {"a": {"$ref": f"{url}/schema.json"}}}, {"a": 1})
    assert seen == []
    assert len(found) == 1 and "cannot be applied" in found[0].message
    assert SECRET not in found[0].message


def test_a_file_reference_is_never_read_at_resume(tmp_path: Path) -> None:
    secret = tmp_path / "schema.json"
    secret.write_text(json.dumps({"type": "string", "description": SECRET}))
    found = resume_input_problems({"$ref": secret.as_uri()}, 1)
    assert len(found) == 1 and "cannot be applied" in found[0].message
    assert SECRET not in found[0].message


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"pattern": SLOW}, SLOW_TEXT),
        ({"properties": {"x": {"pattern": SLOW}}}, {"x": SLOW_TEXT}),
        ({"patternProperties": {SLOW: {"type": "string"}}}, {SLOW_TEXT: 1}),
        ({"patternProperties": {SLOW: {}}, "additionalProperties": False}, {SLOW_TEXT: 1}),
        ({"propertyNames": {"pattern": SLOW}}, {SLOW_TEXT: 1}),
        ({"items": {"pattern": SLOW}}, [SLOW_TEXT] * 50),
    ],
)
def test_a_catastrophic_pattern_is_a_clear_problem(schema: Any, value: Any) -> None:
    found = resume_input_problems(schema, value)
    assert [p.message for p in found] == [
        "the ResumeSchema's regular expressions took too long on this input"
    ]


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        ({"pattern": "^[A-Z]{3}$"}, "ABC", []),
        ({"pattern": "^[A-Z]{3}$"}, "abc", [("/", "'abc' does not match '^[A-Z]{3}$'")]),
        (
            {"patternProperties": {"^n_": {"type": "integer"}}},
            {"n_a": "x"},
            [("/n_a", "'x' is not of type 'integer'")],
        ),
        (
            {"properties": {"id": {}}, "patternProperties": {"^x-": {}}, "additionalProperties": False},
            {"id": 1, "x-a": 2, "other": 3},
            [("/", "'other' does not match any of the regexes: '^x-'")],
        ),
        (
            {"properties": {"id": {}}, "additionalProperties": False},
            {"id": 1, "b": 2},
            [("/", "Additional properties are not allowed ('b' was unexpected)")],
        ),
        (
            {"$defs": {"n": {"type": "number"}}, "items": {"$ref": "#/$defs/n"}},
            [1, "2"],
            [("/1", "'2' is not of type 'number'")],
        ),
    ],
)
def test_ordinary_schemas_validate_as_before(
    schema: Any, value: Any, expected: list[tuple[str, str]]
) -> None:
    assert [(p.pointer, p.message) for p in resume_input_problems(schema, value)] == expected


async def test_a_resume_against_a_catastrophic_pattern_is_a_400_and_the_point_stays() -> None:
    store = RedisStore.in_process()
    engine = Engine(
        Settings(actions_dir=ROOT / "demo_actions"),
        store=store,
        signer=ContinuationSigner(b"k"),
        clock=FakeClock(),
    )
    try:
        started = await engine.start(with_schema({"properties": {"comment": {"pattern": SLOW}}}), {})
        with pytest.raises(InputError, match="took too long"):
            await engine.resume(started.continuation, {"comment": SLOW_TEXT})
        finished = await engine.resume(started.continuation, {"comment": "aaa"})
        assert finished.status == "SUCCEEDED"
    finally:
        await store.close()


async def test_over_http_a_remote_reference_is_a_400_at_its_pointer_and_nothing_is_fetched(
    http_server: tuple[str, list[str]],
) -> None:
    from statebox.web.handler import Service, handle
    from statebox.web.protocol import HttpRequest

    url, seen = http_server
    store = RedisStore.in_process()
    engine = Engine(
        Settings(actions_dir=ROOT / "demo_actions"),
        store=store,
        signer=ContinuationSigner(b"k"),
        clock=FakeClock(),
    )
    definition = with_schema({"properties": {"who": {"$ref": f"{url}/schema.json"}}})
    request = HttpRequest(
        method="POST",
        path="/",
        query={},
        headers={"content-type": "application/json"},
        body=json.dumps(definition).encode(),
        remote="203.0.113.7",
        base_url="http://statebox.test/",
    )
    try:
        response = await handle(request, Service(engine, ROOT / "state_machines"))
    finally:
        await store.close()
    assert response.status == 400
    pointers = [problem["pointer"] for problem in response.body["problems"]]
    assert f"{AT}/properties/who/$ref" in pointers
    assert seen == [] and SECRET not in json.dumps(response.body)
