"""Where the CLI finds its folders (statebox/cli/common.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import INCREMENT, OK, cli, write


def test_the_default_folders_are_found_beside_the_package_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, err = cli("run", write(tmp_path, "m.json", INCREMENT), "--input", '{"value": 6}')
    assert (code, json.loads(out)["output"], err) == (0, {"value": 7}, "")


def test_a_chosen_actions_folder_that_does_not_exist_is_named(tmp_path: Path) -> None:
    code, out, err = cli("run", write(tmp_path, "m.json", OK), "--actions", tmp_path / "nope")
    assert code == 0
    assert err == (
        f"statebox: warning: the actions folder {tmp_path / 'nope'} does not exist: "
        "module: Tasks (and openwhisk: Tasks run locally) will fail\n"
    )
