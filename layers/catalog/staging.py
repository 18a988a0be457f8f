"""Staging: a file read and validated as a layer kind, with its provenance, touching no catalog.

:func:`stage_layer` reads the file with the kind's reader (:func:`layers.read.read_vector`,
:func:`layers.formats.raster.read_landcover`, or :func:`analysis.boundaries.load_boundaries` for the
district boundaries) and records what a catalog version needs: the original file's name, size and
sha256, the CRS it declared, every conversion made to reach EPSG:4326, and the read options used. The
result can live in one user's session (an upload previewed) until a catalog commits it.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wuxi_atlas.analysis.crs import DISPLAY_CRS, crs_label
from wuxi_atlas.analysis.errors import LayerError, LayerReadError
from wuxi_atlas.analysis.sources import RasterSource, VectorSource
from wuxi_atlas.layers.catalog.entries import CONVERSION_PREFIXES, StagedLayer, utc_now
from wuxi_atlas.layers.formats import read_landcover_tiles, vector_format
from wuxi_atlas.layers.formats.land_survey import is_land_survey
from wuxi_atlas.layers.formats.ogr import declared_crs
from wuxi_atlas.layers.formats.tiles import mosaic_tiles
from wuxi_atlas.layers.geometry import DATUM_LABELS
from wuxi_atlas.layers.paths import local_file
from wuxi_atlas.layers.provenance import check_year, lower_keys, manifest_beside, raster_year, year_of
from wuxi_atlas.layers.read import read_vector
from wuxi_atlas.layers.spec import get_spec

__all__ = ["sha256", "stage_layer", "with_year"]

_GCJ_METHOD = "analysis.coords.to_wgs84, iterative inverse, < 1 mm"


def sha256(path: Path) -> str:
    """The SHA-256 of a file, as hex: what identifies the original of a version."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _options(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, {}, ())}


def _probe_source_crs(local: Path, kind: str, layer: str | None, lonlat_crs: str | None) -> str:
    """The CRS the original file declares, for provenance (the reader has already checked it)."""
    target = vector_format(local).gdal_target
    if target is None:  # a table of longitude/latitude
        datum = DATUM_LABELS[lonlat_crs or "wgs84"]
        return f"{datum} longitude/latitude ({'declared' if lonlat_crs else 'assumed: not declared'})"
    try:
        declared = declared_crs(local, get_spec(kind), layer, target)
    except Exception:  # provenance only: the file has been read successfully already
        return "unknown"
    if not declared:
        return f"none declared; taken as {lonlat_crs} as told" if lonlat_crs else "none declared"
    return crs_label(declared)


def _storable_columns(frame: Any, notes: list[str]) -> Any:
    """Column names a GeoPackage can hold: ``fid`` is its key, and SQLite names ignore case."""
    geometry_name = frame.geometry.name
    renames: dict[str, str] = {}
    seen: set[str] = {geometry_name.lower()}
    for column in frame.columns:
        if column == geometry_name:
            continue
        name = str(column)
        candidate = f"{name}_original" if name.lower() == "fid" else name
        counter = 2
        while candidate.lower() in seen:
            candidate, counter = f"{name}_{counter}", counter + 1
        seen.add(candidate.lower())
        if candidate != column:
            renames[column] = candidate
    if renames:
        shown = ", ".join(f"{old!s} → {new}" for old, new in renames.items())
        notes.append(f"renamed column(s) the GeoPackage cannot hold as they are: {shown}")
        frame = frame.rename(columns=renames)
    return frame


def _conversion(notes: tuple[str, ...]) -> tuple[str, ...]:
    steps = []
    for note in notes:
        if not note.startswith(CONVERSION_PREFIXES):
            continue
        if note.startswith("converted coordinates"):
            note = f"{note} ({_GCJ_METHOD})"
        steps.append(note)
    return tuple(steps)


def stage_layer(
    kind: str,
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
    scheme: str | None = None,
) -> StagedLayer:
    """Read and validate ``path`` as a layer of ``kind``, touching no catalog.

    The options are those of :func:`layers.read.read_vector` (vector kinds) or ``scheme`` of
    :func:`layers.formats.raster.read_landcover` (``landcover``: a GeoTIFF, or a folder or zip of tiles,
    :func:`layers.formats.tiles.read_landcover_tiles`). ``districts`` must be a boundaries GeoJSON
    that :func:`analysis.boundaries.load_boundaries` accepts. A land survey's parcels as ``landcover``
    (:func:`layers.formats.land_survey.is_land_survey`) take ``layer``, ``encoding`` and ``scheme``
    (:mod:`layers.catalog.survey`).

    Raises
    ------
    LayerReadError, LayerError, CRSError, BoundaryError
        The file is not usable as ``kind``; the message says why and how to fix it.
    """
    spec = get_spec(kind)
    if spec.raster and is_land_survey(path):
        from wuxi_atlas.layers.catalog.survey import stage_land_survey

        return stage_land_survey(
            path, layer=layer, encoding=encoding, scheme=scheme, column_map=column_map, lonlat_crs=lonlat_crs
        )
    if spec.raster:
        if any(option is not None for option in (layer, column_map, lonlat_crs, encoding)):
            raise LayerError(
                "land-cover rasters take only --scheme; --layer, --map, --lonlat-crs and --encoding "
                "are for vector layers"
            )
        return _stage_raster(path, scheme)
    if scheme is not None:
        raise LayerError(f"--scheme is for land-cover rasters, not {spec.kind} layers")
    if spec.kind == "districts":
        if any(option is not None for option in (layer, column_map, lonlat_crs, encoding)):
            raise LayerError(
                "district boundaries are read as they are: no --layer, --map, --lonlat-crs or --encoding"
            )
        return _stage_districts(path)
    source = read_vector(
        spec.kind, path, layer=layer, column_map=column_map, lonlat_crs=lonlat_crs, encoding=encoding
    )
    local = source.path if source.path is not None else Path(path)
    notes = list(source.notes)
    frame = _storable_columns(source.frame, notes)
    source = dataclasses.replace(source, frame=frame, notes=tuple(notes))
    present = set(frame.columns)
    known = {f.name for f in spec.fields}
    return StagedLayer(
        kind=spec.kind,
        source=source,
        path=local,
        original_name=local.name,
        sha256=sha256(local),
        size_bytes=local.stat().st_size,
        source_crs=_probe_source_crs(local, spec.kind, layer, lonlat_crs),
        conversion=_conversion(source.notes),
        notes=source.notes,
        feature_count=len(frame),
        fields_found=tuple(f.name for f in spec.fields if f.name in present),
        fields_missing=tuple(f.name for f in spec.optional_fields if f.name not in present),
        extra_columns=tuple(str(c) for c in frame.columns if c not in known and c != frame.geometry.name),
        options=_options(
            layer=layer, column_map=dict(column_map or {}), lonlat_crs=lonlat_crs, encoding=encoding
        ),
        staged_at=utc_now(),
    )


def _stage_districts(path: str | Path) -> StagedLayer:
    from wuxi_atlas.analysis.boundaries import load_boundaries

    local = local_file(path, (".geojson", ".json"), "a boundaries GeoJSON")
    frame = load_boundaries(local)
    source = VectorSource(
        kind="districts", frame=frame, source=local.name, vintage="", synthetic=False, path=local
    )
    return StagedLayer(
        kind="districts",
        source=source,
        path=local,
        original_name=local.name,
        sha256=sha256(local),
        size_bytes=local.stat().st_size,
        source_crs=crs_label(DISPLAY_CRS),
        conversion=(),
        notes=(),
        feature_count=len(frame),
        fields_found=tuple(str(c) for c in frame.columns if c != frame.geometry.name),
        staged_at=utc_now(),
    )


def _tiles_digest(original: Path, tiles: tuple[Path, ...]) -> tuple[str, int]:
    """The SHA-256 and size of what the user gave: a zip as it is; for a folder of tiles, the SHA-256 of
    the tiles' names and SHA-256s, one per line, and their total size."""
    if original.is_file():
        return sha256(original), original.stat().st_size
    listing = "".join(f"{tile.name} {sha256(tile)}\n" for tile in tiles)
    return hashlib.sha256(listing.encode("utf-8")).hexdigest(), sum(tile.stat().st_size for tile in tiles)


def _stage_raster(path: str | Path, scheme: str | None) -> StagedLayer:
    import rasterio

    source = read_landcover_tiles(path, scheme=scheme)
    tiles = mosaic_tiles(source.path)
    notes: list[str] = []
    try:
        with rasterio.open(source.path) as dataset:
            source_crs = crs_label(dataset.crs)
            shape = (
                f"{dataset.width} × {dataset.height} pixels, {dataset.count} band(s) of {dataset.dtypes[0]}"
            )
            cog_ready = bool(dataset.profile.get("tiled")) and dataset.compression is not None
    except Exception as exc:  # read_landcover has just opened it; anything here is the disk changing
        raise LayerReadError(f"{source.path.name}: cannot re-open it ({exc})") from exc
    notes.append(shape)
    if scheme is None:
        notes.append(
            f"land-cover scheme {source.scheme!r} taken from the file's tag or guessed from its codes; "
            "give --scheme if it is wrong"
        )
    conversion = (
        ("copied as it is (already tiled and compressed)",)
        if cog_ready
        else ("rewritten as a Cloud-Optimized GeoTIFF (DEFLATE, nearest-neighbour overviews)",)
    )
    original, digest, size = source.path, sha256(source.path), source.path.stat().st_size
    if tiles:
        # One mosaic is stored, not the tiles: a version stays one file that reads like any other.
        notes.append(f"mosaic of {len(tiles)} tiles: {', '.join(tile.name for tile in tiles)}")
        conversion = (
            f"mosaicked from {len(tiles)} tiles into one Cloud-Optimized GeoTIFF (DEFLATE, nearest-neighbour "
            "overviews), cut to the city's extent",
        )
        original = Path(path)
        digest, size = _tiles_digest(original, tiles)
    return StagedLayer(
        kind="landcover",
        source=source,
        path=source.path,
        original_name=original.name,
        sha256=digest,
        size_bytes=size,
        source_crs=source_crs,
        conversion=conversion,
        notes=tuple(notes),
        feature_count=None,
        options=_options(scheme=scheme),
        staged_at=utc_now(),
    )


def with_year(staged: StagedLayer, year: int | None = None) -> StagedLayer:
    """``staged`` with the year its data describe: ``year`` when given (``--year``, checked to be 1900–
    2100), else what the file states (:func:`stated_year`); never the file's modification time.

    Examples
    --------
    >>> with_year(staged, 2021).year_source  # doctest: +SKIP
    '--year'
    """
    if year is not None:
        # The reader's note that the file states no year no longer applies.
        notes = tuple(note for note in staged.notes if "its vintage is unknown" not in note)
        return dataclasses.replace(staged, year=check_year(year), year_source="--year", notes=notes)
    found, where = stated_year(staged)
    return dataclasses.replace(staged, year=found, year_source=where)


def stated_year(staged: StagedLayer) -> tuple[int | None, str]:
    """The year a staged layer's file states and where (tags, metadata, manifest, name); ``(None, "")``
    when it states none. District boundaries have no vintage."""
    source = staged.source
    if staged.kind == "districts":
        return None, ""
    if isinstance(source, VectorSource):
        found = year_of(source.vintage)
        return (
            (found, "the file's metadata (vintage or year), or its features' year") if found else (None, "")
        )
    year = getattr(source, "year", None)  # a raster, or a land survey's parcels
    if year is None:
        return None, ""
    where = "the file's metadata or name"
    path = getattr(source, "path", None)
    if (
        isinstance(source, RasterSource)
        and path is not None
        and str(path).lower().endswith((".tif", ".tiff"))
    ):
        import rasterio

        try:
            with rasterio.open(path) as dataset:
                tags = lower_keys(dataset.tags())
        except Exception:  # provenance only: the file was read a moment ago
            tags = {}
        found, tagged = raster_year(tags, manifest_beside(Path(path), []), Path(path).stem)
        if found == year and tagged:
            where = tagged
    return int(year), where
