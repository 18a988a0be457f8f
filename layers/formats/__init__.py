"""One reader per file format, picked by the file's suffix from a registry (as rio-tiler's ``io/`` and
geopandas' ``io/`` are laid out).

- :mod:`~layers.formats.table`: CSV/text and ``.xlsx`` tables of points, with encoding detection;
- :mod:`~layers.formats.shapefile`: zipped or plain Shapefiles, with GBK and ``.cpg`` handling;
- :mod:`~layers.formats.ogr`: GeoPackage, GeoJSON and KML through pyogrio (and what every GDAL format
  shares: a WAL GeoPackage read from a private copy, the layer chosen, the metadata kept);
- :mod:`~layers.formats.raster`: land-cover GeoTIFFs (:func:`read_landcover`);
- :mod:`~layers.formats.tiles`: land cover in several tiles (files, folders or zips of them), checked
  tile by tile and mosaicked into a private VRT (:func:`read_landcover_tiles`);
- :mod:`~layers.formats.land_survey`: a land survey's parcels (地类图斑 DLTB) as land cover, from a
  GeoPackage, a zipped Shapefile or a File Geodatabase (:mod:`~layers.formats.filegdb`: a ``.gdb``
  folder, or zipped), placed in EPSG:4549 (``read_land_survey``).

Each vector reader answers the contract of :mod:`layers.formats.base` and returns the file's rows as
read; :func:`layers.read.read_vector` picks the reader with :func:`vector_format` and checks the rest.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuxi_atlas.analysis.errors import LayerReadError
from wuxi_atlas.layers.formats.raster import RASTER_SUFFIXES, read_landcover
from wuxi_atlas.layers.formats.tiles import holds_tiles, read_landcover_tiles

if TYPE_CHECKING:
    from wuxi_atlas.layers.formats.base import RawLayer, VectorFormat

__all__ = [
    "RASTER_SUFFIXES",
    "VECTOR_SUFFIXES",
    "RawLayer",
    "VectorFormat",
    "holds_tiles",
    "read_landcover",
    "read_landcover_tiles",
    "vector_format",
]

#: Every vector suffix, in the order messages and the upload widget list them.
VECTOR_SUFFIXES: tuple[str, ...] = (
    ".gpkg",
    ".geojson",
    ".json",
    ".zip",
    ".shp",
    ".kml",
    ".csv",
    ".txt",
    ".xlsx",
)


@functools.cache
def _formats() -> dict[str, VectorFormat]:
    """Each vector suffix's format. The readers (geopandas, pandas) are imported on the first vector
    read, not with the package: a run that reads only a raster never imports them."""
    from wuxi_atlas.layers.formats import ogr, shapefile, table

    formats: dict[str, VectorFormat] = {
        ".gpkg": ogr.OGR,
        ".geojson": ogr.OGR,
        ".json": ogr.OGR,
        ".zip": shapefile.ZIPPED,
        ".shp": shapefile.SHAPEFILE,
        ".kml": ogr.OGR,
        ".csv": table.TEXT,
        ".txt": table.TEXT,
        ".xlsx": table.WORKBOOK,
    }
    assert tuple(formats) == VECTOR_SUFFIXES
    return formats


def __getattr__(name: str) -> Any:
    """``RawLayer`` and ``VectorFormat``, from :mod:`layers.formats.base` when first asked for."""
    if name in ("RawLayer", "VectorFormat"):
        from wuxi_atlas.layers.formats import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def vector_format(path: Path) -> VectorFormat:
    """The format that reads ``path``, by its suffix (any case).

    Examples
    --------
    >>> vector_format(Path("stations.CSV")).name
    'text table'
    """
    try:
        return _formats()[path.suffix.lower()]
    except KeyError:
        raise LayerReadError(
            f"{path.name}: '{path.suffix or '(no extension)'}' files cannot be read as a vector layer; "
            f"supported: {', '.join(VECTOR_SUFFIXES)}"
        ) from None
