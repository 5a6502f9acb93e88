"""Longer fuzz runs than the suite's: the property tests (tests/property/) with every fuzz
example count scaled up, then the number of cases each target was tried with.

    .venv/bin/python bench/fuzz.py [--scale 20]

Then, if atheris is installed (`pip install atheris`; a wheel exists for CPython 3.11 on Linux
x86-64), `bench/fuzz_atheris.py` runs coverage-guided for a while on the same targets.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


class Counts:
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        module = sys.modules.get("tests.property.fuzzing")
        counts = getattr(module, "COUNTS", {})
        print("\nfuzz cases tried per target:")
        for target, count in sorted(counts.items()):
            print(f"  {target:12} {count:>8,}")
        print(f"  {'total':12} {sum(counts.values()):>8,}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=20.0, help="multiply every example count")
    args = parser.parse_args()
    os.environ["FUZZ_EXAMPLES"] = str(args.scale)
    os.chdir(ROOT)
    return pytest.main(["-q", "-p", "no:cacheprovider", str(ROOT / "tests/property")], plugins=[Counts()])


if __name__ == "__main__":
    sys.exit(main())
