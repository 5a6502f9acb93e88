"""Properties of paths: a write never mutates its input and reads back what it wrote."""

from __future__ import annotations

import copy
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from statebox.dataflow.paths import MISSING, Path, ReferencePath
from statebox.errors import StatesError

KEY = st.text(alphabet="abcxyz_- 0123", min_size=1, max_size=4)


SCALAR = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3)


JSON_VALUES = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEY, inner, max_size=4),
    max_leaves=20,
)


DOCUMENTS = st.dictionaries(KEY, JSON_VALUES, max_size=5)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _step_text(step: str | int, style: int) -> str:
    if isinstance(step, int):
        return f"[{step}]"
    if style == 0 and _IDENTIFIER.match(step):
        return f".{step}"
    return f"['{step}']" if style != 2 else f'["{step}"]'


@st.composite
def writes(draw: st.DrawFn) -> tuple[Any, list[str | int], str]:
    """A document and a path into it: existing steps, then possibly new keys to create."""
    document = draw(DOCUMENTS)
    steps: list[str | int] = []
    node: Any = document
    while True:
        if isinstance(node, dict) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node)))
        elif isinstance(node, list) and node and draw(st.booleans()):
            key = draw(st.integers(-len(node), len(node) - 1))
        elif isinstance(node, dict) or node is MISSING:
            key = draw(KEY)  # a key that may be new; beyond it everything is created
            if isinstance(node, dict) and key in node:
                node = node[key]
                steps.append(key)
                if not isinstance(node, (dict, list)):
                    break
                continue
            steps.append(key)
            node = MISSING
            if draw(st.booleans()):
                continue
            break
        else:
            break
        steps.append(key)
        node = node[key]
        if not isinstance(node, (dict, list)) or draw(st.integers(0, 3)) == 0:
            break
    text = "$" + "".join(_step_text(s, draw(st.integers(0, 2))) for s in steps)
    return document, steps, text


def _containers_off_path_are_shared(before: Any, after: Any, steps: list[str | int]) -> None:
    if not steps or not isinstance(before, (dict, list)):
        return
    head, rest = steps[0], steps[1:]
    assert after is not before
    keys = before.keys() if isinstance(before, dict) else range(len(before))
    position = head if isinstance(head, str) or head >= 0 else len(before) + head
    for key in keys:
        if key != position:
            assert after[key] is before[key]
    if isinstance(before, dict) and head in before or isinstance(before, list):
        _containers_off_path_are_shared(before[head], after[head], rest)


@settings(max_examples=120, deadline=None)
@given(writes(), JSON_VALUES)
def test_write_never_mutates_and_reads_back(case: tuple[Any, list[str | int], str], value: Any) -> None:
    document, steps, text = case
    pristine = copy.deepcopy(document)
    result = ReferencePath.compile(text).write(document, value)
    assert document == pristine
    assert Path.compile(text).read(result) == value
    _containers_off_path_are_shared(document, result, steps)


@settings(max_examples=60, deadline=None)
@given(DOCUMENTS, st.lists(KEY, min_size=1, max_size=4), JSON_VALUES)
def test_write_under_a_scalar_fails_cleanly_or_reads_back(document: Any, keys: list[str], value: Any) -> None:
    pristine = copy.deepcopy(document)
    text = "$" + "".join(f"['{k}']" for k in keys)
    try:
        result = ReferencePath.compile(text).write(document, value)
    except StatesError as failure:
        assert failure.error == "States.ResultPathMatchFailure"
    else:
        assert Path.compile(text).read(result) == value
    assert document == pristine
