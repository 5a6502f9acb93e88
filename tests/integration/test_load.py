"""Load on loopback, bounded: `bench/load.py` at a fifth of its size. `statebox serve` (a
subprocess: the dev server on a real socket) over the session's redis-server takes 200
concurrent starts (incsquare → suspended), 100 concurrent resumes, the same 100 again (409),
and 50 continuations resumed twice at once (one 200, one 409 each); then every execution is
checked in Redis: resumed exactly once or still suspended with its point and timer.

The full run (1,000 / 200 / 100) is `.venv/bin/python bench/load.py`; docs/reliability.md has
its figures.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402


async def test_concurrent_starts_and_resumes_lose_and_duplicate_nothing(redis_server: Any) -> None:
    prefix = f"load{time.monotonic_ns()}:"
    server, base_url = load.start_server(redis_server.url, prefix)
    began = time.monotonic()
    try:
        report = await load.run_load(base_url, starts=200, resumes=100, races=50)
    finally:
        load.stop(server)
    report["problems"] += load.account(redis_server.url, prefix, report)
    print(load.markdown(report))
    assert report["problems"] == []
    phases = {row["phase"].split(" ")[0]: row for row in report["phases"]}
    assert phases["start"]["statuses"] == {202: 200}
    assert phases["resume"]["statuses"] == {200: 100}
    assert phases["second"]["statuses"] == {409: 100}
    assert phases["racing"]["statuses"] == {200: 50, 409: 50}
    assert all(row["errors"] == 0 for row in report["phases"])
    assert report["accounted"] == {"SUCCEEDED": 150, "SUSPENDED": 50}
    assert time.monotonic() - began < 20
