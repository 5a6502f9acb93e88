"""Compiled paths: `Path.compile / find / read` for data, context and variable roots, definite
and indefinite; `ReferencePath.write`, which copies only the containers along its path and never
mutates the document it is given (a property test)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest

from statebox.dataflow.paths import MISSING, Path, ReferencePath
from statebox.errors import ExpressionSyntaxError, StatesError


class Scope:
    def __init__(self, context: Any = None, variables: Mapping[str, Any] | None = None) -> None:
        self._context = context
        self.variables = dict(variables or {})

    def context_object(self) -> Any:
        return self._context


DOC = {
    "a": {"b": [10, 20, {"c": "deep"}]},
    "list": [{"n": 1, "tag": "x"}, {"n": 2, "tag": "y"}, {"n": 3, "tag": "x"}],
    "odd key": 1,
    "quote'key": 2,
    "nul": None,
    "f": False,
}

# --------------------------------------------------------------------------------------------
# Reading

READS = [
    pytest.param("$", DOC, id="root"),
    pytest.param("$.a.b[0]", 10, id="dot-and-index"),
    pytest.param("$.a.b[-1].c", "deep", id="negative-index"),
    pytest.param("$['a']['b'][1]", 20, id="brackets"),
    pytest.param('$["odd key"]', 1, id="double-quoted-bracket"),
    pytest.param("$['odd key']", 1, id="space-in-key"),
    pytest.param("$['quote\\'key']", 2, id="escaped-quote"),
    pytest.param("$.nul", None, id="null-value"),
    pytest.param("$.f", False, id="false-value"),
    pytest.param("$.list[*].n", [1, 2, 3], id="wildcard"),
    pytest.param("$.list[0:2].tag", ["x", "y"], id="slice"),
    pytest.param("$.list[?(@.tag == 'x')].n", [1, 3], id="filter"),
    pytest.param("$..c", ["deep"], id="recursive-descent"),
    pytest.param("$.list[?(@.n > 5)]", [], id="filter-no-match-is-empty"),
    pytest.param("$.missing[*]", [], id="wildcard-under-missing-is-empty"),
]


@pytest.mark.parametrize(("text", "expected"), READS)
def test_read(text: str, expected: Any) -> None:
    path = Path.compile(text)
    assert path.read(DOC) == expected
    assert path.find(DOC) == expected


@pytest.mark.parametrize(
    ("text", "definite"),
    [
        ("$", True),
        ("$.a.b[0]", True),
        ("$['x'][2]", True),
        ("$$.State.Name", True),
        ("$v.x", True),
        ("$.a[*]", False),
        ("$..c", False),
        ("$.a[1:]", False),
        ("$.a[?(@.x)]", False),
    ],
)
def test_definite_paths_are_recognised(text: str, definite: bool) -> None:
    assert Path.compile(text).is_definite is definite


MISSING_PATHS = [
    "$.nope",
    "$.a.nope",
    "$.a.b[3]",
    "$.a.b[-4]",
    "$.a.b.c",
    "$['odd keys']",
    "$.nul.x",
    "$.a[0]",
]


@pytest.mark.parametrize("text", MISSING_PATHS)
def test_a_definite_path_that_does_not_resolve(text: str) -> None:
    path = Path.compile(text)
    assert path.find(DOC) is MISSING
    with pytest.raises(StatesError) as raised:
        path.read(DOC)
    assert raised.value.error == "States.Runtime"
    assert path.text in raised.value.cause


@pytest.mark.parametrize(
    "text",
    ["", "a.b", "a", "$.a[", "$.[", "$.a[?(@.x ==]", "$[", ".$", 5, None],
)
def test_syntax_errors(text: Any) -> None:
    with pytest.raises(ExpressionSyntaxError):
        Path.compile(text)


def test_context_and_variable_roots() -> None:
    scope = Scope(
        context={"State": {"Name": "S"}, "Map": {"Item": {"Index": 3}}},
        variables={"order": {"id": 7}, "n": 1},
    )
    assert Path.compile("$$.State.Name").read({"ignored": True}, scope) == "S"
    assert Path.compile("$$").read(None, scope) == scope.context_object()
    assert Path.compile("$$.Map.Item.Index").read(None, scope) == 3
    assert Path.compile("$order.id").read({}, scope) == 7
    assert Path.compile("$n").read({}, scope) == 1
    assert Path.compile("$order").root == "variable"
    assert Path.compile("$$.x").root == "context"
    assert Path.compile("$.x").root == "data"


def test_context_and_variable_roots_need_a_scope() -> None:
    for text in ("$$.State.Name", "$order.id"):
        with pytest.raises(StatesError) as raised:
            Path.compile(text).read({})
        assert raised.value.error == "States.Runtime"


def test_an_undefined_variable() -> None:
    with pytest.raises(StatesError) as raised:
        Path.compile("$nothere.x").read({}, Scope(variables={"other": 1}))
    assert raised.value.error == "States.Runtime"
    assert "nothere" in raised.value.cause


def test_reading_never_mutates() -> None:
    before = copy.deepcopy(DOC)
    for param in READS:
        Path.compile(param.values[0]).read(DOC)
    assert DOC == before


# --------------------------------------------------------------------------------------------
# Writing (ResultPath)

WRITES = [
    pytest.param("$", {"a": 1}, "v", "v", id="root-replaces"),
    pytest.param("$.r", {"a": 1}, "v", {"a": 1, "r": "v"}, id="new-field"),
    pytest.param("$.a", {"a": 1}, "v", {"a": "v"}, id="overwrite"),
    pytest.param("$.x.y.z", {}, 1, {"x": {"y": {"z": 1}}}, id="create-nested"),
    pytest.param("$.x.y", {"x": {"k": 0}}, 1, {"x": {"k": 0, "y": 1}}, id="merge-nested"),
    pytest.param("$.l[1]", {"l": [0, 0, 0]}, 9, {"l": [0, 9, 0]}, id="index"),
    pytest.param("$.l[-1]", {"l": [0, 0]}, 9, {"l": [0, 9]}, id="negative-index"),
    pytest.param("$.l[0].k", {"l": [{"k": 1, "j": 2}]}, 9, {"l": [{"k": 9, "j": 2}]}, id="into-list-item"),
    pytest.param("$['odd key'].x", {}, 1, {"odd key": {"x": 1}}, id="bracket"),
    pytest.param("$.r", {}, None, {"r": None}, id="null-value"),
]


@pytest.mark.parametrize(("text", "document", "value", "expected"), WRITES)
def test_write(text: str, document: Any, value: Any, expected: Any) -> None:
    before = copy.deepcopy(document)
    assert ReferencePath.compile(text).write(document, value) == expected
    assert document == before


@pytest.mark.parametrize(
    ("text", "document"),
    [
        pytest.param("$.a.b", {"a": "scalar"}, id="through-a-scalar"),
        pytest.param("$.a.b", {"a": [1]}, id="field-of-an-array"),
        pytest.param("$.r", [1, 2], id="field-of-array-input"),
        pytest.param("$.r", "text", id="field-of-string-input"),
        pytest.param("$.l[2]", {"l": [0]}, id="index-out-of-range"),
        pytest.param("$.l[0]", {"l": {"0": 1}}, id="index-into-an-object"),
        pytest.param("$.l[0]", {}, id="index-into-missing"),
    ],
)
def test_writes_that_cannot_apply(text: str, document: Any) -> None:
    with pytest.raises(StatesError) as raised:
        ReferencePath.compile(text).write(document, 1)
    assert raised.value.error == "States.ResultPathMatchFailure"


@pytest.mark.parametrize(
    "text",
    ["$$.Execution", "$.a[*]", "$..a", "$.a[0:1]", "$.a[?(@.x)]", "a.b", "", None, 3],
)
def test_reference_paths_allow_only_simple_steps(text: Any) -> None:
    with pytest.raises(ExpressionSyntaxError):
        ReferencePath.compile(text)


def test_write_copies_only_along_the_path() -> None:
    shared = {"big": list(range(5))}
    document = {"keep": shared, "path": {"sibling": shared, "target": 0}, "list": [shared]}
    result = ReferencePath.compile("$.path.target").write(document, 1)
    assert result is not document and result["path"] is not document["path"]
    assert result["keep"] is shared and result["list"] is document["list"]
    assert result["path"]["sibling"] is shared
    assert document["path"]["target"] == 0


# --------------------------------------------------------------------------------------------
# Property: a write never mutates its input, reads back, and shares everything off the path
