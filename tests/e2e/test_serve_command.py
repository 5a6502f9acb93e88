"""`statebox serve` as a user runs it: a process, started outside the checkout, that still
finds the checkout's demo_actions/ and state_machines/ (the embedded defaults)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

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


def _start_serve(port: int, cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "STATEBOX_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-m", "statebox", "serve", "--port", str(port), "--no-log-transitions"],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _exits(server: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str]:
    """The exit status and stderr of a server expected to stop by itself within `timeout`."""
    try:
        _, err = server.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        _, err = server.communicate()
        pytest.fail(f"statebox serve did not exit within {timeout} s: {err[-2000:]}")
    return server.returncode, err


def test_a_bind_that_fails_after_the_port_check_exits_instead_of_hanging(tmp_path: Path) -> None:
    """The port is taken between serve's up-front check and its bind: the timer tick started
    by the app's start-up must not keep the process alive (its store call can swallow the
    cancellation, redis/redis-py#2551)."""
    port = free_port()
    server = _start_serve(port, tmp_path)
    assert server.stdout is not None
    for line in server.stdout:  # printed after the check, before the bind
        if "serving on" in line:
            break
    try:
        taken = socket.create_server(("127.0.0.1", port))
    except OSError:  # the server bound first: it must still stop when asked
        server.send_signal(signal.SIGINT)
        code, err = _exits(server)
        assert code == 0, err
        return
    with taken:
        code, err = _exits(server)
    assert code == 1 and f"cannot listen on 127.0.0.1:{port}" in err, err


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_exits_promptly_when_interrupted_or_terminated(tmp_path: Path, stop: signal.Signals) -> None:
    port = free_port()
    server = _start_serve(port, tmp_path)
    deadline = time.monotonic() + 60
    while True:  # up and answering, timer ticks running
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/?execution=none", timeout=10):
                pass
        except urllib.error.HTTPError:
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
    server.send_signal(stop)
    code, err = _exits(server)
    assert code == 0 and "Traceback" not in err, err
