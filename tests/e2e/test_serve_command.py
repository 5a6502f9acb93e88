"""`statebox serve` as a user runs it: a process, started outside the checkout, that still
finds the checkout's demo_actions/ and state_machines/ (the embedded defaults)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_serve_from_another_directory_runs_the_checkouts_machines_and_actions(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "STATEBOX_"))}
    env["PYTHONPATH"] = str(ROOT)
    server = subprocess.Popen(
        [sys.executable, "-m", "statebox", "serve", "--port", str(port), "--no-log-transitions"],
        cwd=tmp_path,  # no demo_actions/ or state_machines/ here
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/incsquare",
            data=b"6",
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status, body = response.status, json.loads(response.read())
                break
            except urllib.error.HTTPError as error:
                status, body = error.code, json.loads(error.read())
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert (status, body.get("output")) == (202, {"value": 49}), body  # state_machines/ + demo_actions/
    text = output.decode()
    assert f"actions from {ROOT / 'demo_actions'}, machines from {ROOT / 'state_machines'}" in text
    assert "warning" not in text
