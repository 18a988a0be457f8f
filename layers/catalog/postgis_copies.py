"""Local copies of PostGIS catalog versions: a version's table written once to a file on this machine,
in the form the folder backend stores (a GeoPackage layer, the boundaries as GeoJSON, a land survey's
parcels as a ``DLTB`` GeoPackage), and read from there by the kind's own reader
(:func:`layers.catalog.stored.read_stored`).

Why copies: every reader of a layer (the readers' checks, the boundaries loader, the zonal engine, the
app's result caches keyed by file identity) takes a file, and a version never changes once committed
(its table refuses edits: a trigger), so one copy per version and machine is always right. The copies
live in ``<cache>/catalog-copies/<catalog id>/`` (the id is the database catalog's own, so a re-created
database never meets an old copy); ``GEOPLAN_CACHE_DIR=off`` puts them in a temporary folder removed at
exit. A copy is written under a temporary name and renamed into place, like every catalog file.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from wuxi_atlas.layers.catalog.disk import TMP_PREFIX, fsync_file
from wuxi_atlas.layers.catalog.entries import CatalogEntry

__all__ = ["copies_root", "write_copy"]

_TEMPORARY: list[Path] = []


def copies_root(catalog_id: str) -> Path:
    """The folder of this catalog's local copies."""
    from wuxi_atlas.analysis.result_cache import cache_dir

    base = cache_dir()
    if base is None:  # the cache is off: a private folder for this process
        if not _TEMPORARY:
            _TEMPORARY.append(Path(tempfile.mkdtemp(prefix="geoplan-catalog-copies-")))
            atexit.register(shutil.rmtree, _TEMPORARY[0], True)
        base = _TEMPORARY[0]
    return base / "catalog-copies" / catalog_id


def copy_name(entry: CatalogEntry, survey: bool) -> str:
    """Where the copy of a table version goes, relative to :func:`copies_root`."""
    suffix = ".geojson" if entry.kind == "districts" else ".gpkg"
    return f"layers/{entry.kind}/v{entry.version:04d}{'-survey' if survey else ''}{suffix}"


def write_copy(frame: Any, entry: CatalogEntry, path: Path, survey: bool) -> None:
    """Write a version's frame to ``path`` (atomically), in the folder backend's format for its kind."""
    import pyogrio

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}{path.suffix}")
    try:
        if entry.kind == "districts":
            temporary.write_text(frame.to_json(drop_id=True, ensure_ascii=False), encoding="utf-8")
        else:
            from wuxi_atlas.layers.catalog.survey import STORED_LAYER

            provenance = {k: v for k, v in entry.to_record().items() if k not in ("file", "current")}
            metadata = {
                "synthetic": "true" if entry.synthetic else "false",
                "geoplan_provenance": json.dumps(provenance, ensure_ascii=False),
            }
            metadata["year" if survey else "vintage"] = entry.vintage
            pyogrio.write_dataframe(
                frame,
                temporary,
                layer=STORED_LAYER if survey else entry.kind,
                driver="GPKG",
                layer_metadata=metadata,
                # GDAL's default geometry column name, "geom", may be one of the file's own columns.
                layer_options={"GEOMETRY_NAME": "geometry"},
            )
        fsync_file(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
