"""The event loop the adapters (CLI, dev server, web action) run on: uvloop when it is
installed, asyncio's own otherwise. The library API (`statebox.run`) and embedders keep
whatever loop they run; the engine works the same on either.

uvloop pays for itself on the store's round trips: a suspend + resume of a 10 KiB context
took 5.3-5.4 times a Redis PING on it, 5.7-5.9 on asyncio's loop, in the same runs
(docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # an optional speed-up (e.g. no wheel for this platform)
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on `new_event_loop()`."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(coroutine)
