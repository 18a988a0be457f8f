"""Where the shipped data lives.

The data ships inside the installed package (``wuxi_atlas/data``, found through :mod:`importlib.resources`,
so it works from a wheel as from a clone). ``GEOPLAN_DATA_DIR`` points the atlas at another dataset.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

__all__ = [
    "boundaries_path",
    "data_dir",
    "demo_dir",
    "rasters_dir",
    "shipped_data_dir",
    "targets_path",
]


def shipped_data_dir() -> Path:
    """The data shipped with the package: boundaries, targets, schemes, aliases, the demo layers and rasters.

    Never moved by ``GEOPLAN_DATA_DIR``; :func:`data_dir` is the one that follows it.
    """
    # pip always installs a wheel unpacked, so the resource is a real directory; a zipped install (zipimport)
    # would need as_file() and a temporary copy of 18 MB, which nothing here supports.
    traversable = resources.files("wuxi_atlas").joinpath("data")
    return Path(str(traversable))


def data_dir() -> Path:
    """The data directory the atlas reads: ``$GEOPLAN_DATA_DIR`` if set, else :func:`shipped_data_dir`."""
    configured = os.environ.get("GEOPLAN_DATA_DIR")
    return Path(configured) if configured else shipped_data_dir()


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
