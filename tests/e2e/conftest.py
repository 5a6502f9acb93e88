"""The built action.zip (once per session), a controller double on a background loop, and the
zip running in an OpenWhiskPythonRuntimeDouble container (once per module)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web as aiohttp_web  # `web` is a fixture here
from integration.openwhisk_double import OpenWhiskControllerDouble

from statebox.packaging.package import PackageError, PackageReport, build_action_zip

from .openwhisk_runtime_double import OpenWhiskPythonRuntimeDouble, runtime_python
from .web_action_double import WebActionControllerDouble

ROOT = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def served(app: aiohttp_web.Application) -> AsyncIterator[str]:
    """`app` (the dev server's, from `build_app`) on a free loopback port; yields its URL."""
    runner = aiohttp_web.AppRunner(app)
    await runner.setup()
    site = aiohttp_web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/"
    finally:
        await runner.cleanup()


@pytest.fixture(scope="session")
def action_zip(tmp_path_factory: pytest.TempPathFactory) -> PackageReport:
    """`statebox package` output, built once per session (pip vendors the dependencies)."""
    output = tmp_path_factory.mktemp("package") / "action.zip"
    try:
        return build_action_zip(output, project_root=ROOT)
    except PackageError as exc:
        if exc.index_unreachable:
            pytest.skip(f"pip cannot reach the package index to vendor the dependencies: {exc}")
        raise


class ThreadedController:
    """An OpenWhiskControllerDouble served from its own event loop thread (the tests are sync)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.double = OpenWhiskControllerDouble()

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def start(self) -> OpenWhiskControllerDouble:
        self.thread.start()
        self.call(self.double.start())
        return self.double

    def stop(self) -> None:
        self.call(self.double.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def controller() -> Iterator[OpenWhiskControllerDouble]:
    threaded = ThreadedController()
    double = threaded.start()
    double.action("square", lambda p: {**p, "value": p["value"] ** 2})
    double.action("reject", lambda p: {"error": {"name": "Order.Rejected", "message": "too big"}})
    yield double
    threaded.stop()


@pytest.fixture(scope="module")
def runtime(
    action_zip: PackageReport, controller: OpenWhiskControllerDouble, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OpenWhiskPythonRuntimeDouble]:
    """One warm container: the zip /init-ed once, then many /run calls, as OpenWhisk reuses it.
    The action runs on CPython 3.11, as in the python:3.11 image, whatever Python runs the suite."""
    if runtime_python() is None:
        pytest.skip("no CPython 3.11 to play the python:3.11 image: set STATEBOX_RUNTIME_PYTHON")
    container = OpenWhiskPythonRuntimeDouble(
        tmp_path_factory.mktemp("container"), container_env={"__OW_API_HOST": controller.url}
    )
    container.start()
    try:
        status, body = container.init(
            action_zip.path.read_bytes(),
            env={"__OW_NAMESPACE": "guest", "__OW_ACTION_NAME": "/guest/statebox"},
        )
        assert (status, body) == (200, {"ok": True}), container.logs()
        yield container
    finally:
        container.stop()


@pytest.fixture
def web(
    runtime: OpenWhiskPythonRuntimeDouble, redis_server: Any, controller: OpenWhiskControllerDouble
) -> WebActionControllerDouble:
    """The statebox web action as deployed: parameters statebox_redis_url / statebox_secret
    (declared in statebox_parameters, which --web true needs), `-a provide-api-key true` (the
    key arrives with each /run)."""
    return WebActionControllerDouble(
        runtime,
        {
            "statebox_redis_url": redis_server.url,
            "statebox_secret": "e2e-signing-secret",
            "statebox_parameters": "statebox_redis_url,statebox_secret",
        },
        api_key=controller.api_key,
    )


SCREENSHOTS_ENV = "STATEBOX_SCREENSHOTS"  # a folder: the browser tests also save their pictures there


async def screenshot(page: Any, folder: Path, name: str) -> Path:
    """A full-page PNG of `page` in `folder`, checked to be one; with STATEBOX_SCREENSHOTS set
    (`STATEBOX_SCREENSHOTS=docs/screenshots bash scripts/test.sh tests/e2e`), copied there too:
    the pictures in the README are taken this way."""
    shot = folder / f"{name}.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and shot.stat().st_size > 1000
    target = os.environ.get(SCREENSHOTS_ENV)
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(target) / shot.name)
    return shot
