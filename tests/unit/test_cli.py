"""The `statebox` command through `statebox.cli.main(argv, stdout, stderr)`: exit codes
(0 succeeded, 1 failed, 2 invalid, 3 suspended), `--input @FILE`, `validate`'s
`POINTER: MESSAGE` lines, and never a traceback whatever the arguments."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

import statebox
from statebox.cli import main

ROOT = Path(__file__).resolve().parents[2]

OK = {
    "StartAt": "A",
    "States": {"A": {"Type": "Pass", "Result": {"done": True}, "ResultPath": "$.r", "End": True}},
}
FAILS = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Nope", "Cause": "on purpose"}}}
INCREMENT = {"StartAt": "I", "States": {"I": {"Type": "Task", "Resource": "module:increment", "End": True}}}
SUSPENDS = {
    "StartAt": "S",
    "States": {
        "S": {"Type": "Task", "Resource": "module:suspend", "Next": "I"},
        "I": {"Type": "Task", "Resource": "module:increment", "End": True},
    },
}
INVALID = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Next": "Nowhere"},
        "B": {"Type": "Wait", "End": True},
    },
}


@pytest.fixture(autouse=True)
def local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads its settings from the environment: keep it in process."""
    for name in (
        "REDIS_URL",
        "STATEBOX_SECRET",
        "STATEBOX_ACTIONS_DIR",
        "STATEBOX_MAX_PAYLOAD_BYTES",
        "STATEBOX_MAX_TRANSITIONS",
    ):
        monkeypatch.delenv(name, raising=False)


def cli(*argv: str | Path) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write(folder: Path, name: str, value: Any) -> Path:
    path = folder / name
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return path


def test_run_succeeds_with_exit_0(tmp_path: Path) -> None:
    code, out, err = cli("run", write(tmp_path, "ok.json", OK), "--input", '{"a": 1}')
    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert (answer["status"], answer["output"]) == ("SUCCEEDED", {"a": 1, "r": {"done": True}})


def test_run_without_input_starts_from_an_empty_object(tmp_path: Path) -> None:
    code, out, _ = cli("run", write(tmp_path, "ok.json", OK))
    assert (code, json.loads(out)["output"]) == (0, {"r": {"done": True}})


def test_run_reads_input_from_a_file(tmp_path: Path) -> None:
    source = write(tmp_path, "input.json", {"from": "file", "n": [1, 2]})
    code, out, _ = cli("run", write(tmp_path, "ok.json", OK), "--input", f"@{source}")
    assert (code, json.loads(out)["output"]) == (0, {"from": "file", "n": [1, 2], "r": {"done": True}})


def test_run_uses_the_actions_folder(tmp_path: Path) -> None:
    actions = tmp_path / "acts"
    actions.mkdir()
    (actions / "increment.py").write_text("def main(args):\n    return {'custom': args['value'] * 10}\n")
    code, out, _ = cli(
        "run", write(tmp_path, "m.json", INCREMENT), "--input", '{"value": 4}', "--actions", actions
    )
    assert (code, json.loads(out)["output"]) == (0, {"custom": 40})


def test_run_defaults_to_the_demo_actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = cli("run", write(tmp_path, "m.json", INCREMENT), "--input", '{"value": 6}')
    assert (code, json.loads(out)["output"]) == (0, {"value": 7})


def test_a_failed_execution_exits_1(tmp_path: Path) -> None:
    code, out, err = cli("run", write(tmp_path, "fail.json", FAILS))
    assert code == 1
    answer = json.loads(out)
    assert (answer["status"], answer["error"], answer["cause"]) == ("FAILED", "Nope", "on purpose")


def test_suspend_exits_3_and_resume_finishes(tmp_path: Path) -> None:
    code, out, _ = cli(
        "run",
        write(tmp_path, "s.json", SUSPENDS),
        "--input",
        '{"value": 1, "keep": true}',
        "--actions",
        ROOT / "demo_actions",
    )
    assert code == 3
    suspended = json.loads(out)
    assert suspended["status"] == "SUSPENDED"
    code, out, _ = cli("resume", suspended["continuation"], "--input", '{"value": 41}')
    assert code == 0
    assert json.loads(out)["output"] == {"value": 42, "keep": True}
    # A continuation resumes once.
    code, _, err = cli("resume", suspended["continuation"], "--input", '{"value": 0}')
    assert code != 0 and "Traceback" not in err


def test_validate_a_valid_definition(tmp_path: Path) -> None:
    code, out, err = cli("validate", write(tmp_path, "ok.json", OK))
    assert (code, err) == (0, "")
    assert "valid" in out


def test_validate_prints_every_problem_as_pointer_and_message(tmp_path: Path) -> None:
    with pytest.raises(statebox.DefinitionError) as raised:
        statebox.parse(INVALID)
    expected = [f"{p.pointer}: {p.message}" for p in raised.value.problems]
    assert len(expected) >= 2  # the dangling Next and the unreachable state, at least
    code, out, err = cli("validate", write(tmp_path, "bad.json", INVALID))
    assert code == 2
    assert err.splitlines() == expected
    assert any(line.startswith("/States/A/Next: ") for line in expected)


def test_run_rejects_an_invalid_definition_with_exit_2(tmp_path: Path) -> None:
    code, out, err = cli("run", write(tmp_path, "bad.json", INVALID))
    assert (code, out) == (2, "")
    assert "/States/A/Next: " in err


INVALID_INVOCATIONS = [
    pytest.param(lambda d: ["run", write(d, "ok.json", OK), "--input", "{not json"], id="bad-input-json"),
    pytest.param(
        lambda d: ["run", write(d, "ok.json", OK), "--input", "@" + str(d / "none.json")],
        id="missing-input-file",
    ),
    pytest.param(lambda d: ["run", d / "missing.json"], id="missing-definition"),
    pytest.param(lambda d: ["validate", d / "missing.json"], id="validate-missing-definition"),
    pytest.param(lambda d: ["run", d], id="definition-is-a-directory"),
    pytest.param(lambda d: ["run", write(d, "text.json", "not json at all")], id="definition-not-json"),
    pytest.param(lambda d: ["validate", write(d, "text.json", '{"StartAt": ')], id="definition-truncated"),
    pytest.param(lambda d: ["run", write(d, "list.json", [1, 2])], id="definition-an-array"),
    pytest.param(
        lambda d: ["run", write(d, "deep.json", "[" * 100_000 + "]" * 100_000)],
        id="definition-nested-too-deeply",
    ),
    pytest.param(
        lambda d: ["run", write(d, "ok.json", OK), "--input", "[" * 100_000 + "]" * 100_000],
        id="input-nested-too-deeply",
    ),
    pytest.param(lambda d: ["run", write(d, "ok.json", OK), "--input", "NaN"], id="input-nan"),
    pytest.param(lambda d: ["run", write(d, "ok.json", OK), "--input", '{"a": 1e400}'], id="input-1e400"),
    pytest.param(lambda d: ["run", write(d, "ok.json", OK), "--input", '["\\udfff"]'], id="input-surrogate"),
    pytest.param(lambda d: ["resume", "any", "--input", "-Infinity"], id="resume-input-infinity"),
    pytest.param(lambda d: ["bogus"], id="unknown-command"),
    pytest.param(lambda d: ["run"], id="missing-argument"),
    pytest.param(lambda d: [], id="no-command"),
]


@pytest.mark.parametrize("argv", INVALID_INVOCATIONS)
def test_invalid_invocations_exit_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: Any
) -> None:
    code, out, err = cli(*argv(tmp_path))
    leaked = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "Traceback" not in err + leaked.err + leaked.out


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(lambda d: ["resume", "not-a-continuation"], id="resume-unknown"),
        pytest.param(lambda d: ["status", "no-such-execution"], id="status-unknown"),
        pytest.param(lambda d: ["history", "no-such-execution"], id="history-unknown"),
    ],
)
def test_service_errors_exit_1_with_a_message(tmp_path: Path, argv: Any) -> None:
    code, out, err = cli(*argv(tmp_path))
    assert code == 1
    assert err.startswith("error: ")
    assert "Traceback" not in err


@pytest.mark.parametrize("which", ["definition", "input"])
def test_a_file_that_is_not_utf8_exits_2(tmp_path: Path, which: str) -> None:
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{\x00}")
    if which == "definition":
        argv = ["run", binary]
    else:
        argv = ["run", write(tmp_path, "ok.json", OK), "--input", f"@{binary}"]
    code, out, err = cli(*argv)
    assert code == 2
    assert "UTF-8" in err or "utf-8" in err


def test_usage_errors_go_to_the_given_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli("bogus")
    leaked = capsys.readouterr()
    assert code == 2
    assert "usage:" in err
    assert leaked.err == ""


INVALID_FIXTURES = sorted((Path(__file__).resolve().parents[1] / "data" / "invalid").glob("*.json"))


@pytest.mark.parametrize("fixture", INVALID_FIXTURES, ids=[p.stem for p in INVALID_FIXTURES])
def test_validate_reports_each_fixture_exactly(tmp_path: Path, fixture: Path) -> None:
    """`statebox validate` prints exactly the fixture's `POINTER: MESSAGE` lines and exits 2."""
    case = json.loads(fixture.read_text())
    definition = tmp_path / "machine.json"
    definition.write_text(json.dumps(case["definition"]))
    code, out, err = cli("validate", definition)
    assert code == 2
    expected = [f"{pointer}: {message}" if pointer else message for pointer, message in case["problems"]]
    assert err.splitlines() == expected
    assert out == ""
