"""Assemble an indicator run's inputs: the shipped demo layers, with any layer overridden by a file.

Each layer comes from, in order of precedence: an explicit file, the user's layer catalog
(:class:`layers.catalog.Catalog`, when one is given and holds the kind), the shipped demo data.

The CLI calls :func:`load_indicator_inputs`; the app loads the same kinds one at a time, when a page needs
them (:mod:`layers.lazy`). Both go through the same readers and validation, so a layer given as
``--stations x.csv`` and an uploaded station file are checked alike.

Nothing is read before an indicator asks for it: :func:`load_indicator_inputs` returns
:class:`~analysis.indicators.IndicatorInputs` whose layers are loaders, and only the kinds the wanted
indicators may read (:data:`analysis.names.INDICATOR_LAYERS`) get one. The shipped layers and the
catalog's versions were validated when they were written and are read back typed
(:mod:`layers.stored`); a user's file is validated as it is read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.indicators import IndicatorInputs
from wuxi_atlas.analysis.names import kinds_for
from wuxi_atlas.analysis.sources import LandSurveySource, RasterSource, VectorSource
from wuxi_atlas.layers import defaults
from wuxi_atlas.layers.formats import read_landcover, read_landcover_tiles
from wuxi_atlas.layers.formats.land_survey import land_survey_path, read_land_survey, survey_scheme
from wuxi_atlas.layers.names import VECTOR_KINDS
from wuxi_atlas.layers.origins import layer_origins
from wuxi_atlas.layers.read import read_vector

if TYPE_CHECKING:
    from wuxi_atlas.layers.catalog import CatalogBackend

__all__ = ["VECTOR_KINDS", "load_indicator_inputs"]

LandCover = RasterSource | LandSurveySource


def load_indicator_inputs(
    *,
    landcover: Path | Sequence[Path] | None = None,
    scheme: str | None = None,
    districts: Path | None = None,
    layer_paths: Mapping[str, Path | None] | None = None,
    stations_crs: str | None = None,
    without: Iterable[str] = (),
    catalog: CatalogBackend | None = None,
    landcover_layer: str | None = None,
    indicators: Sequence[str] | None = None,
) -> IndicatorInputs:
    """The layers an indicator run needs, each read when an indicator first reads it.

    ``landcover`` is one GeoTIFF or several tiles of one (files, folders or zips of them, mosaicked by
    :func:`layers.formats.read_landcover_tiles`). A layer comes from ``layer_paths[kind]`` (or
    ``landcover``, ``districts``) when given, else from
    ``catalog`` when it holds the kind, else from the shipped demo data; a kind listed in ``without`` is
    left out, so its indicators come back as not computable. ``scheme`` overrides the scheme a catalog
    land cover was imported with.

    ``indicators`` (default: all) are the indicators the run computes: the kinds none of them reads are
    left out (:func:`analysis.names.kinds_for`), and the others are read on first use, so a file given
    for a layer no indicator reads is never opened. The boundaries are read now.

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
    wanted = set(kinds_for(indicators)) - left_out
    in_catalog = set(catalog.kinds()) if catalog is not None else set()

    def vector(kind: str) -> Callable[[], VectorSource | None]:
        path = layer_paths.get(kind)
        if path is not None:
            lonlat_crs = stations_crs if kind == "stations" else None
            return lambda: read_vector(kind, path, lonlat_crs=lonlat_crs)
        if catalog is not None and kind in in_catalog:
            return lambda: _stored_vector(catalog, kind)
        return lambda: defaults.load_default_vector(kind)

    loaders: dict[str, Callable[[], VectorSource | LandCover | None]] = {
        kind: vector(kind) for kind in VECTOR_KINDS if kind in wanted
    }
    if "landcover" in wanted:
        loaders["landcover"] = lambda: _landcover(landcover, scheme, catalog, in_catalog, landcover_layer)
    origins = layer_origins(
        districts=districts,
        layer_paths=layer_paths,
        stations_crs=stations_crs,
        without=without,
        in_catalog=in_catalog,
        indicators=indicators,
    )
    return IndicatorInputs.deferred(
        load_boundaries(
            districts
            if districts is not None or catalog is None or "districts" not in in_catalog
            else catalog.path("districts")
        ),
        loaders,
        origins,
    )


def _stored_vector(catalog: CatalogBackend, kind: str) -> VectorSource:
    stored = catalog.get(kind)
    assert isinstance(stored, VectorSource)
    return stored


def _landcover(
    landcover: Path | Sequence[Path] | None,
    scheme: str | None,
    catalog: CatalogBackend | None,
    in_catalog: Collection[str],
    landcover_layer: str | None,
) -> LandCover:
    """The land cover: the user's file(s), else the catalog's, else the shipped raster."""
    if landcover is not None and (survey := land_survey_path(landcover)) is not None:
        return read_land_survey(survey, layer=landcover_layer, scheme=scheme)
    if landcover is not None and (isinstance(landcover, Path) or len(landcover) > 0):
        # The zonal pass decodes the raster and refuses a block it cannot read: decode it once, there.
        return read_landcover_tiles(landcover, scheme=scheme, decode_blocks=False)
    if catalog is not None and "landcover" in in_catalog:
        stored = catalog.get("landcover")
        assert isinstance(stored, RasterSource | LandSurveySource)
        if scheme is not None and isinstance(stored, LandSurveySource):
            return dataclasses.replace(stored, scheme=survey_scheme(scheme))
        if scheme is not None and isinstance(stored, RasterSource):
            return dataclasses.replace(stored, scheme=read_landcover(stored.path, scheme=scheme).scheme)
        return stored
    return defaults.load_default_landcover(scheme=scheme)
