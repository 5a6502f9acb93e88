"""The command line itself (statebox/cli/parser.py): usage errors, --version, --help."""

from __future__ import annotations

import pytest

import statebox

from .helpers import cli


def test_usage_errors_go_to_the_given_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli("bogus")
    leaked = capsys.readouterr()
    assert code == 2
    assert "usage:" in err
    assert leaked.err == ""


def test_version_and_help_name_the_defaults_exit_codes_and_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = cli("--version")
    assert (code, out.strip()) == (0, f"statebox {statebox.__version__}")
    for argv, defaults in (
        (["--help"], []),
        (["serve", "--help"], ["--port PORT", "(default: 8080)", "(default: 127.0.0.1)"]),
        (["worker", "--help"], ["(default: 1.0)"]),
    ):
        code, out, _ = cli(*argv)
        assert code == 0
        flat = " ".join(out.split())
        assert "exit status: 0 succeeded" in flat and "3 suspended" in flat, argv
        assert "REDIS_URL" in flat and "STATEBOX_SECRET" in flat and "STATEBOX_ACTIONS_DIR" in flat, argv
        for default in defaults:
            assert default in flat, (argv, default)
    assert capsys.readouterr().out == ""
