"""The HTTP surface of DESIGN.md through the transport-neutral handler:
`await handle(HttpRequest(...), Service(engine, machines_dir))`.

Every answer of the table (200 / 202 / 400 / 404 / 409 / 410 / 413 / 503) is asked for here,
on an engine over the in-process store (fakeredis) and a FakeClock; none of them may be a 500.
Random requests thrown at the handler (hypothesis) are in tests/property/test_handler.py.
"""

from __future__ import annotations

import asyncio
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from statebox.config import Settings
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore
from statebox.web.handler import Service, handle
from statebox.web.protocol import HttpResponse
from tests.support.web import (
    BASE_URL,
    INCSQUARE,
    INCSQUARE_TEXT,
    JSON_TYPE,
    MACHINES,
    ROOT,
    call,
    make_engine,
    request,
    start_incsquare,
)

FORM_TYPE = {"content-type": "application/x-www-form-urlencoded"}
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

# A suspension that a resume can fail: Catch routes "Rejected" to Handled.
CATCHES = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "module:suspend",
            "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.failure", "Next": "Handled"}],
            "Next": "Done",
        },
        "Handled": {"Type": "Pass", "Result": "handled", "ResultPath": "$.route", "End": True},
        "Done": {"Type": "Pass", "Result": "done", "ResultPath": "$.route", "End": True},
    },
}
# A suspension with a deadline: 60 s to answer.
EXPIRES = {
    "StartAt": "Ask",
    "States": {"Ask": {"Type": "Task", "Resource": "module:suspend", "TimeoutSeconds": 60, "End": True}},
}
INVALID = {"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def service(clock: FakeClock) -> Any:
    store = RedisStore.in_process()
    yield Service(make_engine(store, clock), MACHINES)
    await store.close()


@pytest.fixture
async def down_service(clock: FakeClock) -> Any:
    """A store that cannot be reached: nothing listens on port 1."""
    store = RedisStore.connect("redis://127.0.0.1:1/0")
    yield Service(make_engine(store, clock), MACHINES)
    await store.close()


async def start(service: Service, definition: Any, execution_input: Any = None) -> dict[str, Any]:
    response = await call(service, request("POST", body={"definition": definition, "input": execution_input}))
    assert response.status == 202, response.body
    return response.body


async def point_status(service: Service, answer: dict[str, Any]) -> str | None:
    continuation = service.engine.signer.verify(answer["continuation"], service.engine.clock.now())
    return await service.engine.store.point_status(continuation.execution_key, continuation.point_id)


class PageParser(HTMLParser):
    """Forms, their buttons and textareas, as the browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._button: dict[str, Any] | None = None
        self._form: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._form = {**attributes, "buttons": [], "textareas": []}
            self.forms.append(self._form)
        elif tag == "button" and self._form is not None:
            self._button = {**attributes, "label": ""}
            self._form["buttons"].append(self._button)
        elif tag == "textarea" and self._form is not None:
            self._form["textareas"].append(attributes)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "button":
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button["label"] += data.strip()


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


# ---------------------------------------------------------------- starting
async def test_start_posted_definition_with_query_input_suspends_with_a_continuation(
    service: Service,
) -> None:
    response = await call(
        service,
        request("POST", query={"input": "6"}, headers=JSON_TYPE, body=INCSQUARE_TEXT),
    )
    assert response.status == 202
    body = response.body
    assert body["status"] == "SUSPENDED"
    assert body["output"] == {"value": 49}
    assert isinstance(body["continuation"], str) and len(body["continuation"]) >= 22
    assert body["resumeUrl"] == f"{BASE_URL}?continuation={body['continuation']}"
    assert body["expiresAt"].startswith("2026-01-08T00:00:00")  # 7 days, the default deadline
    assert body["executionId"]


async def test_start_without_input_starts_from_an_empty_object(service: Service) -> None:
    response = await call(service, request("POST", body=INCSQUARE_TEXT))
    assert (response.status, response.body["output"]) == (202, {"value": 1})


async def test_start_with_definition_and_input_in_the_body(service: Service) -> None:
    response = await call(service, request("POST", body={"definition": INCSQUARE, "input": 6}))
    assert (response.status, response.body["status"]) == (202, "SUSPENDED")
    assert response.body["output"] == {"value": 49}


async def test_start_a_stored_machine_by_name_in_the_body(service: Service) -> None:
    response = await call(service, request("POST", body={"stateMachine": "incsquare", "input": 6}))
    assert (response.status, response.body["output"]) == (202, {"value": 49})
    assert response.body["resumeUrl"].startswith(BASE_URL + "?continuation=")


async def test_post_to_a_stored_machine_path_takes_the_body_as_input(service: Service) -> None:
    response = await call(service, request("POST", "/incsquare", headers=JSON_TYPE, body=b"6"))
    assert (response.status, response.body["output"]) == (202, {"value": 49})


async def test_a_machine_that_finishes_answers_200_succeeded(service: Service) -> None:
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": True}}}
    response = await call(service, request("POST", body={"definition": definition}))
    assert response.status == 200
    assert response.body["status"] == "SUCCEEDED"
    assert response.body["output"] == 1
    assert response.body["executionId"]


async def test_a_machine_that_fails_answers_200_failed_with_error_and_cause(service: Service) -> None:
    definition = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Nope", "Cause": "on purpose"}}}
    response = await call(service, request("POST", body=definition))
    assert response.status == 200
    assert (response.body["status"], response.body["error"], response.body["cause"]) == (
        "FAILED",
        "Nope",
        "on purpose",
    )


# ---------------------------------------------------------------- resuming
async def test_resume_merges_the_json_body(service: Service) -> None:
    started = await start_incsquare(service)
    response = await call(
        service,
        request("POST", query={"continuation": started["continuation"]}, body={"note": "hi"}),
    )
    assert response.status == 200
    assert response.body["status"] == "SUCCEEDED"
    assert response.body["output"] == {"value": 50, "note": "hi"}
    assert response.body["executionId"] == started["executionId"]


async def test_resume_with_no_body(service: Service) -> None:
    started = await start_incsquare(service)
    response = await call(service, request("POST", query={"continuation": started["continuation"]}))
    assert (response.status, response.body["output"]) == (200, {"value": 50})


async def test_resume_merges_query_fields_parsed_as_json(service: Service) -> None:
    started = await start_incsquare(service)
    response = await call(
        service,
        request(
            "POST",
            query={"continuation": started["continuation"], "approved": "true", "who": "alice"},
        ),
    )
    assert response.status == 200
    assert response.body["output"] == {"value": 50, "approved": True, "who": "alice"}
    assert response.body["output"]["approved"] is True


async def test_body_fields_win_over_query_fields(service: Service) -> None:
    started = await start_incsquare(service)
    response = await call(
        service,
        request("POST", query={"continuation": started["continuation"], "who": "q"}, body={"who": "b"}),
    )
    assert response.body["output"]["who"] == "b"


async def test_resume_as_failure_is_caught_by_the_catch(service: Service) -> None:
    started = await start(service, CATCHES, {"ticket": 7})
    response = await call(
        service,
        request(
            "POST",
            query={"continuation": started["continuation"]},
            body={"error": "Rejected", "cause": "not this quarter"},
        ),
    )
    assert response.status == 200
    assert response.body["status"] == "SUCCEEDED"
    assert response.body["output"] == {
        "ticket": 7,
        "failure": {"Error": "Rejected", "Cause": "not this quarter"},
        "route": "handled",
    }


async def test_resume_as_an_uncaught_failure_answers_200_failed(service: Service) -> None:
    started = await start(service, CATCHES, {})
    response = await call(
        service,
        request(
            "POST", query={"continuation": started["continuation"]}, body={"error": "Other", "cause": "x"}
        ),
    )
    assert response.status == 200
    assert (response.body["status"], response.body["error"], response.body["cause"]) == (
        "FAILED",
        "Other",
        "x",
    )


async def test_resume_with_a_non_object_body_is_a_400(service: Service) -> None:
    started = await start_incsquare(service)
    response = await call(
        service, request("POST", query={"continuation": started["continuation"]}, body=[1, 2])
    )
    assert response.status == 400
    assert response.body["problems"]
    # Refused input does not use the continuation up.
    assert await point_status(service, started) == "pending"


# ---------------------------------------------------------------- GET a continuation
async def test_get_continuation_as_json_describes_what_is_pending(service: Service) -> None:
    started = await start_incsquare(service)
    response = await call(service, request("GET", query={"continuation": started["continuation"]}))
    assert response.status == 200
    assert response.content_type.startswith("application/json")
    body = response.body
    assert body["state"] == "AwaitResume"
    assert body["data"] == {"value": 49}
    assert body["expiresAt"] == started["expiresAt"]
    assert body["executionId"] == started["executionId"]
    assert body["resumeUrl"] == started["resumeUrl"]


async def test_get_continuation_in_a_browser_shows_a_confirmation_page(service: Service) -> None:
    started = await start(
        service,
        {
            "StartAt": "Ask",
            "States": {"Ask": {"Type": "Task", "Resource": "module:suspend", "End": True}},
        },
        {"subject": "Publish the Q3 report?", "details": {"pages": 12, "author": "<b>bob</b>"}},
    )
    response = await call(
        service, request("GET", query={"continuation": started["continuation"]}, headers=BROWSER)
    )
    assert response.status == 200
    assert response.content_type.startswith("text/html")
    html = response.body
    assert "Publish the Q3 report?" in html
    assert "<b>bob</b>" not in html and "&lt;b&gt;bob&lt;/b&gt;" in html  # escaped
    page = parse_page(html)
    assert len(page.forms) == 1
    form = page.forms[0]
    assert form["method"].lower() == "post"
    assert form["action"] == started["resumeUrl"]
    labels = {b["label"]: b for b in form["buttons"]}
    assert set(labels) == {"Approve", "Reject"}
    assert all((b.get("type") or "submit") == "submit" for b in form["buttons"])
    assert (labels["Approve"]["name"], labels["Approve"]["value"]) == ("decision", "approved")
    assert (labels["Reject"]["name"], labels["Reject"]["value"]) == ("decision", "rejected")
    assert [t["name"] for t in form["textareas"]] == ["comment"]


async def test_get_never_resumes(service: Service) -> None:
    started = await start_incsquare(service)
    for headers in (BROWSER, {}, BROWSER, {"accept": "*/*"}, BROWSER):
        response = await call(
            service, request("GET", query={"continuation": started["continuation"]}, headers=headers)
        )
        assert response.status == 200
    assert await point_status(service, started) == "pending"
    described = await call(service, request("GET", query={"execution": started["executionId"]}))
    assert described.body["status"] == "SUSPENDED"
    assert [e for e in described.body["history"] if e["type"] == "ExecutionResumed"] == []
    # ... and the continuation still works, once.
    resumed = await call(service, request("POST", query={"continuation": started["continuation"]}))
    assert (resumed.status, resumed.body["output"]) == (200, {"value": 50})


async def test_posting_the_confirmation_form_merges_its_fields(service: Service) -> None:
    started = await start_incsquare(service)
    response = await call(
        service,
        request(
            "POST",
            query={"continuation": started["continuation"]},
            headers=FORM_TYPE,
            body="decision=approved&comment=ok",
        ),
    )
    assert response.status == 200
    assert response.body["output"] == {"value": 50, "decision": "approved", "comment": "ok"}


async def test_posting_the_form_from_a_browser_answers_with_a_page(service: Service) -> None:
    started = await start_incsquare(service)
    response = await call(
        service,
        request(
            "POST",
            query={"continuation": started["continuation"]},
            headers={**FORM_TYPE, **BROWSER},
            body=urlencode({"decision": "rejected", "comment": ""}),
        ),
    )
    assert response.status == 200
    assert response.content_type.startswith("text/html")
    assert "Rejected" in response.body
    described = await call(service, request("GET", query={"execution": started["executionId"]}))
    assert described.body["output"] == {"value": 50, "decision": "rejected"}  # empty comment dropped


# ---------------------------------------------------------------- GET an execution
async def test_get_execution_shows_status_output_and_history(service: Service) -> None:
    started = await start_incsquare(service)
    suspended = await call(service, request("GET", query={"execution": started["executionId"]}))
    assert suspended.status == 200
    assert suspended.body["status"] == "SUSPENDED"
    assert suspended.body["input"] == 6
    assert suspended.body["pending"][0]["continuation"] == started["continuation"]
    await call(service, request("POST", query={"continuation": started["continuation"]}))
    finished = await call(service, request("GET", query={"execution": started["executionId"]}))
    assert finished.status == 200
    body = finished.body
    assert body["executionId"] == started["executionId"]
    assert (body["status"], body["output"]) == ("SUCCEEDED", {"value": 50})
    types = [event["type"] for event in body["history"]]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    assert "ExecutionResumed" in types
    assert body["audit"] and body["audit"][0]["address"] == "203.0.113.7"


async def test_get_an_unknown_execution_is_a_404(service: Service) -> None:
    response = await call(service, request("GET", query={"execution": "0" * 32}))
    assert (response.status, response.body["error"]) == (404, "ExecutionNotFound")


# ---------------------------------------------------------------- 400
async def test_invalid_definition_names_each_problem_with_a_pointer(service: Service) -> None:
    for req in (
        request("POST", body=INVALID),
        request("POST", body={"definition": INVALID, "input": {}}),
    ):
        response = await call(service, req)
        assert response.status == 400
        problems = response.body["problems"]
        assert len(problems) >= 2
        for problem in problems:
            assert set(problem) >= {"pointer", "message"}
            assert problem["pointer"].startswith("/") and problem["message"]
        pointers = {p["pointer"] for p in problems}
        assert "/StartAt" in pointers
        assert any(p.startswith("/States/A") for p in pointers)


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"StartAt": ', b"not json", b"\xff\xfe\x00", b'{"definition": {}, }'],
)
async def test_malformed_json_body_is_a_400(service: Service, body: bytes) -> None:
    response = await call(service, request("POST", headers=JSON_TYPE, body=body))
    assert response.status == 400
    assert response.body["error"] == "InputError"
    assert response.body["problems"][0]["message"]


async def test_malformed_json_resume_body_is_a_400_and_keeps_the_continuation(service: Service) -> None:
    started = await start_incsquare(service)
    response = await call(
        service,
        request("POST", query={"continuation": started["continuation"]}, headers=JSON_TYPE, body=b"{nope"),
    )
    assert response.status == 400
    assert await point_status(service, started) == "pending"


async def test_a_post_that_is_neither_definition_nor_start_request_is_a_400(service: Service) -> None:
    for body in ([1, 2], {"hello": "world"}, "just text"):
        response = await call(service, request("POST", body=body))
        assert response.status == 400


async def test_deeply_nested_query_input_is_a_400_not_a_500(service: Service) -> None:
    deep = "[" * 5000 + "]" * 5000
    response = await handle(request("POST", query={"input": deep}, body=INCSQUARE_TEXT), service)
    assert response.status == 400


async def test_deeply_nested_body_input_is_not_a_500(service: Service) -> None:
    deep = "[" * 500 + "]" * 500
    response = await handle(request("POST", "/incsquare", headers=JSON_TYPE, body=deep), service)
    assert response.status != 500


# Input JSON cannot carry on: refused where it is decoded, naming where it is (issue 13).
NOT_REPRESENTABLE = [
    pytest.param("NaN", "", "nan", id="NaN"),
    pytest.param("Infinity", "", "inf", id="Infinity"),
    pytest.param("-Infinity", "", "-inf", id="-Infinity"),
    pytest.param("1e400", "", "inf", id="1e400"),
    pytest.param('{"a": [1, -1e400]}', "/a/1", "-inf", id="nested-overflow"),
    pytest.param('{"a/b": {"~": NaN}}', "/a~1b/~0", "nan", id="escaped-pointer"),
    pytest.param('"\\udfff"', "", "surrogate", id="lone-surrogate"),
    pytest.param('{"k": ["ok", "x\\ud800y"]}', "/k/1", "surrogate", id="nested-surrogate"),
    pytest.param('{"\\udfff": 1}', "", "surrogate", id="surrogate-key"),
]


def assert_refused(response: HttpResponse, pointer: str, shown: str) -> None:
    assert (response.status, response.body["error"]) == (400, "InputError"), response.body
    problem = response.body["problems"][0]
    assert problem["pointer"] == pointer
    assert shown in problem["message"] and "not JSON-representable" in problem["message"]


@pytest.mark.parametrize(("text", "pointer", "shown"), NOT_REPRESENTABLE)
async def test_start_input_json_cannot_carry_is_a_400(
    service: Service, text: str, pointer: str, shown: str
) -> None:
    body_form = f'{{"definition": {INCSQUARE_TEXT}, "input": {text}}}'
    for req in (
        request("POST", query={"input": text}, body=INCSQUARE_TEXT),
        request("POST", headers=JSON_TYPE, body=body_form),
        request("POST", "/incsquare", headers=JSON_TYPE, body=text),
    ):
        response = await call(service, req)
        expected = pointer if req.query else ("/input" + pointer if req.path == "/" else pointer)
        assert_refused(response, expected, shown)


@pytest.mark.parametrize(
    ("text", "pointer", "shown"),
    [
        pytest.param('{"x": NaN}', "/x", "nan", id="NaN"),
        pytest.param('{"x": {"y": 1e400}}', "/x/y", "inf", id="1e400"),
        pytest.param('{"c": "\\udfff"}', "/c", "surrogate", id="lone-surrogate"),
    ],
)
async def test_resume_input_json_cannot_carry_is_a_400_and_claims_nothing(
    service: Service, text: str, pointer: str, shown: str
) -> None:
    started = await start_incsquare(service)
    token = started["continuation"]
    resume = {"continuation": token}
    response = await call(service, request("POST", query=resume, headers=JSON_TYPE, body=text))
    assert_refused(response, pointer, shown)
    field = text[2]  # the same value as a query field: `?continuation=K&x=NaN`
    value = text.split(": ", 1)[1][:-1]
    response = await call(service, request("POST", query={"continuation": token, field: value}))
    assert response.status == 400, response.body
    assert await point_status(service, started) == "pending"
    genuine = await call(service, request("POST", query=resume, headers=JSON_TYPE, body=b"{}"))
    assert (genuine.status, genuine.body["output"]) == (200, {"value": 50})


@pytest.mark.parametrize("text", ['{"a":', "", "hello", "[1, 2", "{'a': 1}"])
async def test_query_input_that_is_not_json_is_a_400_showing_it(service: Service, text: str) -> None:
    response = await call(service, request("POST", query={"input": text}, body=INCSQUARE_TEXT))
    assert (response.status, response.body["error"]) == (400, "InputError")
    message = response.body["problems"][0]["message"]
    assert "?input= is not valid JSON" in message
    assert (json.dumps(text) if text else "(empty)") in message


async def test_query_resume_fields_that_are_not_json_stay_strings(service: Service) -> None:
    started = await start(service, CATCHES)
    query = {"continuation": started["continuation"], "decision": "approved", "n": "2"}
    response = await call(service, request("POST", query=query))
    assert response.body["output"] == {"decision": "approved", "n": 2, "route": "done"}


async def test_an_answer_json_cannot_carry_is_a_500_in_valid_json(clock: FakeClock, tmp_path: Path) -> None:
    """A `module:` action can return NaN; the answer must still be JSON (never bare NaN)."""
    (tmp_path / "nan.py").write_text("def main(args):\n    return {'ratio': float('nan')}\n")
    store = RedisStore.in_process()
    engine = Engine(Settings(actions_dir=tmp_path), store=store, signer=ContinuationSigner(b"k"), clock=clock)
    service = Service(engine, MACHINES)
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "module:nan", "End": True}}}
    response = await handle(request("POST", body=definition), service)
    assert (response.status, response.body["error"]) == (500, "InternalError")
    assert "/output/ratio" in response.body["message"] and "not finite" in response.body["message"]
    assert json.loads(response.encoded) == response.body


# ---------------------------------------------------------------- 404
async def test_forged_or_unknown_continuation_is_a_404(service: Service) -> None:
    started = await start_incsquare(service)
    real = started["continuation"]
    body, mac = real.split(".")
    altered = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac
    other_key = Engine(
        Settings(),
        store=service.engine.store,
        signer=ContinuationSigner(b"other"),
        clock=service.engine.clock,
    ).signer.issue("ab" * 16, "cd" * 16, service.engine.clock.now().replace(year=2030))
    unknown_point = service.engine.signer.issue(
        "ab" * 16, "cd" * 16, service.engine.clock.now().replace(year=2030)
    )
    for token in ("forged", "", "a.b", altered, other_key, unknown_point, real + "x"):
        for method in ("GET", "POST"):
            response = await call(service, request(method, query={"continuation": token}))
            assert response.status == 404, (token, method, response.body)
            assert "problems" not in response.body
    assert await point_status(service, started) == "pending"


async def test_forged_continuation_in_a_browser_gets_an_html_404_page(service: Service) -> None:
    response = await call(service, request("GET", query={"continuation": "forged"}, headers=BROWSER))
    assert response.status == 404
    assert response.content_type.startswith("text/html")
    assert "not valid" in response.body
    assert parse_page(response.body).forms == []


@pytest.mark.parametrize(
    "path", ["/nope", "/../incsquare", "/..", "/state_machines/incsquare", "/a/../incsquare"]
)
async def test_unknown_stored_machine_path_is_a_404(service: Service, path: str) -> None:
    response = await call(service, request("POST", path, headers=JSON_TYPE, body=b"6"))
    assert (response.status, response.body["error"]) == (404, "MachineNotFound")


@pytest.mark.parametrize(
    "name",
    ["nope", "../state_machines/incsquare", "..", "/incsquare", "incsquare/", "a/b", "incsquare.json", ""],
)
async def test_unknown_stored_machine_name_is_a_404(service: Service, name: str) -> None:
    response = await call(service, request("POST", body={"stateMachine": name, "input": 6}))
    assert (response.status, response.body["error"]) == (404, "MachineNotFound")


async def test_a_method_the_root_does_not_take_is_a_405_named_so(service: Service) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        response = await call(service, request(method))
        assert (response.status, response.body["error"]) == (405, "MethodNotAllowed"), method
        assert response.headers["Allow"] == "GET, POST"


# ---------------------------------------------------------------- 409
async def test_second_resume_is_a_409_with_the_execution_id(service: Service) -> None:
    started = await start_incsquare(service)
    first = await call(service, request("POST", query={"continuation": started["continuation"]}))
    assert (first.status, first.body["output"]) == (200, {"value": 50})
    second = await call(
        service, request("POST", query={"continuation": started["continuation"]}, body={"x": 1})
    )
    assert second.status == 409
    assert second.body["executionId"] == started["executionId"]
    failing = await call(
        service, request("POST", query={"continuation": started["continuation"]}, body={"error": "E"})
    )
    assert failing.status == 409
    # The first answer stands.
    described = await call(service, request("GET", query={"execution": started["executionId"]}))
    assert described.body["output"] == {"value": 50}


async def test_get_after_resume_is_a_409_and_a_page_for_browsers(service: Service) -> None:
    started = await start_incsquare(service)
    await call(service, request("POST", query={"continuation": started["continuation"]}))
    as_json = await call(service, request("GET", query={"continuation": started["continuation"]}))
    assert as_json.status == 409
    as_page = await call(
        service, request("GET", query={"continuation": started["continuation"]}, headers=BROWSER)
    )
    assert as_page.status == 409 and as_page.content_type.startswith("text/html")
    assert parse_page(as_page.body).forms == []


async def test_concurrent_resumes_resume_once(service: Service) -> None:
    started = await start_incsquare(service)
    answers = await asyncio.gather(
        *(
            handle(request("POST", query={"continuation": started["continuation"]}, body={"n": n}), service)
            for n in range(5)
        )
    )
    statuses = sorted(a.status for a in answers)
    assert statuses == [200, 409, 409, 409, 409]


# ---------------------------------------------------------------- 410
async def test_expired_continuation_is_a_410(service: Service, clock: FakeClock) -> None:
    started = await start(service, EXPIRES, {"a": 1})
    assert started["expiresAt"].startswith("2026-01-01T00:01:00")
    clock.advance(61)
    for method, headers in (("POST", {}), ("GET", {}), ("GET", BROWSER), ("POST", BROWSER)):
        response = await call(
            service, request(method, query={"continuation": started["continuation"]}, headers=headers)
        )
        assert response.status == 410, (method, headers)
        if headers is BROWSER:
            assert response.content_type.startswith("text/html") and "expired" in response.body


async def test_just_before_expiry_the_continuation_still_resumes(service: Service, clock: FakeClock) -> None:
    started = await start(service, EXPIRES, {"a": 1})
    clock.advance(59)
    response = await call(service, request("POST", query={"continuation": started["continuation"]}))
    assert (response.status, response.body["output"]) == (200, {"a": 1})


# ---------------------------------------------------------------- 413
async def test_oversize_body_is_a_413(clock: FakeClock) -> None:
    store = RedisStore.in_process()
    small = Service(make_engine(store, clock), MACHINES, max_request_bytes=1000)
    try:
        big = json.dumps({"definition": INCSQUARE, "input": {"blob": "x" * 2000}})
        response = await call(small, request("POST", headers=JSON_TYPE, body=big))
        assert response.status == 413
        started = await start_incsquare(small)
        resume = await call(
            small,
            request("POST", query={"continuation": started["continuation"]}, body={"blob": "x" * 2000}),
        )
        assert resume.status == 413
        assert await point_status(small, started) == "pending"
        ok = await call(small, request("POST", query={"continuation": started["continuation"]}))
        assert ok.status == 200
    finally:
        await store.close()


async def test_oversize_execution_payload_is_refused_not_a_500(clock: FakeClock) -> None:
    store = RedisStore.in_process()
    engine = Engine(
        Settings(actions_dir=ROOT / "demo_actions", max_payload_bytes=1000),
        store=store,
        signer=ContinuationSigner(b"k"),
        clock=clock,
    )
    try:
        response = await call(
            Service(engine, MACHINES),
            request("POST", body={"stateMachine": "incsquare", "input": {"blob": "x" * 5000}}),
        )
        assert response.status in (200, 400, 413)
        if response.status == 200:
            assert response.body["status"] == "FAILED"
    finally:
        await store.close()


# ---------------------------------------------------------------- 503
async def test_store_unavailable_is_a_503(down_service: Service, clock: FakeClock) -> None:
    token = down_service.engine.signer.issue("ab" * 16, "cd" * 16, clock.now().replace(year=2030))
    for req in (
        request("POST", query={"input": "6"}, body=INCSQUARE_TEXT),
        request("POST", "/incsquare", headers=JSON_TYPE, body=b"6"),
        request("POST", body={"stateMachine": "incsquare", "input": 6}),
        request("POST", query={"continuation": token}),
        request("GET", query={"continuation": token}),
        request("GET", query={"execution": "ab" * 16}),
    ):
        response = await call(down_service, req)
        assert response.status == 503, (req, response.body)
        assert response.body["error"] == "StoreUnavailable"
    page = await call(down_service, request("GET", query={"continuation": token}, headers=BROWSER))
    assert page.status == 503 and page.content_type.startswith("text/html")


async def test_a_forged_token_is_refused_before_the_store_is_asked(down_service: Service) -> None:
    response = await call(down_service, request("POST", query={"continuation": "forged.token"}))
    assert response.status == 404


# ---------------------------------------------------------------- hide_continuations
CAPTURE = """import json, pathlib

def main(args):
    pathlib.Path(__file__).with_name("sent.json").write_text(json.dumps(args))
    return {"queued": True}
"""


async def test_hidden_continuations_reach_only_the_workflows_own_step(
    clock: FakeClock, tmp_path: Path
) -> None:
    (tmp_path / "capture.py").write_text(CAPTURE)
    store = RedisStore.in_process()
    engine = Engine(
        Settings(actions_dir=tmp_path, hide_continuations=True),
        store=store,
        signer=ContinuationSigner(b"k"),
        clock=clock,
    )
    service = Service(engine, MACHINES)
    two_approvals = {
        "StartAt": "First",
        "States": {
            name: {
                "Type": "Task",
                "Resource": "module:capture.waitForTaskToken",
                "Parameters": {"token.$": "$$.Task.Token", "url.$": "$$.Task.ResumeUrl"},
                **follow,
            }
            for name, follow in (("First", {"Next": "Second"}), ("Second", {"End": True}))
        },
    }
    try:
        started = await start(service, two_approvals, {"subject": "publish?"})
        sent = json.loads((tmp_path / "sent.json").read_text())
        token = sent["token"]
        assert sent["url"].endswith(f"continuation={token}")
        assert token not in json.dumps(started)  # not to the one who started it, not in the data
        assert started["status"] == "SUSPENDED" and started["pending"][0]["state"] == "First"
        described = await call(service, request("GET", query={"execution": started["executionId"]}))
        assert token not in json.dumps(described.body)

        resumed = await call(service, request("POST", query={"continuation": token}, body={"ok": 1}))
        assert resumed.status == 202 and resumed.body["pending"][0]["state"] == "Second"
        second = json.loads((tmp_path / "sent.json").read_text())["token"]
        assert second not in json.dumps(resumed.body)  # the first approver does not get the second's
        finished = await call(service, request("POST", query={"continuation": second}, body={"ok": 2}))
        assert finished.status == 200 and finished.body["output"] == {"ok": 2}
    finally:
        await store.close()
