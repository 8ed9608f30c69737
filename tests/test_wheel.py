"""The wheel installs one package, portalwatch, from the folders its parts live in:
flows/ and storage/ as portalwatch.flows and portalwatch.storage, config/ as
portalwatch/_config; nothing else lands at the top of site-packages."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Source folder -> where its files go in the wheel (pyproject.toml's [tool.setuptools]).
FOLDERS = {
    "portalwatch": "portalwatch",
    "flows": "portalwatch/flows",
    "storage": "portalwatch/storage",
    "config": "portalwatch/_config",
}


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    # Built from a copy of what the build reads, so that no earlier build's leftovers count.
    project = tmp_path_factory.mktemp("project")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(project), "--no-deps", "--quiet", "--wheel-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = out.glob("portalwatch-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def source_files() -> dict[str, str]:
    """Every file of the four folders -> its path in the wheel (compiled files aside)."""
    mapped = {}
    for folder, target in FOLDERS.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                relative = path.relative_to(ROOT / folder).as_posix()
                mapped[f"{folder}/{relative}"] = f"{target}/{relative}"
    return mapped


def test_the_wheel_has_one_package_and_its_metadata(wheel_files):
    tops = {name.split("/")[0] for name in wheel_files}
    assert "portalwatch" in tops
    assert {top for top in tops if not top.endswith(".dist-info")} == {"portalwatch"}


def test_flows_storage_and_migrations_install_inside_the_package(wheel_files):
    assert {"portalwatch/flows/ingest.py", "portalwatch/flows/serve.py"} <= wheel_files
    assert {"portalwatch/storage/warehouse.py", "portalwatch/storage/rawstore.py"} <= wheel_files
    migrations = {name for name in wheel_files if name.startswith("portalwatch/storage/migrations/")}
    assert migrations and all(name.endswith(".sql") for name in migrations)
    assert "portalwatch/_config/sources.toml" in wheel_files


def test_the_wheel_holds_every_source_file_at_its_mapped_place(wheel_files):
    missing = sorted(
        f"{source} -> {target}" for source, target in source_files().items() if target not in wheel_files
    )
    assert not missing, (
        "left out of the wheel (a new subpackage or data file pyproject.toml does not list?):\n"
        + "\n".join(missing)
    )
