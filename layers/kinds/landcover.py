"""土地覆盖 land cover: a class-code GeoTIFF whose classes a scheme names (:mod:`analysis.schemes`).

How it is drawn (a PNG overlay in the scheme's palette) is :mod:`maps.kinds.landcover`.
"""

from __future__ import annotations

from pathlib import Path

from analysis.sources import RasterSource
from layers.formats import read_landcover
from layers.spec import get_spec

__all__ = ["SPEC", "read"]

SPEC = get_spec("landcover")


def read(path: str | Path, *, scheme: str | None = None) -> RasterSource:
    """Check a land-cover GeoTIFF and name its scheme; see :func:`layers.formats.raster.read_landcover`."""
    return read_landcover(path, scheme=scheme)
