"""Properties of the validator: random and mutated definitions get problems or a Machine,
never another exception."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import statebox
from statebox.asl_errors import ErrorName
from statebox.errors import DefinitionError, Problem, StatesError
from statebox.states.choice_rules import OPERATORS, compile_choice
from statebox.validation import check_choice, find_problems
from tests.property.fuzzing import JSON_VALUES, fuzz_settings, mutated_definition, paths_inside, tick
from tests.support.choice import FakeScope
from tests.support.definitions import CONFORMANCE_CASES, jsonata_machine, jsonpath_machine, load_json
from tests.support.structure import agree

# ---------------------------------------------------------------------------- the validator
AT = "/States/Check/Choices/0"


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


@seed(8003)
@fuzz_settings(250)
@given(st.data())
def test_parse_mutated_definitions(data: st.DataObject) -> None:
    tick("validator")
    doc = mutated_definition(data)
    parse_only_definition_errors(doc)
    parse_only_definition_errors(json.dumps(doc))


@seed(8101)
@fuzz_settings(400)
@given(st.data())
def test_mutated_definitions_are_never_accepted_by_the_compiled_check_alone(data: st.DataObject) -> None:
    agree(mutated_definition(data, edits=3, duplicate=False))


choice_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "Variable",
                    "Next",
                    "And",
                    "Or",
                    "Not",
                    "StringEquals",
                    "NumericEquals",
                    "IsPresent",
                    "StringMatches",
                    "TimestampEquals",
                    "BooleanEqualsPath",
                    "Comment",
                    "Assign",
                    "Condition",
                    "x",
                ]
            )
            | st.text(max_size=5),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300)
@given(raw=choice_values)
def test_check_choice_never_raises(raw: Any) -> None:
    problems = check_choice(raw, AT)
    assert all(isinstance(p, Problem) and p.pointer.startswith(AT) for p in problems)
    if not problems:
        # Whatever validates must compile and evaluate without surprises.
        rule = compile_choice(raw, AT)
        for data in (None, {}, {"a": 1}, [1, 2], "x"):
            try:
                rule.matches(data, FakeScope())
            except StatesError as exc:
                assert exc.error == ErrorName.RUNTIME


@settings(max_examples=200)
@given(
    name=st.sampled_from(sorted(OPERATORS)),
    operand=choice_values,
    value=choice_values,
)
def test_any_valid_comparison_evaluates_to_a_bool(name: str, operand: Any, value: Any) -> None:
    raw = {"Variable": "$.v", name: "$.o" if name.endswith("Path") else operand, "Next": "N"}
    if check_choice(raw, AT):
        return
    data = {"v": value, "o": operand}
    result = compile_choice(raw, AT).matches(json.loads(json.dumps(data)))
    assert isinstance(result, bool)


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


definition_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definition_values)
def test_random_json_never_raises(doc: Any) -> None:
    problems = find_problems(doc)
    assert isinstance(problems, list)
    assert all(isinstance(p, Problem) for p in problems)
    if not isinstance(doc, dict):
        assert len(problems) == 1


def _base_definitions() -> list[dict[str, Any]]:
    bases = [jsonpath_machine(), jsonata_machine()]
    # A spread of AWS-accepted definitions too, when the corpus is around.
    bases.extend(load_json(p)["definition"] for p in CONFORMANCE_CASES[::40])
    return bases


BASES = _base_definitions()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_valid_definitions_never_raise(data: st.DataObject) -> None:
    doc = copy.deepcopy(data.draw(st.sampled_from(BASES), label="base"))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4), label="mutations")):
        locations = paths_inside(doc)
        if not locations:
            break
        where = data.draw(st.sampled_from(locations), label="where")
        parent = doc
        for step in where[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and data.draw(st.booleans(), label="delete"):
            del parent[where[-1]]
        else:
            parent[where[-1]] = data.draw(definition_values, label="value")
    problems = find_problems(doc)
    assert isinstance(problems, list)
    assert all(isinstance(p, Problem) for p in problems)
