"""How much a user's file may ask of the machine, in one place, each with an environment override.

The readers (:mod:`layers.read`, :mod:`layers.formats`) check these before anything large is allocated
or extracted: the file's size before it is opened, a raster's declared pixel count and the decoded size
of one of its blocks before a single pixel is read, and a zip's declared member sizes (and so its
compression ratio) before GDAL looks inside it. A file over a limit is refused with
:class:`~analysis.errors.LayerReadError` naming the limit and how to raise it.

============================  ===============================  ===========
limit                         environment variable             default
============================  ===============================  ===========
file size                     ``GEOPLAN_MAX_UPLOAD_MB``        500 MB
raster pixels (all bands)     ``GEOPLAN_MAX_RASTER_PIXELS``    2e9
raster block, decoded         ``GEOPLAN_MAX_BLOCK_MB``         256 MB
zip, uncompressed total       ``GEOPLAN_MAX_ZIP_MB``           2000 MB
zip, compression ratio        ``GEOPLAN_MAX_ZIP_RATIO``        100 (:1)
zip, number of members        ``GEOPLAN_MAX_ZIP_MEMBERS``      10000
============================  ===============================  ===========

The variables are read on every check, so a test (or an administrator) can change them at run time.
Files the atlas wrote itself (the layer catalog's versions) are read inside :func:`trusted`, which
lifts the size limits: a stored GeoPackage may well be larger than the CSV it came from.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from wuxi_atlas.analysis.errors import LayerError, LayerReadError

__all__ = [
    "Limits",
    "check_block_size",
    "check_file_size",
    "check_raster_size",
    "check_total_size",
    "check_zip_members",
    "current_limits",
    "is_trusted",
    "trusted",
]

_MB = 1024 * 1024
_TRUSTED: contextvars.ContextVar[bool] = contextvars.ContextVar("geoplan_trusted_files", default=False)


@contextlib.contextmanager
def trusted() -> Iterator[None]:
    """Within this block the size limits do not apply: only for files the atlas wrote itself."""
    token = _TRUSTED.set(True)
    try:
        yield
    finally:
        _TRUSTED.reset(token)


def is_trusted() -> bool:
    """Whether the file being read is one the atlas wrote itself (inside :func:`trusted`)."""
    return _TRUSTED.get()


@dataclass(frozen=True)
class Limits:
    """The limits in force: bytes, pixels, a ratio and a count."""

    max_file_bytes: int = 500 * _MB
    max_raster_pixels: int = 2_000_000_000
    max_block_bytes: int = 256 * _MB
    max_zip_total_bytes: int = 2000 * _MB
    max_zip_ratio: float = 100.0
    max_zip_members: int = 10_000


def _env_number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError as exc:
        raise LayerError(f"environment variable {name}={text!r} is not a number") from exc
    if not value > 0:
        raise LayerError(f"environment variable {name}={text!r} must be positive")
    return value


def current_limits() -> Limits:
    """The limits now in force: the defaults, overridden by the ``GEOPLAN_MAX_*`` environment variables.

    Examples
    --------
    >>> current_limits().max_zip_ratio
    100.0
    """
    default = Limits()
    return Limits(
        max_file_bytes=int(_env_number("GEOPLAN_MAX_UPLOAD_MB", default.max_file_bytes / _MB) * _MB),
        max_raster_pixels=int(_env_number("GEOPLAN_MAX_RASTER_PIXELS", default.max_raster_pixels)),
        max_block_bytes=int(_env_number("GEOPLAN_MAX_BLOCK_MB", default.max_block_bytes / _MB) * _MB),
        max_zip_total_bytes=int(_env_number("GEOPLAN_MAX_ZIP_MB", default.max_zip_total_bytes / _MB) * _MB),
        max_zip_ratio=_env_number("GEOPLAN_MAX_ZIP_RATIO", default.max_zip_ratio),
        max_zip_members=int(_env_number("GEOPLAN_MAX_ZIP_MEMBERS", default.max_zip_members)),
    )


def _megabytes(size: float) -> str:
    return f"{size / _MB:,.1f} MB" if size >= _MB / 10 else f"{size:,.0f} bytes"


def check_file_size(path: Path) -> None:
    """Refuse a file larger than the upload limit, before it is opened."""
    if _TRUSTED.get():
        return
    limit = current_limits().max_file_bytes
    size = path.stat().st_size
    if size > limit:
        raise LayerReadError(
            f"{path.name}: the file is too large ({_megabytes(size)}; the limit is {_megabytes(limit)}); "
            "clip it to Wuxi first, or raise GEOPLAN_MAX_UPLOAD_MB"
        )


def check_total_size(name: str, size: int) -> None:
    """Refuse a dataset of several files (a File Geodatabase folder) larger, all together, than the
    upload limit."""
    if _TRUSTED.get():
        return
    limit = current_limits().max_file_bytes
    if size > limit:
        raise LayerReadError(
            f"{name}: its files together are too large ({_megabytes(size)}; the limit is "
            f"{_megabytes(limit)}); clip it to Wuxi first, or raise GEOPLAN_MAX_UPLOAD_MB"
        )


def check_raster_size(name: str, width: int, height: int, bands: int) -> None:
    """Refuse a raster whose header declares more pixels than the limit, before any pixel is read."""
    if _TRUSTED.get():
        return
    limit = current_limits().max_raster_pixels
    pixels = int(width) * int(height) * max(int(bands), 1)
    if pixels > limit:
        raise LayerReadError(
            f"{name}: the raster declares {width:,} × {height:,} pixels × {bands} band(s) = {pixels:,.0f} "
            f"pixels, over the limit of {limit:,.0f}; clip it to Wuxi first, or raise "
            "GEOPLAN_MAX_RASTER_PIXELS"
        )


def check_block_size(name: str, block_height: int, block_width: int, bands: int, item_bytes: int) -> None:
    """Refuse a raster whose internal block (tile or strip) would decode to more than the limit.

    GDAL decodes a whole block to read any pixel of it, so one strip that claims 40,000 rows of 40,000
    pixels costs gigabytes however small the file and however few pixels are wanted. Judged from the
    header (rasterio's ``block_shapes``), before anything is decoded.
    """
    if _TRUSTED.get():
        return
    limit = current_limits().max_block_bytes
    size = int(block_height) * int(block_width) * max(int(bands), 1) * int(item_bytes)
    if size > limit:
        raise LayerReadError(
            f"{name}: one internal block (tile or strip) of the raster is {block_width:,} × {block_height:,} "
            f"pixels and would decode to {_megabytes(size)}, over the limit of {_megabytes(limit)}; rewrite "
            "it tiled (gdal_translate -co TILED=YES, or as a COG), or raise GEOPLAN_MAX_BLOCK_MB"
        )


def _unsafe_member(name: str) -> bool:
    """Whether a zip member's name would land outside the folder it is extracted to (zip slip)."""
    if name.startswith(("/", "\\")) or PureWindowsPath(name).drive:
        return True
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return ".." in parts


def check_zip_members(name: str, members: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip with unsafe member names, too many members, or a bomb's sizes.

    Only the central directory is looked at (``ZipInfo.file_size`` and ``compress_size``): nothing is
    decompressed. Members whose names climb out of the archive (``../``) or are absolute are refused
    outright, even though GDAL would not extract them, because such an archive was made to attack.
    """
    limits = current_limits()
    unsafe = [info.filename for info in members if _unsafe_member(info.filename)]
    if unsafe:
        shown = ", ".join(map(repr, unsafe[:5]))
        raise LayerReadError(
            f"{name}: the archive has members with absolute or '..' paths ({shown}), which could write "
            "outside the folder it is unpacked to; refused. Re-zip the files themselves"
        )
    if len(members) > limits.max_zip_members:
        raise LayerReadError(
            f"{name}: the archive has {len(members):,} members, over the limit of {limits.max_zip_members:,}"
            " (raise GEOPLAN_MAX_ZIP_MEMBERS if it is genuine)"
        )
    total = sum(info.file_size for info in members)
    if total > limits.max_zip_total_bytes:
        raise LayerReadError(
            f"{name}: the archive unpacks to {_megabytes(total)}, over the limit of "
            f"{_megabytes(limits.max_zip_total_bytes)} (a zip bomb, or data to clip first; raise "
            "GEOPLAN_MAX_ZIP_MB if it is genuine)"
        )
    packed = sum(info.compress_size for info in members)
    # Small archives compress well for honest reasons; only judge the ratio once it could hurt (> 1 MB).
    if total > _MB and total > limits.max_zip_ratio * max(packed, 1):
        raise LayerReadError(
            f"{name}: the archive's compression ratio is {total / max(packed, 1):,.0f}:1, over the limit of "
            f"{limits.max_zip_ratio:g}:1; it looks like a zip bomb and is not unpacked (raise "
            "GEOPLAN_MAX_ZIP_RATIO if it is genuine)"
        )
