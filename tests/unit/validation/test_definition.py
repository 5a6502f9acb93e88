"""Tests for `statebox.validation.find_problems`: exact problem lists for broken definitions, no
problems for the definitions AWS accepted, and no exception for any input at all."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from statebox.errors import Problem
from statebox.validation import MAX_MACHINE_DEPTH, find_problems
from tests.support.definitions import (
    CONFORMANCE,
    CONFORMANCE_CASES,
    jsonata_machine,
    jsonpath_machine,
    load_json,
)

REPO = Path(__file__).resolve().parents[3]
INVALID = REPO / "tests" / "data" / "invalid"


def _pairs(doc: Any) -> list[list[str]]:
    return [[p.pointer, p.message] for p in find_problems(doc)]


# ------------------------------------------------------------------ broken definitions, exact

INVALID_FILES = sorted(INVALID.glob("*.json"))


def test_there_are_enough_invalid_fixtures() -> None:
    assert len(INVALID_FILES) >= 12


@pytest.mark.parametrize("path", INVALID_FILES, ids=[p.stem for p in INVALID_FILES])
def test_invalid_definition_reports_exactly(path: Path) -> None:
    case = load_json(path)
    assert case["problems"], "an invalid fixture must expect at least one problem"
    assert _pairs(case["definition"]) == case["problems"]


# ------------------------------------------------------------------ valid definitions: nothing


VALID_MACHINES = {"jsonpath": jsonpath_machine, "jsonata": jsonata_machine}


@pytest.mark.parametrize("name", sorted(VALID_MACHINES))
def test_valid_machine_has_no_problems(name: str) -> None:
    assert find_problems(VALID_MACHINES[name]()) == []


def test_find_problems_does_not_modify_the_definition() -> None:
    doc = jsonpath_machine()
    doc["States"]["Prepare"]["Nxt"] = "x"
    before = copy.deepcopy(doc)
    find_problems(doc)
    assert doc == before


@pytest.mark.conformance
@pytest.mark.skipif(
    not CONFORMANCE_CASES,
    reason=f"the AWS conformance corpus is not at {CONFORMANCE.resolve()} (../shared/conformance)",
)
def test_every_aws_accepted_definition_has_no_problems() -> None:
    # One test over all 861 cases keeps the output short; the failure lists every offender.
    rejected = {}
    for path in CONFORMANCE_CASES:
        problems = find_problems(load_json(path)["definition"])
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
