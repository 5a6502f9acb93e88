"""Every CLI test starts from an environment with no store, secret, actions folder or limits set."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads its settings from the environment: keep it in process."""
    for name in (
        "REDIS_URL",
        "STATEBOX_SECRET",
        "STATEBOX_ACTIONS_DIR",
        "STATEBOX_MAX_PAYLOAD_BYTES",
        "STATEBOX_MAX_TRANSITIONS",
    ):
        monkeypatch.delenv(name, raising=False)
