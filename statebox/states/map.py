"""Map (inline): runs the item processor over each item of an array, results in item order,
with MaxConcurrency and ToleratedFailureCount / Percentage."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..asl_errors import ErrorName
from ..dataflow.flow import DataFlow, ValueReader
from ..dataflow.jsonpath import DISCARD, PathValue
from ..dataflow.paths import MISSING
from ..definition.model import StateGraph
from ..errors import StatesError
from ..interpreter import Frame, gather_bounded, iso_timestamp, run_graph
from ..interpreter.positions import MapPosition, Position
from ..interpreter.suspension import Suspension, leaves_as_is
from ..messages import json_text, typed_json_text
from ..types import JSON, child, json_type
from .recoverable import RecoverableState

PROGRESS_MIN_ITEMS = 100

if TYPE_CHECKING:
    from ..definition.parse import Builder


@dataclass(frozen=True, slots=True, kw_only=True)
class MapState(RecoverableState):
    TYPE: ClassVar[str] = "Map"
    flow: DataFlow
    processor: StateGraph
    # Read at run time from the (InputPath-selected) input: ItemsPath, or a JSONata Items;
    # None: the input itself.
    items_source: ValueReader | None = None
    items_error: str = ErrorName.RUNTIME  # what an input that is not an array raises
    item_selector: Any = None  # templates.Template or JsonataValue: evaluate(data, scope)
    max_concurrency: int | ValueReader = 0  # a literal, or MaxConcurrencyPath / {% %}
    tolerated_failure_count: int | ValueReader | None = None
    tolerated_failure_percentage: float | ValueReader | None = None
    inherit_variables: bool = True  # False for a distributed Map: its iterations see none

    def _items(self, data: JSON, frame: Frame) -> list[JSON]:
        source = self.items_source
        if source is None:
            if not isinstance(data, list):
                if self.items_error == ErrorName.QUERY_EVALUATION_ERROR:
                    raise StatesError(
                        self.items_error, f"Map state input must be an array but was: {json_text(data)}"
                    )
                raise StatesError(
                    self.items_error,
                    f"The ItemsPath '$' of the Map state '{self.name}' must reference a JSON array, "
                    f"got {typed_json_text(data)}.",
                )
            return self._capped(data, frame)
        # An ItemsPath that does not resolve fails with the wording every path uses.
        items = source.path.read(data, frame) if isinstance(source, PathValue) else source.read(data, frame)
        if not isinstance(items, list):
            if source.error == ErrorName.QUERY_EVALUATION_ERROR:
                raise StatesError(
                    source.error,
                    f"The JSONata expression '{source.text}' specified for the field 'Items' returned "
                    f"an unexpected result type. Expected 'array', but was '{json_type(items)}' for "
                    f"value: {json_text(items)}",
                )
            raise StatesError(
                source.error,
                f"The ItemsPath '{source.text}' of the Map state '{self.name}' must reference a JSON "
                f"array, got {typed_json_text(items)}.",
            )
        return self._capped(items, frame)

    def _capped(self, items: list[JSON], frame: Frame) -> list[JSON]:
        cap = frame.runtime.limits.max_map_items
        if cap is not None and len(items) > cap:
            raise StatesError(
                ErrorName.RUNTIME,
                f"The Map state '{self.name}' got {len(items)} items; at most {cap} are allowed "
                "(Settings.max_map_items).",
            )
        return items

    def _integer(self, source: int | ValueReader, data: JSON, frame: Frame, field: str) -> int:
        if isinstance(source, (int, float)):  # a literal (the schema made it an integer)
            return source  # type: ignore[return-value]
        value = source.read(data, frame)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            # AWS parses a string holding an integer (variables/..._MAX_CONCURRENCY_PATH: "1").
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise StatesError(
                source.error,
                f'The {field} field refers to value "{_as_aws_shows(value)}" which is not a valid '
                f"integer: {source.text}",
            )
        return value

    def _tolerance(self, data: JSON, frame: Frame) -> tuple[int | None, float | None]:
        count = self.tolerated_failure_count
        if count is not None:
            count = self._integer(count, data, frame, "ToleratedFailureCountPath")
            if count < 0:
                raise StatesError(ErrorName.RUNTIME, "ToleratedFailureCount cannot be negative.")
        percentage = self.tolerated_failure_percentage
        if percentage is not None and not isinstance(percentage, (int, float)):
            source = percentage
            value = source.read(data, frame)
            if isinstance(value, str):
                try:
                    value = float(value)  # AWS parses a numeric string (..._TOLERATED_FAILURE_PATH)
                except ValueError:
                    pass
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise StatesError(
                    source.error,
                    f"The ToleratedFailurePercentagePath field refers to value "
                    f'"{_as_aws_shows(value)}" which is not a valid number: {source.text}',
                )
            percentage = float(value)
        if percentage is not None and not 0 <= percentage <= 100:
            raise StatesError(ErrorName.RUNTIME, "ToleratedFailurePercentage must be between 0 and 100.")
        return count, percentage

    def _with_progress(self, iterate: Any, total: int, frame: Frame) -> Any:
        """For a live view (the dev server log): a MapProgress event every tenth of a long Map."""
        runtime = frame.runtime
        if runtime.event_sink is None or total < PROGRESS_MIN_ITEMS:
            return iterate
        step = max(1, total // 10)
        done = 0

        async def iterate_and_report(index: int) -> JSON:
            nonlocal done
            result = await iterate(index)
            done += 1
            if done % step == 0 or done == total:
                runtime.record_event(
                    {
                        "timestamp": iso_timestamp(runtime.clock.now()),
                        "type": "MapProgress",
                        "state": self.name,
                        "done": done,
                        "total": total,
                    }
                )
            return result

        return iterate_and_report

    async def attempt(self, raw_input: JSON, frame: Frame, resume: Position | None = None) -> JSON:
        data = self.flow.select_input(raw_input, frame)
        items = self._items(data, frame)
        concurrency = self._integer(self.max_concurrency, data, frame, "MaxConcurrencyPath")
        if concurrency < 0:
            raise StatesError(ErrorName.RUNTIME, "MaxConcurrency cannot be negative.")
        cap = frame.runtime.limits.max_map_concurrency
        limit = cap if concurrency == 0 else min(concurrency, cap)
        tolerated_count, tolerated_percentage = self._tolerance(data, frame)
        tolerant = tolerated_count is not None or tolerated_percentage is not None
        selector = self.item_selector
        processor = self.processor
        inherit = self.inherit_variables
        at = None if resume is None else MapPosition.from_json(resume)
        finished: list[JSON] = [] if at is None else at.results
        still_open: Mapping[int, Position] = {} if at is None else at.open
        failures = 0 if at is None else at.failures
        stopped: dict[int, Position] = {}

        async def iterate(index: int) -> JSON:
            nonlocal failures
            position = still_open.get(index)
            if at is not None and position is None:
                return finished[index]
            if position is not None and leaves_as_is(frame.runtime.resume_event, position):
                stopped[index] = position  # resumed elsewhere: this iteration waits on as it was
                return None
            item = items[index]
            child = frame.child(map_item=(index, item))
            if position is None:
                # ItemSelector belongs to the Map state: outer variables, `$$.Map.Item`.
                item_input = item if selector is None else selector.evaluate(data, child)
            else:
                item_input = None
            if not inherit:
                child = frame.child(map_item=(index, item), inherit=False)
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

        results = await gather_bounded(len(items), self._with_progress(iterate, len(items), frame), limit)
        if stopped:
            unfinished = [None if i in stopped else r for i, r in enumerate(results)]
            raise Suspension(MapPosition(unfinished, stopped, failures).to_json())
        return self.flow.output(raw_input, results, frame)


def _over_threshold(failures: int, total: int, count: int | None, percentage: float | None) -> bool:
    # AWS: with both set, the Map fails as soon as either threshold is exceeded.
    over_count = count is not None and failures > count
    over_percentage = percentage is not None and failures * 100 > percentage * total
    return over_count or over_percentage


def _as_aws_shows(value: JSON) -> str:
    """A value inside AWS's `refers to value "..."` messages: a string bare, others as JSON."""
    if value is MISSING:
        return "nothing"
    return value if isinstance(value, str) else json_text(value)


_INTEGER = re.compile(r"[+-]?\d+")


def build_map(spec: dict[str, Any], *, name: str, at: str, builder: Builder, language: str) -> MapState:
    processor_field = "ItemProcessor" if "ItemProcessor" in spec else "Iterator"
    selector_field = "ItemSelector" if "ItemSelector" in spec else "Parameters"
    processor_spec = spec[processor_field]
    config = processor_spec.get("ProcessorConfig") if isinstance(processor_spec, dict) else None
    distributed = isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED"
    if language == "JSONata":
        items_source = builder.jsonata_value(spec, "Items", at)
        items_error = ErrorName.QUERY_EVALUATION_ERROR
        item_selector = builder.jsonata_value(spec, "ItemSelector", at)
    else:
        path = builder.path(spec, "ItemsPath", at)
        items_source = None if path is None else PathValue(path) if path is not DISCARD else None
        items_error = ErrorName.RUNTIME
        item_selector = builder.template(spec, selector_field, at)
    percentage = builder.value(
        spec, "ToleratedFailurePercentage", at, language, "ToleratedFailurePercentagePath"
    )
    return MapState(
        name=name,
        pointer=at,
        next=spec.get("Next"),
        flow=builder.flow(spec, at, language=language, parameters=False),
        processor=builder.graph(processor_spec, child(at, processor_field), builder.top_language),
        items_source=items_source,
        items_error=items_error,
        item_selector=item_selector,
        max_concurrency=builder.value(spec, "MaxConcurrency", at, language, "MaxConcurrencyPath") or 0,
        tolerated_failure_count=builder.value(
            spec, "ToleratedFailureCount", at, language, "ToleratedFailureCountPath"
        ),
        tolerated_failure_percentage=float(percentage)
        if isinstance(percentage, (int, float))
        else percentage,
        inherit_variables=not distributed,
        retriers=builder.retriers(spec),
        catchers=builder.catchers(spec, at, language),
    )
