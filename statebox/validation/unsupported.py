"""ASL fields statebox does not run yet, refused at validation (so `statebox validate`, the
library and every start refuse them alike) instead of being silently ignored.

A definition must never run differently from what it says: a Map with an `ItemReader` that ran
inline over the state input, without batching or a result file, would succeed with the wrong
result. Each entry names what the field asks for; remove it when the feature lands.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import Problem
from ..types import child

# Distributed Map (its own issue): reading the items from storage, batching them, writing the
# results to storage. `ProcessorConfig.Mode: DISTRIBUTED` over the state input does run: its
# iterations are the same as an inline Map's, apart from not seeing the outer variables.
_DISTRIBUTED_MAP_FIELDS = {
    "ItemReader": "reading the items from storage",
    "ItemBatcher": "batching the items",
    "ResultWriter": "writing the results to storage",
}


def check_unsupported_fields(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """Fields of a state that statebox cannot honour yet, each at its own pointer."""
    if state.get("Type") != "Map":
        return
    for field, meaning in _DISTRIBUTED_MAP_FIELDS.items():
        if field in state:
            yield Problem(
                child(at, field),
                f"{field} ({meaning}) is not supported yet: statebox has no Distributed Map, and "
                "running this Map inline over its input would not do what the definition says",
            )
