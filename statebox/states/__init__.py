"""One module per ASL state type. `STATE_TYPES` is the only place `Type` is dispatched."""

from __future__ import annotations

from collections.abc import Callable

from ..definition.model import State
from .choice import build_choice
from .fail import build_fail
from .map import build_map
from .parallel import build_parallel
from .pass_ import build_pass
from .succeed import build_succeed
from .task import build_task
from .wait import build_wait

STATE_TYPES: dict[str, Callable[..., State]] = {
    "Pass": build_pass,
    "Task": build_task,
    "Choice": build_choice,
    "Wait": build_wait,
    "Succeed": build_succeed,
    "Fail": build_fail,
    "Parallel": build_parallel,
    "Map": build_map,
}

__all__: list[str] = ["STATE_TYPES"]
