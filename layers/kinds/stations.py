"""充换电站 stations: charging, battery-swap and hydrogen stations, with pile counts and access level.

How stations are drawn (clustered, coloured by type) is :mod:`maps.kinds.stations`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.read import read_vector
from wuxi_atlas.layers.spec import get_spec

__all__ = ["SPEC", "read"]

SPEC = get_spec("stations")


def read(
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
) -> VectorSource:
    """Read stations: ``type`` (charging, swap, hydrogen), ``piles`` (int ≥ 0), ``access`` (public,
    dedicated, private). Tables need lon/lat columns; an Amap (高德) POI export is recognised and read as
    it comes, in GCJ-02 (:mod:`layers.amap`); other tables in GCJ-02 need ``lonlat_crs="gcj02"``."""
    return read_vector(
        SPEC.kind, path, layer=layer, column_map=column_map, lonlat_crs=lonlat_crs, encoding=encoding
    )
