"""Pending points (statebox/interpreter/points.py) and resume events (statebox/interpreter/suspension.py):
typed, with the stored JSON unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from statebox.interpreter.points import PendingPoint, PointIssuer, PointKind
from statebox.interpreter.suspension import ResumeEvent, ResumeKind, pending_points
from statebox.jsonio import encode_json

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "positions" / "golden.json"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def recorded_points() -> list[dict]:
    points = []
    for steps in json.loads(GOLDEN.read_text()).values():
        for text in steps:
            points.extend(pending_points(json.loads(text)))
    return points


def test_every_recorded_point_round_trips_to_the_same_bytes() -> None:
    points = recorded_points()
    # merge, token (with schema and heartbeat) and timer points are all among them
    assert {p["kind"] for p in points} == {"merge", "token", "timer"}
    assert any("heartbeatDue" in p for p in points)
    for raw in points:
        assert encode_json(PendingPoint.from_json(raw).to_json()) == encode_json(raw)


def test_a_callback_point_carries_its_schema_and_a_timer_never_does() -> None:
    issuer = PointIssuer()
    callback = issuer.new_point(PointKind.TOKEN, "Ask", NOW, 60)
    timer = issuer.new_point(PointKind.TIMER, "Sleep", NOW, 60, data={"a": 1})
    assert list(callback.to_json()) == ["id", "kind", "state", "due", "data", "token", "schema"]
    assert list(timer.to_json()) == ["id", "kind", "state", "due", "data", "token"]
    assert timer.due == "2026-01-01T00:01:00.000Z" and timer.data == {"a": 1}


def test_the_issuer_signs_the_token_and_names_the_url() -> None:
    signed: list[tuple[str, datetime]] = []

    def sign(point_id: str, due: datetime) -> str:
        signed.append((point_id, due))
        return f"signed-{point_id}"

    issuer = PointIssuer(sign=sign, url=lambda token: f"https://x/?continuation={token}", default_seconds=10)
    point = issuer.new_point(PointKind.MERGE, "Ask", NOW, None, heartbeat=5)
    assert signed == [(point.id, datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC))]
    assert point.token == f"signed-{point.id}"
    assert point.heartbeat_due == "2026-01-01T00:00:05.000Z"
    assert issuer.resume_url(point.token) == f"https://x/?continuation=signed-{point.id}"
    # Unsigned (a run in process): the token is the id, and there is no resume URL.
    plain = PointIssuer().new_point(PointKind.MERGE, "Ask", NOW, None)
    assert plain.token == plain.id and len(plain.id) == 32
    assert PointIssuer().resume_url(plain.id) is None


def test_resume_event_kinds_are_an_enum_and_plain_strings_still_work() -> None:
    event = ResumeEvent("timer", "p1")
    assert event.kind is ResumeKind.TIMER and event.kind == "timer"
    assert event.is_for("p1") and event.is_for("p1", ResumeKind.TIMER)
    assert not event.is_for("p1", ResumeKind.SUCCESS) and not event.is_for("p2")
    with pytest.raises(ValueError, match="'later' is not a valid ResumeKind"):
        ResumeEvent("later", "p1")
