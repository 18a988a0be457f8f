"""Shapefiles: zipped (``.zip``, the usual way to hand one over) or as a ``.shp`` with its parts beside it;
and whatever else a zip holds (a GeoPackage, GeoJSON, KML, or a File Geodatabase folder,
:mod:`layers.formats.filegdb`).

A Shapefile is several files (``.shp``, ``.shx``, ``.dbf``, ``.prj``, ``.cpg``); a missing part is named
before GDAL opens anything. A zip is judged by its central directory alone (:mod:`layers.limits`), its
members must not be GDAL virtual paths, and a zipped JSON member is checked for CRS links
(:mod:`layers.offline`); a zip may also hold a GeoPackage, GeoJSON or KML. Attributes whose encoding is
declared nowhere (no ``.cpg``, no code page in the ``.dbf``: common in Chinese data) are read as UTF-8,
else GBK, with a note, instead of GDAL's Latin-1. Reading itself is :func:`layers.formats.ogr.read_ogr`.
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd

from wuxi_atlas.analysis.errors import LayerError, LayerReadError
from wuxi_atlas.layers.formats.base import RawLayer, VectorFormat
from wuxi_atlas.layers.formats.filegdb import zipped_gdb_target
from wuxi_atlas.layers.formats.ogr import read_ogr
from wuxi_atlas.layers.messages import listing
from wuxi_atlas.layers.offline import check_json_crs, check_json_crs_stream
from wuxi_atlas.layers.paths import reject_virtual, zip_members
from wuxi_atlas.layers.spec import LayerSpec

__all__ = ["SHAPEFILE", "ZIPPED"]


def _zip_target(path: Path) -> str:
    """The GDAL path of the vector data inside a local zip: its root, or the one folder holding it."""
    # Judged on the central directory alone, before GDAL decompresses anything.
    members = [info.filename for info in zip_members(path) if not info.filename.startswith("__MACOSX/")]
    vector_members = [
        name for name in members if Path(name).suffix.lower() in (".shp", ".gpkg", ".geojson", ".kml")
    ]
    if not vector_members:
        geodatabase = zipped_gdb_target(path, members)
        if geodatabase is not None:
            return geodatabase
        raise LayerReadError(
            f"{path.name}: the archive holds no Shapefile (.shp with its .dbf/.shx/.prj); "
            f"its files are: {listing(members)}"
        )
    for name in vector_members:
        reject_virtual(name, "zip member")
    _check_members_json_crs(path, vector_members)
    _check_shapefile_parts(
        path.name, [name for name in vector_members if name.lower().endswith(".shp")], members
    )
    folders = sorted({str(Path(name).parent) for name in vector_members})
    root = f"zip://{path.resolve()}"
    if len(folders) > 1:
        raise LayerError(
            f"{path.name}: the archive holds vector files in several folders ({listing(folders)}); "
            "zip one folder's files only"
        )
    if len(vector_members) == 1:
        return f"{root}!{vector_members[0]}"
    return root if folders[0] == "." else f"{root}!{folders[0]}"


def _check_members_json_crs(path: Path, names: Sequence[str]) -> None:
    """Refuse a zipped JSON member that links to its CRS (see :mod:`layers.offline`) before GDAL opens it."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        for name in names:
            with archive.open(name) as member:
                check_json_crs_stream(member, f"{path.name}:{name}")


def _check_shapefile_parts(file_name: str, shapefiles: Sequence[str], members: Sequence[str]) -> None:
    """A Shapefile is its .shp with a .shx (index) and a .dbf (attributes); name the part that is missing."""
    present = {name.lower() for name in members}
    for shp in shapefiles:
        stem = shp[: -len(".shp")]
        missing = [part for part in (".shx", ".dbf") if (stem + part).lower() not in present]
        if missing:
            raise LayerReadError(
                f"{file_name}: the Shapefile {Path(shp).name} has no {' and no '.join(missing)} next to it; "
                "a Shapefile is several files (.shp, .shx, .dbf, .prj, .cpg): give them all, zipped together"
            )


def _read_undeclared(path: Path, target: str, layer: str | None, notes: list[str]) -> gpd.GeoDataFrame:
    """A layer that declares no text encoding, read as UTF-8, else GBK, else Latin-1 (noted)."""
    import pyogrio

    for candidate, label in (("utf-8", "UTF-8"), ("gb18030", "GBK (GB18030)")):
        try:
            frame = pyogrio.read_dataframe(target, layer=layer, encoding=candidate)
        except UnicodeDecodeError:
            continue
        if candidate != "utf-8":
            notes.append(
                f"{path.name} does not declare its text encoding (no .cpg); read it as {label}. Give "
                "--encoding if the text looks wrong"
            )
        return frame
    notes.append(f"{path.name} declares no text encoding and is neither UTF-8 nor GBK; read it as Latin-1")
    return pyogrio.read_dataframe(target, layer=layer)


def _shapefile_target(path: Path) -> str:
    """GDAL's path of a ``.shp`` whose ``.shx`` and ``.dbf`` are beside it."""
    siblings = [sibling.name for sibling in path.parent.glob(f"{glob.escape(path.stem)}.*")]
    _check_shapefile_parts(path.name, [path.name], siblings)
    # GDAL sniffs content, not names: any file that starts like JSON is scanned for CRS links.
    check_json_crs(path)
    return str(path)


def _read_zip(
    path: Path, spec: LayerSpec, layer: str | None, encoding: str | None, notes: list[str]
) -> RawLayer:
    return read_ogr(
        path, spec, layer, encoding, notes, target=_zip_target, drivers={}, undeclared=_read_undeclared
    )


def _read_shapefile(
    path: Path, spec: LayerSpec, layer: str | None, encoding: str | None, notes: list[str]
) -> RawLayer:
    return read_ogr(
        path,
        spec,
        layer,
        encoding,
        notes,
        target=_shapefile_target,
        drivers={".shp": ("ESRI Shapefile",)},
        undeclared=_read_undeclared,
    )


#: A zip holding one folder's Shapefile (or GeoPackage, GeoJSON, KML).
ZIPPED = VectorFormat("zipped Shapefile", _read_zip, _zip_target)
#: A ``.shp`` with its ``.shx`` and ``.dbf`` beside it.
SHAPEFILE = VectorFormat("Shapefile", _read_shapefile, _shapefile_target)
