"""Limits that no request can go around (docs/security.md, "Limits"):

- the definition's size (Settings.max_definition_bytes, 1 MiB) and nesting
  (Settings.max_definition_depth; parse.MAX_DEFINITION_DEPTH is the ceiling), however the
  definition arrives: text, bytes or an already-parsed object;
- the nesting of execution and resume inputs (Settings.max_payload_depth), and data nested too
  deeply at run time: a States.Runtime failure, never a RecursionError;
- the number of items one Map state iterates over (Settings.max_map_items) and the number of
  iterations at once (Settings.max_map_concurrency, 40), whatever MaxConcurrency says;
- StringMatches runs in linear time: counted in steps, not measured in seconds.

The request size (413) and the transition cap are in web/test_handler.py and test_limits.py.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import machine

import statebox
from statebox.config import Settings
from statebox.errors import DefinitionError, InputError
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.ports import FakeClock
from statebox.states.choice_rules import compile_pattern
from statebox.stores.redis import RedisStore
from statebox.web.handler import Service, handle
from statebox.web.protocol import HttpRequest

parse_module = importlib.import_module("statebox.definition.parse")
ROOT = Path(__file__).resolve().parents[2]
PASS = machine(("P", {"Type": "Pass", "End": True}))
SUSPEND = machine(("Ask", {"Type": "Task", "Resource": "module:suspend", "End": True}))


def nested_value(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def with_parameters_depth(depth: int) -> dict[str, Any]:
    """A machine whose JSON nests exactly `depth` levels (the Parameters make up the rest)."""
    parameters: Any = 1
    for _ in range(depth - 3):  # the definition, States and P are 3 levels
        parameters = {"a": parameters}
    return machine(("P", {"Type": "Pass", "Parameters": parameters, "End": True}))


def nested_machines(levels: int) -> dict[str, Any]:
    inner: dict[str, Any] = machine(("L0", {"Type": "Pass", "End": True}))
    for level in range(1, levels + 1):
        inner = machine((f"L{level}", {"Type": "Parallel", "Branches": [inner], "End": True}))
    return inner


@pytest.fixture
async def engine() -> Any:
    store = RedisStore.in_process()
    yield Engine(
        Settings(actions_dir=ROOT / "demo_actions"),
        store=store,
        signer=ContinuationSigner(b"k"),
        clock=FakeClock(),
    )
    await store.close()


def engine_with(base: Engine, **settings: Any) -> Engine:
    from dataclasses import replace

    return Engine(replace(base.settings, **settings), store=base.store, signer=base.signer, clock=base.clock)


async def keys(engine: Engine) -> dict[bytes, Any]:
    client = engine.store.client
    return {key: await client.dump(key) for key in await client.keys("*")}


# ---------------------------------------------------------------------------- definition size
@pytest.mark.parametrize("form", ["dict", "text", "bytes"])
async def test_a_definition_over_the_size_limit_is_refused_in_every_form(engine: Engine, form: str) -> None:
    small = engine_with(engine, max_definition_bytes=2000)
    definition: Any = {**PASS, "Comment": "x" * 2000}
    if form != "dict":
        definition = json.dumps(definition)
    if form == "bytes":
        definition = definition.encode()
    before = await keys(engine)
    with pytest.raises(DefinitionError) as refused:
        await small.start(definition, {})
    assert "at most 2000 are allowed" in str(refused.value)
    assert await keys(engine) == before  # nothing stored
    assert (await small.start({**PASS, "Comment": "x" * 100}, {})).status == "SUCCEEDED"


async def test_the_default_size_limit_is_one_mib_even_for_an_already_parsed_object(engine: Engine) -> None:
    assert engine.settings.max_definition_bytes == 1024 * 1024
    over = {**PASS, "Comment": "x" * (1024 * 1024)}
    with pytest.raises(DefinitionError, match="at most 1048576"):
        await engine.start(over, {})
    with pytest.raises(DefinitionError, match="at most 1048576"):
        await statebox.run_async(over, {})  # the library path is the engine's too


async def test_size_is_counted_in_utf8_bytes(engine: Engine) -> None:
    small = engine_with(engine, max_definition_bytes=1000)
    with pytest.raises(DefinitionError):
        await small.start({**PASS, "Comment": "é" * 490}, {})  # 490 characters, 980 bytes + the rest


# ---------------------------------------------------------------------------- definition depth
async def test_a_definition_nested_past_the_setting_is_refused(engine: Engine) -> None:
    shallow = engine_with(engine, max_definition_depth=20)
    assert (await shallow.start(with_parameters_depth(20), {})).status == "SUCCEEDED"
    with pytest.raises(DefinitionError, match="nested more than 20 levels"):
        await shallow.start(with_parameters_depth(21), {})
    with pytest.raises(DefinitionError, match="nested more than 20 levels"):
        await shallow.start(json.dumps(with_parameters_depth(21)), {})


@pytest.mark.parametrize("depth", [parse_module.MAX_DEFINITION_DEPTH + 1, 5000, 50_000])
def test_parse_refuses_absurd_nesting_with_a_definition_error_not_a_recursion_error(depth: int) -> None:
    with pytest.raises(DefinitionError, match="nested more than 512 levels"):
        statebox.parse(with_parameters_depth(depth))
    n = depth - 3
    text = (
        '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true,"Parameters":'
        + '{"a":' * n
        + "1"
        + "}" * n
        + "}}}"
    )
    with pytest.raises(DefinitionError, match="nested (more than 512 levels|too deeply)"):
        statebox.parse(text)


@pytest.mark.parametrize("depth", [*range(380, 513, 16), 512])
def test_under_the_ceiling_parse_compiles_or_says_too_deep_never_crashes(depth: int) -> None:
    # Compiled from inside an already deep stack (a web framework's): a result or a
    # DefinitionError, whatever the depth; never a RecursionError.
    def deep_call(levels: int) -> Any:
        return statebox.parse(with_parameters_depth(depth)) if levels == 0 else deep_call(levels - 1)

    try:
        assert deep_call(100).definition_hash
    except DefinitionError as exc:
        assert "nested too deeply" in str(exc) and depth > 400


async def test_the_settings_cannot_raise_the_parser_ceiling(engine: Engine) -> None:
    lax = engine_with(engine, max_definition_depth=100_000)
    with pytest.raises(DefinitionError, match="nested more than 512 levels"):
        await lax.start(with_parameters_depth(600), {})


async def test_one_hundred_nested_machines_still_run(engine: Engine) -> None:
    result = await engine.start(nested_machines(100), {"a": 1})
    assert result.status == "SUCCEEDED"


# ---------------------------------------------------------------------------- data depth
async def test_execution_input_nested_too_deeply_is_an_input_error_before_anything_is_stored(
    engine: Engine,
) -> None:
    limit = engine.settings.max_payload_depth
    assert (await engine.start(SUSPEND, nested_value(limit))).status == "SUSPENDED"
    before = await keys(engine)
    with pytest.raises(InputError, match=f"nested more than {limit} levels"):
        await engine.start(SUSPEND, nested_value(limit + 1))
    assert await keys(engine) == before


async def test_resume_input_nested_too_deeply_is_refused_and_the_continuation_stays(engine: Engine) -> None:
    started = await engine.start(SUSPEND, {})
    before = await keys(engine)
    with pytest.raises(InputError):
        await engine.resume(started.continuation, {"deep": nested_value(500)})
    assert await keys(engine) == before
    assert (await engine.resume(started.continuation, {"ok": True})).status == "SUCCEEDED"


@pytest.mark.parametrize("then", ["suspend", "pass"])
async def test_data_made_too_deep_at_run_time_fails_the_execution_cleanly(engine: Engine, then: str) -> None:
    last = {"Type": "Task", "Resource": "module:suspend"} if then == "suspend" else {"Type": "Pass"}
    definition = machine(
        ("Parse", {"Type": "Pass", "Parameters": {"x.$": "States.StringToJson($.s)"}, "Next": "Last"}),
        ("Last", {**last, "End": True}),
    )
    for depth in (400, 900):
        result = await engine.start(definition, {"s": "[" * depth + "]" * depth})
        if result.status == "FAILED":
            assert result.error == "States.Runtime" and "nested too deeply" in result.cause
        else:
            assert result.status in ("SUCCEEDED", "SUSPENDED")


async def test_deep_bodies_over_http_are_400_not_500(engine: Engine) -> None:
    service = Service(engine, ROOT / "state_machines")
    deep = json.dumps(nested_value(300))
    response = await handle(
        HttpRequest("POST", "/incsquare", headers={"content-type": "application/json"}, body=deep.encode()),
        service,
    )
    assert response.status == 400 and "nested more than" in response.body["message"]


# ---------------------------------------------------------------------------- Map items
MAP = machine(
    (
        "Each",
        {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": machine(("Item", {"Type": "Pass", "End": True})),
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            "End": True,
        },
    ),
    ("Caught", {"Type": "Pass", "Result": "caught", "End": True}),
)
JSONATA_MAP = {
    "QueryLanguage": "JSONata",
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "Items": "{% $states.input.items %}",
            "ItemProcessor": machine(("Item", {"Type": "Pass", "End": True})),
            "End": True,
        }
    },
}


@pytest.mark.parametrize("definition", [MAP, JSONATA_MAP], ids=["ItemsPath", "JSONata Items"])
async def test_a_map_over_more_items_than_allowed_fails_with_states_runtime(
    engine: Engine, definition: Any
) -> None:
    capped = engine_with(engine, max_map_items=5)
    ok = await capped.start(definition, {"items": list(range(5))})
    assert (ok.status, ok.output) == ("SUCCEEDED", list(range(5)))
    over = await capped.start(definition, {"items": list(range(6))})
    # States.Runtime is never caught (not even by States.ALL): the limit cannot be retried around.
    assert (over.status, over.error) == ("FAILED", "States.Runtime")
    assert "got 6 items; at most 5 are allowed" in over.cause


async def test_the_default_map_item_cap_is_100000(engine: Engine) -> None:
    assert Settings().max_map_items == 100_000
    definition = machine(
        ("Each", {"Type": "Map", "ItemProcessor": machine(("I", {"Type": "Succeed"})), "End": True}),
    )
    result = await engine.start(definition, [0] * 100_001)  # 200 KB: under the payload limit
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "at most 100000" in result.cause


OVERLAP = (
    "import asyncio\n\nACTIVE = 0\nPEAK = 0\n\n"
    "async def main(args):\n"
    "    global ACTIVE, PEAK\n"
    "    ACTIVE += 1\n    PEAK = max(PEAK, ACTIVE)\n"
    "    await asyncio.sleep(0.005)\n"
    "    ACTIVE -= 1\n    return PEAK\n"
)


@pytest.mark.parametrize(
    "fields",
    [{}, {"MaxConcurrency": 1000}, {"MaxConcurrencyPath": "$.n"}],
    ids=["default", "MaxConcurrency-1000", "MaxConcurrencyPath-1000"],
)
async def test_no_definition_runs_more_than_40_iterations_at_once(tmp_path: Path, fields: Any) -> None:
    (tmp_path / "overlap.py").write_text(OVERLAP)
    definition = machine(
        (
            "Each",
            {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": machine(
                    ("Call", {"Type": "Task", "Resource": "module:overlap", "End": True})
                ),
                "End": True,
                **fields,
            },
        )
    )
    result = await statebox.run_async(definition, {"items": list(range(120)), "n": 1000}, actions=tmp_path)
    assert result.status == "SUCCEEDED"
    assert max(result.output) == 40


# ---------------------------------------------------------------------------- StringMatches
class CountingText(str):
    """A string that counts the characters StringMatches' matcher scans with find()."""

    scanned = 0
    calls = 0

    def find(self, sub: Any, start: Any = None, end: Any = None) -> int:  # type: ignore[override]
        found = str.find(self, sub, start, end)
        type(self).calls += 1
        stop = end if end is not None else len(self)
        type(self).scanned += ((found + len(sub)) if found >= 0 else stop) - (start or 0)
        return found


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("*a*a*a*a*a*a*a*a*a*b", "a" * 100_000, False),  # a regex `.*a.*a…b` backtracks on this
        ("*a*a*a*a*a*a*a*a*a*b", "a" * 100_000 + "b", True),
        ("*" + "ab*" * 50 + "c", "ab" * 50_000, False),
        ("*" + "ab*" * 50 + "c", "ab" * 50_000 + "c", True),
        ("a*" * 200 + "z", "a" * 100_000, False),
        ("*x*", "y" * 100_000, False),
    ],
)
def test_string_matches_is_linear_in_steps(pattern: str, text: str, expected: bool) -> None:
    CountingText.scanned = CountingText.calls = 0
    match = compile_pattern(pattern)
    assert match(CountingText(text)) is expected
    pieces = [p for p in pattern.split("*") if p]
    # Each literal piece is searched for once, and the searches never go back over the text:
    # at most one pass over the text plus each piece, whatever the pattern.
    assert CountingText.calls <= len(pieces)
    assert CountingText.scanned <= len(text) + sum(len(p) for p in pieces)
