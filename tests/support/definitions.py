"""Valid definitions to check and mutate, and the AWS-recorded corpus (unit and property
tests of statebox.validation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CONFORMANCE = REPO / ".." / "shared" / "conformance"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def jsonpath_machine() -> dict[str, Any]:
    return {
        "Comment": "every state type, JSONPath",
        "StartAt": "Prepare",
        "TimeoutSeconds": 3600,
        "Version": "1.0",
        "States": {
            "Prepare": {
                "Type": "Pass",
                "InputPath": "$.order",
                "Parameters": {
                    "id.$": "$.id",
                    "when.$": "$$.Execution.StartTime",
                    "label.$": "States.Format('order {}', $.id)",
                    "items": [{"sku.$": "$.sku"}, "plain"],
                },
                "ResultPath": "$.prepared",
                "OutputPath": "$",
                "Assign": {"orderId.$": "$.id", "fixed": 1},
                "Next": "Approve",
            },
            "Approve": {
                "Type": "Task",
                "Resource": "module:suspend",
                "ResumeSchema": {
                    "type": "object",
                    "required": ["approved"],
                    "properties": {"approved": {"type": "boolean"}},
                },
                "TimeoutSeconds": 86400,
                "HeartbeatSeconds": 600,
                "ResultSelector": {"approved.$": "$.approved"},
                "ResultPath": "$.decision",
                "Retry": [
                    {
                        "ErrorEquals": ["States.Timeout"],
                        "IntervalSeconds": 2,
                        "MaxAttempts": 3,
                        "BackoffRate": 1.5,
                        "MaxDelaySeconds": 30,
                        "JitterStrategy": "FULL",
                    },
                    {"ErrorEquals": ["States.ALL"], "MaxAttempts": 0},
                ],
                "Catch": [
                    {
                        "ErrorEquals": ["MyApp.Rejected"],
                        "ResultPath": "$.error",
                        "Next": "Rejected",
                    },
                    {"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "Rejected"},
                ],
                "Next": "Decide",
            },
            "Decide": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.decision.approved", "BooleanEquals": True, "Next": "Pause"},
                    {
                        "And": [
                            {"Variable": "$.n", "IsPresent": True},
                            {"Not": {"Variable": "$.n", "NumericLessThan": 0}},
                        ],
                        "Next": "Fan",
                    },
                ],
                "Default": "Rejected",
            },
            "Pause": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "Until"},
            "Until": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00.123+02:00", "Next": "Fan"},
            "Fan": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                    {
                        "StartAt": "Each",
                        "States": {
                            "Each": {
                                "Type": "Map",
                                "ItemsPath": "$.items",
                                "ItemSelector": {"item.$": "$$.Map.Item.Value"},
                                "MaxConcurrencyPath": "$.limit",
                                "ToleratedFailurePercentage": 10,
                                "ItemProcessor": {
                                    "ProcessorConfig": {"Mode": "INLINE"},
                                    "StartAt": "Leaf",
                                    "States": {"Leaf": {"Type": "Succeed"}},
                                },
                                "End": True,
                            }
                        },
                    },
                ],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed", "OutputPath": "$.prepared"},
            "Rejected": {
                "Type": "Fail",
                "Error": "Rejected",
                "CausePath": "States.Format('{}', $.why)",
            },
        },
    }


def jsonata_machine() -> dict[str, Any]:
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Start",
        "States": {
            "Start": {
                "Type": "Pass",
                "Output": {"n": "{% $states.input.n %}"},
                "Assign": {"count": "{% $states.input.n %}"},
                "Next": "Call",
            },
            "Call": {
                "Type": "Task",
                "Resource": "module:increment",
                "Arguments": "{% $states.input %}",
                "TimeoutSeconds": "{% 30 %}",
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Output": "{% $states.errorOutput %}",
                        "Next": "Failed",
                    }
                ],
                "Next": "Pick",
            },
            "Pick": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.n > 3 %}", "Next": "Many"}],
                "Default": "Hold",
            },
            "Hold": {"Type": "Wait", "Seconds": "{% 1 %}", "Next": "Many"},
            "Many": {
                "Type": "Map",
                "Items": "{% [1, 2, 3] %}",
                "MaxConcurrency": "{% 2 %}",
                "ItemProcessor": {
                    "StartAt": "One",
                    "States": {"One": {"Type": "Pass", "End": True}},
                },
                "Next": "Done",
            },
            "Done": {"Type": "Succeed", "Output": "{% $count %}"},
            "Failed": {"Type": "Fail", "Error": "{% 'Boom' %}", "Cause": "it broke"},
        },
    }


CONFORMANCE_CASES = sorted(CONFORMANCE.glob("cases/*/*.json")) if CONFORMANCE.is_dir() else []
