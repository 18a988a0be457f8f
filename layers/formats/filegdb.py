"""File Geodatabases (ESRI ``.gdb``), as land survey data is handed over: a ``.gdb`` folder, or zipped.

GDAL's OpenFileGDB driver reads both. A ``.gdb`` folder is the one directory a reader accepts, and only
after :func:`layers.paths.check_filegdb_folder` has found nothing in it but regular files; a zipped one is
judged by the zip's central directory like any zip (:func:`layers.paths.zip_members`), and its folder name
must not be a GDAL virtual path. Reading is :func:`layers.formats.ogr.read_ogr`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.layers.formats.base import RawLayer, VectorFormat
from wuxi_atlas.layers.formats.ogr import read_ogr
from wuxi_atlas.layers.messages import listing
from wuxi_atlas.layers.paths import check_filegdb_folder, reject_virtual
from wuxi_atlas.layers.spec import LayerSpec

__all__ = ["FILEGDB", "zipped_gdb_target"]

_DRIVERS = {".gdb": ("OpenFileGDB",)}


def zipped_gdb_target(path: Path, members: Sequence[str]) -> str | None:
    """GDAL's path of the File Geodatabase inside a local zip, or None when the zip holds none.

    The geodatabase is the folder holding the ``.gdbtable`` files (``DLTB.gdb/`` in the zip, or the zip's
    root when the tables were zipped without their folder); a zip holding two is refused.
    """
    folders = sorted(
        {str(PurePosixPath(name).parent) for name in members if name.lower().endswith(".gdbtable")}
    )
    if not folders:
        return None
    if len(folders) > 1:
        raise LayerError(
            f"{path.name}: the archive holds several File Geodatabases ({listing(folders)}); "
            "zip one .gdb folder"
        )
    folder = folders[0]
    root = f"zip://{path.resolve()}"
    if folder == ".":
        return root
    reject_virtual(folder, "zip member")
    return f"{root}!{folder}"


def _target(path: Path) -> str:
    # Built here from a checked local folder; the user's text never reaches GDAL as a /vsi path.
    check_filegdb_folder(path)
    return str(path)


def _read(path: Path, spec: LayerSpec, layer: str | None, encoding: str | None, notes: list[str]) -> RawLayer:
    return read_ogr(path, spec, layer, encoding, notes, target=_target, drivers=_DRIVERS)


#: A ``.gdb`` folder (a zipped one is read through :data:`layers.formats.shapefile.ZIPPED`).
FILEGDB = VectorFormat("File Geodatabase", _read, _target)
