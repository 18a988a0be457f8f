"""Assemble an indicator run's inputs: the shipped demo layers, with any layer overridden by a file.

Each layer comes from, in order of precedence: an explicit file, the user's layer catalog
(:class:`layers.catalog.Catalog`, when one is given and holds the kind), the shipped demo data.

The CLI calls :func:`load_indicator_inputs`; the app loads the same kinds one at a time, when a page needs
them (:mod:`layers.lazy`). Both go through the same readers and validation, so a layer given as
``--stations x.csv`` and an uploaded station file are checked alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.indicators import IndicatorInputs
from wuxi_atlas.analysis.sources import LandSurveySource, RasterSource, VectorSource
from wuxi_atlas.layers import defaults
from wuxi_atlas.layers.catalog import Catalog
from wuxi_atlas.layers.formats import read_landcover, read_landcover_tiles
from wuxi_atlas.layers.formats.land_survey import land_survey_path, read_land_survey, survey_scheme
from wuxi_atlas.layers.names import VECTOR_KINDS
from wuxi_atlas.layers.read import read_vector

__all__ = ["VECTOR_KINDS", "load_indicator_inputs"]


def load_indicator_inputs(
    *,
    landcover: Path | Sequence[Path] | None = None,
    scheme: str | None = None,
    districts: Path | None = None,
    layer_paths: Mapping[str, Path | None] | None = None,
    stations_crs: str | None = None,
    without: Iterable[str] = (),
    catalog: Catalog | None = None,
    landcover_layer: str | None = None,
) -> IndicatorInputs:
    """Read every layer an indicator run needs.

    ``landcover`` is one GeoTIFF or several tiles of one (files, folders or zips of them, mosaicked by
    :func:`layers.formats.read_landcover_tiles`). A layer comes from ``layer_paths[kind]`` (or
    ``landcover``, ``districts``) when given, else from
    ``catalog`` when it holds the kind, else from the shipped demo data; a kind listed in ``without`` is
    left out, so its indicators come back as not computable. ``scheme`` overrides the scheme a catalog
    land cover was imported with.

    ``landcover`` may instead be a land survey's parcel layer (DLTB: a GeoPackage, a zipped Shapefile or
    File Geodatabase, a ``.gdb`` folder), read by :func:`layers.formats.land_survey.read_land_survey` from
    its layer ``landcover_layer`` (default ``DLTB``), with ``scheme`` a land-survey scheme (default
    ``sandiao``).
    """
    layer_paths = dict(layer_paths or {})
    unknown = sorted(set(layer_paths) - set(VECTOR_KINDS))
    if unknown:
        raise ValueError(f"unknown layer kind(s) {', '.join(unknown)}; expected {', '.join(VECTOR_KINDS)}")
    left_out = set(without)
    in_catalog = set(catalog.kinds()) if catalog is not None else set()
    vectors: dict[str, VectorSource | None] = {}
    for kind in VECTOR_KINDS:
        path = layer_paths.get(kind)
        if kind in left_out:
            vectors[kind] = None
        elif path is not None:
            vectors[kind] = read_vector(kind, path, lonlat_crs=stations_crs if kind == "stations" else None)
        elif catalog is not None and kind in in_catalog:
            stored = catalog.get(kind)
            assert isinstance(stored, VectorSource)
            vectors[kind] = stored
        else:
            vectors[kind] = defaults.load_default_vector(kind)
    raster: RasterSource | LandSurveySource | None
    if "landcover" in left_out:
        raster = None
    elif landcover is not None and (survey := land_survey_path(landcover)) is not None:
        raster = read_land_survey(survey, layer=landcover_layer, scheme=scheme)
    elif landcover is not None and (isinstance(landcover, Path) or len(landcover) > 0):
        raster = read_landcover_tiles(landcover, scheme=scheme)
    elif catalog is not None and "landcover" in in_catalog:
        stored_raster = catalog.get("landcover")
        assert isinstance(stored_raster, RasterSource | LandSurveySource)
        raster = stored_raster
        if scheme is not None and isinstance(raster, LandSurveySource):
            raster = dataclasses.replace(raster, scheme=survey_scheme(scheme))
        elif scheme is not None and isinstance(raster, RasterSource):
            raster = dataclasses.replace(raster, scheme=read_landcover(raster.path, scheme=scheme).scheme)
    else:
        raster = defaults.load_default_landcover(scheme=scheme)
    return IndicatorInputs(
        boundaries=load_boundaries(
            districts
            if districts is not None or catalog is None or "districts" not in in_catalog
            else catalog.path("districts")
        ),
        landcover=raster,
        wetlands=vectors["wetlands"],
        protected=vectors["protected"],
        builtup=vectors["builtup"],
        buildings=vectors["buildings"],
        pv_sites=vectors["pv_sites"],
        stations=vectors["stations"],
    )
