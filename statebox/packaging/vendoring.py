"""Vendoring the action's dependencies for the runtime image, whatever Python runs the build.

Build time only: `statebox package` uses it, the action zip leaves it out (package.BUILD_ONLY).

pip's `--python-version 3.11 --platform ...` picks wheels for the target, but it evaluates
environment markers (`typing-extensions; python_version < "3.13"`,
`async-timeout; python_full_version < "3.11.3"`) against the Python running pip. Built on 3.13,
such dependencies were silently left out and the action failed on import inside python:3.11.
So after pip has installed, every `Requires-Dist` of what it installed is evaluated against the
*target* (any 3.11 patch release: the image's exact one is not pinned, and a dependency one of
them needs is harmless on the others); whatever is missing joins the top-level requirements
and pip resolves the whole set again, until nothing is missing. The reverse case (a marker true
on the build Python only) adds a package the target never imports: harmless.

Only wheels (`--only-binary=:all:`): an sdist would be built by and for the build machine's
Python, not the image's. A dependency that has no wheel for the target fails the build, naming
it. For a pure-Python project that publishes only an sdist, build its wheel once
(`pip wheel --no-deps NAME -w wheels/`) and let pip find it (`PIP_FIND_LINKS=wheels/`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from email.parser import HeaderParser
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

DEFAULT_PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")
MAX_ROUNDS = 5  # each round can only add requirements; real closures need two
# Signs that pip could not talk to the index at all (as opposed to: no wheel for the target).
_NETWORK_HINTS = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "ConnectTimeoutError",
    "ReadTimeoutError",
)
_NO_DISTRIBUTION = re.compile(r"No matching distribution found for (\S+)")


class VendorError(Exception):
    """pip could not vendor the requirements. `index_unreachable` when it could not reach the index."""

    def __init__(self, message: str, *, index_unreachable: bool = False) -> None:
        super().__init__(message)
        self.index_unreachable = index_unreachable


def target_environments(python_version: str, platforms: Iterable[str]) -> list[dict[str, str]]:
    """Marker environments (PEP 508) of the target: the first and a late patch release."""
    machine = "aarch64" if any("aarch64" in p for p in platforms) else "x86_64"
    base = {
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "os_name": "posix",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": machine,
        "python_version": python_version,
    }
    return [
        {**base, "python_full_version": full, "implementation_version": full}
        for full in (f"{python_version}.0", f"{python_version}.99")
    ]


def applies(requirement: Requirement, environments: list[dict[str, str]], extras: Iterable[str] = ()) -> bool:
    """Whether the requirement's marker holds on the target (for no extra or one of `extras`)."""
    if requirement.marker is None:
        return True
    marker: Marker = requirement.marker
    return any(marker.evaluate({**env, "extra": extra}) for env in environments for extra in ("", *extras))


def missing_requirements(
    folder: Path, requested: list[Requirement], environments: list[dict[str, str]]
) -> list[Requirement]:
    """Requirements of the distributions in `folder` that hold on the target but are not installed."""
    metadata: dict[str, list[Requirement]] = {}
    for info in folder.glob("*.dist-info/METADATA"):
        headers = HeaderParser().parsestr(info.read_text(encoding="utf-8", errors="replace"))
        requires = []
        for line in headers.get_all("Requires-Dist") or []:
            try:
                requires.append(Requirement(line))
            except InvalidRequirement:
                continue  # pip installed it, so pip could read it; nothing we can add
        metadata[canonicalize_name(headers["Name"] or "")] = requires
    # Which extras each distribution is wanted with: grows as requirements are followed.
    extras: dict[str, set[str]] = {}
    pending = [r for r in requested if applies(r, environments)]
    seen: set[tuple[str, frozenset[str]]] = set()
    missing: list[Requirement] = []
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        if name not in metadata:
            missing.append(requirement)
            continue
        wanted = extras.setdefault(name, set())
        wanted |= requirement.extras
        pending.extend(r for r in metadata[name] if applies(r, environments, wanted))
    return missing


def vendor(
    target: Path,
    requirements: Iterable[str],
    *,
    platforms: Iterable[str] = DEFAULT_PLATFORMS,
    python_version: str = "3.11",
) -> list[str]:
    """Install `requirements` and every dependency the target needs into `target` (wheels for
    `platforms` and CPython `python_version`). Returns the requirements pip was given last."""
    platforms = tuple(platforms)
    environments = target_environments(python_version, platforms)
    requested = [r for r in map(Requirement, requirements) if applies(r, environments)]
    for attempt in range(MAX_ROUNDS):
        scratch = target.with_name(f"{target.name}.round{attempt}")  # the caller's temporary folder
        _pip_install(scratch, requested, platforms, python_version)
        missing = missing_requirements(scratch, requested, environments)
        if not missing:
            scratch.rename(target)
            return [_without_marker(r) for r in requested]
        shutil.rmtree(scratch)
        requested += missing
    raise VendorError(f"the dependencies did not settle after {MAX_ROUNDS} rounds of pip")


def _without_marker(requirement: Requirement) -> str:
    """The requirement as pip is given it: its marker was decided for the target by `applies`,
    and pip would evaluate it against the build Python instead."""
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    if requirement.url:
        return f"{requirement.name}{extras} @ {requirement.url}"
    return f"{requirement.name}{extras}{requirement.specifier}"


def _pip_install(
    target: Path, requested: list[Requirement], platforms: tuple[str, ...], python_version: str
) -> None:
    command = [
        sys.executable, "-m", "pip", "install",
        "--target", str(target),
        "--no-compile",
        "--only-binary=:all:",
        "--implementation", "cp",
        "--python-version", python_version,
        *(f"--platform={p}" for p in platforms),
        "--disable-pip-version-check", "--no-input", "--quiet",
        *(_without_marker(r) for r in requested),
    ]  # fmt: skip
    env = {**os.environ, "PIP_NO_INPUT": "1"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    except subprocess.TimeoutExpired:
        raise VendorError("pip did not finish vendoring within 15 minutes", index_unreachable=True) from None
    if done.returncode == 0:
        return
    output = (done.stderr or done.stdout or "").strip()
    tail = "\n".join(output.splitlines()[-15:])
    no_wheel = _NO_DISTRIBUTION.search(output)
    if no_wheel and not any(hint in output for hint in _NETWORK_HINTS):
        raise VendorError(
            f"{no_wheel.group(1)} has no wheel for CPython {python_version} on {platforms[0]} "
            "(the action zip takes wheels only; for a pure-Python sdist, build its wheel with "
            "`pip wheel --no-deps NAME -w wheels/` and set PIP_FIND_LINKS=wheels/):\n" + tail
        )
    raise VendorError(
        "pip could not vendor the dependencies:\n" + tail,
        index_unreachable=any(hint in output for hint in _NETWORK_HINTS),
    )
