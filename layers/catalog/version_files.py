"""One version's file in the folder catalog: written under a temporary name, re-read and checked,
published with one rename (read back by :func:`layers.catalog.stored.read_stored`).

:class:`~layers.catalog.folder.Catalog` decides where and when (under its lock); this module knows how
each kind is stored: a vector as a GeoPackage table named after the kind in EPSG:4326 with the
provenance in the table's metadata, the district boundaries as the validated GeoJSON, land cover as a
Cloud-Optimized GeoTIFF, a land survey's parcels as a GeoPackage in EPSG:4549.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from wuxi_atlas.analysis.errors import LayerReadError
from wuxi_atlas.analysis.sources import LandSurveySource, RasterSource, VectorSource
from wuxi_atlas.layers.catalog.disk import TMP_PREFIX, fsync_dir, fsync_file
from wuxi_atlas.layers.catalog.entries import CatalogEntry, StagedLayer
from wuxi_atlas.layers.formats import read_landcover
from wuxi_atlas.layers.formats.land_survey import read_land_survey
from wuxi_atlas.layers.limits import trusted
from wuxi_atlas.layers.read import read_vector

__all__ = ["publish", "storage_of", "write_checked", "write_json"]

# Provenance keys a stored file's own metadata leaves out: they say where the file is, not where it
# came from, and change after it is written.
_PLACE_KEYS = ("version", "file", "current", "removed")


def publish(temporary: Path, final: Path) -> None:
    """Move a written, checked file into place: one atomic rename in one directory."""
    os.replace(temporary, final)
    fsync_dir(final.parent)


def write_json(path: Path, document: Mapping[str, Any]) -> None:
    """Replace ``path`` with ``document`` atomically (temporary file, fsync, rename)."""
    temporary = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}-{path.name}")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        publish(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def storage_of(staged: StagedLayer) -> tuple[Path, str]:
    """The folder (relative to the catalog) and the file suffix of a staged layer's versions."""
    if isinstance(staged.source, LandSurveySource):
        # A land survey's parcels: a GeoPackage in EPSG:4549, read back as land cover.
        return Path("layers") / staged.kind, ".gpkg"
    if staged.kind == "landcover":
        return Path("rasters") / staged.kind, ".tif"
    if staged.kind == "districts":
        return Path("layers") / staged.kind, ".geojson"
    return Path("layers") / staged.kind, ".gpkg"


def _provenance(entry: CatalogEntry) -> str:
    return json.dumps(
        {k: v for k, v in entry.to_record().items() if k not in _PLACE_KEYS}, ensure_ascii=False
    )


def _write_vector(staged: StagedLayer, temporary: Path, entry: CatalogEntry) -> None:
    import pyogrio

    source = cast(VectorSource, staged.source)
    if staged.kind == "districts":
        shutil.copyfile(staged.path, temporary)
    else:
        metadata = {
            "vintage": source.vintage,
            "synthetic": "true" if source.synthetic else "false",
            "geoplan_provenance": _provenance(entry),
        }
        pyogrio.write_dataframe(
            source.frame,
            temporary,
            layer=staged.kind,
            driver="GPKG",
            layer_metadata=metadata,
            # GDAL names the geometry column "geom" by default, which may be one of the file's own columns.
            layer_options={"GEOMETRY_NAME": "geometry"},
        )
    fsync_file(temporary)


def _write_land_survey(staged: StagedLayer, temporary: Path, entry: CatalogEntry) -> None:
    import pyogrio

    from wuxi_atlas.layers.catalog.survey import STORED_LAYER

    source = cast(LandSurveySource, staged.source)
    metadata = {
        "year": str(source.year or ""),
        "synthetic": "true" if source.synthetic else "false",
        "geoplan_provenance": _provenance(entry),
    }
    pyogrio.write_dataframe(
        source.frame, temporary, layer=STORED_LAYER, driver="GPKG", layer_metadata=metadata
    )
    fsync_file(temporary)


def _write_raster(staged: StagedLayer, temporary: Path) -> None:
    import rasterio
    import rasterio.shutil

    if staged.conversion and staged.conversion[0].startswith("copied"):
        shutil.copyfile(staged.path, temporary)
    else:
        with rasterio.open(staged.path) as source:
            rasterio.shutil.copy(
                source, temporary, driver="COG", compress="DEFLATE", resampling="NEAREST", BIGTIFF="IF_SAFER"
            )
    fsync_file(temporary)


def write_checked(staged: StagedLayer, temporary: Path, entry: CatalogEntry) -> None:
    """Write ``staged`` to ``temporary`` as its kind is stored, then re-open and re-read it: anything
    short of the staged layer fails the import."""
    if isinstance(staged.source, LandSurveySource):
        _write_land_survey(staged, temporary, entry)
    elif isinstance(staged.source, RasterSource):
        _write_raster(staged, temporary)
    else:
        _write_vector(staged, temporary, entry)
    with trusted():
        _reread(staged, temporary)


def _reread(staged: StagedLayer, temporary: Path) -> None:
    if isinstance(staged.source, LandSurveySource):
        from wuxi_atlas.layers.catalog.survey import STORED_LAYER

        survey = read_land_survey(temporary, layer=STORED_LAYER, scheme=staged.source.scheme)
        if len(survey.frame) != staged.feature_count:
            raise LayerReadError(
                f"{staged.original_name}: the stored copy has {len(survey.frame)} parcels, the file "
                f"{staged.feature_count}"
            )
        return
    if isinstance(staged.source, RasterSource):
        import rasterio

        stored = read_landcover(temporary, scheme=staged.source.scheme)
        with rasterio.open(staged.path) as original, rasterio.open(stored.path) as copy:
            same = (original.width, original.height, original.crs) == (copy.width, copy.height, copy.crs)
            if not same:
                raise LayerReadError(f"{staged.original_name}: the stored copy does not match the original")
        return
    if staged.kind == "districts":
        from wuxi_atlas.analysis.boundaries import load_boundaries

        count = len(load_boundaries(temporary))
    else:
        count = len(read_vector(staged.kind, temporary, layer=staged.kind).frame)
    if count != staged.feature_count:
        raise LayerReadError(
            f"{staged.original_name}: the stored copy has {count} features, the file {staged.feature_count}"
        )
