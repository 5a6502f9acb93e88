"""Shared by the hostile-input property tests: example counts (`FUZZ_EXAMPLES` scales them;
`bench/fuzz.py` runs longer and reports `COUNTS`), JSON values shaped like definitions, mutated
real definitions, and a service over an in-process store."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from statebox.config import Settings
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore
from statebox.web.handler import Service

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


def paths_inside(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        found.append(path + (key,))
        found.extend(paths_inside(value, path + (key,)))
    return found


def _bases() -> list[Any]:
    bases = [json.loads(p.read_text()) for p in sorted(MACHINES.glob("*.json"))]
    cases = sorted(CONFORMANCE.glob("cases/*/*.json")) if CONFORMANCE.is_dir() else []
    bases += [json.loads(p.read_text())["definition"] for p in cases[::25]]
    return bases


BASES = _bases()


def mutated_definition(data: st.DataObject, edits: int = 4, duplicate: bool = True) -> Any:
    """One of BASES with 1 to `edits` random edits: a field deleted, replaced, renamed, or (with
    `duplicate`) replaced by a copy of the whole document (self-similar nesting)."""
    doc = copy.deepcopy(data.draw(st.sampled_from(BASES)))
    actions = ["delete", "replace", "rename"] + (["duplicate"] if duplicate else [])
    for _ in range(data.draw(st.integers(1, edits))):
        locations = paths_inside(doc)
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
