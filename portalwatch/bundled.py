"""The configuration that ships with portalwatch: the sources file and the CMS profiles."""

from __future__ import annotations

from pathlib import Path


def config_dir() -> Path:
    """The bundled configuration folder (sources and CMS profiles)."""
    packaged = Path(__file__).parent / "_config"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "config"
