"""Cold start (issue 7): a fresh process from interpreter start to the first result of a small
machine, against a bare `python -c "import asyncio, json"`; and `python -X importtime` of the
web action entry, summarised.

    .venv/bin/python bench/cold_start.py [--runs 30] [--markdown FILE] [--json FILE]

Uses hyperfine (Debian package `hyperfine`) when it is on PATH (`-N`: no shell, 3 warm-up runs,
so the file cache is warm: this is a container's second start, not a cold disk); otherwise
times the subprocesses itself (median of --runs). Every command runs this venv's Python with
the repository on sys.path, from the repository root.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

SMALL = {
    "Comment": "cold-start probe, as HELLO in the peer harness",
    "StartAt": "A",
    "States": {"A": {"Type": "Pass", "Result": {"ok": True}, "ResultPath": "$.r", "End": True}},
}

FIRST = "first result: statebox.run(small machine)"
COMMANDS = [
    ("bare: import asyncio, json", "import asyncio, json"),
    ("import statebox", "import statebox"),
    (
        FIRST,
        "import statebox; r = statebox.run(" + repr(SMALL) + ", {'a': 1}); assert r.status == 'SUCCEEDED', r",
    ),
    ("import statebox.web.action", "import statebox.web.action"),
    ("import statebox.web.devserver (aiohttp)", "import statebox.web.devserver"),
]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def with_hyperfine(runs: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "hf.json"
        argv = [
            "hyperfine",
            "-N",
            "--warmup",
            "3",
            "--runs",
            str(runs),
            "--export-json",
            str(export),
            "--style",
            "none",
        ]
        for label, code in COMMANDS:
            argv += ["-n", label, f'{PY} -c "{code}"']
        subprocess.run(argv, check=True, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL)
        data = json.loads(export.read_text())
    out = {}
    for (label, _), result in zip(COMMANDS, data["results"], strict=True):
        out[label] = {
            "median": result["median"],
            "mean": result["mean"],
            "stddev": result["stddev"] or 0.0,
            "min": result["min"],
            "runs": len(result["times"]),
        }
    return out


def with_subprocess(runs: int) -> dict[str, dict[str, float]]:
    out = {}
    env = _env()
    for label, code in COMMANDS:
        times = []
        for i in range(runs + 3):
            start = time.perf_counter()
            subprocess.run([PY, "-c", code], check=True, cwd=ROOT, env=env)
            if i >= 3:  # warm-up
                times.append(time.perf_counter() - start)
        out[label] = {
            "median": statistics.median(times),
            "mean": statistics.fmean(times),
            "stddev": statistics.pstdev(times),
            "min": min(times),
            "runs": runs,
        }
    return out


_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def importtime(code: str) -> list[tuple[str, int, int, int]]:
    """(module, self µs, cumulative µs, depth) for every import `code` makes, in import order."""
    done = subprocess.run(
        [PY, "-X", "importtime", "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True, check=True
    )
    rows = []
    for line in done.stderr.splitlines():
        m = _LINE.match(line)
        if m:
            rows.append((m.group(4), int(m.group(1)), int(m.group(2)), (len(m.group(3)) - 1) // 2))
    return rows


def importtime_summary(label: str, code: str, top: int = 15) -> dict[str, object]:
    # Best of 3 (the first run may still be compiling .pyc files).
    runs = [importtime(code) for _ in range(3)]
    best = min(runs, key=lambda rows: sum(r[1] for r in rows))
    total = sum(r[1] for r in best)
    by_cumulative = sorted(best, key=lambda r: -r[2])
    by_self = sorted(best, key=lambda r: -r[1])
    # Third-party / stdlib top-level packages pulled in, with their summed self time.
    packages: dict[str, int] = {}
    for name, self_us, _, _ in best:
        packages[name.split(".")[0]] = packages.get(name.split(".")[0], 0) + self_us
    return {
        "label": label,
        "total_us": total,
        "modules": len(best),
        "top_cumulative": by_cumulative[:top],
        "top_self": by_self[:top],
        "packages": sorted(packages.items(), key=lambda kv: -kv[1])[:top],
    }


def markdown(times: dict[str, dict[str, float]], tool: str, summaries: list[dict[str, object]]) -> str:
    bare = times["bare: import asyncio, json"]["median"]
    lines = [
        f"Measured with {tool}; Python {sys.version.split()[0]} at `{PY}`.",
        "",
        "| command (`python -c …`) | median | ± stddev | min | ÷ bare | runs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, row in times.items():
        lines.append(
            f"| {label} | {row['median'] * 1e3:.1f} ms | {row['stddev'] * 1e3:.1f} ms "
            f"| {row['min'] * 1e3:.1f} ms | {row['median'] / bare:.2f}× | {row['runs']} |"
        )
    for summary in summaries:
        lines += [
            "",
            f'`python -X importtime -c "{summary["label"]}"`: {summary["modules"]} modules, '
            f"{summary['total_us'] / 1e3:.1f} ms of import time in all (sum of self times, best of 3).",
            "",
            "| top by cumulative | cumulative | self |",
            "|---|---:|---:|",
        ]
        for name, self_us, cumulative, _depth in summary["top_cumulative"]:  # type: ignore[misc]
            lines.append(f"| `{name}` | {cumulative / 1e3:.1f} ms | {self_us / 1e3:.2f} ms |")
        lines += ["", "| top-level package | self time summed |", "|---|---:|"]
        for name, self_us in summary["packages"]:  # type: ignore[misc]
            lines.append(f"| `{name}` | {self_us / 1e3:.1f} ms |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--markdown")
    parser.add_argument("--json")
    parser.add_argument("--no-hyperfine", action="store_true")
    args = parser.parse_args()
    if shutil.which("hyperfine") and not args.no_hyperfine:
        times, tool = with_hyperfine(args.runs), "hyperfine -N --warmup 3"
    else:
        times, tool = with_subprocess(args.runs), "subprocess wall time (3 warm-up runs)"
    summaries = [
        importtime_summary("import statebox.web.action", "import statebox.web.action"),
        importtime_summary("import statebox; statebox.run(small machine)", dict(COMMANDS)[FIRST]),
    ]
    text = markdown(times, tool, summaries)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text, encoding="utf-8")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"times": times, "tool": tool, "importtime": summaries}, indent=1)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
