"""土地覆盖 land cover: a class-code GeoTIFF whose classes a scheme names (:mod:`analysis.schemes`), or a
land survey's parcels (地类图斑 DLTB) whose DLBM codes the ``sandiao`` scheme names
(:mod:`layers.formats.land_survey`).

How a raster is drawn (a PNG overlay in the scheme's palette) is :mod:`maps.kinds.landcover`; a land
survey's parcels are not drawn as land cover.
"""

from __future__ import annotations

from pathlib import Path

from wuxi_atlas.analysis.sources import LandSurveySource, RasterSource
from wuxi_atlas.layers.formats import read_landcover
from wuxi_atlas.layers.formats.land_survey import is_land_survey, read_land_survey
from wuxi_atlas.layers.spec import get_spec

__all__ = ["SPEC", "read"]

SPEC = get_spec("landcover")


def read(
    path: str | Path, *, scheme: str | None = None, layer: str | None = None, encoding: str | None = None
) -> RasterSource | LandSurveySource:
    """A land-cover GeoTIFF checked and its scheme named (:func:`layers.formats.raster.read_landcover`), or a
    land survey's parcel layer (:func:`layers.formats.land_survey.read_land_survey`, which alone takes
    ``layer`` and ``encoding``)."""
    if is_land_survey(path):
        return read_land_survey(path, layer=layer, encoding=encoding, scheme=scheme)
    return read_landcover(path, scheme=scheme)
