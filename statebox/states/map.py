"""Map (inline): runs the item processor over each item of an array, results in item order,
with MaxConcurrency and ToleratedFailureCount / Percentage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..asl_errors import ErrorName
from ..dataflow.jsonpath import JsonPathFlow
from ..errors import StatesError
from ..interpreter import Frame, gather_bounded, run_graph
from ..model import StateGraph
from ..paths import MISSING, Path
from ..suspension import Suspension
from ..templates import Template
from ..types import JSON
from .recoverable import RecoverableState


@dataclass(frozen=True, slots=True, kw_only=True)
class MapState(RecoverableState):
    TYPE: ClassVar[str] = "Map"
    flow: JsonPathFlow  # InputPath, ResultSelector, ResultPath, OutputPath
    processor: StateGraph
    items_path: Path | None = None
    item_selector: Template | None = None
    max_concurrency: int = 0
    max_concurrency_path: Path | None = None
    tolerated_failure_count: int | None = None
    tolerated_failure_count_path: Path | None = None
    tolerated_failure_percentage: float | None = None
    tolerated_failure_percentage_path: Path | None = None

    def _items(self, data: JSON, frame: Frame) -> list[JSON]:
        items = data if self.items_path is None else self.items_path.read(data, frame)
        if not isinstance(items, list):
            where = self.items_path.text if self.items_path else "$"
            raise StatesError(
                ErrorName.RUNTIME,
                f"The ItemsPath '{where}' of the Map state '{self.name}' must reference a JSON "
                f"array, got {type(items).__name__}.",
            )
        return items

    def _integer(self, path: Path, data: JSON, frame: Frame, field: str) -> int:
        value = path.find(data, frame)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            shown = "nothing" if value is MISSING else _json_text(value)
            raise StatesError(
                ErrorName.RUNTIME,
                f'The {field} field refers to value "{shown}" which is not a valid integer: {path.text}',
            )
        return value

    def _tolerance(self, data: JSON, frame: Frame) -> tuple[int | None, float | None]:
        count = self.tolerated_failure_count
        if self.tolerated_failure_count_path is not None:
            count = self._integer(self.tolerated_failure_count_path, data, frame, "ToleratedFailureCountPath")
        if count is not None and count < 0:
            raise StatesError(ErrorName.RUNTIME, "ToleratedFailureCount cannot be negative.")
        percentage = self.tolerated_failure_percentage
        if self.tolerated_failure_percentage_path is not None:
            value = self.tolerated_failure_percentage_path.find(data, frame)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise StatesError(
                    ErrorName.RUNTIME,
                    f'The ToleratedFailurePercentagePath field refers to value "{value}" which '
                    f"is not a valid number: {self.tolerated_failure_percentage_path.text}",
                )
            percentage = float(value)
        if percentage is not None and not 0 <= percentage <= 100:
            raise StatesError(ErrorName.RUNTIME, "ToleratedFailurePercentage must be between 0 and 100.")
        return count, percentage

    async def attempt(self, raw_input: JSON, frame: Frame, resume: Any = None) -> JSON:
        data = self.flow.select_input(raw_input, frame)
        items = self._items(data, frame)
        concurrency = self.max_concurrency
        if self.max_concurrency_path is not None:
            concurrency = self._integer(self.max_concurrency_path, data, frame, "MaxConcurrencyPath")
            if concurrency < 0:
                raise StatesError(ErrorName.RUNTIME, "MaxConcurrency cannot be negative.")
        cap = frame.runtime.limits.max_map_concurrency
        limit = cap if concurrency == 0 else min(concurrency, cap)
        tolerated_count, tolerated_percentage = self._tolerance(data, frame)
        tolerant = tolerated_count is not None or tolerated_percentage is not None
        selector = self.item_selector
        processor = self.processor
        finished: list[JSON] = resume["results"] if resume else []
        still_open: dict[str, Any] = resume["open"] if resume else {}
        failures = resume["failures"] if resume else 0
        stopped: dict[int, Any] = {}

        async def iterate(index: int) -> JSON:
            nonlocal failures
            position = still_open.get(str(index)) if resume else None
            if resume and position is None:
                return finished[index]
            item = items[index]
            child = frame.child(map_item=(index, item))
            if position is None:
                item_input = item if selector is None else selector.evaluate(data, child)
            else:
                item_input = None
            try:
                return await run_graph(processor, item_input, child, position)
            except Suspension as stop:
                stopped[index] = stop.position
                return None
            except StatesError as failure:
                if not tolerant:
                    raise
                failures += 1
                if _over_threshold(failures, len(items), tolerated_count, tolerated_percentage):
                    raise StatesError(
                        ErrorName.EXCEED_TOLERATED_FAILURE_THRESHOLD,
                        f"The Map state '{self.name}' exceeded its tolerated failures: "
                        f"{failures} of {len(items)} iterations failed.",
                    ) from None
                return failure.as_error_output()

        results = await gather_bounded(len(items), iterate, limit)
        if stopped:
            raise Suspension(
                {
                    "results": [None if i in stopped else r for i, r in enumerate(results)],
                    "open": {str(i): position for i, position in stopped.items()},
                    "failures": failures,
                }
            )
        return self.flow.output(raw_input, results, frame)


def _over_threshold(failures: int, total: int, count: int | None, percentage: float | None) -> bool:
    within_count = count is not None and failures <= count
    within_percentage = percentage is not None and failures * 100 <= percentage * total
    return not (within_count or within_percentage)


def _json_text(value: JSON) -> str:
    import json

    return json.dumps(value, separators=(",", ":"))


def build_map(spec: dict[str, Any], *, name: str, at: str, builder: Any, language: str) -> MapState:
    from ..types import child

    processor_field = "ItemProcessor" if "ItemProcessor" in spec else "Iterator"
    selector_field = "ItemSelector" if "ItemSelector" in spec else "Parameters"
    percentage = spec.get("ToleratedFailurePercentage")
    return MapState(
        name=name,
        pointer=at,
        next=spec.get("Next"),
        flow=builder.flow(spec, at, parameters=False),
        processor=builder.graph(spec[processor_field], child(at, processor_field), builder.top_language),
        items_path=builder.path(spec, "ItemsPath", at),
        item_selector=builder.template(spec, selector_field, at),
        max_concurrency=int(spec.get("MaxConcurrency", 0)),
        max_concurrency_path=builder.required_path(spec, "MaxConcurrencyPath", at),
        tolerated_failure_count=spec.get("ToleratedFailureCount"),
        tolerated_failure_count_path=builder.required_path(spec, "ToleratedFailureCountPath", at),
        tolerated_failure_percentage=float(percentage) if percentage is not None else None,
        tolerated_failure_percentage_path=builder.required_path(spec, "ToleratedFailurePercentagePath", at),
        retriers=builder.retriers(spec),
        catchers=builder.catchers(spec, at),
    )
