"""The compiled schema check against jsonschema, one definition at a time (unit and property tests)."""

from __future__ import annotations

from typing import Any

from statebox.validation import machines, structure


def jsonschema_problems(doc: Any) -> list[Any]:
    return [p for machine in machines.machines(doc) for p in structure.schema_problems(machine)]


def agree(doc: Any) -> tuple[bool, bool]:
    """(compiled check passes, jsonschema finds nothing); fails the test if the first is
    true and the second false."""
    if not isinstance(doc, dict) or machines.nesting_problem(doc) is not None:
        return False, False  # find_problems answers these before any schema pass
    passes = structure.passes_compiled_check(doc)
    valid = not jsonschema_problems(doc)
    assert valid or not passes, f"the compiled check accepts what jsonschema rejects: {doc!r}"
    return passes, valid
