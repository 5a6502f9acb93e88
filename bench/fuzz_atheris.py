"""Coverage-guided fuzzing with atheris (libFuzzer) of the validator and the HTTP handler.

    .venv/bin/pip install atheris          # optional; a manylinux wheel exists for CPython 3.11
    .venv/bin/python bench/fuzz_atheris.py -atheris_runs=200000 -max_total_time=120

One input drives both targets: its bytes are a definition for `statebox.parse` (which may
only return a Machine or raise DefinitionError), and the same bytes are split into a method,
a query string, a content type and a body for the handler (which may never answer 500). Any
other exception, or a 500, is a crash libFuzzer reports with the input that caused it.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from urllib.parse import parse_qsl

import atheris

with atheris.instrument_imports(include=["statebox"]):
    import statebox
    from statebox.config import Settings
    from statebox.errors import DefinitionError
    from statebox.execution.continuations import ContinuationSigner
    from statebox.execution.engine import Engine
    from statebox.ports import FakeClock
    from statebox.stores.redis import RedisStore
    from statebox.web.handler import Service, handle
    from statebox.web.protocol import HttpRequest

ROOT = Path(__file__).resolve().parents[1]
LOOP = asyncio.new_event_loop()
SERVICE = Service(
    Engine(
        Settings(actions_dir=ROOT / "demo_actions", max_transitions=200),
        store=RedisStore.in_process(),
        signer=ContinuationSigner(b"atheris"),
        clock=FakeClock(),
    ),
    ROOT / "state_machines",
    max_request_bytes=4096,
)
METHODS = ["GET", "POST", "PUT", "post"]
TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain", "", "text/html"]


def one_input(data: bytes) -> None:
    try:
        statebox.parse(data)
    except DefinitionError:
        pass
    provider = atheris.FuzzedDataProvider(data)
    method = METHODS[provider.ConsumeIntInRange(0, len(METHODS) - 1)]
    content_type = TYPES[provider.ConsumeIntInRange(0, len(TYPES) - 1)]
    query = dict(parse_qsl(provider.ConsumeUnicodeNoSurrogates(80), keep_blank_values=True))
    path = "/" + provider.ConsumeUnicodeNoSurrogates(12) if provider.ConsumeBool() else "/"
    body = provider.ConsumeBytes(4096)
    request = HttpRequest(method, path, query, {"content-type": content_type}, body, base_url="http://s/")
    response = LOOP.run_until_complete(handle(request, SERVICE))
    if response.status == 500:
        raise RuntimeError(f"500 for {request!r}: {response.body!r}")


def main() -> None:
    import logging

    logging.disable(logging.CRITICAL)
    argv = list(sys.argv)
    if not any(not a.startswith("-") for a in argv[1:]):
        # No corpus folder given: seed one with the sample machines (JSON is hard to reach
        # from random bytes; mutating real definitions gets past the JSON parser at once).
        import tempfile

        corpus = Path(tempfile.mkdtemp(prefix="statebox-atheris-"))
        for source in sorted((ROOT / "state_machines").glob("*.json")):
            (corpus / source.name).write_bytes(source.read_bytes())
        argv.append(str(corpus))
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
