"""The public surface of `statebox`, pinned: adding or removing a name is a decision, made here."""

from __future__ import annotations

import inspect

import statebox
from statebox import errors

EXPORTS = {
    "DefinitionError",
    "Engine",
    "ExecutionResult",
    "Machine",
    "Problem",
    "StatesError",
    "parse",
    "resume",
    "resume_async",
    "run",
    "run_async",
}


def test_all_is_pinned() -> None:
    assert set(statebox.__all__) == EXPORTS
    assert len(statebox.__all__) == len(EXPORTS)  # no duplicates


def test_every_export_exists_and_is_documented() -> None:
    for name in statebox.__all__:
        value = getattr(statebox, name)
        assert inspect.getdoc(value), f"statebox.{name} has no docstring"


def test_star_import_gives_exactly_the_exports() -> None:
    namespace: dict[str, object] = {}
    exec("from statebox import *", namespace)
    assert set(namespace) - {"__builtins__"} == EXPORTS


def test_exported_errors_are_the_taxonomy() -> None:
    assert issubclass(statebox.DefinitionError, errors.StateboxError)
    assert issubclass(statebox.StatesError, errors.StateboxError)
    assert not issubclass(statebox.StatesError, statebox.DefinitionError)


def test_the_async_and_sync_entry_points_pair_up() -> None:
    assert inspect.iscoroutinefunction(statebox.run_async)
    assert inspect.iscoroutinefunction(statebox.resume_async)
    assert not inspect.iscoroutinefunction(statebox.run)
    assert not inspect.iscoroutinefunction(statebox.resume)


def test_the_readme_example_runs() -> None:
    result = statebox.run({"StartAt": "Hi", "States": {"Hi": {"Type": "Pass", "End": True}}}, {"a": 1})
    assert (result.status, result.output) == ("SUCCEEDED", {"a": 1})
