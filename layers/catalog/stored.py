"""Reading a stored version back, the same for every backend: :func:`read_stored` takes a version's
entry and its file (the folder backend's own file, or the PostGIS backend's local copy) and returns the
layer read and checked by the kind's reader, labelled with the version's provenance."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from wuxi_atlas.analysis.sources import LandSurveySource, RasterSource, VectorSource
from wuxi_atlas.layers.catalog.entries import CatalogEntry
from wuxi_atlas.layers.formats import read_landcover
from wuxi_atlas.layers.formats.land_survey import read_land_survey
from wuxi_atlas.layers.limits import trusted
from wuxi_atlas.layers.stored import read_stored_vector

__all__ = ["read_stored", "version_label"]


def version_label(entry: CatalogEntry) -> str:
    """How a version is named where its layer is used: the file, the version, the import time."""
    label = f"{entry.original_name} (catalog v{entry.version}, imported {entry.imported_at})"
    return label + (", synthetic" if entry.synthetic else "")


def read_stored(entry: CatalogEntry, stored: Path) -> VectorSource | RasterSource | LandSurveySource:
    """The version ``entry`` read from ``stored`` with the kind's reader (the catalog trusts nothing it
    reads; the upload size limits do not apply to its own files).

    A vector comes back as a :class:`VectorSource` whose ``source`` names the original file and the
    catalog version and whose ``notes`` are the import's; land cover as a :class:`RasterSource` on the
    stored COG with the scheme chosen at import, or a land survey's parcels.
    """
    label = version_label(entry)
    with trusted():
        if entry.kind == "landcover" and stored.suffix == ".gpkg":
            from wuxi_atlas.layers.catalog.survey import STORED_LAYER

            survey = read_land_survey(stored, layer=STORED_LAYER, scheme=entry.scheme)
            year = int(entry.vintage) if entry.vintage.isdigit() else survey.year
            return dataclasses.replace(
                survey, source=label, synthetic=entry.synthetic, year=year, notes=entry.notes
            )
        if entry.kind == "landcover":
            raster = read_landcover(stored, scheme=entry.scheme)
            year = int(entry.vintage) if entry.vintage.isdigit() else raster.year
            return dataclasses.replace(raster, source=label, synthetic=entry.synthetic, year=year)
        if entry.kind == "districts":
            from wuxi_atlas.analysis.boundaries import load_boundaries

            frame = load_boundaries(stored)
            return VectorSource("districts", frame, label, entry.vintage, False, stored, entry.notes)
        # Validated when it was imported, stored typed: read back without validating it again.
        source = read_stored_vector(entry.kind, stored, layer=entry.kind)
    return dataclasses.replace(
        source, source=label, vintage=entry.vintage, synthetic=entry.synthetic, notes=entry.notes
    )
