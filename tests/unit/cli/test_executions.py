"""`statebox resume / status / history / worker` (statebox/cli/executions.py) without Redis.
With Redis: tests/integration/test_cli_store.py."""

from __future__ import annotations

import pytest

from .helpers import cli


@pytest.mark.parametrize(
    "argv", [["resume", "TOKEN"], ["status", "ID"], ["history", "ID"], ["worker", "--once"]]
)
def test_commands_on_stored_executions_refuse_to_run_without_redis(argv: list[str]) -> None:
    """Each statebox process has its own in-process store, empty at start: nothing to find."""
    code, out, err = cli(*argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"statebox {argv[0]} needs REDIS_URL (and STATEBOX_SECRET)")
    assert "Traceback" not in err
