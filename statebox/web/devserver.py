"""`statebox serve`: an aiohttp server around the same handler as the web action.

It only translates aiohttp's request and response; every decision is in `handler.py`.
Embedded defaults: an in-process store unless REDIS_URL is set, actions from demo_actions/,
machines from state_machines/, and a timer loop in the same process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from ..eventloop import new_event_loop
from ..jsonio import encode_answer
from .handler import Service, handle
from .protocol import HttpRequest, HttpResponse

log = logging.getLogger("statebox.serve")


def to_request(request: web.Request, body: bytes, base_url: str | None = None) -> HttpRequest:
    """`base_url`: the server's public URL, for resume links; without it, the request's own Host
    header, which its sender chooses (fine on a developer's machine, not on a shared one)."""
    return HttpRequest(
        method=request.method,
        path=request.path,
        query={k: v for k, v in request.query.items()},
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        remote=request.remote,
        base_url=base_url or f"{request.scheme}://{request.host}/",
    )


def to_response(response: HttpResponse) -> web.Response:
    content_type = response.content_type
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    if isinstance(response.body, str) and not content_type.startswith("application/json"):
        return web.Response(
            status=response.status,
            text=response.body,
            headers=headers,
            content_type=content_type.split(";")[0],
        )
    return web.Response(
        status=response.status,
        body=response.encoded if response.encoded is not None else encode_answer(response.body),
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )


def build_app(
    service: Service, *, timer_interval: float | None = 1.0, base_url: str | None = None
) -> web.Application:
    async def dispatch(request: web.Request) -> web.StreamResponse:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            body = b"x" * (service.max_request_bytes + 1)  # let the handler give its 413
        return to_response(await handle(to_request(request, body, base_url), service))

    app = web.Application(client_max_size=service.max_request_bytes + 1)
    app.router.add_route("*", "/{tail:.*}", dispatch)

    if timer_interval is not None:
        app.cleanup_ctx.append(TimerLoop(service.engine, timer_interval).running)
    return app


class TimerLoop:
    """The dev server's timer ticks, for as long as the app runs.

    Stopping is bounded: a tick's store call can swallow the cancellation (redis-py and
    fakeredis lose a CancelledError that lands inside some of their awaits: redis/redis-py#2551),
    and the server then waited for it forever, after a failed bind as on Ctrl-C. So the loop
    also checks a stop flag between ticks, and shutdown waits at most STOP_SECONDS for it."""

    STOP_SECONDS = 10.0

    def __init__(self, engine: Any, interval: float) -> None:
        self.engine = engine
        self.interval = interval
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        while not self.stopping.is_set():
            try:
                await self.engine.run_due_timers()
            except Exception:  # noqa: BLE001 - keep ticking; the error is logged
                log.exception("timer tick failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):
                    await self.stopping.wait()

    async def stop(self, task: asyncio.Task[None]) -> None:
        self.stopping.set()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=self.STOP_SECONDS)
        if not done:
            log.warning("the timer tick did not stop within %.0f s; shutting down anyway", self.STOP_SECONDS)
        elif not task.cancelled() and task.exception() is not None:
            log.error("the timer loop failed", exc_info=task.exception())

    async def running(self, app: web.Application) -> AsyncIterator[None]:
        """An aiohttp cleanup context: ticks from start-up until clean-up."""
        task = asyncio.create_task(self.run())
        yield
        await self.stop(task)


def serve(
    service: Service, host: str, port: int, *, reuse_port: bool = False, base_url: str | None = None
) -> None:
    """Run the dev server until interrupted. `reuse_port`: several processes share the port
    (the kernel spreads connections over them). `base_url`: see `to_request`."""
    # No access log: its lines would carry query strings, and so continuation ids, in full.
    # backlog: a burst of connections (a mailing of approval links) waits in the queue
    # instead of in SYN retries.
    web.run_app(
        build_app(service, base_url=base_url),
        host=host,
        port=port,
        print=None,
        access_log=None,
        backlog=1024,
        reuse_port=reuse_port or None,
        loop=new_event_loop(),
    )
