"""What callers see of an execution (statebox/execution/views.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from statebox.config import Settings
from statebox.execution import views
from statebox.execution.encoding import decode_record
from statebox.execution.records import ExecutionRecord, PointKind

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "records"


@dataclass
class Seen:
    """What the views read of an engine: its settings and its base URL."""

    settings: Settings
    base_url: str | None = None


def golden(name: str) -> ExecutionRecord:
    return ExecutionRecord.from_json(decode_record((GOLDEN / f"{name}.json").read_bytes()))


def test_each_open_point_shows_its_data_continuation_and_resume_url() -> None:
    record = golden("parallel_approval_suspended")
    public = views.public_points(Seen(Settings()), record)  # type: ignore[arg-type]
    assert [p["state"] for p in public] == ["AskFirst", "AskSecond"]
    assert all(p["kind"] == "token" and p["continuation"] for p in public)
    assert public[0]["resumeUrl"] == f"{record.base_url}?continuation={public[0]['continuation']}"
    assert public[0]["data"]["to"] == "alice@example.org"


def test_hidden_continuations_show_neither_tokens_nor_data() -> None:
    record = golden("parallel_approval_suspended")
    public = views.public_points(Seen(Settings(hide_continuations=True)), record)  # type: ignore[arg-type]
    assert public and all(set(p) == {"state", "kind", "expiresAt"} for p in public)


def test_the_engine_s_own_timers_are_never_shown() -> None:
    record = golden("incsquare_suspended")
    expire = replace(record.pending[0], id="e", kind=PointKind.EXPIRE, token=None)
    with_timer = replace(record, pending=(*record.pending, expire))
    assert len(views.public_points(Seen(Settings()), with_timer)) == 1  # type: ignore[arg-type]


def test_a_record_written_before_the_data_moved_shows_the_data_kept_in_pending() -> None:
    stored = json.loads((GOLDEN / "format1.json").read_text())
    stored["position"] = None  # only `pending` has the point now
    record = ExecutionRecord.from_json(stored)
    (point,) = views.public_points(Seen(Settings()), record)  # type: ignore[arg-type]
    assert point["data"] == {"value": 49}
    assert views.point_details(record, record.pending[0].id)["data"] == {"value": 49}


def test_a_finished_execution_is_described_with_its_outcome_and_no_points() -> None:
    described = views.execution_view(Seen(Settings()), golden("incsquare_succeeded"))  # type: ignore[arg-type]
    assert list(described)[-2:] == ["output", "stopTime"] and "pending" not in described
    assert described["status"] == "SUCCEEDED" and described["output"] == {"value": 50, "approved": True}
    failed = views.execution_view(Seen(Settings()), golden("timer_failed_five_times"))  # type: ignore[arg-type]
    assert failed["error"] == "States.Runtime" and "output" not in failed


def test_a_result_names_the_first_continuation() -> None:
    record = golden("parallel_approval_suspended")
    result = views.result(Seen(Settings()), record)  # type: ignore[arg-type]
    assert result.status == "SUSPENDED" and result.continuation == result.pending[0]["continuation"]
    assert result.to_json()["expiresAt"] == record.pending[0].due


def test_a_resume_url_joins_a_base_that_already_has_a_query() -> None:
    record = replace(golden("incsquare_suspended"), base_url=None)
    seen = Seen(Settings(), base_url="https://x.test/api?a=1")
    assert views.resume_url(seen, "T", record) == "https://x.test/api?a=1&continuation=T"  # type: ignore[arg-type]
