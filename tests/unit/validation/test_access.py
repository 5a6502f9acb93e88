"""Who may make statebox do what (docs/security.md):

- `module:` names only files in the actions folder: not `..`, absolute paths, dotted names,
  other folders, nor symbolic links that lead out of it (the file outside never runs);
- Settings.allowed_actions: what a *posted* definition may call, checked at start with a 400
  naming each resource at its JSON pointer; stored machines are trusted;
- Settings.stored_machines_only: posted definitions answer 403 Forbidden;
- the web action's configuration cannot be changed by a request (`--web true` merges request
  fields into the arguments): the operator's environment wins, and the settings that load code
  or aim the API key are read from parameters only under `--web raw`;
- continuation tokens: compared in constant time, never logged in full, never in an answer's
  error message; the signing secret is required at start-up (CLI and web action);
- a 503 names no Redis address.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
from dataclasses import replace
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from conftest import machine

import statebox
from statebox.cli import main as cli_main
from statebox.config import Settings
from statebox.errors import DefinitionError, InputError
from statebox.execution import continuations
from statebox.execution.continuations import ContinuationSigner
from statebox.execution.engine import Engine
from statebox.ports import FakeClock
from statebox.stores.redis import RedisStore
from statebox.web import action as web_action
from statebox.web.handler import STATUS_FOR_ERROR, Service, handle
from statebox.web.protocol import HttpRequest

ROOT = Path(__file__).resolve().parents[3]
MACHINES = ROOT / "state_machines"
INCSQUARE = json.loads((MACHINES / "incsquare.json").read_text())
JSON_TYPE = {"content-type": "application/json"}


def task(resource: str, **extra: Any) -> dict[str, Any]:
    return machine(("Call", {"Type": "Task", "Resource": resource, "End": True, **extra}))


@pytest.fixture
async def store() -> Any:
    store = RedisStore.in_process()
    yield store
    await store.close()


def make_service(store: Any, **settings: Any) -> Service:
    engine = Engine(
        Settings(actions_dir=ROOT / "demo_actions", **settings),
        store=store,
        signer=ContinuationSigner(b"k"),
        clock=FakeClock(),
    )
    return Service(engine, MACHINES)


async def snapshot(store: Any) -> dict[bytes, Any]:
    return {key: await store.client.dump(key) for key in await store.client.keys("*")}


def post(body: Any, path: str = "/", query: dict[str, str] | None = None) -> HttpRequest:
    return HttpRequest(
        "POST", path, query or {}, JSON_TYPE, json.dumps(body).encode(), base_url="https://s.test/"
    )


# ---------------------------------------------------------------------------- module: confinement
@pytest.fixture
def actions(tmp_path: Path) -> Path:
    """An actions folder with one good action, and outside it a file that must never run."""
    folder = tmp_path / "actions"
    folder.mkdir()
    (folder / "good.py").write_text("def main(args):\n    return {'ran': 'good'}\n")
    marker = tmp_path / "outside-ran"
    evil = (
        f"import pathlib\n\ndef main(args):\n    pathlib.Path({str(marker)!r}).write_text('x')\n"
        "    return {}\n"
    )
    (tmp_path / "evil.py").write_text(evil)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "evil.py").write_text(evil)
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.py").write_text(evil)
    (folder / "link_out.py").symlink_to(tmp_path / "evil.py")
    (folder / "link_in.py").symlink_to(folder / "good.py")
    (folder / "dir_out").symlink_to(tmp_path / "pkg")
    return folder


@pytest.mark.parametrize(
    "resource",
    [
        "module:../evil",
        "module:..",
        "module:/etc/passwd",
        "module:{outside}/evil",
        "module:pkg.evil",
        "module:os.path",
        "module:sub/inner",
        "module:sub.inner",
        "module:link_out",
        "module:dir_out/evil",
        "module:evil",
        "module:",
        "module:good.py",
        "module:good\x00",
        "openwhisk:../evil",
        "openwhisk:/ns/../../evil",
        "module:../evil.waitForTaskToken",
    ],
)
async def test_module_resources_cannot_leave_the_actions_folder(actions: Path, resource: str) -> None:
    resource = resource.replace("{outside}", str(actions.parent))
    result = await statebox.run_async(task(resource), {}, actions=actions)
    assert (result.status, result.error) == ("FAILED", "States.TaskFailed"), result
    assert not (actions.parent / "outside-ran").exists()


async def test_links_that_stay_inside_the_folder_work(actions: Path) -> None:
    for resource in ("module:good", "module:link_in", "openwhisk:pkg/good"):
        result = await statebox.run_async(task(resource), {}, actions=actions)
        assert (result.status, result.output) == ("SUCCEEDED", {"ran": "good"}), resource


# ------------------------------ allowed actions (the globs: tests/unit/validation/test_allow_list.py)
NESTED = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Parallel",
            "Branches": [
                machine(("Ok", {"Type": "Task", "Resource": "openwhisk:square", "End": True})),
                machine(("Bad", {"Type": "Task", "Resource": "openwhisk:/admin/drop_db", "End": True})),
            ],
            "Next": "Each",
        },
        "Each": {
            "Type": "Map",
            "ItemProcessor": machine(
                ("Mail", {"Type": "Task", "Resource": "module:send_approval_email", "End": True})
            ),
            "End": True,
        },
    },
}


async def test_a_posted_definition_calling_an_unlisted_action_is_a_400_naming_each_resource(
    store: Any,
) -> None:
    service = make_service(store, allowed_actions=("square", "module:increment"))
    before = await snapshot(store)
    response = await handle(post({"definition": NESTED, "input": {}}), service)
    assert response.status == 400, response.body
    problems = {p["pointer"]: p["message"] for p in response.body["problems"]}
    assert set(problems) == {
        "/States/Fan/Branches/1/States/Bad/Resource",
        "/States/Each/ItemProcessor/States/Mail/Resource",
    }
    assert "'openwhisk:/admin/drop_db'" in problems["/States/Fan/Branches/1/States/Bad/Resource"]
    assert "STATEBOX_ALLOWED_ACTIONS" in response.body["message"]
    assert await snapshot(store) == before  # refused before anything was stored
    # The raw-definition form is checked the same way.
    raw = await handle(post(task("openwhisk:nope")), service)
    assert raw.status == 400 and raw.body["problems"][0]["pointer"] == "/States/Call/Resource"


async def test_allowed_actions_and_stored_machines_run(store: Any) -> None:
    service = make_service(store, allowed_actions=("square",))
    allowed = await handle(post({"definition": task("openwhisk:square"), "input": {"value": 3}}), service)
    assert (allowed.status, allowed.body["output"]) == (200, {"value": 9})
    # incsquare calls module:increment and module:square, on no list: stored machines are trusted.
    stored = await handle(post(6, "/incsquare"), service)
    assert (stored.status, stored.body["output"]) == (202, {"value": 49})
    by_name = await handle(post({"stateMachine": "incsquare", "input": 6}), service)
    assert by_name.status == 202


async def test_an_empty_allow_list_allows_only_suspending(store: Any) -> None:
    service = make_service(store, allowed_actions=())
    assert (await handle(post(task("module:suspend")), service)).status == 202
    assert (await handle(post(task("module:increment")), service)).status == 400


async def test_the_engine_checks_the_allow_list_for_library_callers_too(store: Any) -> None:
    engine = make_service(store, allowed_actions=("square",)).engine
    with pytest.raises(DefinitionError) as refused:
        await engine.start(task("module:increment"), {})
    assert refused.value.problems[0].pointer == "/States/Call/Resource"
    assert (await engine.start(task("module:increment"), {"value": 1}, trusted=True)).output == {"value": 2}


def test_allowed_actions_from_the_environment() -> None:
    settings = Settings.from_env({"STATEBOX_ALLOWED_ACTIONS": " square, utils/* ,,module:increment "})
    assert settings.allowed_actions == ("square", "utils/*", "module:increment")
    assert Settings.from_env({}).allowed_actions is None  # not set: everything allowed
    assert Settings.from_env({"STATEBOX_ALLOWED_ACTIONS": ""}).allowed_actions == ()


# ---------------------------------------------------------------------------- stored machines only
async def test_stored_machines_only_refuses_posted_definitions_with_403(store: Any) -> None:
    service = make_service(store, stored_machines_only=True)
    before = await snapshot(store)
    for request in (
        post(INCSQUARE, query={"input": "6"}),
        post({"definition": INCSQUARE, "input": 6}),
        HttpRequest("POST", "/", {}, {"content-type": "text/plain"}, json.dumps(INCSQUARE).encode()),
    ):
        response = await handle(request, service)
        assert response.status == 403, response.body
        assert response.body["error"] == "Forbidden"
        assert "stored machines only" in response.body["message"]
    assert await snapshot(store) == before
    assert (await handle(post(6, "/incsquare"), service)).status == 202
    assert (await handle(post({"stateMachine": "incsquare", "input": 6}), service)).status == 202


def test_403_is_in_the_status_table() -> None:
    from statebox.errors import Forbidden, ServiceError

    assert issubclass(Forbidden, ServiceError) and STATUS_FOR_ERROR[Forbidden] == 403


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("1", True), ("yes", True), ("false", False), ("0", False), ("", False)],
)
def test_stored_machines_only_from_the_environment(value: str, expected: bool) -> None:
    assert Settings.from_env({"STATEBOX_STORED_MACHINES_ONLY": value}).stored_machines_only is expected


def test_hide_continuations_from_the_environment() -> None:
    assert Settings.from_env({"STATEBOX_HIDE_CONTINUATIONS": "true"}).hide_continuations is True
    assert Settings.from_env({}).hide_continuations is False
    with pytest.raises(InputError, match="must be true or false"):
        Settings.from_env({"STATEBOX_HIDE_CONTINUATIONS": "maybe"})


def test_a_flag_that_is_not_a_flag_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="must be true or false"):
        Settings.from_env({"STATEBOX_STORED_MACHINES_ONLY": "sometimes"})


# ---------------------------------------------------------------------------- the web action's configuration
@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name in ("REDIS_URL",) or name.startswith(("STATEBOX_", "__OW_")):
            monkeypatch.delenv(name)
    monkeypatch.setattr(web_action, "CONTAINER", web_action.Container())
    return monkeypatch


def raw_args(query: str = "", body: Any = None, **params: Any) -> dict[str, Any]:
    import base64

    text = "" if body is None else base64.b64encode(json.dumps(body).encode()).decode()
    return {
        "__ow_method": "post",
        "__ow_headers": {"content-type": "application/json"},
        "__ow_path": "",
        "__ow_query": query,
        "__ow_body": text,
        "statebox_redis_url": "redis://127.0.0.1:1/0",
        "statebox_secret": "s" * 32,
        **params,
    }


def test_web_action_parameters_for_the_access_settings(clean_env: pytest.MonkeyPatch) -> None:
    args = raw_args(statebox_allowed_actions="square,utils/*", statebox_stored_machines_only="true")
    settings = web_action._settings(args)
    assert settings.allowed_actions == ("square", "utils/*") and settings.stored_machines_only
    answer = web_action.main(raw_args(body=INCSQUARE, statebox_stored_machines_only="true"))
    assert answer["statusCode"] == 403 and answer["body"]["error"] == "Forbidden"
    hidden = web_action._settings(raw_args(statebox_hide_continuations="true"))
    assert hidden.hide_continuations and not settings.hide_continuations


def test_a_web_true_request_cannot_aim_the_action_elsewhere(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("__OW_API_HOST", "https://openwhisk.example")
    injected = {
        "statebox_actions_dir": "/usr/lib/python3",
        "statebox_machines_dir": "/tmp",
        "statebox_ow_api_host": "https://attacker.example",
        "statebox_ow_api_key": "attacker:key",
    }
    # --web true: the request's fields are merged into the arguments, next to the parameters
    # the operator declared in statebox_parameters; any other statebox_* name is the request's.
    merged = {
        "__ow_method": "post",
        "__ow_headers": {},
        "__ow_path": "",
        **raw_args(),
        "statebox_parameters": "statebox_redis_url,statebox_secret",
        **injected,
    }
    del merged["__ow_query"], merged["__ow_body"]
    answer = web_action.main(merged)
    assert answer["statusCode"] == 400
    assert [p["pointer"] for p in answer["body"]["problems"]] == sorted(f"/{k}" for k in injected)
    # --web raw: the request cannot add arguments, so these parameters are the operator's.
    settings = web_action._settings(raw_args(**injected))
    assert settings.ow_api_host == "https://attacker.example"
    assert settings.actions_dir == Path("/usr/lib/python3")


def test_the_operators_environment_wins_over_arguments(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("STATEBOX_SECRET", "the-operators-secret-0123456789")
    clean_env.setenv("STATEBOX_STORED_MACHINES_ONLY", "true")
    clean_env.setenv("STATEBOX_HIDE_CONTINUATIONS", "true")
    settings = web_action._settings(
        raw_args(
            statebox_secret="chosen-by-a-request",
            statebox_stored_machines_only="false",
            statebox_hide_continuations="false",
        )
    )
    assert settings.secret == "the-operators-secret-0123456789"
    assert settings.stored_machines_only is True
    assert settings.hide_continuations is True


def test_the_web_action_refuses_to_run_without_a_secret_or_with_a_weak_one_in_production(
    clean_env: pytest.MonkeyPatch,
) -> None:
    args = raw_args()
    del args["statebox_secret"]
    answer = web_action.main(args)
    assert answer["statusCode"] == 500 and "statebox_secret" in answer["body"]["message"]
    answer = web_action.main(raw_args(statebox_secret="short", statebox_mode="production"))
    assert answer["statusCode"] == 500 and "at least 16 characters" in answer["body"]["message"]
    assert answer["body"]["kind"] == "ConfigurationError"


# ---------------------------------------------------------------------------- the CLI's start-up
@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Replaces the server: a test that reaches it would otherwise serve forever."""
    started: list[Any] = []
    import statebox.web.devserver as devserver

    monkeypatch.setattr(devserver, "serve", lambda *args, **options: started.append(args))
    for name in ("REDIS_URL", "STATEBOX_SECRET", "STATEBOX_MODE"):
        monkeypatch.delenv(name, raising=False)
    return started


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    return cli_main(list(argv), stdout=out, stderr=err), out.getvalue(), err.getvalue()


def test_serve_with_redis_and_no_secret_is_a_start_up_error(no_server: list[Any], monkeypatch: Any) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://:hunter2@127.0.0.1:1/0")
    code, out, err = cli("serve", "--port", "1")
    assert code == 2 and no_server == []
    assert "STATEBOX_SECRET is not" in err and "openssl rand" in err
    assert "hunter2" not in out + err


def test_serve_in_production_mode_needs_a_secret_and_redis(no_server: list[Any], monkeypatch: Any) -> None:
    monkeypatch.setenv("STATEBOX_MODE", "production")
    code, _, err = cli("serve")
    assert code == 2 and no_server == []
    assert "requires STATEBOX_SECRET" in err and "requires REDIS_URL" in err
    monkeypatch.setenv("STATEBOX_SECRET", "short")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    code, _, err = cli("serve")
    assert code == 2 and "at least 16 characters" in err
    monkeypatch.setenv("STATEBOX_SECRET", "x" * 32)
    code, out, _ = cli("serve", "--port", "1")
    assert code == 0 and len(no_server) == 1 and "Redis at redis://127.0.0.1:1/0" in out


def test_development_serve_still_works_with_nothing_set(no_server: list[Any]) -> None:
    code, out, _ = cli("serve", "--port", "1")
    assert code == 0 and len(no_server) == 1 and "for this run only" in out


def test_the_console_never_shows_the_redis_password(no_server: list[Any], monkeypatch: Any) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://user:hunter2@127.0.0.1:1/0")
    monkeypatch.setenv("STATEBOX_SECRET", "x" * 32)
    code, out, err = cli("serve", "--port", "1")
    assert code == 0 and "hunter2" not in out + err and "user:***@127.0.0.1:1" in out


def test_worker_and_resume_need_the_secret_with_redis(no_server: list[Any], monkeypatch: Any) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    for argv in (("worker", "--once"), ("resume", "token")):
        code, _, err = cli(*argv)
        assert code == 2 and "STATEBOX_SECRET" in err, argv
    monkeypatch.delenv("REDIS_URL")
    monkeypatch.setenv("STATEBOX_MODE", "production")
    code, _, err = cli("worker", "--once")
    assert code == 2 and "requires REDIS_URL" in err


def test_an_unknown_mode_is_a_clear_error(monkeypatch: Any) -> None:
    with pytest.raises(InputError, match="STATEBOX_MODE must be production or development"):
        Settings.from_env({"STATEBOX_MODE": "prodd"})


# ---------------------------------------------------------------------------- continuation tokens
def test_tokens_are_compared_in_constant_time() -> None:
    source = inspect.getsource(continuations.ContinuationSigner.verify)
    assert "hmac.compare_digest(given_mac, self._mac(payload))" in source
    assert not re.search(r"mac\w*\s*[!=]=", source)  # no early-exit comparison of MACs


def test_every_log_call_that_mentions_a_token_redacts_it() -> None:
    offenders = []
    for path in (ROOT / "statebox").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\blog\w*\.\w+\(", line) and re.search(r"token|continuation", line, re.I):
                if "redact(" not in line and "continuation activation" not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


async def test_no_token_reaches_a_log_line_or_an_error_message(
    store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    service = make_service(store)
    started = (await handle(post(INCSQUARE, query={"input": "6"}), service)).body
    token = started["continuation"]
    body, mac = token.split(".")
    altered = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac
    answers = []
    for request in (
        HttpRequest("GET", "/", {"continuation": token}),
        HttpRequest("POST", "/", {"continuation": token}, JSON_TYPE, b"{nope"),  # 400
        HttpRequest("POST", "/", {"continuation": token}),  # 200
        HttpRequest("POST", "/", {"continuation": token}),  # 409
        HttpRequest("GET", "/", {"continuation": token}),  # 409
        HttpRequest("POST", "/", {"continuation": altered}),  # 404
        HttpRequest("POST", "/", {"continuation": token + "x"}),  # 404
    ):
        answers.append(await handle(request, service))
    assert [a.status for a in answers] == [200, 400, 200, 409, 409, 404, 404]
    for answer in answers[1:] + [answers[0]]:
        if answer.status >= 400:
            text = json.dumps(answer.body)
            assert token not in text and body not in text and mac not in text, answer.body
    assert token not in caplog.text and mac not in caplog.text
    assert continuations.redact(token) in caplog.text  # the log line is there, redacted


# ---------------------------------------------------------------------------- 503s
async def test_a_503_names_no_redis_address_and_the_log_has_the_detail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    store = RedisStore.connect("redis://:hunter2@127.0.0.1:1/0")
    service = make_service(store)
    try:
        response = await handle(post(6, "/incsquare"), service)
    finally:
        await store.close()
    assert response.status == 503
    text = json.dumps(response.body)
    assert response.body["message"] == "the store is unavailable; nothing is lost, try again later"
    for leak in ("127.0.0.1", ":1", "hunter2", "refused", "Error", "redis://"):
        assert leak not in response.body["message"], leak
    assert "hunter2" not in text
    assert "store call failed" in caplog.text and "127.0.0.1" in caplog.text
    assert "hunter2" not in caplog.text


def test_settings_are_frozen() -> None:
    settings = Settings(allowed_actions=("a",))
    with pytest.raises(AttributeError):
        settings.allowed_actions = None  # type: ignore[misc]
    assert replace(settings, stored_machines_only=True).allowed_actions == ("a",)
