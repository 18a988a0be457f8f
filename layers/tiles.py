"""A local basemap: map tiles read from an XYZ folder or an MBTiles file the operator configured.

A bureau on an intranet often holds its approved basemap as files: a folder of ``{z}/{x}/{y}.png`` tiles
or one MBTiles file (SQLite). ``GEOPLAN_TILES`` names it; the app serves its tiles at
``/tiles/{z}/{x}/{y}`` (``geo_server.py``). Only that path is ever opened, never anything a user uploaded,
and the MBTiles file is opened read-only (SQLite URI ``mode=ro``), so serving tiles cannot change it.

MBTiles stores rows in the TMS scheme (row 0 at the south), Leaflet asks for XYZ rows (row 0 at the
north): row = 2**z − 1 − y.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from wuxi_atlas.analysis.errors import LayerError

__all__ = ["TILES_ENV", "TileSource", "configured_tile_source", "open_tile_source", "read_tile"]

TILES_ENV = "GEOPLAN_TILES"
_MAX_ZOOM = 24
_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "pbf": "application/x-protobuf",
}


@dataclass(frozen=True)
class TileSource:
    """An XYZ tile folder or an MBTiles file, and the image format of its tiles."""

    path: Path
    kind: Literal["xyz", "mbtiles"]
    format: str = "png"

    @property
    def media_type(self) -> str:
        return _TYPES.get(self.format, "application/octet-stream")


def _connect(path: Path) -> sqlite3.Connection:
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def open_tile_source(path: str | os.PathLike[str]) -> TileSource:
    """The tile source at ``path``: a folder (XYZ) or an ``.mbtiles`` file; :class:`LayerError` naming the
    path when it is neither."""
    path = Path(path).expanduser()
    if path.is_dir():
        formats = [fmt for fmt in _TYPES if any(path.glob(f"*/*/*.{fmt}"))]
        return TileSource(path, "xyz", formats[0] if formats else "png")
    if path.is_file() and path.suffix.lower() == ".mbtiles":
        try:
            with _connect(path) as db:
                row = db.execute("SELECT value FROM metadata WHERE name = 'format'").fetchone()
                db.execute("SELECT 1 FROM tiles LIMIT 1").fetchall()
        except sqlite3.Error as error:
            raise LayerError(f"{TILES_ENV}: {path} is not a readable MBTiles file ({error})") from None
        fmt = str(row[0]).lower() if row else "png"
        return TileSource(path, "mbtiles", fmt if fmt in _TYPES else "png")
    raise LayerError(
        f"{TILES_ENV}={path} is neither a folder of {{z}}/{{x}}/{{y}} tiles nor an .mbtiles file"
    )


def configured_tile_source() -> TileSource | None:
    """The tile source ``GEOPLAN_TILES`` names, None when it is not set."""
    path = os.environ.get(TILES_ENV)
    return open_tile_source(path) if path else None


def read_tile(source: TileSource, z: int, x: int, y: int) -> bytes | None:
    """The tile (z, x, y) in the XYZ scheme, None when the source has none (or the numbers are off the
    grid: only integers within 0 ≤ x, y < 2**z are looked up, so no path is built from request text)."""
    if not (0 <= z <= _MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        return None
    if source.kind == "mbtiles":
        with _connect(source.path) as db:
            row = db.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, (1 << z) - 1 - y),
            ).fetchone()
        return None if row is None else bytes(row[0])
    for fmt in dict.fromkeys((source.format, *_TYPES)):
        tile = source.path / str(z) / str(x) / f"{y}.{fmt}"
        if tile.is_file():
            return tile.read_bytes()
    return None
