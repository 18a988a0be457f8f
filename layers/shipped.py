"""Where the shipped demo data lives, and the shipped land cover: what a run needs of the shipped data
before it reads any vector layer, without the vector readers (geopandas). :mod:`layers.defaults` loads
the vector layers and re-exports all of this."""

from __future__ import annotations

import os
import re
from pathlib import Path

from wuxi_atlas.analysis.errors import LayerReadError
from wuxi_atlas.analysis.paths import boundaries_path, demo_dir, rasters_dir, shipped_data_dir
from wuxi_atlas.analysis.sources import LAYER_KINDS, LayerKind, RasterSource
from wuxi_atlas.layers.formats import read_landcover
from wuxi_atlas.layers.limits import trusted

__all__ = [
    "ALIASES_ENV",
    "DEMO_GPKG",
    "DEMO_HISTORY_GPKG",
    "DEMO_LAYER_NAMES",
    "HISTORY_LAYER_PREFIXES",
    "default_landcover_series",
    "default_sources",
    "history_layer_name",
    "load_default_landcover",
    "require_shipped",
    "shipped_aliases_path",
    "user_aliases_path",
]

DEMO_GPKG = "wuxi_demo.gpkg"
#: Layer kind → layer name in the demo GeoPackage.
DEMO_LAYER_NAMES: dict[LayerKind, str] = {
    "wetlands": "wetlands",
    "protected": "protected_areas",
    "builtup": "builtup",
    "buildings": "buildings",
    "pv_sites": "pv_sites",
    "stations": "stations",
}
DEMO_HISTORY_GPKG = "wuxi_history_demo.gpkg"
#: Layer kind → prefix of its vintages' layers in the history GeoPackage (``DLTB_2021``).
HISTORY_LAYER_PREFIXES: dict[LayerKind, str] = {"landcover": "DLTB", "stations": "stations"}
_LANDCOVER = re.compile(r"landcover_(\d{4})_30m\.tif$")
#: The environment variable naming the user's value alias file, read on top of the shipped one
#: (:mod:`layers.aliases`).
ALIASES_ENV = "GEOPLAN_ALIASES"


def shipped_aliases_path() -> Path:
    """The shipped table, ``data/aliases.toml`` in the package (like the land-cover schemes, it
    describes how files are written, not a dataset, so ``$GEOPLAN_DATA_DIR`` does not move it)."""
    return shipped_data_dir() / "aliases.toml"


def user_aliases_path() -> Path | None:
    """The user's value alias file, ``$GEOPLAN_ALIASES`` (None when unset)."""
    user = os.environ.get(ALIASES_ENV, "").strip()
    return Path(user).expanduser() if user else None


def default_landcover_series() -> dict[int, Path]:
    """The shipped land-cover rasters by year (``landcover_<year>_30m.tif``), oldest first."""
    found = {
        int(match.group(1)): path
        for path in rasters_dir().glob("landcover_*_30m.tif")
        if (match := _LANDCOVER.search(path.name))
    }
    return dict(sorted(found.items()))


def history_layer_name(kind: LayerKind, year: int) -> str:
    """The layer of ``kind``'s vintage ``year`` in the history GeoPackage (``DLTB_2021``)."""
    return f"{HISTORY_LAYER_PREFIXES[kind]}_{year}"


def default_sources() -> dict[LayerKind, Path]:
    """The shipped file of each layer kind (the latest land cover). Paths may not exist yet when the demo
    data has not been generated; :func:`load_default` says so."""
    series = default_landcover_series()
    sources: dict[LayerKind, Path] = {
        "landcover": series[max(series)] if series else rasters_dir() / "landcover_2024_30m.tif",
        "districts": boundaries_path(),
    }
    sources.update({kind: demo_dir() / DEMO_GPKG for kind in DEMO_LAYER_NAMES})
    return {kind: sources[kind] for kind in LAYER_KINDS}


def require_shipped(path: Path, kind: str) -> Path:
    if not path.is_file():
        raise LayerReadError(
            f"the shipped {kind} data {path} is missing; generate the demo data (see README, "
            "'demo data') or give your own file"
        )
    return path


def load_default_landcover(scheme: str | None = None, year: int | None = None) -> RasterSource:
    """The shipped land cover of ``year`` (default: the latest)."""
    series = default_landcover_series()
    if year is not None and year not in series:
        years = ", ".join(map(str, series)) or "none"
        raise LayerReadError(f"no shipped land cover for {year}; shipped years: {years}")
    path = series[year] if year is not None else default_sources()["landcover"]
    # The shipped rasters were checked when they were generated (and by the tests): only their header is
    # read here, not every block again.
    with trusted():
        return read_landcover(require_shipped(path, "landcover"), scheme=scheme)
