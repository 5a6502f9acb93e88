"""Find every problem in an ASL definition, each located by a JSON pointer, without raising.

Two passes, both reporting all they find:

1. **Structure** (`structure.py`): the JSON Schema, its compiled yes/no check first.
2. **Meaning**: plain check functions, jsonschema's keyword style. Machine-level checks take
   `(machine, at)` (`graph.py`); state-level checks take `(state, at, language)` (`fields.py`,
   `expressions.py`, `choice.py`, `unsupported.py`, ResumeSchema in `structure.py`). All of
   them tolerate a document that failed pass 1 (they skip any field of the wrong shape, which
   pass 1 reports).

The caller (`definition/parse.py`) builds a model only when the list is empty. Nothing here compiles
anything for later use: paths, intrinsics and Choice rules are compiled only to see whether
they compile. No I/O besides reading the packaged schema once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..errors import Problem
from ..types import JSON, child, json_type
from .choice import check_choice_rules
from .expressions import check_paths, check_templates
from .fields import (
    check_error_handlers,
    check_exclusive_fields,
    check_query_language,
    check_timeouts,
    check_timestamp,
    check_transition_fields,
)
from .graph import check_reachable, check_start_at, check_targets, check_unique_names, state_locations
from .machines import JSONATA, JSONPATH, LANGUAGES, Machine, machines, nesting_problem, states_of
from .structure import check_resume_schema, passes_compiled_check, schema_problems
from .unsupported import check_unsupported_fields

__all__ = ["find_problems"]


# ------------------------------------------------------------------------------------ entry


def find_problems(doc: JSON, *, structure: bool = True) -> list[Problem]:
    """Every structural and semantic problem in `doc`, in document order; [] when it is valid.
    `doc` is decoded JSON (dict, list, str, int, float, bool, None), as `parse` passes it: a
    tuple, say, is not an array here. `structure=False` skips the JSON Schema pass (for a
    definition known to have passed it).

    Never raises, whatever `doc` is: a non-object, a wrong shape anywhere, absurd nesting.
    """
    if not isinstance(doc, dict):
        return [Problem("", f"a definition must be a JSON object, got {json_type(doc)}")]
    too_deep = nesting_problem(doc)
    if too_deep is not None:
        # No real machine nests this deep; one problem says it all, the rest would repeat it.
        return [too_deep]
    every = list(machines(doc))
    problems: list[Problem] = []
    if structure and not passes_compiled_check(doc):
        for machine in every:
            problems.extend(schema_problems(machine))
    problems.extend(_semantic_problems(doc, every))
    return _in_document_order(doc, _unique(problems))


def _semantic_problems(doc: dict[str, Any], machines: list[Machine]) -> Iterator[Problem]:
    root_language = doc.get("QueryLanguage")
    if root_language not in LANGUAGES:
        root_language = JSONPATH
    everywhere = state_locations(machines)
    for machine in machines:
        for machine_check in MACHINE_CHECKS:
            yield from machine_check(machine.raw, machine.at)
        yield from check_targets(machine.raw, machine.at, everywhere)
        for name, state in states_of(machine.raw):
            state_at = child(machine.at, "States", name)
            own = state.get("QueryLanguage")
            if own == JSONPATH and root_language == JSONATA:
                yield Problem(
                    child(state_at, "QueryLanguage"),
                    "cannot be JSONPath when the machine's top-level QueryLanguage is JSONata",
                )
            # AWS: a state without QueryLanguage uses the top-level one, even inside a
            # Parallel branch or Map processor whose own state names another language.
            language = own if own in LANGUAGES else root_language
            for state_check in STATE_CHECKS:
                yield from state_check(state, state_at, language)
    yield from check_unique_names(machines)


# Machine-level checks: (machine, pointer of the machine) -> problems.
MACHINE_CHECKS: tuple[Callable[[dict[str, Any], str], Iterable[Problem]], ...] = (
    check_start_at,
    check_reachable,
)

# State-level checks: (state, pointer of the state, effective query language) -> problems.
STATE_CHECKS: tuple[Callable[[dict[str, Any], str, str], Iterable[Problem]], ...] = (
    check_transition_fields,
    check_exclusive_fields,
    check_timeouts,
    check_query_language,
    check_error_handlers,
    check_timestamp,
    check_paths,
    check_templates,
    check_choice_rules,
    check_resume_schema,
    check_unsupported_fields,
)


def _unique(problems: list[Problem]) -> list[Problem]:
    # Two passes may notice the same thing in the same words; say it once.
    return list(dict.fromkeys(problems))


def _in_document_order(doc: dict[str, Any], problems: list[Problem]) -> list[Problem]:
    """Sort by where each pointer lands in the document (stable: same place keeps its order)."""

    def position(problem: Problem) -> tuple[int, ...]:
        node: JSON = doc
        key: list[int] = []
        for raw in problem.pointer.split("/")[1:]:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict):
                names = list(node)
                index = names.index(part) if part in node else len(names)
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                index = int(part)
                node = node[index]
            else:
                index, node = 0, None
            key.append(index)
        return tuple(key)

    return sorted(problems, key=position)
