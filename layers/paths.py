"""Which files a reader may open: local files only, judged before GDAL or any other reader sees them.

GDAL virtual paths (``/vsicurl/`` …) and URLs are refused, as names and as zip members; a file must
exist, be a regular non-empty file with a suffix its reader knows, and stay within the size limits of
:mod:`layers.limits`. The one folder a reader may be given is a File Geodatabase (a ``.gdb`` folder), and
only a reader that lists ``.gdb``: it must hold only regular files (no links, no subfolders, no devices),
at least one ``.gdbtable``, and stay within the size limit as a whole (:func:`check_filegdb_folder`).
Any zip container (a zipped Shapefile, an ``.xlsx``, a KMZ named ``.kml``) is
judged by its central directory before anything decompresses it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from wuxi_atlas.analysis.errors import LayerError, LayerReadError
from wuxi_atlas.layers.limits import check_file_size, check_total_size, check_zip_members

__all__ = [
    "SQLITE_MAGIC",
    "ZIP_MAGIC",
    "check_container",
    "check_filegdb_folder",
    "file_header",
    "local_file",
    "reject_virtual",
    "zip_members",
]


# A GDAL virtual file system as a path component (/vsicurl/, /vsizip/, /vsis3_streaming/ …); a local
# name that merely starts with "vsi" (vsi_values.geojson) is not one.
_VIRTUAL = re.compile(
    r"(^|[/\\])vsi(curl|zip|gzip|tar|stdin|stdout|mem|s3|gs|az|adls|oss|swift|hdfs|webhdfs|sparse|"
    r"subfile|crypt|7z|rar|cached)(_streaming)?([/\\?]|$)",
    re.IGNORECASE,
)


def reject_virtual(text: str, what: str) -> None:
    """Refuse ``text`` (a path, a layer name, a zip member) that is a GDAL virtual path or a URL."""
    lowered = text.lower()
    if _VIRTUAL.search(lowered):
        raise LayerError(
            f"{what} {text!r} is a GDAL virtual path; give the path of a local file instead "
            "(download it first if it is remote)"
        )
    if re.match(r"^[a-z][a-z0-9+.\-]*://", lowered):
        raise LayerError(f"{what} {text!r} is a URL; download it and give the path of the local file")


def local_file(path: str | Path, suffixes: Sequence[str], what: str) -> Path:
    """Check that ``path`` names an existing local file with one of ``suffixes``, before GDAL sees it."""
    reject_virtual(str(path), "path")
    local = Path(path).expanduser()
    if not local.exists():
        raise LayerReadError(f"{local}: no such file; check the path")
    if local.is_dir() and local.suffix.lower() == ".gdb" and ".gdb" in suffixes:
        check_filegdb_folder(local)
        return local
    if not local.is_file():
        raise LayerReadError(f"{local}: is a directory, not a file; give the path of the {what} file itself")
    if local.suffix.lower() not in suffixes:
        raise LayerReadError(
            f"{local.name}: '{local.suffix or '(no extension)'}' files cannot be read as {what}; "
            f"supported: {', '.join(suffixes)}"
        )
    if local.stat().st_size == 0:
        raise LayerReadError(f"{local.name}: the file is empty (0 bytes)")
    check_file_size(local)
    return local


def check_filegdb_folder(folder: Path) -> None:
    """Check that ``folder`` is a File Geodatabase as ESRI writes one: a flat folder of regular files.

    Anything else inside (a symbolic link, which could lead to ``/dev/zero`` or another user's file; a
    subfolder; a device or FIFO) is refused before GDAL opens it, and so is a folder with no
    ``.gdbtable`` or larger, all files together, than the upload limit (:mod:`layers.limits`).
    """
    import stat

    total = 0
    tables = 0
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise LayerReadError(f"{folder.name}: cannot list the File Geodatabase folder ({exc})") from exc
    for entry in entries:
        mode = entry.lstat().st_mode
        if not stat.S_ISREG(mode):
            what = (
                "a symbolic link"
                if stat.S_ISLNK(mode)
                else "a folder"
                if stat.S_ISDIR(mode)
                else "not a file"
            )
            raise LayerReadError(
                f"{folder.name}: {entry.name!r} inside it is {what}; a File Geodatabase folder holds only "
                "its own files. Give the .gdb folder as ArcGIS or GDAL wrote it (or zip it)"
            )
        total += entry.lstat().st_size
        tables += entry.name.lower().endswith(".gdbtable")
    if not tables:
        raise LayerReadError(
            f"{folder.name}: the folder holds no .gdbtable files, so it is not a File Geodatabase; give the "
            ".gdb folder itself"
        )
    check_total_size(folder.name, total)


ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; the end record of an empty zip
SQLITE_MAGIC = b"SQLite format 3\x00"


def file_header(path: Path, size: int = 16) -> bytes:
    """The first ``size`` bytes of a file, to tell a zip or an SQLite database by its magic number."""
    with path.open("rb") as handle:
        return handle.read(size)


def check_container(path: Path) -> None:
    """Judge a zip by its central directory before any reader decompresses it, whatever its suffix.

    An .xlsx is a zip, and so is a KMZ named .kml; a sheet of a few kilobytes can unpack to gigabytes.
    The zip limits of :mod:`layers.limits` (total size, ratio, members, member names) apply to all.
    A File Geodatabase folder is no container (:func:`check_filegdb_folder` judged it).
    """
    if path.is_dir():
        return
    if file_header(path, 4).startswith(ZIP_MAGIC):
        zip_members(path)


def zip_members(path: Path) -> list[zipfile.ZipInfo]:
    """The members of a local zip as its central directory lists them, once they have passed the zip
    limits of :mod:`layers.limits`; nothing is decompressed."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise LayerReadError(f"{path.name}: not a readable zip archive ({exc})") from exc
    check_zip_members(path.name, infos)
    return infos
