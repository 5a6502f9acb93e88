"""HTTP: one transport-neutral handler and its two adapters (dev server, OpenWhisk web action)."""

from __future__ import annotations

from typing import Any


def main(args: dict[str, Any]) -> dict[str, Any]:
    """The OpenWhisk web action entry point (see `web/action.py`)."""
    # Imported here (cold start): every `statebox.web.*` import runs this file, and only the
    # action needs action.py's imports.
    from .action import main as action_main

    return action_main(args)
