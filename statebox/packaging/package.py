"""`statebox package -o action.zip`: the zip for OpenWhisk's `python:3.11` kind.

    action.zip
    ├── __main__.py        main(args) -> statebox.web.main(args)
    ├── statebox/          this package (no __pycache__)
    ├── demo_actions/      module: actions (and openwhisk: actions in local mode)
    ├── state_machines/    stored machines (POST /NAME)
    └── aiohttp/ redis/ jsonschema/ jsonpath_ng/ ... (+ *.dist-info)   vendored at the root

Why this shape (openwhisk-contract.md §4.3-§4.4, §5.3):
- The runtime renames `__main__.py` to `main__.py` and imports it as the module `main__`, from the
  unpacked folder, which is `sys.path[0]`: the entry uses no relative imports, and root-level
  packages import as usual, ahead of the image's own site-packages.
- The python:3.11 image has none of statebox's dependencies, so every runtime dependency is
  vendored with `pip install --target <tmp> --no-compile` (the runtime rejects a stdlib `venv`
  folder, and a root `requirements.txt` would make /init pip-install inside the container, so
  neither is shipped). `fakeredis` is a dependency for local runs and tests only and stays out.
- Wheels: pip is asked for the runtime image's platform (`--only-binary=:all: --platform
  manylinux_2_28/2_17 x86_64 --implementation cp --python-version 3.11`; the image is Debian 12,
  glibc 2.36, x86-64), and the dependencies' environment markers are decided for that target,
  not for the Python running the build (`vendoring.py`): a zip built on 3.12 or 3.13 has the
  same packages as one built on 3.11. A dependency with no wheel for the target fails the
  build. `statebox/packaging/` (this module and `vendoring.py`) runs at build time only and is
  left out of the zip (BUILD_ONLY). For that target pip picks compiled cp311 wheels for aiohttp, multidict,
  yarl, frozenlist and propcache (faster, and each of them falls back to pure Python by itself
  if its extension cannot load, e.g. with AIOHTTP_NO_EXTENSIONS=1 or on another CPU) and for
  rpds-py (needed by jsonschema via referencing), which has no pure-Python fallback: the zip is
  therefore tied to CPython 3.11 on Linux x86-64. `--platform manylinux2014_aarch64` builds for
  an ARM deployment. Everything else is pure Python (py3-none-any).
- Bytecode for the runtime's CPython: every .py file gets its `__pycache__/*.cpython-311.pyc`,
  compiled here as an unchecked hash-based pyc (PEP 552: valid whatever the unpacked files'
  times, and the same bytes for the same source), so a cold container imports without compiling
  (about half of statebox's import time). Unchecked means an edit to an unpacked .py file is
  not seen: change the source and build the zip again. Only when the packaging Python is the runtime's
  version (pip's own `--no-compile` and the local __pycache__ folders are left out); otherwise
  the zip has no .pyc and the image's Python compiles on import, as before.
- Entries are sorted and time-stamped 1980-01-01, so the same inputs give the same zip.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import marshal
import os
import re
import shutil
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import statebox

from .vendoring import DEFAULT_PLATFORMS, VendorError, vendor

ENTRY_POINT = '''"""OpenWhisk entry point of the statebox web action (kind python:3.11).

The runtime renames this file to main__.py and imports it as the module `main__`: no relative
imports here. The zip root (statebox/ and the vendored dependencies) is on sys.path.
"""

from statebox.web import main as _statebox_main


def main(args):
    return _statebox_main(args)
'''

# local runs and tests only (the action uses a real Redis), and build time only
NOT_VENDORED = frozenset({"fakeredis", "packaging"})
# the statebox folder that only `statebox package` runs: not shipped in the zip
BUILD_ONLY = "statebox/packaging/"
MAX_ZIP_BYTES = 48 * 1024 * 1024  # OpenWhisk's default code size limit (contract §2.2)
PROJECT_FOLDERS = ("demo_actions", "state_machines")
_SKIP_NAMES = frozenset({"__pycache__", ".DS_Store"})
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class PackageError(Exception):
    """The zip could not be built. `index_unreachable` when pip could not get the wheels."""

    def __init__(self, message: str, *, index_unreachable: bool = False) -> None:
        super().__init__(message)
        self.index_unreachable = index_unreachable


@dataclass(frozen=True)
class PackageReport:
    path: Path
    size: int
    files: int
    vendored: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        return (
            f"{self.path}: {self.size / 1e6:.1f} MB ({self.size} bytes, {self.files} files); "
            f"vendored: {', '.join(self.vendored)}"
        )


def runtime_requirements() -> list[str]:
    """statebox's runtime dependencies (no extras), as requirement strings, minus NOT_VENDORED."""
    # A checkout's pyproject.toml first: an editable install's metadata is as old as the install.
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
    project = tomllib.loads(text).get("project", {})
    if project.get("name") == "statebox":
        declared = project["dependencies"]
    else:
        declared = importlib.metadata.requires("statebox") or []
    out = []
    for requirement in declared:
        if "extra ==" in requirement.replace('"', "").replace("'", ""):
            continue
        name = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
        if name is None or _canonical(name.group(0)) in NOT_VENDORED:
            continue
        out.append(requirement.strip())  # markers are evaluated for the target (vendoring.py)
    return out


def default_project_root() -> Path:
    """The checkout this package lives in, if it has demo_actions/, else the working folder."""
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "demo_actions").is_dir() else Path.cwd()


def build_action_zip(
    output: Path,
    *,
    project_root: Path | None = None,
    platform: str | None = None,
    python_version: str = "3.11",
    requirements: list[str] | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> PackageReport:
    """Build the action zip at `output` (see the module docstring) and report its size."""
    root = project_root or default_project_root()
    for folder in PROJECT_FOLDERS:
        if not (root / folder).is_dir():
            raise PackageError(f"{root / folder} is missing (use --root to point at the checkout)")
    package_dir = Path(statebox.__file__).resolve().parent
    requirements = runtime_requirements() if requirements is None else requirements
    platforms = (platform,) if platform else DEFAULT_PLATFORMS
    with tempfile.TemporaryDirectory(prefix="statebox-package-") as tmp:
        vendored = Path(tmp) / "vendor"
        log(f"vendoring {', '.join(requirements)} for CPython {python_version} on {platforms[0]} ...")
        try:
            vendor(vendored, requirements, platforms=platforms, python_version=python_version)
        except VendorError as exc:
            raise PackageError(str(exc), index_unreachable=exc.index_unreachable) from None
        for unwanted in ("bin", "requirements.txt", "virtualenv", "statebox", "__main__.py"):
            path = vendored / unwanted
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        files = 0
        bytecode = sys.implementation.cache_tag == "cpython-" + python_version.replace(".", "")
        if not bytecode:
            log(f"no .pyc in the zip: this is {sys.implementation.cache_tag}, the runtime {python_version}")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            files += _write(archive, "__main__.py", ENTRY_POINT.encode("utf-8"))
            files += _add_tree(archive, package_dir, "statebox", bytecode)
            for folder in PROJECT_FOLDERS:
                files += _add_tree(archive, root / folder, folder, bytecode=False)
            for entry in sorted(vendored.iterdir()):
                if entry.is_dir():
                    files += _add_tree(archive, entry, entry.name, bytecode)
                elif entry.name not in _SKIP_NAMES:
                    files += _write(archive, entry.name, entry.read_bytes())
        os.replace(partial, output)
        names = sorted(p.name.removesuffix(".dist-info") for p in vendored.glob("*.dist-info"))
    size = output.stat().st_size
    if size > MAX_ZIP_BYTES:
        log(f"warning: {output} is {size / 1e6:.1f} MB, over OpenWhisk's default 48 MB code limit")
    return PackageReport(output, size, files, tuple(names))


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _add_tree(archive: zipfile.ZipFile, source: Path, prefix: str, bytecode: bool) -> int:
    count = 0
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part in _SKIP_NAMES for part in relative.parts) or path.suffix in (".pyc", ".pyo"):
            continue
        name = f"{prefix}/{relative.as_posix()}"
        if path.is_file() and not name.startswith(BUILD_ONLY):
            data = path.read_bytes()
            count += _write(archive, name, data)
            pyc = _bytecode(data, name) if bytecode and path.suffix == ".py" else None
            if pyc is not None:
                folder, _, stem = name.rpartition("/")
                cached = f"{stem.removesuffix('.py')}.{sys.implementation.cache_tag}.pyc"
                count += _write(archive, f"{folder}/__pycache__/{cached}", pyc)
    return count


def _bytecode(source: bytes, name: str) -> bytes | None:
    """An unchecked hash-based .pyc of `source` (PEP 552), or None if it does not compile."""
    try:
        code = compile(source, name, "exec", dont_inherit=True, optimize=0)  # asserts kept, as imported
    except (SyntaxError, ValueError):
        return None  # e.g. a vendored file for another Python: imported never, compiled never
    unchecked_hash_based = (0b01).to_bytes(4, "little")
    return (
        importlib.util.MAGIC_NUMBER
        + unchecked_hash_based
        + importlib.util.source_hash(source)
        + marshal.dumps(code)
    )


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> int:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)
    return 1
