"""A definition validated once is not schema-validated again by a later process (cold starts
skip importing jsonschema), and a stale or forged marker never lets a broken definition in."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import statebox

parse_module = importlib.import_module("statebox.parse")

SMALL = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
PROBE = (
    "import json, sys, statebox\n"
    "r = statebox.run(json.loads(sys.argv[1]), {})\n"
    "print(json.dumps([r.status, r.output, 'jsonschema' in sys.modules]))\n"
)


def run_fresh(definition: dict, cache: Path) -> list:
    env = {"STATEBOX_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(definition)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_a_second_process_skips_the_schema_pass(tmp_path: Path) -> None:
    first = run_fresh(SMALL, tmp_path)
    second = run_fresh(SMALL, tmp_path)
    assert first == ["SUCCEEDED", {"ok": True}, True]  # validated with jsonschema, then noted
    assert second == ["SUCCEEDED", {"ok": True}, False]  # known valid: jsonschema never imported


def test_a_forged_marker_does_not_admit_a_broken_definition(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}
    monkeypatch.setenv("STATEBOX_CACHE_DIR", str(tmp_path))
    text = parse_module.canonical_json(broken)
    import hashlib

    digest = hashlib.sha256(text.encode()).hexdigest()
    parse_module.remember_validated(digest)  # as if someone had planted it
    parse_module.forget_machines()
    with pytest.raises(statebox.DefinitionError) as refused:
        statebox.parse(broken)
    assert any(p.pointer == "/States/A/Next" for p in refused.value.problems)
