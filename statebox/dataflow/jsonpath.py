"""InputPath → Parameters → … → ResultSelector → ResultPath → OutputPath for JSONPath states.

`None` fields mean "not given" (identity); the ASL `null` values are represented by the
DISCARD marker: a null InputPath / OutputPath yields `{}`, a null ResultPath keeps the raw
input and drops the result.

`Assign` is evaluated on the state's result (after ResultSelector), before ResultPath, and
committed after OutputPath: every path of the state reads the variables as they were when it
was entered (variables/test_state_assign_evaluation_order). A state without Assign pays one
attribute test for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..asl_errors import ErrorName
from ..errors import StatesError
from ..types import JSON
from .assign import Assignment
from .budget import check_placed
from .paths import MISSING, Path, ReferencePath
from .templates import Template


class _Discard:
    __slots__ = ()

    def __repr__(self) -> str:
        return "DISCARD"


DISCARD: Any = _Discard()
"""A path field explicitly set to JSON null."""


@dataclass(frozen=True, slots=True)
class JsonPathFlow:
    input_path: Path | _Discard | None = None
    parameters: Template | None = None
    result_selector: Template | None = None
    result_path: ReferencePath | _Discard | None = None
    output_path: Path | _Discard | None = None
    assign: Assignment | None = None

    def effective_input(self, raw: JSON, scope: Any) -> JSON:
        """InputPath, then Parameters. (select_input inlined: this runs on every transition.)"""
        path = self.input_path
        if path is None:
            data = raw
        elif path is DISCARD:
            data = {}
        else:
            data = path.read(raw, scope)  # type: ignore[union-attr]
        if self.parameters is not None:
            data = self.parameters.evaluate(data, scope)
        return data

    def select_input(self, raw: JSON, scope: Any) -> JSON:
        """InputPath only (Map and Choice need this before their own templates)."""
        path = self.input_path
        if path is None:
            return raw
        if path is DISCARD:
            return {}
        return path.read(raw, scope)  # type: ignore[union-attr]

    def output(self, raw: JSON, result: JSON, scope: Any) -> JSON:
        """ResultSelector, ResultPath, then OutputPath."""
        if self.result_selector is not None:
            result = self.result_selector.evaluate(result, scope)
        if self.assign is None:
            # place_result and select_output, inlined: this runs on every transition.
            path = self.result_path
            if path is None:
                data = result
            elif path is DISCARD:
                data = raw
            else:
                data = path.write(raw, result)
            out = self.output_path
            if out is DISCARD:
                return {}
            output = data if out is None else out.read(data, scope)  # type: ignore[union-attr]
            if data is not result and data is not raw:
                _check_placed(output, raw, result, self, scope)
            return output
        values = self.assign.evaluate(result, scope)
        data = self.place_result(raw, result, scope)
        output = self.select_output(data, scope)
        if data is not result and data is not raw:
            _check_placed(output, raw, result, self, scope)
        scope.assign(values)
        return output

    def pass_through(self, raw: JSON, data: JSON, scope: Any) -> JSON:
        """Assign and OutputPath of a state without a result (Choice, Wait, Succeed): `data`
        is its InputPath-selected input."""
        if self.assign is None:
            return self.select_output(data, scope)
        values = self.assign.evaluate(data, scope)
        output = self.select_output(data, scope)
        scope.assign(values)
        return output

    def recover(self, raw: JSON, error_output: JSON, scope: Any) -> JSON:
        """A Catch: Assign on the error output, then its ResultPath (the flow holds only those)."""
        return self.output(raw, error_output, scope)

    def place_result(self, raw: JSON, result: JSON, scope: Any = None) -> JSON:
        path = self.result_path
        if path is None:
            return result
        if path is DISCARD:
            return raw
        return path.write(raw, result)

    def select_output(self, data: JSON, scope: Any) -> JSON:
        path = self.output_path
        if path is None:
            return data
        if path is DISCARD:
            return {}
        return path.read(data, scope)  # type: ignore[union-attr]


def _check_placed(output: JSON, raw: JSON, result: JSON, flow: JsonPathFlow, scope: Any) -> None:
    """A result written into the input can be (part of) that input (a Pass without
    Parameters), so a loop that keeps a copy doubles the data each pass: the state's output
    (after OutputPath, where AWS applies the limit) is measured, as values are measured where
    they are built (budget.py)."""
    if isinstance(result, (dict, list, str)):
        # Each key the path writes adds at most its text and 6 bytes of JSON around it.
        slack = 7 * len(flow.result_path.text) + 16  # type: ignore[union-attr]
        # The state's own input (InputPath, no Parameters) is at most as large as all of it.
        path = flow.input_path
        part_of_input = path is not None and path is not DISCARD and _reads(path, raw, scope) is result
        check_placed(output, raw, result, slack, scope, _PLACED, part_of_input)


def _reads(path: Any, raw: JSON, scope: Any) -> JSON:
    try:
        return path.read(raw, scope)
    except StatesError:
        return MISSING


_PLACED = "The state's output (its input with the result at its ResultPath)"


IDENTITY_FLOW = JsonPathFlow()


class PathValue:
    """A `...Path` field (SecondsPath, MaxConcurrencyPath, ...) read at run time."""

    __slots__ = ("path", "text")
    error: str = ErrorName.RUNTIME

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text = path.text

    def read(self, data: JSON, scope: Any) -> JSON:
        """The value, or `MISSING` when the path does not resolve."""
        return self.path.find(data, scope)
