"""The built action.zip, run as OpenWhisk runs it: /init + /run in a separate process
(OpenWhiskPythonRuntimeDouble), web requests shaped by WebActionControllerDouble, state in a real
redis-server, `openwhisk:` Tasks against OpenWhiskControllerDouble."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import redis

from statebox.packaging.package import MAX_ZIP_BYTES, PackageReport

from .openwhisk_runtime_double import OpenWhiskPythonRuntimeDouble
from .web_action_double import WebActionControllerDouble

ROOT = Path(__file__).resolve().parents[2]
INCSQUARE = (ROOT / "state_machines" / "incsquare.json").read_text(encoding="utf-8")


def test_the_zip_has_the_documented_layout(action_zip: PackageReport) -> None:
    print(f"\n{action_zip.summary()}")
    assert action_zip.size < MAX_ZIP_BYTES
    with zipfile.ZipFile(action_zip.path) as archive:
        names = archive.namelist()
        entry = archive.read("__main__.py").decode()
    tops = {name.split("/")[0] for name in names}
    assert {
        "__main__.py",
        "statebox",
        "demo_actions",
        "state_machines",
        "aiohttp",
        "redis",
        "jsonschema",
        "jsonpath_ng",
    } <= tops
    assert not tops & {"requirements.txt", "virtualenv", "fakeredis", "bin"}
    # Whatever Python builds it, the dependencies the target's markers ask for are in: aiosignal
    # and referencing need typing_extensions below 3.13, redis async_timeout below 3.11.3.
    assert {"typing_extensions.py", "async_timeout"} <= tops, sorted(tops)
    # Build-time code stays out of the action.
    assert not [name for name in names if name.startswith("statebox/packaging/")]  # build time only
    assert "statebox/wiring.py" in names  # the action builds its parts there
    cached = {n for n in names if n.endswith(".pyc")}
    if sys.version_info[:2] != (3, 11):
        # Another Python cannot write 3.11 bytecode: the image compiles on import instead.
        assert not cached
    else:
        _assert_runtime_bytecode(action_zip, names, cached)
    assert not [n for n in names if n.endswith(".pyc") and n.startswith(("demo_actions/", "state_machines/"))]
    assert "statebox/web/action.py" in names and "statebox/validation/schema/asl.schema.json" in names
    assert "from statebox.web import main" in entry and "from ." not in entry


def _assert_runtime_bytecode(action_zip: PackageReport, names: list[str], cached: set[str]) -> None:
    """Built on 3.11: bytecode for the runtime's CPython, hash-based and unchecked."""
    sources = [n for n in names if n.endswith(".py") and n.startswith(("statebox/", "redis/", "aiohttp/"))]
    assert sources and all(
        n.rpartition("/")[0] + "/__pycache__/" + n.rpartition("/")[2][:-3] + ".cpython-311.pyc" in cached
        for n in sources
    )
    with zipfile.ZipFile(action_zip.path) as archive:
        engine_source = archive.read("statebox/execution/engine.py")
        pyc = archive.read("statebox/execution/__pycache__/engine.cpython-311.pyc")
    assert pyc[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(pyc[4:8], "little") == 0b01
    assert pyc[8:16] == importlib.util.source_hash(engine_source)


def test_incsquare_seed_call_on_a_raw_web_action(web: WebActionControllerDouble, controller) -> None:
    started = web.request("POST", query={"input": "6"}, body=INCSQUARE, content_type="application/json")
    assert started.status == 202, started.body
    assert started.headers["x-openwhisk-activation-id"]
    body = started.json()
    assert body["status"] == "SUSPENDED" and body["output"] == {"value": 49}
    token = body["continuation"]
    # The resume URL comes from the action's identity, not from the (internal) host header.
    assert body["resumeUrl"] == f"{controller.url}/api/v1/web/guest/default/statebox?continuation={token}"

    resumed = web.request("POST", query={"continuation": token})
    assert resumed.status == 200, resumed.body
    assert resumed.json()["output"] == {"value": 50}

    again = web.request("POST", query={"continuation": token})
    assert again.status == 409, again.body
    assert again.json()["error"] == "ContinuationAlreadyUsed"


def test_incsquare_seed_call_on_a_web_true_action(web: WebActionControllerDouble) -> None:
    started = web.request(
        "POST", query={"input": "6"}, body=INCSQUARE, content_type="application/json", raw=False
    )
    assert started.status == 202, started.body
    token = started.json()["continuation"]
    resumed = web.request("POST", query={"continuation": token}, raw=False)
    assert (resumed.status, resumed.json()["output"]) == (200, {"value": 50})
    assert web.request("POST", query={"continuation": token}, raw=False).status == 409


def test_input_json_cannot_carry_is_a_400_from_the_zip_storing_nothing(
    web: WebActionControllerDouble, redis_server: Any
) -> None:
    """Before: the action printed `NaN` (not JSON), the runtime answered 502 and the execution
    was left in Redis. Now a 400 naming the problem, and not one key more."""
    with redis.Redis.from_url(redis_server.url) as connection:
        before = connection.dbsize()
        for raw in (True, False):
            for text in ("NaN", "Infinity", "-Infinity", "1e400", '{"a": "\\udfff"}'):
                answer = web.request(
                    "POST", query={"input": text}, body=INCSQUARE, content_type="application/json", raw=raw
                )
                assert answer.status == 400, (raw, text, answer.status, answer.body)
                assert answer.json()["error"] == "InputError"
            refused = web.request(
                "POST", "/incsquare", body=b"1e400", content_type="application/json", raw=raw
            )
            assert refused.status == 400, (raw, refused.status, refused.body)
        assert connection.dbsize() == before


def test_openwhisk_tasks_invoke_actions_over_rest_from_inside_the_zip(
    web: WebActionControllerDouble, controller
) -> None:
    definition = {
        "StartAt": "Square",
        "States": {
            "Square": {"Type": "Task", "Resource": "openwhisk:square", "Next": "Reject"},
            "Reject": {
                "Type": "Task",
                "Resource": "openwhisk:reject",
                "Catch": [{"ErrorEquals": ["Order.Rejected"], "ResultPath": "$.rejected", "Next": "Done"}],
                "End": True,
            },
            "Done": {"Type": "Succeed"},
        },
    }
    before = len(controller.invocations())
    answer = web.request(
        "POST",
        query={"input": json.dumps({"value": 5})},
        body=json.dumps(definition),
        content_type="application/json",
    )
    assert answer.status == 200, answer.body
    assert answer.json()["output"] == {
        "value": 25,
        "rejected": {"Error": "Order.Rejected", "Cause": "too big"},
    }
    calls = controller.invocations()[before:]
    assert [c.path for c in calls] == [
        "/api/v1/namespaces/_/actions/square",
        "/api/v1/namespaces/_/actions/reject",
    ]
    assert {c.login for c in calls} == {controller.uuid}  # the key /run passed (provide-api-key)


def test_an_alarm_tick_fires_due_timers(
    web: WebActionControllerDouble, runtime: OpenWhiskPythonRuntimeDouble
) -> None:
    definition = {
        "StartAt": "Approve",
        "States": {
            "Approve": {"Type": "Task", "Resource": "module:suspend", "TimeoutSeconds": 1, "End": True}
        },
    }
    started = web.request("POST", body=json.dumps(definition), content_type="application/json")
    assert started.status == 202, started.body
    execution = started.json()["executionId"]
    time.sleep(1.2)
    # What the rule sends: the trigger's payload merged over the action's parameters, no __ow_*.
    status, result = runtime.run({**web.params, "statebox_tick": True})
    assert status == 200 and result["statusCode"] == 200
    assert result["body"]["fired"] >= 1
    described = web.request("GET", query={"execution": execution})
    assert described.json()["status"] == "FAILED" and described.json()["error"] == "States.Timeout"


def test_the_container_refuses_a_second_init(
    runtime: OpenWhiskPythonRuntimeDouble, action_zip: PackageReport
) -> None:
    status, body = runtime.init(action_zip.path.read_bytes())
    assert (status, body) == (403, {"error": "Cannot initialize the action more than once."})


def _zip(files: dict[str, str]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_the_runtime_double_refuses_what_the_real_runtime_refuses(tmp_path: Path) -> None:
    """The harness would catch a broken zip: an undeclared dependency (the action has no
    site-packages, even though this test machine has aiohttp), a root requirements.txt, no
    __main__.py; /run before /init."""
    cases = {
        "undeclared dependency": (
            _zip({"__main__.py": "import aiohttp\n\ndef main(args):\n    return {}\n"}),
            "Cannot start action. Check logs for details.",
        ),
        "requirements.txt": (
            _zip({"__main__.py": "def main(args):\n    return {}\n", "requirements.txt": "redis\n"}),
            "The action failed to generate or locate a binary. See logs for details.",
        ),
        "no __main__.py": (
            _zip({"other.py": "def main(args):\n    return {}\n"}),
            "The action failed to generate or locate a binary. See logs for details.",
        ),
    }
    for number, (label, (code, error)) in enumerate(cases.items()):
        container = OpenWhiskPythonRuntimeDouble(tmp_path / str(number))
        container.start()
        try:
            if number == 0:
                assert container.run({}) == (500, {"error": "no action defined yet"})
            assert container.init(code) == (502, {"error": error}), label
        finally:
            container.stop()
    ok = OpenWhiskPythonRuntimeDouble(tmp_path / "ok")
    ok.start()
    try:
        source = (
            "import os\n\n"
            "def main(args):\n"
            "    if args.get('boom'):\n"
            "        raise ValueError('boom')\n"
            "    ns = os.environ.get('__OW_NAMESPACE')\n"
            "    return {'args': args, 'ns': ns, 'path': 'PATH' in os.environ}\n"
        )
        code = _zip({"__main__.py": source})
        assert ok.init(code, env={"GREETING": "hi"}) == (200, {"ok": True})
        assert ok.run({"a": 1}) == (200, {"args": {"a": 1}, "ns": "guest", "path": False})
        assert ok.run({"boom": True}) == (200, {"error": "boom"})  # the launcher's application error
    finally:
        ok.stop()
