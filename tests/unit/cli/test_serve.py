"""`statebox serve` (statebox/cli/serve.py) up to the server: the port check, and the settings
it hands the dev server. Serving and stopping as a process: tests/e2e/test_serve_command.py."""

from __future__ import annotations

import ast
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from statebox.cli import main
from statebox.web import devserver
from tests.support.servers import free_port

from .helpers import ROOT


def test_serve_on_a_port_in_use_exits_at_once_with_a_clear_message(tmp_path: Path) -> None:
    import os
    import socket
    import subprocess
    import sys

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("REDIS_URL", None)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "statebox", "serve", "--port", str(port)],
                capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"statebox serve did not exit: {exc.stdout!r} {exc.stderr!r}")
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "--port N" in done.stderr and "Traceback" not in done.stderr
    assert "serving on" not in done.stdout


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What `statebox serve` hands the dev server, which is not started."""
    calls: list[dict[str, Any]] = []

    def record(service: Any, host: str, port: int, **options: Any) -> None:
        calls.append({"service": service, "host": host, "port": port, **options})

    monkeypatch.setattr(devserver, "serve", record)
    return calls


def test_the_public_url_comes_from_the_settings_unless_given(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = str(free_port())
    monkeypatch.setenv("STATEBOX_BASE_URL", "https://from.settings/")
    assert main(["serve", "--port", port, "--no-log-transitions"], StringIO(), StringIO()) == 0
    assert main(["serve", "--port", port, "--base-url", "https://given/"], StringIO(), StringIO()) == 0
    assert [call["base_url"] for call in served] == ["https://from.settings/", "https://given/"]
    engine = served[0]["service"].engine
    assert (
        engine.settings.actions_dir == ROOT / "demo_actions"
        or engine.settings.actions_dir.name == "demo_actions"
    )


def test_the_cli_reads_the_environment_only_through_the_settings_table() -> None:
    """Every variable a command honours is a row of settings_table.TABLE (with its parser and
    its action parameter): no module of the CLI, nor the composition root, reads another."""
    sources = [*(ROOT / "statebox" / "cli").glob("*.py"), ROOT / "statebox" / "wiring.py"]
    for source in sources:
        tree = ast.parse(source.read_text(encoding="utf-8"))
        names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert not names & {"environ", "getenv", "environb"}, source
