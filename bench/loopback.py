"""A redis-server of the benchmarks' own: `LoopbackRedis`, started in a temp dir and removed
with it. The servers themselves (and free ports) are the tests' (tests/support/servers.py):
the benchmarks run from a checkout, beside tests/."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tests.support.servers import RedisServer


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
