"""Tests for `statebox.validation.find_problems`: exact problem lists for broken definitions, no
problems for the definitions AWS accepted, and no exception for any input at all."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statebox.errors import Problem
from statebox.validation import MAX_MACHINE_DEPTH, find_problems

REPO = Path(__file__).resolve().parents[3]
INVALID = REPO / "tests" / "data" / "invalid"
CONFORMANCE = REPO / ".." / "shared" / "conformance"


def _load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def _pairs(doc: Any) -> list[list[str]]:
    return [[p.pointer, p.message] for p in find_problems(doc)]


# ------------------------------------------------------------------ broken definitions, exact

INVALID_FILES = sorted(INVALID.glob("*.json"))


def test_there_are_enough_invalid_fixtures() -> None:
    assert len(INVALID_FILES) >= 12


@pytest.mark.parametrize("path", INVALID_FILES, ids=[p.stem for p in INVALID_FILES])
def test_invalid_definition_reports_exactly(path: Path) -> None:
    case = _load(path)
    assert case["problems"], "an invalid fixture must expect at least one problem"
    assert _pairs(case["definition"]) == case["problems"]


# ------------------------------------------------------------------ valid definitions: nothing


def _jsonpath_machine() -> dict[str, Any]:
    return {
        "Comment": "every state type, JSONPath",
        "StartAt": "Prepare",
        "TimeoutSeconds": 3600,
        "Version": "1.0",
        "States": {
            "Prepare": {
                "Type": "Pass",
                "InputPath": "$.order",
                "Parameters": {
                    "id.$": "$.id",
                    "when.$": "$$.Execution.StartTime",
                    "label.$": "States.Format('order {}', $.id)",
                    "items": [{"sku.$": "$.sku"}, "plain"],
                },
                "ResultPath": "$.prepared",
                "OutputPath": "$",
                "Assign": {"orderId.$": "$.id", "fixed": 1},
                "Next": "Approve",
            },
            "Approve": {
                "Type": "Task",
                "Resource": "module:suspend",
                "ResumeSchema": {
                    "type": "object",
                    "required": ["approved"],
                    "properties": {"approved": {"type": "boolean"}},
                },
                "TimeoutSeconds": 86400,
                "HeartbeatSeconds": 600,
                "ResultSelector": {"approved.$": "$.approved"},
                "ResultPath": "$.decision",
                "Retry": [
                    {
                        "ErrorEquals": ["States.Timeout"],
                        "IntervalSeconds": 2,
                        "MaxAttempts": 3,
                        "BackoffRate": 1.5,
                        "MaxDelaySeconds": 30,
                        "JitterStrategy": "FULL",
                    },
                    {"ErrorEquals": ["States.ALL"], "MaxAttempts": 0},
                ],
                "Catch": [
                    {
                        "ErrorEquals": ["MyApp.Rejected"],
                        "ResultPath": "$.error",
                        "Next": "Rejected",
                    },
                    {"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "Rejected"},
                ],
                "Next": "Decide",
            },
            "Decide": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.decision.approved", "BooleanEquals": True, "Next": "Pause"},
                    {
                        "And": [
                            {"Variable": "$.n", "IsPresent": True},
                            {"Not": {"Variable": "$.n", "NumericLessThan": 0}},
                        ],
                        "Next": "Fan",
                    },
                ],
                "Default": "Rejected",
            },
            "Pause": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "Until"},
            "Until": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00.123+02:00", "Next": "Fan"},
            "Fan": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                    {
                        "StartAt": "Each",
                        "States": {
                            "Each": {
                                "Type": "Map",
                                "ItemsPath": "$.items",
                                "ItemSelector": {"item.$": "$$.Map.Item.Value"},
                                "MaxConcurrencyPath": "$.limit",
                                "ToleratedFailurePercentage": 10,
                                "ItemProcessor": {
                                    "ProcessorConfig": {"Mode": "INLINE"},
                                    "StartAt": "Leaf",
                                    "States": {"Leaf": {"Type": "Succeed"}},
                                },
                                "End": True,
                            }
                        },
                    },
                ],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed", "OutputPath": "$.prepared"},
            "Rejected": {
                "Type": "Fail",
                "Error": "Rejected",
                "CausePath": "States.Format('{}', $.why)",
            },
        },
    }


def _jsonata_machine() -> dict[str, Any]:
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Start",
        "States": {
            "Start": {
                "Type": "Pass",
                "Output": {"n": "{% $states.input.n %}"},
                "Assign": {"count": "{% $states.input.n %}"},
                "Next": "Call",
            },
            "Call": {
                "Type": "Task",
                "Resource": "module:increment",
                "Arguments": "{% $states.input %}",
                "TimeoutSeconds": "{% 30 %}",
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Output": "{% $states.errorOutput %}",
                        "Next": "Failed",
                    }
                ],
                "Next": "Pick",
            },
            "Pick": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.n > 3 %}", "Next": "Many"}],
                "Default": "Hold",
            },
            "Hold": {"Type": "Wait", "Seconds": "{% 1 %}", "Next": "Many"},
            "Many": {
                "Type": "Map",
                "Items": "{% [1, 2, 3] %}",
                "MaxConcurrency": "{% 2 %}",
                "ItemProcessor": {
                    "StartAt": "One",
                    "States": {"One": {"Type": "Pass", "End": True}},
                },
                "Next": "Done",
            },
            "Done": {"Type": "Succeed", "Output": "{% $count %}"},
            "Failed": {"Type": "Fail", "Error": "{% 'Boom' %}", "Cause": "it broke"},
        },
    }


VALID_MACHINES = {"jsonpath": _jsonpath_machine, "jsonata": _jsonata_machine}


@pytest.mark.parametrize("name", sorted(VALID_MACHINES))
def test_valid_machine_has_no_problems(name: str) -> None:
    assert find_problems(VALID_MACHINES[name]()) == []


def test_find_problems_does_not_modify_the_definition() -> None:
    doc = _jsonpath_machine()
    doc["States"]["Prepare"]["Nxt"] = "x"
    before = copy.deepcopy(doc)
    find_problems(doc)
    assert doc == before


CONFORMANCE_CASES = sorted(CONFORMANCE.glob("cases/*/*.json")) if CONFORMANCE.is_dir() else []


@pytest.mark.conformance
@pytest.mark.skipif(
    not CONFORMANCE_CASES,
    reason=f"the AWS conformance corpus is not at {CONFORMANCE.resolve()} (../shared/conformance)",
)
def test_every_aws_accepted_definition_has_no_problems() -> None:
    # One test over all 861 cases keeps the output short; the failure lists every offender.
    rejected = {}
    for path in CONFORMANCE_CASES:
        problems = find_problems(_load(path)["definition"])
        if problems:
            rejected[f"{path.parent.name}/{path.stem}"] = [str(p) for p in problems]
    assert rejected == {}
    assert len(CONFORMANCE_CASES) >= 861


# ------------------------------------------------------------------ edges, named one by one


@pytest.mark.parametrize("doc", [None, 1, 2.5, "text", True, [], [{}]])
def test_a_definition_must_be_an_object(doc: Any) -> None:
    [problem] = find_problems(doc)
    assert problem.pointer == ""
    assert problem.message.startswith("a definition must be a JSON object, got ")


def test_pointers_escape_slash_and_tilde_in_state_names() -> None:
    doc = {"StartAt": "a/b", "States": {"a/b": {"Type": "Pass", "Next": "c~d"}}}
    assert _pairs(doc) == [["/States/a~1b/Next", "'c~d' is not a state in this machine"]]


def _nested(depth: int, kind: str) -> dict[str, Any]:
    machine: dict[str, Any] = {"StartAt": "L0", "States": {"L0": {"Type": "Pass", "End": True}}}
    for level in range(1, depth + 1):
        if kind == "Map":
            state = {"Type": "Map", "ItemProcessor": machine, "End": True}
        else:
            state = {"Type": "Parallel", "Branches": [machine], "End": True}
        machine = {"StartAt": f"L{level}", "States": {f"L{level}": state}}
    return machine


@pytest.mark.parametrize("kind", ["Map", "Parallel"])
def test_nesting_up_to_the_limit_is_checked_fully(kind: str) -> None:
    doc = _nested(MAX_MACHINE_DEPTH, kind)
    assert find_problems(doc) == []
    # A problem at the bottom is still found, under its full pointer.
    innermost = doc
    for _ in range(MAX_MACHINE_DEPTH):
        state = next(iter(innermost["States"].values()))
        innermost = state["ItemProcessor"] if kind == "Map" else state["Branches"][0]
    innermost["States"]["L0"]["Next"] = "L0"
    [problem] = find_problems(doc)
    assert problem.pointer.endswith("/States/L0")
    assert problem.message == "cannot have both 'Next' and 'End'; use one of them"


@pytest.mark.parametrize("kind", ["Map", "Parallel"])
def test_absurd_nesting_is_one_problem_not_a_crash(kind: str) -> None:
    [problem] = find_problems(_nested(3000, kind))
    assert problem.message.startswith(f"state machines are nested more than {MAX_MACHINE_DEPTH}")


def test_deep_payload_templates_do_not_recurse() -> None:
    template: dict[str, Any] = {"bad.$": 1}
    for _ in range(5000):
        template = {"x": [template]}
    doc = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": template, "End": True}}}
    [problem] = find_problems(doc)
    assert problem.pointer.endswith("/bad.$")


def test_states_inherit_the_top_level_query_language_inside_nested_machines() -> None:
    # AWS: a state without QueryLanguage uses the top-level one, even under a JSONata Map.
    doc = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "QueryLanguage": "JSONata",
                "Items": [1],
                "ItemProcessor": {
                    "StartAt": "In",
                    "States": {"In": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}},
                },
                "End": True,
            }
        },
    }
    assert find_problems(doc) == []


def test_every_problem_is_a_problem_in_document_order() -> None:
    doc = {
        "StartAt": "A",
        "States": {
            "B": {"Type": "Pass", "Nxt": 1},
            "A": {"Type": "Pass", "Next": "B", "InputPath": "x"},
        },
    }
    problems = find_problems(doc)
    assert all(isinstance(p, Problem) for p in problems)
    assert [p.pointer for p in problems] == [
        "/States/B",
        "/States/B/Nxt",
        "/States/A/InputPath",
    ]


# ------------------------------------------------------------------ fuzz: never raise

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "$",
            "$.a",
            "$$.Map.Item.Value",
            "$.a[*]",
            "$..x",
            "$[",
            "States.ALL",
            "States.Format('{}', $.a)",
            "States.Array(",
            "{% $states.input %}",
            "Pass",
            "Task",
            "Choice",
            "Wait",
            "Succeed",
            "Fail",
            "Parallel",
            "Map",
            "JSONata",
            "JSONPath",
            "2016-03-14T01:59:00Z",
        ]
    )
)
_keys = st.text(max_size=8) | st.sampled_from(
    [
        "Type",
        "Next",
        "End",
        "StartAt",
        "States",
        "Choices",
        "Branches",
        "ItemProcessor",
        "Parameters",
        "x.$",
        "Variable",
        "And",
        "Not",
        "Retry",
        "Catch",
        "ErrorEquals",
        "ResultPath",
        "QueryLanguage",
        "Condition",
        "ResumeSchema",
        "Seconds",
        "Timestamp",
    ]
)
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_random_json_never_raises(doc: Any) -> None:
    problems = find_problems(doc)
    assert isinstance(problems, list)
    assert all(isinstance(p, Problem) for p in problems)
    if not isinstance(doc, dict):
        assert len(problems) == 1


def _locations(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every value inside `node` (not the root itself)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append(path + (key,))
            found.extend(_locations(value, path + (key,)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append(path + (index,))
            found.extend(_locations(value, path + (index,)))
    return found


def _base_definitions() -> list[dict[str, Any]]:
    bases = [_jsonpath_machine(), _jsonata_machine()]
    # A spread of AWS-accepted definitions too, when the corpus is around.
    bases.extend(_load(p)["definition"] for p in CONFORMANCE_CASES[::40])
    return bases


BASES = _base_definitions()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_valid_definitions_never_raise(data: st.DataObject) -> None:
    doc = copy.deepcopy(data.draw(st.sampled_from(BASES), label="base"))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4), label="mutations")):
        locations = _locations(doc)
        if not locations:
            break
        where = data.draw(st.sampled_from(locations), label="where")
        parent = doc
        for step in where[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and data.draw(st.booleans(), label="delete"):
            del parent[where[-1]]
        else:
            parent[where[-1]] = data.draw(json_values, label="value")
    problems = find_problems(doc)
    assert isinstance(problems, list)
    assert all(isinstance(p, Problem) for p in problems)
