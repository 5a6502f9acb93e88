"""The seams between the states and the data flow: what a state calls on its `flow`
(`DataFlow`, implemented by jsonpath.JsonPathFlow and jsonata.JsonataFlow), and what it calls on
a field read at run time (`ValueReader`: jsonpath.PathValue for a `...Path` field,
jsonata.JsonataValue for a `{% %}` one). A state never asks which one it holds, except for the
wording of a message: `field_name`."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..types import JSON
from .jsonpath import PathValue
from .paths import Scope


@runtime_checkable
class DataFlow(Protocol):
    """A state's input / output pipeline in its query language (see dataflow/__init__.py)."""

    def effective_input(self, raw: JSON, scope: Scope, /) -> JSON: ...

    def select_input(self, raw: JSON, scope: Scope, /) -> JSON: ...

    def output(self, raw: JSON, result: JSON, scope: Scope, /) -> JSON: ...

    def pass_through(self, raw: JSON, data: JSON, scope: Scope, /) -> JSON: ...

    def recover(self, raw: JSON, error_output: JSON, scope: Scope, /) -> JSON: ...


@runtime_checkable
class ValueReader(Protocol):
    """A field whose value is read at run time: `text` names it in messages, `error` is the
    error name a bad value raises (States.Runtime for a path, States.QueryEvaluationError for
    JSONata)."""

    text: str
    error: str

    def read(self, data: JSON, scope: Scope, /) -> JSON: ...


def field_name(source: ValueReader, name: str) -> str:
    """How a message names the field `source` came from: `SecondsPath` for a path, `Seconds`
    for a JSONata expression."""
    return name + "Path" if isinstance(source, PathValue) else name
