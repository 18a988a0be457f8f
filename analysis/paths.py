"""Where the shipped data lives.

The repository's ``data/`` directory is the default; ``GEOPLAN_DATA_DIR`` points elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["REPO_ROOT", "boundaries_path", "data_dir", "demo_dir", "rasters_dir", "targets_path"]

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The shipped data directory (``$GEOPLAN_DATA_DIR`` or the repository's ``data/``)."""
    return Path(os.environ.get("GEOPLAN_DATA_DIR", REPO_ROOT / "data"))


def boundaries_path() -> Path:
    """The city and district boundaries, RFC 7946 GeoJSON in WGS84."""
    return data_dir() / "boundaries" / "wuxi_districts.geojson"


def targets_path() -> Path:
    """The plan's quantified targets."""
    return data_dir() / "targets.toml"


def rasters_dir() -> Path:
    """Land-cover rasters (Cloud-Optimized GeoTIFF)."""
    return data_dir() / "rasters"


def demo_dir() -> Path:
    """The synthetic demo vector layers."""
    return data_dir() / "demo"
