"""statebox.packaging.vendoring: dependencies are decided for the runtime image (CPython 3.11 on Linux),
not for the Python running `statebox package`, and a dependency without a wheel for the target
fails the build by name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from statebox.packaging.vendoring import VendorError, missing_requirements, target_environments, vendor

TARGET = target_environments("3.11", ["manylinux2014_x86_64"])


def installed(folder: Path, name: str, *requires: str) -> None:
    """A dist-info folder as `pip install --target` leaves it."""
    info = folder / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        "Version: 1.0",
        *(f"Requires-Dist: {r}" for r in requires),
    ]
    (info / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")


def names(requirements: list[Requirement]) -> set[str]:
    return {r.name for r in requirements}


def test_markers_are_evaluated_for_the_target_not_the_build_python(tmp_path: Path) -> None:
    # What pip leaves on 3.13 for aiohttp + redis: markers evaluated against 3.13 dropped these.
    installed(tmp_path, "aiosignal", 'typing-extensions>=4.2; python_version < "3.13"', "frozenlist>=1.1")
    installed(tmp_path, "frozenlist")
    installed(tmp_path, "redis", 'async-timeout>=4.0.3; python_full_version < "3.11.3"')
    installed(tmp_path, "uvloop", 'pywin32; sys_platform == "win32"', 'tomli; python_version < "3.11"')
    top = [Requirement("aiosignal"), Requirement("redis>=5"), Requirement("uvloop")]
    missing = missing_requirements(tmp_path, top, TARGET)
    assert names(missing) == {"typing-extensions", "async-timeout"}
    assert {str(r.specifier) for r in missing} == {">=4.2", ">=4.0.3"}


def test_extras_are_followed_and_nothing_is_missing_once_all_is_there(tmp_path: Path) -> None:
    installed(tmp_path, "app", "lib[speed]>=2")
    installed(tmp_path, "lib", 'fast; extra == "speed"', 'docs; extra == "docs"')
    assert names(missing_requirements(tmp_path, [Requirement("app")], TARGET)) == {"fast"}
    installed(tmp_path, "fast")
    assert missing_requirements(tmp_path, [Requirement("app")], TARGET) == []


def test_top_level_markers_are_decided_for_the_target_too(tmp_path: Path) -> None:
    wanted = [
        Requirement('uvloop; sys_platform != "win32"'),
        Requirement('colorama; sys_platform == "win32"'),
    ]
    assert names(missing_requirements(tmp_path, wanted, TARGET)) == {"uvloop"}
    arm = target_environments("3.11", ["manylinux2014_aarch64"])
    assert names(missing_requirements(tmp_path, [Requirement('x; platform_machine == "aarch64"')], arm)) == {
        "x"
    }


def _index_reachable(folder: Path) -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(folder),
         "--disable-pip-version-check", "--quiet", "six==1.16.0"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return done.returncode == 0


def test_a_dependency_without_a_wheel_for_the_target_fails_the_build_by_name(tmp_path: Path) -> None:
    if not _index_reachable(tmp_path / "probe"):
        pytest.skip("pip cannot reach the package index")
    # docopt 0.6.2 is published as an sdist only.
    with pytest.raises(VendorError) as raised:
        vendor(tmp_path / "vendor", ["docopt==0.6.2"])
    assert not raised.value.index_unreachable
    assert "docopt==0.6.2 has no wheel for CPython 3.11 on manylinux_2_28_x86_64" in str(raised.value)
    assert not (tmp_path / "vendor").exists()
