"""The README's demo: drive a running `statebox serve` through incsquare with curl-like calls,
printing each command and its answer. Standard library only."""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080/"
ROOT = Path(__file__).resolve().parents[1]


def call(method: str, url: str, body: bytes | None = None, shown: str = "") -> dict:
    print(f"\n$ curl -X {method} {shown}'{url}'")
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    answer = json.loads(text)
    print(f"HTTP {status}\n{json.dumps(answer, indent=2)}")
    return answer


def wait_until_up(server_pid: int | None) -> None:
    """Until the dev server answers; with its process id, stop at once if it exits."""
    for _ in range(300):
        if server_pid is not None and _exited(server_pid):
            raise SystemExit(f"the dev server (process {server_pid}) exited before answering at {BASE}")
        try:
            urllib.request.urlopen(BASE, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the dev server did not answer at {BASE}")


def _exited(pid: int) -> bool:
    """Gone, or a zombie its parent (demo.sh) has not waited for yet."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rpartition(") ")[2].startswith("Z")


def main() -> None:
    wait_until_up(int(sys.argv[2]) if len(sys.argv) > 2 else None)
    definition = (ROOT / "state_machines" / "incsquare.json").read_bytes()
    started = call(
        "POST",
        f"{BASE}?input=6",
        definition,
        "-H 'Content-Type: application/json' -d @state_machines/incsquare.json ",
    )
    token = started["continuation"]
    call("POST", f"{BASE}?continuation={token}")
    call("POST", f"{BASE}?continuation={token}")
    print(
        f"\nThe dev server is still running at {BASE} — try state_machines/approval.json, "
        f"or open {BASE}?execution={started['executionId']} . Ctrl-C stops it."
    )


if __name__ == "__main__":
    main()
