"""Vector files GDAL reads through pyogrio: GeoPackage (``.gpkg``), GeoJSON (``.geojson``, ``.json``:
also GeoJSONSeq, ESRI JSON, TopoJSON) and KML (``.kml``, a KMZ too).

:func:`read_ogr` is the reading every GDAL format shares (the Shapefile reader of
:mod:`layers.formats.shapefile` uses it too): the file opened read-only as it is, or from a private
copy when it is an SQLite database that reading would change (:func:`read_only`); its layer chosen
(the one named, the only one, or the one named like the kind); its metadata kept; and a file whose
content is not what its suffix says noted. GDAL never sees a path built from the user's text: each
format gives it a checked local path, after a JSON file has been checked for CRS links GDAL would
fetch (:mod:`layers.offline`).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd

from wuxi_atlas.analysis.errors import LayerError, LayerReadError
from wuxi_atlas.layers.formats.base import RawLayer, VectorFormat
from wuxi_atlas.layers.messages import RowLabels, listing
from wuxi_atlas.layers.offline import check_json_crs
from wuxi_atlas.layers.paths import SQLITE_MAGIC, file_header
from wuxi_atlas.layers.provenance import lower_keys
from wuxi_atlas.layers.spec import LayerSpec

__all__ = ["OGR", "UndeclaredEncoding", "declared_crs", "read_ogr", "read_only"]

#: The GDAL drivers a file with each suffix may hold without a warning.
_DRIVERS: dict[str, tuple[str, ...]] = {
    ".gpkg": ("GPKG",),
    ".geojson": ("GeoJSON", "GeoJSONSeq"),
    ".json": ("GeoJSON", "GeoJSONSeq", "ESRIJSON", "TopoJSON"),
    ".kml": ("KML", "LIBKML"),
}

#: How to read a Shapefile layer that declares no text encoding: ``(path, target, layer, notes)``.
UndeclaredEncoding = Callable[[Path, str, str | None, list[str]], gpd.GeoDataFrame]


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[Path]:
    """The path to give GDAL for reading a user's file, which must come out unchanged.

    Most formats are opened read-only as they are. SQLite (a GeoPackage) is not so simple: a reader of
    a WAL-mode database creates ``-wal`` and ``-shm`` files beside it, and the last one to close
    checkpoints the WAL into the file, rewriting it; a hot ``-journal`` is rolled back into it. Such a
    file is read from a private copy (with its ``-wal`` or ``-journal``, so that what an editor has
    committed is read too), in a temporary folder removed afterwards.
    """
    if path.is_dir():  # a File Geodatabase folder: GDAL opens it read-only and writes nothing
        yield path
        return
    header = file_header(path, 20)
    wal_mode = header.startswith(SQLITE_MAGIC) and len(header) == 20 and 2 in header[18:20]
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-journal")]
    if not header.startswith(SQLITE_MAGIC) or not (wal_mode or any(p.exists() for p in sidecars)):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="geoplan-read-") as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        for sidecar in sidecars:
            if sidecar.is_file():
                shutil.copyfile(sidecar, copy.with_name(sidecar.name))
        yield copy


def _choose_layer(path: Path, target: str, spec: LayerSpec, layer: str | None) -> str | None:
    import pyogrio

    try:
        available = [str(row[0]) for row in pyogrio.list_layers(target)]
    except Exception as exc:  # pyogrio.errors.DataSourceError and friends
        raise LayerReadError(f"{path.name}: GDAL cannot open it as vector data ({exc})") from exc
    if not available:
        raise LayerReadError(f"{path.name}: the file holds no vector layers")
    if layer is not None:
        if layer not in available:
            raise LayerError(f"{path.name} has no layer {layer!r}; its layers are: {listing(available)}")
        return layer
    if len(available) == 1:
        return available[0]
    lowered = {name.lower(): name for name in available}
    for name in (spec.kind, *spec.layer_names):
        if name.lower() in lowered:
            return lowered[name.lower()]
    raise LayerError(
        f"{path.name} holds {len(available)} layers ({listing(available)}) and none is called "
        f"{spec.kind!r}; choose one with --layer NAME"
    )


def read_ogr(
    path: Path,
    spec: LayerSpec,
    layer: str | None,
    encoding: str | None,
    notes: list[str],
    *,
    target: Callable[[Path], str],
    drivers: Mapping[str, tuple[str, ...]],
    undeclared: UndeclaredEncoding | None = None,
) -> RawLayer:
    """Read a layer of a GDAL vector file, its features numbered from 1.

    ``target`` gives GDAL's path for the (read-only) file; ``drivers`` the drivers each suffix may
    hold without a warning; ``undeclared`` reads a Shapefile that declares no encoding (no ``.cpg``),
    which GDAL would otherwise read as Latin-1.
    """
    with read_only(path) as readable:
        gdal_path = target(readable)
        chosen = _choose_layer(path, gdal_path, spec, layer)
        frame, info = _read_frame(path, gdal_path, chosen, encoding, notes, undeclared)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise LayerError(f"{path.name}: layer {chosen!r} has no geometry; a {spec.kind} layer needs one")
    expected = drivers.get(path.suffix.lower())
    if expected and info.get("driver") not in expected:
        notes.append(
            f"warning: {path.name} is named {path.suffix} but holds {info.get('driver')} data; read as such "
            "(rename it to match its content)"
        )
    if frame.empty:
        raise LayerReadError(f"{path.name}: layer {chosen!r} has no features")
    metadata = {**lower_keys(info.get("dataset_metadata")), **lower_keys(info.get("layer_metadata"))}
    return RawLayer(frame.reset_index(drop=True), RowLabels("feature", 1), chosen, metadata)


def _read_frame(
    path: Path,
    target: str,
    layer: str | None,
    encoding: str | None,
    notes: list[str],
    undeclared: UndeclaredEncoding | None,
) -> tuple[Any, dict[str, Any]]:
    """The layer's frame as pyogrio reads it, and GDAL's information about the layer."""
    import pyogrio

    try:
        info = pyogrio.read_info(target, layer=layer)
        if (
            undeclared is not None
            and encoding is None
            and info.get("driver") == "ESRI Shapefile"
            and info.get("encoding") == "ISO-8859-1"
        ):
            # No .cpg and no code page in the .dbf: GDAL would read Chinese text as Latin-1 mojibake.
            frame = undeclared(path, target, layer, notes)
        else:
            frame = pyogrio.read_dataframe(target, layer=layer, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise LayerReadError(
            f"{path.name}: text attributes are not in the declared encoding ({exc}); "
            "give --encoding gbk (or the file's real encoding)"
        ) from exc
    except Exception as exc:  # pyogrio.errors.DataSourceError, DataLayerError, FieldTypeError …
        raise LayerReadError(f"{path.name}: cannot read layer {layer!r} ({exc})") from exc
    return frame, info


def declared_crs(path: Path, spec: LayerSpec, layer: str | None, target: Callable[[Path], str]) -> Any:
    """The CRS that the layer read from ``path`` declares (None when it declares none), for provenance;
    raises whatever GDAL raises."""
    import pyogrio

    with read_only(path) as readable:
        gdal_path = target(readable)
        chosen = _choose_layer(path, gdal_path, spec, layer)
        return pyogrio.read_info(gdal_path, layer=chosen).get("crs")


def _target(path: Path) -> str:
    # Built here from a checked local path; the user's text never reaches GDAL as a /vsi path.
    # GDAL sniffs content, not names: any file that starts like JSON is scanned for CRS links.
    check_json_crs(path)
    return str(path)


def _read(path: Path, spec: LayerSpec, layer: str | None, encoding: str | None, notes: list[str]) -> RawLayer:
    return read_ogr(path, spec, layer, encoding, notes, target=_target, drivers=_DRIVERS)


#: GeoPackage, GeoJSON and KML.
OGR = VectorFormat("GDAL vector file", _read, _target)
