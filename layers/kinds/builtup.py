"""建成区 built-up area: the official planning polygon(s) the green-coverage rate is measured in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.read import read_vector
from wuxi_atlas.layers.spec import get_spec

__all__ = ["SPEC", "read"]

SPEC = get_spec("builtup")


def read(
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
) -> VectorSource:
    """Read built-up area polygons (geometry only; ``name`` and ``year`` optional)."""
    return read_vector(
        SPEC.kind, path, layer=layer, column_map=column_map, lonlat_crs=lonlat_crs, encoding=encoding
    )
