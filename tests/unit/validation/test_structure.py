"""The schema's compiled check (statebox/validation/schema/generated_check.py) against jsonschema.

`validation.find_problems` trusts a pass of the compiled check as much as an empty jsonschema
report, so the compiled check must never accept what jsonschema rejects. Held to that over
every definition in the conformance corpus and state_machines/, and over mutated ones.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from statebox import validation
from statebox.validation import structure
from statebox.validation.schema import generated_check
from tests.support.structure import agree

ROOT = Path(__file__).resolve().parents[3]
CORPUS = sorted((ROOT.parent / "shared" / "conformance" / "cases").glob("*/*.json"))
MACHINES = sorted((ROOT / "state_machines").glob("*.json"))


def test_the_compiled_check_is_generated_from_the_current_schema() -> None:
    schema = ROOT / "statebox" / "validation" / "schema" / "asl.schema.json"
    assert generated_check.SCHEMA_SHA256 == hashlib.sha256(schema.read_bytes()).hexdigest(), (
        "asl.schema.json changed: run scripts/generate_schema_check.py"
    )
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_schema_check.py"), "--check"], capture_output=True
    )
    assert check.returncode == 0, check.stderr


def test_every_corpus_definition_gets_the_same_verdict_from_both() -> None:
    verdicts = [agree(json.loads(p.read_text())["definition"]) for p in CORPUS]
    verdicts += [agree(json.loads(p.read_text())) for p in MACHINES]
    assert len(verdicts) > 800 or not CORPUS
    disagreements = [v for v in verdicts if v[0] != v[1]]
    # Stricter would be allowed (jsonschema then runs and finds nothing), but on the corpus the
    # two agree exactly: every valid definition there takes the fast path.
    assert disagreements == []
    assert sum(passes for passes, _ in verdicts) > 0.8 * len(verdicts)


PROBE = """
import json, sys, statebox
try:
    result = statebox.run(json.loads(sys.argv[1]), {})
    answer = [result.status, result.output]
except statebox.DefinitionError as refused:
    answer = [[p.pointer, p.message] for p in refused.problems]
print(json.dumps([answer, "jsonschema" in sys.modules]))
"""


def run_fresh(definition: dict) -> list:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(definition)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_a_valid_definition_never_imports_jsonschema_and_an_invalid_one_is_explained() -> None:
    valid = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
    assert run_fresh(valid) == [["SUCCEEDED", {"ok": True}], False]
    invalid = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Reslt": 1, "End": True}}}
    problems, imported = run_fresh(invalid)
    assert imported and problems == [["/States/A/Reslt", "unknown field 'Reslt'; did you mean 'Result'?"]]


def test_the_generator_refuses_what_draft_7_would_read_otherwise() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import generate_schema_check as generator
    finally:
        sys.path.pop(0)
    schema = {
        "$defs": {
            "a": {"$ref": "#/$defs/b", "minLength": 3},  # Draft 7 ignores a $ref's siblings
            "b": {"type": "array", "items": [{"type": "string"}]},  # the array form changed meaning
            "c": {"$ref": "#/$defs/b", "$comment": "annotations are fine"},
        }
    }
    found = generator.unsupported_keywords(schema)
    assert any("/$defs/a/$ref" in f for f in found) and "/$defs/b/items" in found
    assert not any("/$defs/c" in f for f in found)


def test_the_schema_is_valid_and_loaded_once() -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(json.loads(structure.SCHEMA_FILE.read_text("utf-8")))
    validation.find_problems({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})
    validation.find_problems({"StartAt": "B", "States": {"B": {"Type": "Succeed"}}})
    assert structure._validators.cache_info().misses == 1


def test_the_asl_schema_itself_is_a_valid_draft_2020_12_schema() -> None:
    """Checked here so that parsing does not pay for it on every cold start."""
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(json.loads(structure.SCHEMA_FILE.read_text("utf-8")))
