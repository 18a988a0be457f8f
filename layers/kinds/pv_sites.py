"""光伏项目 PV sites: installed or planned photovoltaic plants with their capacity (kW).

The plan's targets are 2.53 GW installed in 2025 and 3.10 GW in 2030 (DOMAIN.md §3). How sites are
drawn (coloured by kind) is :mod:`maps.kinds.pv_sites`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.read import read_vector
from wuxi_atlas.layers.spec import get_spec

__all__ = ["SPEC", "read"]

SPEC = get_spec("pv_sites")


def read(
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
) -> VectorSource:
    """Read PV sites (points or polygons): ``capacity_kw`` (> 0); ``name``, ``kind``, ``year`` optional."""
    return read_vector(
        SPEC.kind, path, layer=layer, column_map=column_map, lonlat_crs=lonlat_crs, encoding=encoding
    )
