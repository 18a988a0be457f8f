"""自然保护地 protected areas: reserves, wetland parks and plots; the numerator of 湿地保护率."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.read import read_vector
from wuxi_atlas.layers.spec import get_spec

__all__ = ["SPEC", "read"]

SPEC = get_spec("protected")


def read(
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
) -> VectorSource:
    """Read protected-area polygons (``name``, ``protection_type``; ``level`` optional)."""
    return read_vector(
        SPEC.kind, path, layer=layer, column_map=column_map, lonlat_crs=lonlat_crs, encoding=encoding
    )
