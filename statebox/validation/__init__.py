"""Validation in one place: what a definition must be (structure: the JSON Schema), what it
must mean (graph, per-state fields, expressions, Choice rules, fields not run yet), and what
this deployment lets it do (size, nesting, the action allow-list).

`find_problems` is what `definition/parse.py` calls; `Engine.start` calls the `access` checks. Messages
share one vocabulary, `statebox.messages`.
"""

from __future__ import annotations

from .access import (
    MAX_DEFINITION_DEPTH,
    check_allowed_actions,
    check_definition_depth,
    check_definition_size,
    json_depth,
    task_resources,
)
from .choice import check_choice
from .definition import find_problems
from .machines import MAX_MACHINE_DEPTH

__all__ = [
    "MAX_DEFINITION_DEPTH",
    "MAX_MACHINE_DEPTH",
    "check_allowed_actions",
    "check_choice",
    "check_definition_depth",
    "check_definition_size",
    "find_problems",
    "json_depth",
    "task_resources",
]
