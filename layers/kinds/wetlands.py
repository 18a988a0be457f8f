"""湿地 wetlands: rivers, lakes, reservoirs, ponds, marshes, flats (三调 scope); the 湿地保护率 denominator.

The rate itself is computed in :mod:`analysis.wetland`; how wetlands are drawn (by protection status or
by type) is :mod:`maps.kinds.wetlands`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.read import read_vector
from wuxi_atlas.layers.spec import get_spec

__all__ = ["SPEC", "read"]

SPEC = get_spec("wetlands")


def read(
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
) -> VectorSource:
    """Read wetland polygons: ``name`` and ``wetland_type`` (river, lake, reservoir, pond, marsh,
    tidal_flat)."""
    return read_vector(
        SPEC.kind, path, layer=layer, column_map=column_map, lonlat_crs=lonlat_crs, encoding=encoding
    )
