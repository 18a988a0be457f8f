"""Reading a vector file as a layer kind: :func:`read_vector`, which every front-end, the catalog and
the kind modules call.

It runs the same steps for every format: the path checked (:mod:`layers.paths`); the file read by its
format's reader (:mod:`layers.formats`); its geometry placed in EPSG:4326 (:mod:`layers.geometry`); its
columns matched to the kind's fields and typed (:mod:`layers.fields`); its geometry cleaned; its
provenance found (:mod:`layers.provenance`). The result is a :class:`~analysis.sources.VectorSource`
whose ``notes`` list everything changed or doubted on the way.

Bad input raises :class:`~analysis.errors.LayerReadError` (cannot read the file),
:class:`~analysis.errors.LayerError` (read it, but it is not a usable layer of that kind) or
:class:`~analysis.errors.CRSError`, each naming the file, the problem and the fix. Paths are local
files only: GDAL virtual paths (``/vsicurl/`` …) and URLs are refused before anything is opened, and
the limits of :mod:`layers.limits` (file size, raster pixels, zip bombs, zip slip) are checked before
anything large is read. Whatever a third-party reader raises on a broken file comes out as
:class:`~analysis.errors.LayerReadError`. Land-cover rasters are read by
:func:`layers.formats.raster.read_landcover`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import cast

import geopandas as gpd

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.amap import as_amap_export
from wuxi_atlas.layers.fields import coerce_fields, missing_fields_message, resolve_columns
from wuxi_atlas.layers.formats import VECTOR_SUFFIXES, vector_format
from wuxi_atlas.layers.geometry import (
    COORDINATE_COLUMNS,
    LONLAT_CRSS,
    LonLatCRS,
    clean_geometry,
    points_from_table,
    to_display_crs,
)
from wuxi_atlas.layers.messages import reader_boundary
from wuxi_atlas.layers.paths import check_container, local_file, reject_virtual
from wuxi_atlas.layers.provenance import manifest_beside, shown_name, vector_source
from wuxi_atlas.layers.spec import get_spec

__all__ = ["read_vector"]


@reader_boundary
def read_vector(
    kind: str,
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
) -> VectorSource:
    """Read a vector file as a layer of ``kind``, checked, typed and in EPSG:4326.

    Parameters
    ----------
    kind : str
        A vector kind of :data:`~layers.spec.LAYER_SPECS` (``"stations"``, ``"wetlands"`` …).
    path : str or Path
        A local ``.gpkg``, ``.geojson``/``.json``, ``.zip`` (zipped Shapefile), ``.shp``, ``.kml``,
        ``.csv``/``.txt`` or ``.xlsx`` file. Tables need longitude and latitude columns.
    layer : str, optional
        The layer (or spreadsheet sheet) to read. By default the only layer, else the one named like the
        kind (``stations``; ``protected_areas`` for ``protected``).
    column_map : mapping, optional
        ``{file column: field name}``, for columns the aliases do not catch; ``"lon"``/``"lat"`` name the
        coordinate columns of a table.
    lonlat_crs : {"wgs84", "cgcs2000", "gcj02", "bd09"}, optional
        The datum of longitude/latitude coordinates. Tables (and files with no CRS) are taken as WGS84
        when None, with a note, except Amap (高德) POI exports, taken as GCJ-02 (:mod:`layers.amap`);
        GCJ-02 and BD-09 are converted with :func:`analysis.coords.to_wgs84`.
    encoding : str, optional
        Text encoding of a CSV or of a Shapefile's attributes. CSV is tried as UTF-8, then GBK.

    Returns
    -------
    VectorSource
        Fields renamed to the spec's names and typed; text choices normalised (``公共`` → ``public``);
        ``notes`` lists every repair, drop, assumption and warning.

    Raises
    ------
    LayerReadError
        The file cannot be read (missing, empty, wrong format, broken).
    LayerError
        It is read but is not a usable layer of ``kind`` (missing fields, text in number columns, swapped
        coordinates, wrong geometry type), or ``path``/``layer`` is a GDAL virtual path or URL.
    CRSError
        A vector file has no CRS.

    Examples
    --------
    >>> stations = read_vector("stations", "stations.csv", lonlat_crs="gcj02")  # doctest: +SKIP
    >>> stations.frame[["type", "piles", "access"]].head()  # doctest: +SKIP
    """
    spec = get_spec(kind)
    if spec.raster:
        raise LayerError(f"{kind} layers are rasters; read them with read_landcover(path)")
    if layer is not None:
        reject_virtual(layer, "layer name")
    if lonlat_crs is not None and lonlat_crs not in LONLAT_CRSS:
        raise LayerError(f"--lonlat-crs {lonlat_crs!r} is not one of: {', '.join(LONLAT_CRSS)}")
    datum = cast("LonLatCRS | None", lonlat_crs)
    local = local_file(path, VECTOR_SUFFIXES, f"a {spec.kind} layer")
    check_container(local)
    name = shown_name(local.name)  # in notes and messages: a name not in UTF-8, escaped
    notes: list[str] = []
    manifest = manifest_beside(local, notes)
    raw = vector_format(local).read(local, spec, layer, encoding, notes)
    if raw.has_geometry:
        placed = to_display_crs(cast(gpd.GeoDataFrame, raw.frame), name, datum, notes)
        frame = resolve_columns(placed, spec, column_map, {}, name, notes)
    else:
        table, datum = as_amap_export(raw.frame, spec, column_map, datum, name, notes)
        table = resolve_columns(table, spec, column_map, COORDINATE_COLUMNS, name, notes)
        frame = points_from_table(table, spec, raw.rows, name, datum, notes)
    rows, chosen, metadata = raw.rows, raw.layer, raw.metadata
    missing = [f for f in spec.required_fields if f.name not in frame]
    if missing:
        columns = [column for column in frame.columns if column != frame.geometry.name]
        raise LayerError(missing_fields_message(name, spec, missing, columns))
    frame = coerce_fields(frame, spec, rows, name, notes)
    frame = clean_geometry(frame, spec, rows, name, notes)
    frame = frame.reset_index(drop=True)
    return vector_source(spec.kind, frame, local, chosen, metadata, manifest, notes)
