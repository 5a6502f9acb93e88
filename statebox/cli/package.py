"""`statebox package [-o action.zip]`: the OpenWhisk action zip (statebox/packaging/)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO

from ..packaging.package import PackageError, build_action_zip
from .common import EXIT_FAILED, EXIT_OK


def package(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    try:
        report = build_action_zip(
            Path(args.output),
            project_root=Path(args.root) if args.root else None,
            platform=args.platform,
            python_version=args.python_version,
            log=lambda line: print(line, file=stderr, flush=True),
        )
    except PackageError as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_FAILED
    print(report.summary(), file=stdout)
    return EXIT_OK
