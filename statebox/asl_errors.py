"""The predefined ASL error names, as data.

ASL errors flow through Retry / Catch as plain strings (an action may raise "MyApp.Rejected"),
so this enum only spares the code from spelling the predefined names by hand.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorName(StrEnum):
    ALL = "States.ALL"
    BRANCH_FAILED = "States.BranchFailed"
    DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
    EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
    HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
    INTRINSIC_FAILURE = "States.IntrinsicFailure"
    NO_CHOICE_MATCHED = "States.NoChoiceMatched"
    PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
    PERMISSIONS = "States.Permissions"
    QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
    RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
    RUNTIME = "States.Runtime"
    TASK_FAILED = "States.TaskFailed"
    TIMEOUT = "States.Timeout"


# AWS: "States.ALL ... does not match States.DataLimitExceeded or States.Runtime"; both are
# terminal unless named explicitly.
NOT_MATCHED_BY_ALL: frozenset[str] = frozenset({ErrorName.DATA_LIMIT_EXCEEDED, ErrorName.RUNTIME})

# States.TaskFailed in ErrorEquals matches every task error except States.Timeout.
NOT_MATCHED_BY_TASK_FAILED: frozenset[str] = frozenset({ErrorName.TIMEOUT})
