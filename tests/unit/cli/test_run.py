"""`statebox run` and `statebox validate` (statebox/cli/run.py): exit codes (0 succeeded, 1 failed,
2 invalid, 3 suspended), `--input @FILE`, `POINTER: MESSAGE` lines, and never a traceback
whatever the arguments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import statebox

from .helpers import FAILS, INCREMENT, INVALID, OK, ROOT, SUSPENDS, cli, write


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


def test_suspend_without_redis_exits_3_and_warns_that_nothing_can_resume_it(tmp_path: Path) -> None:
    code, out, err = cli("run", write(tmp_path, "s.json", SUSPENDS), "--input", '{"value": 1}')
    assert code == 3
    assert json.loads(out)["status"] == "SUSPENDED"
    assert err.startswith("warning: no REDIS_URL: this execution was kept in this process only")
    assert "statebox resume" in err
    # A long Wait is a timer in the store: the same warning (its timer would never fire).
    waits = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
    code, _, err = cli("run", write(tmp_path, "w.json", waits))
    assert code == 3 and "never fires" in err


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


INVALID_FIXTURES = sorted((Path(__file__).resolve().parents[2] / "data" / "invalid").glob("*.json"))


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


def test_validate_takes_several_files_and_names_each(tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", OK)
    bad = write(tmp_path, "bad.json", INVALID)
    missing = tmp_path / "missing.json"
    code, out, err = cli("validate", good, bad, missing, good)
    assert code == 2
    assert out.splitlines() == [f"{good}: valid", f"{good}: valid"]
    lines = err.splitlines()
    assert lines and all(line.startswith((f"{bad}: /States/", f"{missing}: cannot read")) for line in lines)
    assert any(line.startswith(f"{bad}: /States/A/Next") for line in lines)
    code, out, err = cli("validate", good, good)
    assert (code, err) == (0, "")


def test_validate_warns_about_aws_resources_that_cannot_run_here(tmp_path: Path) -> None:
    lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": lambda_arn, "End": True}}}
                ],
                "Next": "Ok",
            },
            "Ok": {"Type": "Task", "Resource": "module:increment", "End": True},
        },
    }
    path = write(tmp_path, "m.json", definition)
    code, out, err = cli("validate", path)
    assert (code, out) == (0, f"{path}: valid\n")  # valid ASL ...
    # ... but that Task can never run here: one warning, with its pointer.
    assert err == (
        f"{path}: warning: /States/P/Branches/0/States/L/Resource: '{lambda_arn}' is an AWS resource, "
        "which statebox cannot run (the Task fails with States.TaskFailed): "
        "use openwhisk:NAME or module:NAME\n"
    )
    code, out, err = cli("run", path, "--input", '{"value": 1}')
    assert code == 1 and json.loads(out)["error"] == "States.TaskFailed"  # what the warning said


def test_order_total_totals_the_order() -> None:
    machine = ROOT / "state_machines" / "order_total.json"
    order = {
        "customer": "ann",
        "lines": [{"sku": "pen", "qty": 3, "price": 1.1}, {"sku": "ink", "qty": 2, "price": 24.5}],
    }
    code, out, _ = cli("run", machine, "--input", json.dumps(order))
    output = json.loads(out)["output"]
    assert code == 0
    assert [line["amount"] for line in output["lines"]] == [3.3, 49]
    assert (output["count"], output["total"], output["shipping"]) == (2, 52.3, "free")
    code, out, _ = cli("run", machine, "--input", '{"customer": "ann", "lines": []}')
    output = json.loads(out)["output"]
    assert (code, output["count"], output["total"], output["shipping"]) == (0, 0, 0, "standard")
