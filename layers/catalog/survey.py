"""A land survey's parcels (地类图斑 DLTB) as a catalog ``landcover`` version: staged here, stored by
:class:`~layers.catalog.folder.Catalog` as a GeoPackage in EPSG:4549 (layer ``DLTB``, the survey's fields
as read), read back with :func:`layers.formats.land_survey.read_land_survey`."""

from __future__ import annotations

import hashlib
from pathlib import Path

from wuxi_atlas.analysis.crs import crs_label
from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.sources import LAND_SURVEY_FIELDS, LandSurveySource
from wuxi_atlas.layers.catalog.entries import CONVERSION_PREFIXES, StagedLayer, utc_now
from wuxi_atlas.layers.catalog.staging import sha256
from wuxi_atlas.layers.formats.land_survey import DEFAULT_LAYER, SPEC, read_land_survey, survey_format
from wuxi_atlas.layers.formats.ogr import declared_crs

__all__ = ["STORED_LAYER", "stage_land_survey"]

#: The layer a stored land survey is written to.
STORED_LAYER = DEFAULT_LAYER


def stage_land_survey(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    scheme: str | None = None,
    column_map: object = None,
    lonlat_crs: str | None = None,
) -> StagedLayer:
    """Read and validate a land survey's parcel layer as a ``landcover`` version, touching no catalog."""
    if column_map or lonlat_crs is not None:
        raise LayerError(
            "a land survey's parcels take only --layer, --encoding and --scheme; --map and --lonlat-crs are "
            "for other vector layers"
        )
    source = read_land_survey(path, layer=layer, encoding=encoding, scheme=scheme)
    assert source.path is not None
    notes = list(source.notes)
    if not source.can_tabulate:
        notes.append("warning: tabulation cannot run on these parcels (no ZLDWDM, or no TBDLMJ/TBMJ)")
    present = [str(column) for column in source.frame.columns if column != source.frame.geometry.name]
    options = {"layer": source.layer, "encoding": encoding, "scheme": scheme}
    return StagedLayer(
        kind="landcover",
        source=source,
        path=source.path,
        original_name=source.path.name,
        sha256=_sha256(source.path),
        size_bytes=_size(source.path),
        source_crs=_source_crs(source),
        conversion=tuple(note for note in notes if note.startswith(CONVERSION_PREFIXES)),
        notes=tuple(notes),
        feature_count=len(source.frame),
        fields_found=tuple(present),
        fields_missing=tuple(field for field in LAND_SURVEY_FIELDS if field not in present),
        options={key: value for key, value in options.items() if value is not None},
        staged_at=utc_now(),
    )


def _source_crs(source: LandSurveySource) -> str:
    """The CRS the original file declares, for provenance (the reader has already checked it)."""
    assert source.path is not None
    try:
        target = survey_format(source.path).gdal_target
        assert target is not None
        declared = declared_crs(source.path, SPEC, source.layer, target)
    except Exception:  # provenance only: the file has been read successfully already
        return "unknown"
    return crs_label(declared) if declared else "none declared"


def _sha256(path: Path) -> str:
    """The SHA-256 of a file, or of a File Geodatabase folder: its files' names and digests in order."""
    if not path.is_dir():
        return sha256(path)
    digest = hashlib.sha256()
    for member in sorted(path.iterdir()):
        digest.update(member.name.encode("utf-8") + b"\0" + bytes.fromhex(sha256(member)))
    return digest.hexdigest()


def _size(path: Path) -> int:
    return sum(member.stat().st_size for member in path.iterdir()) if path.is_dir() else path.stat().st_size
