"""Local basemap tiles: an MBTiles file (TMS rows flipped to XYZ) or an XYZ folder, read only from the
operator's GEOPLAN_TILES, opened read-only, served at /tiles/{z}/{x}/{y}; the basemap offered and chosen
by default only when configured."""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
from pathlib import Path

import pytest

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.layers.tiles import open_tile_source, read_tile
from wuxi_atlas.maps.basemap import available_basemaps, default_basemap


def make_mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], fmt: str = "png") -> Path:
    """A tiny MBTiles file; ``tiles`` keyed by (z, x, TMS row)."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)"
        )
        db.execute("INSERT INTO metadata VALUES ('format', ?)", (fmt,))
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", [(*k, v) for k, v in tiles.items()])
    db.close()
    return path


def test_mbtiles_rows_are_flipped_from_tms(tmp_path: Path) -> None:
    # At zoom 2 the TMS row 0 is the southernmost: XYZ row 3. Row 1 (TMS) is XYZ row 2.
    path = make_mbtiles(
        tmp_path / "x.mbtiles", {(2, 1, 0): b"south", (2, 1, 1): b"row1", (0, 0, 0): b"world"}
    )
    before = path.read_bytes()
    source = open_tile_source(path)
    assert source.kind == "mbtiles" and source.media_type == "image/png"
    assert read_tile(source, 2, 1, 3) == b"south"
    assert read_tile(source, 2, 1, 2) == b"row1"
    assert read_tile(source, 2, 1, 0) is None
    assert read_tile(source, 0, 0, 0) == b"world"
    assert read_tile(source, 2, 4, 0) is None and read_tile(source, -1, 0, 0) is None  # off the grid
    assert path.read_bytes() == before  # opened read-only, nothing written
    assert not (tmp_path / "x.mbtiles-journal").exists()


def test_mbtiles_is_opened_read_only(tmp_path: Path) -> None:
    path = make_mbtiles(tmp_path / "ro.mbtiles", {(0, 0, 0): b"w"})
    path.chmod(0o444)
    try:
        assert read_tile(open_tile_source(path), 0, 0, 0) == b"w"
    finally:
        path.chmod(0o644)


def test_xyz_folder_and_bad_paths(tmp_path: Path) -> None:
    folder = tmp_path / "tiles"
    (folder / "3" / "6").mkdir(parents=True)
    (folder / "3" / "6" / "2.jpg").write_bytes(b"jpeg")
    source = open_tile_source(folder)
    assert source.kind == "xyz" and source.media_type == "image/jpeg"
    assert read_tile(source, 3, 6, 2) == b"jpeg"
    assert read_tile(source, 3, 6, 5) is None  # XYZ folders are not flipped
    with pytest.raises(LayerError, match="GEOPLAN_TILES"):
        open_tile_source(tmp_path / "missing")
    (tmp_path / "bad.mbtiles").write_bytes(b"not sqlite at all" * 10)
    with pytest.raises(LayerError, match="not a readable MBTiles"):
        open_tile_source(tmp_path / "bad.mbtiles")


def test_tile_endpoint_serves_the_configured_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.requests import Request

    from wuxi_atlas.app import tiles

    path = make_mbtiles(tmp_path / "e.mbtiles", {(1, 0, 0): b"\x89PNG tile"})
    monkeypatch.setenv("GEOPLAN_TILES", str(path))
    tiles._source.cache_clear()

    def get(z: int, x: int, y: int):  # type: ignore[no-untyped-def]
        request = Request(
            {"type": "http", "method": "GET", "path_params": {"z": z, "x": x, "y": y}, "headers": []}
        )
        # In a thread of its own: the browser tests' shared Playwright (sync API) keeps an event loop running
        # in the main thread for the rest of the session, where asyncio.run() is refused.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, tiles.tile_endpoint(request)).result()

    try:
        reply = get(1, 0, 1)  # TMS row 0 at zoom 1 is XYZ row 1
        assert reply.status_code == 200 and reply.body == b"\x89PNG tile"
        assert reply.media_type == "image/png"
        assert get(1, 0, 0).status_code == 404
        monkeypatch.delenv("GEOPLAN_TILES")
        tiles._source.cache_clear()
        assert get(1, 0, 1).status_code == 404
    finally:
        tiles._source.cache_clear()


def test_local_basemap_offered_and_default_only_when_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GEOPLAN_TILES", "GEOPLAN_TILE_URL", "GEOPLAN_BASEMAP", "TIANDITU_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert "local" not in [b.key for b in available_basemaps()]
    assert default_basemap() == "cartodb"
    monkeypatch.setenv("GEOPLAN_BASEMAP", "none")
    assert default_basemap() == "none"
    monkeypatch.setenv("GEOPLAN_BASEMAP", "tianditu")  # not offered without a key: ignored
    assert default_basemap() == "cartodb"
    monkeypatch.setenv("GEOPLAN_TILE_URL", "http://tiles.intranet/{z}/{x}/{y}.png")
    assert default_basemap() == "internal"
    monkeypatch.setenv("GEOPLAN_TILES", str(tmp_path))
    assert "local" in [b.key for b in available_basemaps()]
    assert default_basemap() == "local"
