"""Servers on loopback for the benchmarks and the tests: free ports, and redis-servers of
their own (`RedisServer` can also be killed and restarted on the same port and data dir, for
the durability tests)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class RedisServer:
    """A redis-server (Debian package) on a free loopback port with its data in `directory`;
    `start` returns once it answers PING."""

    def __init__(self, directory: Path, *, aof: bool = False, extra: tuple[str, ...] = ()) -> None:
        self.directory = directory
        self.port = free_port()
        self.aof = aof
        self.extra = extra  # more redis-server options, e.g. ("--enable-debug-command", "yes")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @staticmethod
    def version() -> str:
        out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
        return next((part[2:] for part in out.split() if part.startswith("v=")), "?")

    def start(self) -> None:
        args = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.directory), "--save", "", "--daemonize", "no",
            "--protected-mode", "yes", "--loglevel", "warning",
        ]  # fmt: skip
        if self.aof:
            args += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            args += ["--appendonly", "no"]
        args += list(self.extra)
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown save, as a crash."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


class LoopbackRedis(RedisServer):
    """A started RedisServer in a temp dir of its own, no persistence, removed by `stop`."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            raise SystemExit("redis-server is not installed (Debian package redis-server)")
        super().__init__(Path(tempfile.mkdtemp(prefix="statebox-bench-")))
        try:
            self.start()
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> LoopbackRedis:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
