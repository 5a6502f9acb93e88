"""Payload templates (Parameters, ResultSelector, ItemSelector): `.$` fields take paths, context
paths, variables or intrinsic calls; everything else is literal. Syntax problems are collected
with their location inside the template."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest

from statebox.dataflow.templates import Template, compile_expression
from statebox.errors import ExpressionSyntaxError, StatesError


class Scope:
    def __init__(self, context: Any = None, variables: Mapping[str, Any] | None = None) -> None:
        self._context = context if context is not None else {}
        self.variables = dict(variables or {})

    def context_object(self) -> Any:
        return self._context


SCOPE = Scope(
    context={"State": {"Name": "S"}, "Map": {"Item": {"Index": 2, "Value": "v"}}}, variables={"limit": 10}
)
DATA = {"a": 1, "b": {"c": [1, 2, 3]}, "name": "Ann", "s": '{"k": true}'}

EVALUATIONS = [
    pytest.param({"x": 1, "y": "$.a", "z": [1, "$"]}, {"x": 1, "y": "$.a", "z": [1, "$"]}, id="literals"),
    pytest.param("scalar", "scalar", id="scalar-template"),
    pytest.param([{"v.$": "$.a"}, "lit"], [{"v": 1}, "lit"], id="array-template"),
    pytest.param({"x.$": "$.a"}, {"x": 1}, id="path"),
    pytest.param({"x.$": "$"}, {"x": DATA}, id="root-path"),
    pytest.param({"x.$": "$.b.c[1]"}, {"x": 2}, id="definite-path"),
    pytest.param({"x.$": "$.b.c[*]"}, {"x": [1, 2, 3]}, id="indefinite-path"),
    pytest.param({"x.$": "$.b.c[?(@ > 5)]"}, {"x": []}, id="indefinite-no-match"),
    pytest.param({"x.$": "$$.State.Name", "i.$": "$$.Map.Item.Index"}, {"x": "S", "i": 2}, id="context"),
    pytest.param({"x.$": "$limit"}, {"x": 10}, id="variable"),
    pytest.param({"x.$": "States.Format('Hi {}', $.name)"}, {"x": "Hi Ann"}, id="intrinsic"),
    pytest.param({"x.$": "  $.a  "}, {"x": 1}, id="whitespace-around-path"),
    pytest.param({"x.$": "States.StringToJson($.s)"}, {"x": {"k": True}}, id="intrinsic-json"),
    pytest.param({"x.$": "States.MathAdd($$.Map.Item.Index, $limit)"}, {"x": 12}, id="intrinsic-mixed-args"),
    pytest.param(
        {"o": {"p": {"q.$": "$.a"}}, "l": [[{"r.$": "$.name"}]]},
        {"o": {"p": {"q": 1}}, "l": [[{"r": "Ann"}]]},
        id="deeply-nested",
    ),
    pytest.param(
        {"a.b": 1, "$x": 2, "y.$$": 3}, {"a.b": 1, "$x": 2, "y.$$": 3}, id="keys-that-are-not-dollar-fields"
    ),
    pytest.param({}, {}, id="empty"),
]


@pytest.mark.parametrize(("raw", "expected"), EVALUATIONS)
def test_evaluate(raw: Any, expected: Any) -> None:
    before = copy.deepcopy(DATA)
    assert Template.compile(raw).evaluate(DATA, SCOPE) == expected
    assert DATA == before


@pytest.mark.parametrize(
    ("raw", "constant"),
    [
        ({"a": 1, "b": [1, {"c": 2}]}, True),
        ("s", True),
        ({"a.$": "$.a"}, False),
        ([{"n": {"a.$": "$"}}], False),
    ],
)
def test_constant_templates_are_recognised(raw: Any, constant: bool) -> None:
    assert Template.compile(raw).is_constant is constant


def test_each_evaluation_builds_a_fresh_value_for_dynamic_parts() -> None:
    template = Template.compile({"x.$": "$.a", "n": {"y.$": "$.a"}})
    first = template.evaluate({"a": 1}, SCOPE)
    second = template.evaluate({"a": 2}, SCOPE)
    assert (first, second) == ({"x": 1, "n": {"y": 1}}, {"x": 2, "n": {"y": 2}})
    assert first["n"] is not second["n"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [({"x.$": "$.missing"}, "x.$"), ({"o": {"deep.$": "$.b.nope"}}, "deep.$"), ({"x.$": "$$.Nope"}, "x.$")],
)
def test_a_path_that_does_not_resolve_is_states_runtime(raw: Any, field: str) -> None:
    with pytest.raises(StatesError) as raised:
        Template.compile(raw).evaluate(DATA, SCOPE)
    assert raised.value.error == "States.Runtime"
    assert field in raised.value.cause


def test_an_intrinsic_that_fails_is_states_intrinsic_failure() -> None:
    with pytest.raises(StatesError) as raised:
        Template.compile({"x.$": "States.StringToJson($.name)"}).evaluate(DATA, SCOPE)
    assert raised.value.error == "States.IntrinsicFailure"


PROBLEMS = [
    pytest.param({"x.$": "a.b"}, [("x.$",)], id="not-a-path"),
    pytest.param({"x.$": 5}, [("x.$",)], id="not-a-string"),
    pytest.param({"x.$": None}, [("x.$",)], id="null"),
    pytest.param({"x.$": "$.a["}, [("x.$",)], id="bad-jsonpath"),
    pytest.param({"x.$": "States.NoSuchFunction(1)"}, [("x.$",)], id="unknown-intrinsic"),
    pytest.param({"x.$": "States.Format('{}'"}, [("x.$",)], id="unclosed-intrinsic"),
    pytest.param({"o": {"p": [{"q.$": "nope"}]}}, [("o", "p", 0, "q.$")], id="nested-location"),
    pytest.param({"a.$": "x", "ok.$": "$.a", "b": {"c.$": 1}}, [("a.$",), ("b", "c.$")], id="every-problem"),
]


@pytest.mark.parametrize(("raw", "where"), PROBLEMS)
def test_problems_are_collected_with_their_location(raw: Any, where: list[tuple[Any, ...]]) -> None:
    found: list[tuple[tuple[str | int, ...], str]] = []
    Template.compile(raw, found)
    assert [location for location, _ in found] == where
    assert all(message for _, message in found)


@pytest.mark.parametrize("raw", [param.values[0] for param in PROBLEMS])
def test_without_a_problem_list_the_first_problem_raises(raw: Any) -> None:
    with pytest.raises(ExpressionSyntaxError):
        Template.compile(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$.a", 1),
        ("$$.State.Name", "S"),
        ("$limit", 10),
        ("States.Format('{}!', $.name)", "Ann!"),
        ("States.ArrayLength($.b.c)", 3),
    ],
)
def test_compile_expression(text: str, expected: Any) -> None:
    assert compile_expression(text, "ErrorPath")(DATA, SCOPE) == expected


@pytest.mark.parametrize("text", [3, None, "", "plain", "States", "$.a[", ["$.a"]])
def test_compile_expression_rejects_what_is_neither_path_nor_intrinsic(text: Any) -> None:
    with pytest.raises(ExpressionSyntaxError):
        compile_expression(text, "CausePath")
