"""OpenWhiskPythonRuntimeDouble: a TEST DOUBLE of the `python:3.11` action container.

It is not the real runtime image (that needs Docker). It reproduces the `/init` + `/run`
protocol exactly as openwhisk-contract.md §5 documents the actionloop proxy and the Python
launcher, in two processes like the real container:

- the proxy (this file run as a script: `python openwhisk_runtime_double.py --port P --workdir D`)
  serves `POST /init` and `POST /run` on 127.0.0.1, one request at a time;
- `/init` `{"value": {"code": <base64 zip>, "binary": true, "main": "main", "env": {...}}}`
  unpacks the zip into `action/1/src`, "compiles" as `/bin/compile` does (renames `__main__.py`
  to `main__.py`, writes the launcher `exec__.py`, refuses a `requirements.txt` without a
  `virtualenv/` and a `main__.py` that does not parse), then starts the action process and waits
  for its `{"ok": true}` ack on file descriptor 3;
  answers 200 `{"ok":true}`, 403 on a second /init or no code, 400 on undecodable input, 502
  when compiling or starting fails;
- the action process gets only the proxy's `__OW_*` variables, the runtime's own
  (`__OW_EXECUTION_ENV`, `__OW_WAIT_FOR_ACK`, `__OW_PROXY_VERSION`), `PYTHONIOENCODING` and the
  /init `env` map (strings; null becomes ""): no PATH, no HOME. Its launcher imports `main`
  from the module `main__`, then per stdin line sets `__OW_<KEY>` for every key but `value`, calls
  `main(value)`, turns an exception into `{"error": str(exc)}` and writes the JSON on fd 3;
- `/run` writes the request body as one line, returns the launcher's line: 200 for a JSON
  object, array or null; 502 "The action did not return a dictionary or array." otherwise;
  400 "command exited" when the process dies during the call; 500 before /init or after it died.

One difference, on purpose: the action runs under `python -S` (no site-packages at all), where the
image's Python has a site-packages of its own (without statebox's dependencies). So a dependency
missing from the zip fails here as it would there, and nothing installed on the test machine
can hide it.
"""

from __future__ import annotations

import argparse
import base64
import functools
import io
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

END_OF_ACTIVATION = "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX"
EXECUTION_ENV = "openwhisk/action-python-v3.11"

# The launcher the double's compile step writes as exec__.py (behaviour of contract §5.3).
LAUNCHER = r"""
import json
import os
import sys
import traceback

venv = os.path.abspath("./virtualenv")
if os.path.isdir(venv):
    activate = os.path.join(venv, "bin", "activate_this.py")
    if not os.path.exists(activate):
        sys.stderr.write("Invalid virtualenv: the zip has no virtualenv/bin/activate_this.py\n")
        sys.exit(1)
    with open(activate) as handle:
        exec(compile(handle.read(), activate, "exec"), {"__file__": activate})

from main__ import {MAIN} as main

acks = os.fdopen(3, "wb")
if os.getenv("__OW_WAIT_FOR_ACK", ""):
    acks.write(b'{"ok": true}\n')
    acks.flush()

while True:
    line = sys.stdin.readline()
    if not line:
        break
    request = json.loads(line)
    value = {}
    for key, item in request.items():
        if key == "value":
            value = item
        else:
            os.environ["__OW_" + key.upper()] = item if isinstance(item, str) else json.dumps(item)
    try:
        result = main(value)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        result = {"error": str(exc)}
    sys.stdout.flush()
    sys.stderr.flush()
    acks.write(json.dumps(result, ensure_ascii=False).encode("utf-8") + b"\n")
    acks.flush()
"""

# bin/exec: the shell script's job (cd, PYTHONIOENCODING, exec python exec__.py), plus putting the
# proxy's pipe on fd 3 as the Go proxy's ExtraFiles does.
EXEC_SHIM = r"""
import os, sys
pipe = int(sys.argv[1])
os.dup2(pipe, 3)
os.close(pipe)
os.chdir(sys.argv[2])
os.environ["PYTHONIOENCODING"] = "UTF-8"
os.execv(sys.executable, [sys.executable, "-S", "exec__.py"])
"""


@functools.cache
def runtime_python() -> str | None:
    """The CPython 3.11 that plays the image's: $STATEBOX_RUNTIME_PYTHON, else this Python if it
    is 3.11, else `python3.11` on PATH (resolved to the real binary, since the action process
    gets no PATH for a pyenv shim). None when there is none."""
    candidates = [os.environ.get("STATEBOX_RUNTIME_PYTHON"), sys.executable, shutil.which("python3.11")]
    for candidate in filter(None, candidates):
        try:
            done = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 11), sys.executable)"],
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            continue
        is_runtime, _, executable = done.stdout.strip().partition(" ")
        if done.returncode == 0 and is_runtime == "True":
            return executable
    return None


# ============================================================================ the proxy process
class _Proxy:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.results: int | None = None  # read end of the fd-3 pipe
        self.initialized = False
        self.log = open(workdir / "container.log", "ab", buffering=0)  # noqa: SIM115

    def say(self, text: str) -> None:
        self.log.write((text.rstrip("\n") + "\n").encode("utf-8", "replace"))

    # ---------------------------------------------------------------- /init
    def init(self, raw: bytes) -> tuple[int, Any]:
        if self.initialized:
            return 403, {"error": "Cannot initialize the action more than once."}
        try:
            value = json.loads(raw)["value"]
        except (ValueError, KeyError, TypeError) as exc:
            return 400, {"error": f"Error unmarshaling request: {exc}"}
        code = value.get("code") or ""
        if not code:
            return 403, {"error": "Missing main/no code to execute."}
        main = value.get("main") or "main"
        src = self.workdir / "action" / "1" / "src"
        shutil.rmtree(src.parent, ignore_errors=True)
        src.mkdir(parents=True)
        if value.get("binary"):
            try:
                data = base64.b64decode(code, validate=True)
            except ValueError as exc:
                return 400, {"error": f"cannot decode the request: {exc}"}
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    archive.extractall(src)
            except zipfile.BadZipFile:
                (src / "exec").write_bytes(data)
        else:
            (src / "__main__.py").write_text(code, encoding="utf-8")
        problem = self.compile(src, main)
        if problem:
            self.say(problem)
            return 502, {"error": "The action failed to generate or locate a binary. See logs for details."}
        env = {k: v for k, v in os.environ.items() if k.startswith("__OW_")}
        env.update(
            {"__OW_EXECUTION_ENV": EXECUTION_ENV, "__OW_WAIT_FOR_ACK": "1", "__OW_PROXY_VERSION": "double"}
        )
        for key, item in (value.get("env") or {}).items():
            env[str(key)] = "" if item is None else item if isinstance(item, str) else json.dumps(item)
        read_end, write_end = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-S", "-c", EXEC_SHIM, str(write_end), str(src)],
            stdin=subprocess.PIPE,
            stdout=self.log,
            stderr=self.log,
            env=env,
            pass_fds=(write_end,),
        )
        os.close(write_end)
        self.results = read_end
        ack = self._read_line(deadline=time.monotonic() + 60)
        if ack is None or json.loads(ack).get("ok") is not True:
            return 502, {"error": "Cannot start action. Check logs for details."}
        self.initialized = True
        return 200, {"ok": True}

    def compile(self, src: Path, main: str) -> str | None:
        """What /bin/compile checks and writes; any message is a failure."""
        if (src / "__main__.py").exists():
            (src / "__main__.py").rename(src / "main__.py")
        elif (src / "exec").exists():
            (src / "exec").rename(src / "main__.py")
        if not (src / "main__.py").exists():
            return "compile: the zip has no __main__.py"
        if (src / "requirements.txt").exists() and not (src / "virtualenv").exists():
            return "compile: requirements.txt without virtualenv/ would pip-install at /init (needs network)"
        try:
            compile((src / "main__.py").read_bytes(), "main__.py", "exec")
        except SyntaxError as exc:
            return f"compile: main__.py does not parse: {exc}"
        (src / "exec__.py").write_text(LAUNCHER.replace("{MAIN}", main), encoding="utf-8")
        return None

    def _read_line(self, deadline: float) -> str | None:
        """One line from fd 3, or None if the process exits (or the deadline passes) first."""
        assert self.results is not None and self.process is not None
        buffer = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.results], [], [], 0.05)
            if ready:
                chunk = os.read(self.results, 65536)
                if not chunk:
                    return None
                buffer += chunk
                if buffer.endswith(b"\n"):
                    return buffer.decode("utf-8")
            elif self.process.poll() is not None:
                return None
        return None

    # ---------------------------------------------------------------- /run
    def run(self, raw: bytes) -> tuple[int, Any]:
        if not self.initialized or self.process is None:
            return 500, {"error": "no action defined yet"}
        if self.process.poll() is not None:
            return 500, {"error": "command exited"}
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(raw.replace(b"\n", b"").replace(b"\r", b"") + b"\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            return 400, {"error": "command exited"}
        line = self._read_line(deadline=time.monotonic() + 300)
        self.say(END_OF_ACTIVATION)
        if line is None:
            return 400, {"error": "command exited"}
        try:
            # The proxy is Go: its JSON has no NaN / Infinity and no number past a double.
            result = json.loads(line, parse_constant=_not_json, parse_float=_finite)
        except ValueError:
            result = line
        if result is None or isinstance(result, dict | list):
            return 200, result
        return 502, {"error": "The action did not return a dictionary or array."}


def _not_json(literal: str) -> Any:
    raise ValueError(f"{literal} is not JSON")


def _finite(literal: str) -> float:
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{literal} is out of range")
    return value


def serve(port: int, workdir: Path) -> None:
    proxy = _Proxy(workdir)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/init":
                status, body = proxy.init(raw)
            elif self.path == "/run":
                status, body = proxy.run(raw)
            else:
                status, body = 404, {"error": "no such route"}
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            proxy.say("proxy: " + format % args)

    HTTPServer(("127.0.0.1", port), Handler).serve_forever()


# ============================================================================ the test side
class OpenWhiskPythonRuntimeDouble:
    """Starts the proxy double in its own process and talks /init and /run to it."""

    def __init__(self, workdir: Path, container_env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.container_env = dict(container_env or {})
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the proxy under the image's CPython (`runtime_python`), so the action runs on
        3.11 whatever Python runs the tests; on this Python when there is no 3.11."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **self.container_env}
        self.process = subprocess.Popen(
            [
                runtime_python() or sys.executable,
                __file__,
                "--port",
                str(self.port),
                "--workdir",
                str(self.workdir),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "proxy.err", "ab"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError(f"the runtime double did not start:\n{self.logs()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()  # the action process sees stdin close and exits
            self.process.wait(10)
            self.process = None

    def logs(self) -> str:
        parts = []
        for name in ("container.log", "proxy.err"):
            path = self.workdir / name
            if path.exists():
                parts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(parts)

    def post(self, route: str, body: Any, timeout: float = 120) -> tuple[int, Any]:
        data = json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{route}", data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def init(self, code: bytes, *, main: str = "main", env: dict[str, Any] | None = None) -> tuple[int, Any]:
        value = {
            "name": "statebox",
            "main": main,
            "binary": True,
            "code": base64.b64encode(code).decode("ascii"),
            "env": env or {},
        }
        return self.post("/init", {"value": value})

    def run(
        self,
        args: dict[str, Any],
        *,
        namespace: str = "guest",
        action_name: str = "/guest/statebox",
        api_key: str | None = None,
        timeout_ms: int = 60_000,
    ) -> tuple[int, Any]:
        body: dict[str, Any] = {
            "value": args,
            "namespace": namespace,
            "action_name": action_name,
            "action_version": "0.0.1",
            "activation_id": os.urandom(16).hex(),
            "transaction_id": os.urandom(16).hex(),
            "deadline": str(int(time.time() * 1000) + timeout_ms),
        }
        if api_key is not None:
            body["api_key"] = api_key
        return self.post("/run", body)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    options = parser.parse_args()
    serve(options.port, options.workdir)
