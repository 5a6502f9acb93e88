"""A suspended JSONata machine with variables, through the store (fakeredis and a real
redis-server): the variables and the query language are in the snapshot, and a fresh engine
(with an empty parse cache, as after a restart) resumes it to the same result."""

from __future__ import annotations

import importlib
import json
from typing import Any

parse_module = importlib.import_module("statebox.definition.parse")

APPROVAL = {
    "QueryLanguage": "JSONata",
    "StartAt": "Init",
    "States": {
        "Init": {
            "Type": "Pass",
            "Assign": {
                "requester": "{% $states.input.name %}",
                "amount": "{% $states.input.amount %}",
                "delay": 3600,
            },
            "Next": "Approvals",
        },
        "Approvals": {
            "Type": "Map",
            "Items": "{% $states.input.approvers %}",
            "ItemSelector": {"approver": "{% $states.context.Map.Item.Value %}", "amount": "{% $amount %}"},
            "ItemProcessor": {
                "StartAt": "Remember",
                "States": {
                    "Remember": {
                        "Type": "Pass",
                        "Assign": {"me": "{% $states.input.approver %}"},
                        "Next": "Ask",
                    },
                    "Ask": {
                        "Type": "Task",
                        "Resource": "module:suspend",
                        "Arguments": {
                            "ask": "{% $me & ': approve ' & $string($amount) & ' for ' & $requester & '?' %}"
                        },
                        "Output": {"by": "{% $me %}", "ok": "{% $states.result.approved %}"},
                        "End": True,
                    },
                },
            },
            "Assign": {"approved": "{% $count($states.result[ok]) = $count($states.result) %}"},
            "Output": "{% $states.result %}",
            "Next": "Cool off",
        },
        "Cool off": {"Type": "Wait", "Seconds": "{% $delay %}", "Next": "Done"},
        "Done": {
            "Type": "Pass",
            "Output": {
                "requester": "{% $requester %}",
                "approved": "{% $approved %}",
                "votes": "{% $states.input %}",
            },
            "End": True,
        },
    },
}


def _has_key(value: Any, key: str) -> bool:
    if isinstance(value, dict):
        return key in value or any(_has_key(v, key) for v in value.values())
    if isinstance(value, list):
        return any(_has_key(v, key) for v in value)
    return False


async def test_suspended_jsonata_machine_with_variables_resumes(
    store: Any, make_engine: Any, clock: Any
) -> None:
    engine = make_engine(store)
    started = await engine.start(APPROVAL, {"name": "ada", "amount": 120, "approvers": ["bob", "cy"]})
    assert started.status == "SUSPENDED"
    asks = sorted(point["data"]["ask"] for point in started.pending)
    assert asks == ["bob: approve 120 for ada?", "cy: approve 120 for ada?"]

    record = await store.load(started.execution_id)
    position = json.loads(json.dumps(record["position"]))  # what the store holds is plain JSON
    assert position["variables"] == {"requester": "ada", "amount": 120, "delay": 3600}
    assert _has_key(position["inner"], "variables")  # each iteration's own `me`

    # A new process: nothing cached, the definition comes back from the store by its hash.
    parse_module.forget_machines()
    tokens = [point["continuation"] for point in started.pending]
    first = await make_engine(store).resume(tokens[0], {"approved": True})
    assert first.status == "SUSPENDED"
    parse_module.forget_machines()
    second = await make_engine(store).resume(tokens[1], {"approved": True})
    assert second.status == "SUSPENDED"  # the hour-long Wait became a timer

    record = await store.load(started.execution_id)
    assert record["position"]["variables"]["approved"] is True

    parse_module.forget_machines()
    clock.advance(3601)
    assert await make_engine(store).run_due_timers() == 1
    described = await make_engine(store).describe_execution(started.execution_id)
    assert described["status"] == "SUCCEEDED"
    assert described["output"] == {
        "requester": "ada",
        "approved": True,
        "votes": [{"by": "bob", "ok": True}, {"by": "cy", "ok": True}],
    }


async def test_a_rejection_after_resume_reads_the_restored_variables(store: Any, make_engine: Any) -> None:
    engine = make_engine(store)
    started = await engine.start(APPROVAL, {"name": "eve", "amount": 5, "approvers": ["bob"]})
    parse_module.forget_machines()
    resumed = await make_engine(store).resume(started.pending[0]["continuation"], {"approved": False})
    assert resumed.status == "SUSPENDED"
    record = await store.load(started.execution_id)
    assert record["position"]["variables"] == {
        "requester": "eve",
        "amount": 5,
        "delay": 3600,
        "approved": False,
    }
