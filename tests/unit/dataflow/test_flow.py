"""The seams between the states and the data flow (statebox/dataflow/flow.py): both query
languages' flows and run-time readers fit the protocols, and a message names the field the
way the definition spelled it (`SecondsPath` for a path, `Seconds` for `{% %}`)."""

from __future__ import annotations

from typing import Any

import pytest

from statebox.dataflow.flow import DataFlow, ValueReader, field_name
from statebox.definition.parse import parse


def state(definition: dict[str, Any], name: str) -> Any:
    return parse(definition).graph.states[name]


def test_both_languages_flows_and_readers_fit_the_protocols() -> None:
    for language, seconds in (
        ("JSONPath", {"SecondsPath": "$.s"}),
        ("JSONata", {"Seconds": "{% $states.input.s %}"}),
    ):
        wait = state(
            {
                "QueryLanguage": language,
                "StartAt": "W",
                "States": {"W": {"Type": "Wait", **seconds, "End": True}},
            },
            "W",
        )
        assert isinstance(wait.flow, DataFlow)
        assert isinstance(wait.seconds_source, ValueReader)
    jsonpath_name = field_name(
        state(
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}}, "W"
        ).seconds_source,
        "Seconds",
    )
    assert jsonpath_name == "SecondsPath"


@pytest.mark.parametrize(
    ("language", "fields", "cause"),
    [
        ("JSONPath", {"SecondsPath": "$.s"}, "The SecondsPath parameter cannot be parsed as a long value"),
        (
            "JSONata",
            {"Seconds": "{% $states.input.s %}"},
            "The Seconds parameter cannot be parsed as a long value",
        ),
    ],
)
async def test_a_wait_names_its_field_as_written(
    run_machine: Any, language: str, fields: dict, cause: str
) -> None:
    definition = {
        "QueryLanguage": language,
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", **fields, "End": True}},
    }
    result = await run_machine(definition, {"s": "soon"})
    assert result.status == "FAILED"
    assert result.cause.startswith(cause)


@pytest.mark.parametrize(
    ("language", "fields", "cause"),
    [
        ("JSONPath", {"TimeoutSecondsPath": "$.t"}, "The TimeoutSecondsPath '$.t' of state 'T'"),
        (
            "JSONata",
            {"TimeoutSeconds": "{% $states.input.t %}"},
            "The TimeoutSeconds '$states.input.t' of state 'T'",
        ),
    ],
)
async def test_a_task_names_its_timeout_field_as_written(
    run_machine: Any, language: str, fields: dict, cause: str
) -> None:
    task = {"Type": "Task", "Resource": "module:increment", **fields, "End": True}
    result = await run_machine({"QueryLanguage": language, "StartAt": "T", "States": {"T": task}}, {"t": -1})
    assert result.status == "FAILED"
    assert result.cause.startswith(cause)
