"""docs/benchmarks.md: the benchmarks rewrite their own sections of it, and leave the rest."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(title: str, body: str, path: Path = DOC) -> None:
    """Replace the section headed `title` (up to the next `## ` heading) with `body`, which may
    start with the heading itself; append it when the document has no such section."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = body if body.startswith(title) else f"{title}\n\n{body}"
    pattern = re.compile(rf"^{re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n") + "\n\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n")
