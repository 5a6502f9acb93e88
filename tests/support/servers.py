"""Servers on loopback for the tests (and the benchmarks, which borrow them: both run from a
checkout): free ports, redis-servers of their own, and a 3-master Redis Cluster.

`RedisServer` can also be killed with SIGKILL and restarted on the same port and data dir,
which the durability tests use (AOF on). `RedisClusterNodes` is three `redis-server
--cluster-enabled yes` processes (own config file, bus port, no persistence) joined by
`redis-cli --cluster create ... --cluster-replicas 0`.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (all held open while choosing, so none repeats)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port() -> int:
    return free_ports(1)[0]


def wait_until(ready: Callable[[], bool], message: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(message)


def _connects(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_port(port: int, timeout: float = 20.0) -> None:
    wait_until(lambda: _connects(port), f"nothing listens on 127.0.0.1:{port} after {timeout} s", timeout)


def answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# Options every redis-server here runs with, after its port: loopback only, in the foreground.
_COMMON = ("--bind", "127.0.0.1", "--save", "", "--daemonize", "no", "--protected-mode", "yes",
           "--loglevel", "warning")  # fmt: skip


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to all at once, then wait for each (SIGKILL after 10 s)."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


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
        args = ["redis-server", "--port", str(self.port), "--dir", str(self.directory), *_COMMON]
        if self.aof:
            args += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            args += ["--appendonly", "no"]
        args += list(self.extra)
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: answers_ping(self.port), "redis-server did not start", 10)

    def kill(self) -> None:
        """SIGKILL: no shutdown save, as a crash."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            _stop([self.process])
            self.process = None


class RedisClusterNodes:
    """Three masters on free loopback ports (client and cluster-bus port each), no replicas."""

    def __init__(self, directory: Path, masters: int = 3) -> None:
        self.directory = directory
        ports = free_ports(2 * masters)
        self.ports, self.bus_ports = ports[:masters], ports[masters:]
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.ports[0]}"

    def cli(self, port: int, *args: str) -> str:
        done = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args],
            capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        return done.stdout

    def start(self) -> None:
        for port, bus_port in zip(self.ports, self.bus_ports, strict=True):
            node_dir = self.directory / str(port)
            node_dir.mkdir()
            self.processes.append(subprocess.Popen(
                [
                    "redis-server", "--port", str(port), "--cluster-port", str(bus_port),
                    "--dir", str(node_dir), *_COMMON, "--appendonly", "no",
                    "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf",
                ],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))  # fmt: skip
        for port in self.ports:
            wait_until(lambda port=port: answers_ping(port), "a node did not start", 15)
        created = subprocess.run(
            ["redis-cli", "--cluster", "create", *(f"127.0.0.1:{p}" for p in self.ports),
             "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        if created.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed:\n{created.stdout}\n{created.stderr}")
        wait_until(
            lambda: all("cluster_state:ok" in self.cli(p, "CLUSTER", "INFO") for p in self.ports),
            "the cluster did not reach cluster_state:ok",
            15,
        )

    def stop(self) -> None:
        _stop(self.processes)
        self.processes.clear()
