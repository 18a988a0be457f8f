"""Land cover in several tiles, the way WorldCover, Dynamic World and Esri ship it, read as one source.

WorldCover comes in 3°×3° tiles and Wuxi straddles the 120°E tile edge (DOMAIN.md §6), so one tile never
covers it. :func:`read_landcover_tiles` takes the tiles as the user has them (several files, a folder of
them, a zip of them, in any mix), checks each one as :func:`~layers.formats.raster.read_landcover` checks a
single file (header, every block decoded, overlap with Wuxi, class codes, CRS), then checks that they make
one raster: the same CRS, the same resolution, one pixel grid, the same scheme and year. A mismatch is an
error naming both values and both tiles.

The mosaic is a GDAL VRT that this module writes itself, in a private temporary folder, from the checked
local tiles only: the zonal engine and the map open it like any raster and read it block by block. It
covers the tiles within the city's bounding box (plus a margin): a pair of WorldCover tiles is 72,000 ×
36,000 pixels, Wuxi about 13,000 × 11,000 of them. A VRT the user brings is still refused: it names
other files, which the atlas never follows.

The private folders (the VRTs, and the tiles of a zip unpacked) are removed when the process exits.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from wuxi_atlas.analysis.crs import crs_label
from wuxi_atlas.analysis.errors import CRSError, LayerError, LayerReadError
from wuxi_atlas.analysis.sources import RasterSource
from wuxi_atlas.layers.formats.raster import (
    RASTER_SUFFIXES,
    CheckedRaster,
    check_landcover_file,
    read_landcover,
    unguessable_scheme,
)
from wuxi_atlas.layers.messages import listing
from wuxi_atlas.layers.paths import reject_virtual, zip_members
from wuxi_atlas.layers.provenance import source_text

__all__ = ["TILE_CONTAINERS", "holds_tiles", "landcover_tiles", "mosaic_tiles", "read_landcover_tiles"]

#: What a land-cover source may be besides a GeoTIFF: a folder of tiles or a zip of them.
TILE_CONTAINERS = ("folder", ".zip")

# Two tiles' pixel sizes that differ by less than this (relative) are the same resolution; two origins
# less than this many pixels off a whole number of pixels are on one grid (WorldCover's 1/12000° pixels
# do not add up exactly in binary).
_SAME_RESOLUTION = 1e-9
_SAME_GRID_PX = 1e-4
# The mosaic reaches this share of the city's extent beyond it on every side.
_MARGIN = 0.02
_BLOCK = 512
_GDAL_TYPES = {
    "uint8": "Byte",
    "int8": "Int8",
    "uint16": "UInt16",
    "int16": "Int16",
    "uint32": "UInt32",
    "int32": "Int32",
    "uint64": "UInt64",
    "int64": "Int64",
    "float32": "Float32",
    "float64": "Float64",
}
_FOLDERS: list[Path] = []
# Each mosaic written in this process -> its tiles, in the order they were given.
_MOSAICS: dict[Path, tuple[Path, ...]] = {}


def _private_folder(prefix: str) -> Path:
    """A fresh folder only this user can read, removed when the process exits."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if not _FOLDERS:
        atexit.register(_remove_folders)
    _FOLDERS.append(folder)
    return folder


def _remove_folders() -> None:
    for folder in _FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)
    _FOLDERS.clear()


def _is_tile_name(name: str) -> bool:
    pure = PurePosixPath(name.replace("\\", "/"))
    return pure.suffix.lower() in RASTER_SUFFIXES and not pure.name.startswith(".")


def _refuse_vrt(path: Path) -> None:
    if path.suffix.lower() == ".vrt":
        raise LayerReadError(
            f"{path.name}: a VRT names other files, which the atlas does not follow; give the tiles "
            "themselves: repeat --landcover for each, or give a folder or a zip of them"
        )


def _folder_tiles(folder: Path) -> list[Path]:
    if folder.suffix.lower() == ".gdb":
        raise LayerError(
            f"{folder.name}: a File Geodatabase is not a folder of land-cover tiles; give its GeoTIFF tiles"
        )
    tiles = sorted(p for p in folder.iterdir() if p.is_file() and _is_tile_name(p.name))
    if not tiles:
        shown = listing(sorted(p.name for p in folder.iterdir())[:20], 20) or "nothing"
        raise LayerReadError(
            f"{folder.name}: the folder holds no GeoTIFF tiles (.tif, .tiff); it holds {shown}"
        )
    return tiles


def _zip_tiles(archive: Path) -> list[Path]:
    """The GeoTIFF members of a zip, unpacked (after the zip limits of :mod:`layers.limits`) into a
    private folder; other members are left packed."""
    import zipfile

    members = [info for info in zip_members(archive) if not info.is_dir() and _is_tile_name(info.filename)]
    if not members:
        names = [info.filename for info in zip_members(archive)]
        raise LayerReadError(
            f"{archive.name}: the zip holds no GeoTIFF tiles (.tif, .tiff); it holds "
            f"{listing(names, 20) or 'nothing'}"
        )
    names = [PurePosixPath(info.filename.replace("\\", "/")).name for info in members]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise LayerReadError(
            f"{archive.name}: the zip holds several tiles named {listing(repeated, 5)} in different folders;"
            " give each tile a name of its own"
        )
    folder = _private_folder("geoplan-tiles-")
    tiles = []
    with zipfile.ZipFile(archive) as opened:
        for info, name in zip(members, names, strict=True):
            reject_virtual(info.filename, f"{archive.name}: member")
            target = folder / name
            with opened.open(info) as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
            tiles.append(target)
    return tiles


def landcover_tiles(paths: Iterable[str | Path]) -> list[Path]:
    """The GeoTIFF tiles ``paths`` name: GeoTIFFs as they are, a folder's ``.tif``/``.tiff`` files (not
    its subfolders), a zip's GeoTIFF members (unpacked into a private folder). A ``.vrt`` is refused.

    Raises
    ------
    LayerReadError
        A path does not exist, is a VRT, or a folder or zip holds no GeoTIFF; the zip is over a limit.
    """
    tiles: list[Path] = []
    for path in paths:
        reject_virtual(str(path), "path")
        local = Path(path).expanduser()
        _refuse_vrt(local)
        if local.is_dir():
            tiles += _folder_tiles(local)
        elif local.suffix.lower() == ".zip" and local.is_file():
            tiles += _zip_tiles(local)
        else:
            tiles.append(local)  # read_landcover judges it (exists, suffix, size)
    resolved = [tile.resolve() for tile in tiles]
    repeated = sorted(
        {tile.name for tile, real in zip(tiles, resolved, strict=True) if resolved.count(real) > 1}
    )
    if repeated:
        raise LayerReadError(f"the tile(s) {listing(repeated, 5)} are given more than once")
    return tiles


def mosaic_tiles(path: str | Path) -> tuple[Path, ...]:
    """The tiles of a mosaic :func:`read_landcover_tiles` wrote in this process; () for any other file."""
    return _MOSAICS.get(Path(path), ())


def holds_tiles(path: str | Path) -> bool:
    """Whether ``path`` is land cover as tiles: a GeoTIFF, or a folder or zip holding GeoTIFFs (and not a
    File Geodatabase). Looks only at names; nothing is unpacked."""
    local = Path(path).expanduser()
    if local.suffix.lower() in RASTER_SUFFIXES:
        return True
    if local.is_dir():
        return local.suffix.lower() != ".gdb" and any(_is_tile_name(p.name) for p in local.iterdir())
    if local.suffix.lower() == ".zip" and local.is_file():
        try:
            return any(_is_tile_name(info.filename) for info in zip_members(local))
        except LayerReadError:
            return False
    return False


def read_landcover_tiles(
    paths: str | Path | Sequence[str | Path], scheme: str | None = None, *, decode_blocks: bool = True
) -> RasterSource:
    """One land-cover source from one GeoTIFF or several tiles (files, folders or zips of them).

    One tile is read as :func:`~layers.formats.raster.read_landcover` reads it. Several are checked each
    alike, then together (same CRS, resolution, pixel grid, scheme and year), and mosaicked into a VRT in
    a private folder; the :class:`RasterSource` points at it and names the tiles.

    Parameters
    ----------
    paths
        A path or several: GeoTIFFs, folders of them, zips of them.
    scheme
        The scheme of every tile (``--scheme``); by default their ``SCHEME`` tags, else the one scheme
        their codes can belong to (a tile's own codes, else all the tiles' codes together).
    decode_blocks
        For one file, as in :func:`~layers.formats.raster.read_landcover`; tiles are always decoded.

    Raises
    ------
    LayerReadError, LayerError, CRSError
        A tile fails a check of :func:`read_landcover`, or the tiles do not make one raster: the message
        names both tiles and both values (CRS, resolution, grid offset, scheme, year).

    Examples
    --------
    >>> source = read_landcover_tiles(["N30E117.tif", "N30E120.tif"])  # doctest: +SKIP
    >>> source.path.suffix, source.source  # doctest: +SKIP
    ('.vrt', '2 tiles: N30E117.tif, N30E120.tif')
    """
    given = [paths] if isinstance(paths, str | Path) else list(paths)
    if not given:
        raise LayerError("no land-cover file was given")
    tiles = landcover_tiles(given)
    if len(tiles) == 1:
        return read_landcover(tiles[0], scheme=scheme, decode_blocks=decode_blocks)
    checked = [check_landcover_file(tile, scheme) for tile in tiles]
    first = checked[0]
    for other in checked[1:]:
        _same_grid(first, other)
    masked = [tile.path.name for tile in checked if tile.masked]
    if masked:
        raise LayerError(
            f"the tile(s) {listing(masked, 5)} mark nodata with a mask band, which a mosaic cannot carry; "
            "give them a nodata value (gdal_translate -a_nodata 0 …) and load them again"
        )
    scheme_name = _common_scheme(checked)
    year = _common_year(checked)
    synthetic = any(tile.synthetic for tile in checked)
    seed = next((tile.seed for tile in checked if tile.seed not in (None, "")), None)
    names = [tile.path.name for tile in checked]
    return RasterSource(
        path=_write_vrt(checked),
        scheme=scheme_name,
        year=year,
        source=source_text(f"{len(checked)} tiles: {', '.join(names)}", synthetic, seed),
        synthetic=synthetic,
    )


# --- the tiles together -----------------------------------------------------------------------------


def _same_grid(first: CheckedRaster, other: CheckedRaster) -> None:
    """Refuse two tiles that are not parts of one raster: CRS, resolution, rotation, grid offset."""
    a, b = first.path.name, other.path.name
    if first.crs != other.crs:
        raise CRSError(
            f"the tiles {a} and {b} are in different CRSs: {crs_label(first.crs)} and "
            f"{crs_label(other.crs)}; tiles of one product share a CRS. Reproject one onto the other's "
            "grid (gdalwarp -t_srs … -tr … -tap) and load them again"
        )
    ta, tb = first.transform, other.transform
    if ta.b or ta.d or tb.b or tb.d:
        rotated = a if (ta.b or ta.d) else b
        raise LayerError(
            f"the tile {rotated} has a rotated grid, which a mosaic cannot hold; warp it north-up"
        )
    for size_a, size_b in ((ta.a, tb.a), (ta.e, tb.e)):
        if abs(size_a - size_b) > _SAME_RESOLUTION * abs(size_a):
            raise LayerError(
                f"the tiles {a} and {b} have different resolutions: {abs(ta.a):.9g} × {abs(ta.e):.9g} and "
                f"{abs(tb.a):.9g} × {abs(tb.e):.9g} ({_units(first)} per pixel); tiles of one product share "
                "a resolution. Resample one onto the other's grid (gdalwarp -tr … -tap)"
            )
    for offset in ((tb.c - ta.c) / ta.a, (tb.f - ta.f) / ta.e):
        off_grid = abs(offset - round(offset))
        if off_grid > _SAME_GRID_PX:
            raise LayerError(
                f"the tiles {a} and {b} are not on one pixel grid: {b} starts {off_grid:.3g} of a pixel off "
                f"{a}'s grid; resample one onto the other's grid (gdalwarp -tap)"
            )


def _units(tile: CheckedRaster) -> str:
    return "degrees" if tile.crs.is_geographic else "metres" if tile.crs.is_projected else "CRS units"


def _common_scheme(checked: Sequence[CheckedRaster]) -> str:
    """The one scheme of all the tiles: the caller's, their tags, or guessed; else an error naming both."""
    from wuxi_atlas.analysis.schemes import guess_scheme, load_scheme, scheme_candidates

    known: dict[str, str] = {}  # scheme -> the first tile that says so
    for tile in checked:
        if tile.scheme is not None:
            known.setdefault(tile.scheme, tile.path.name)
            continue
        codes = tile.codes or ()
        candidates = scheme_candidates(codes)
        if not candidates:
            raise LayerError(unguessable_scheme(tile.path.name, list(codes)))
        if len(candidates) == 1:
            known.setdefault(candidates[0], tile.path.name)
    if len(known) > 1:
        (scheme_a, tile_a), (scheme_b, tile_b) = list(known.items())[:2]
        raise LayerError(
            f"the tiles {tile_a} and {tile_b} are in different land-cover schemes: {scheme_a} and {scheme_b}"
            " (from their SCHEME tags or their codes); a mosaic is one product. Give tiles of one product, "
            "or say which scheme they all are with --scheme"
        )
    if known:
        name, source_tile = next(iter(known.items()))
        scheme = load_scheme(name)
        for tile in checked:
            if tile.scheme is None and tile.codes:
                foreign = sorted(set(tile.codes) - set(scheme.codes) - {scheme.nodata})
                if foreign:
                    raise LayerError(
                        f"the tiles {source_tile} and {tile.path.name} are in different land-cover schemes: "
                        f"{source_tile} is {name}, which does not define the codes {listing(foreign, 10)} of "
                        f"{tile.path.name}; give tiles of one product, or say which scheme with --scheme"
                    )
        return name
    every_code = sorted({code for tile in checked for code in tile.codes or ()})
    guessed = guess_scheme(every_code)
    if guessed is None:
        raise LayerError(unguessable_scheme(f"the {len(checked)} tiles together", every_code))
    return guessed


def _common_year(checked: Sequence[CheckedRaster]) -> int | None:
    years: dict[int, str] = {}
    for tile in checked:
        if tile.year is not None:
            years.setdefault(tile.year, tile.path.name)
    if len(years) > 1:
        (year_a, tile_a), (year_b, tile_b) = list(years.items())[:2]
        raise LayerError(
            f"the tiles {tile_a} and {tile_b} are of different years: {year_a} and {year_b}; a mosaic "
            "describes one year. Give the tiles of one year"
        )
    return next(iter(years), None)


# --- the VRT --------------------------------------------------------------------------------------------


def _city_bounds(crs: Any) -> tuple[float, float, float, float]:
    """The city's bounding box in ``crs``, from its outline densified (a projected box is not straight)."""
    import shapely
    from pyproj import CRS, Transformer

    from wuxi_atlas.layers.raster_checks import wuxi_outline

    outline = shapely.segmentize(wuxi_outline(), 0.01)
    lon, lat = np.asarray(shapely.get_coordinates(outline)).T
    transformer = Transformer.from_crs("EPSG:4326", CRS.from_wkt(crs.to_wkt()), always_xy=True)
    x, y = transformer.transform(lon, lat)
    return float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y))


def _mosaic_window(checked: Sequence[CheckedRaster]) -> tuple[Any, int, int, list[tuple[int, int]]]:
    """The mosaic's transform, width and height, and each tile's pixel offset in it."""
    from affine import Affine

    first = checked[0].transform
    size_x, size_y = first.a, first.e  # size_y < 0 for a north-up grid
    # Every tile's columns and rows on the first tile's grid.
    spans = []
    for tile in checked:
        col = round((tile.transform.c - first.c) / size_x)
        row = round((tile.transform.f - first.f) / size_y)
        spans.append((col, row, col + tile.width, row + tile.height))
    col0, row0 = min(s[0] for s in spans), min(s[1] for s in spans)
    col1, row1 = max(s[2] for s in spans), max(s[3] for s in spans)
    west, south, east, north = _city_bounds(checked[0].crs)
    margin = _MARGIN * max(east - west, north - south)
    xs = sorted(((west - margin - first.c) / size_x, (east + margin - first.c) / size_x))
    ys = sorted(((north + margin - first.f) / size_y, (south - margin - first.f) / size_y))
    col0, col1 = max(col0, int(np.floor(xs[0]))), min(col1, int(np.ceil(xs[1])))
    row0, row1 = max(row0, int(np.floor(ys[0]))), min(row1, int(np.ceil(ys[1])))
    transform = Affine(size_x, 0.0, first.c + col0 * size_x, 0.0, size_y, first.f + row0 * size_y)
    offsets = [(s[0] - col0, s[1] - row0) for s in spans]
    return transform, col1 - col0, row1 - row0, offsets


def _nodata_value(checked: Sequence[CheckedRaster], dtype: np.dtype[Any]) -> float:
    """The mosaic's nodata: the tiles' own where it is no tile's class code, else a free value."""
    codes = {code for tile in checked for code in tile.codes or ()}
    declared = [tile.nodata for tile in checked if tile.nodata is not None]
    wanted: list[float] = [*declared, 0]
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        wanted += [float(info.max), float(info.min)]
    else:
        wanted.append(float("nan"))
    for value in wanted:
        if np.isnan(value) or (value not in codes and _fits(value, dtype)):
            return float(value)
    free = sorted(set(range(256)) - codes)
    if free:
        return float(free[0])
    raise LayerError(  # pragma: no cover - 256 class codes in one product
        f"the tiles use every one of the 256 values of {dtype} as a class code, leaving none for nodata"
    )


def _fits(value: float, dtype: np.dtype[Any]) -> bool:
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        return float(value).is_integer() and info.min <= value <= info.max
    return True


def _number(value: float) -> str:
    return (
        "nan" if np.isnan(value) else repr(float(value)) if not float(value).is_integer() else str(int(value))
    )


def _write_vrt(checked: Sequence[CheckedRaster]) -> Path:
    """Write the VRT of the checked tiles into a private folder and return its path."""
    import rasterio

    dtype = np.dtype(np.result_type(*[np.dtype(tile.dtype) for tile in checked]))
    gdal_type = _GDAL_TYPES.get(dtype.name)
    if gdal_type is None:
        raise LayerError(
            f"the tiles' pixels are {dtype.name}, which a mosaic cannot hold; give integer tiles"
        )
    transform, width, height, offsets = _mosaic_window(checked)
    nodata = _nodata_value(checked, dtype)
    root = ET.Element(
        "VRTDataset",
        rasterXSize=str(width),
        rasterYSize=str(height),
        BlockXSize=str(_BLOCK),
        BlockYSize=str(_BLOCK),
    )
    # Without dataAxisToSRSAxisMapping GDAL reads the geotransform in the traditional GIS order (x east).
    ET.SubElement(root, "SRS").text = checked[0].crs.to_wkt()
    ET.SubElement(root, "GeoTransform").text = ", ".join(
        repr(float(v)) for v in (transform.c, transform.a, transform.b, transform.f, transform.d, transform.e)
    )
    band = ET.SubElement(
        root, "VRTRasterBand", dataType=gdal_type, band="1", BlockXSize=str(_BLOCK), BlockYSize=str(_BLOCK)
    )
    ET.SubElement(band, "NoDataValue").text = _number(nodata)
    for tile, (col, row) in zip(checked, offsets, strict=True):
        # The tile's part inside the mosaic (the mosaic is cut to the city's box).
        x0, y0 = max(col, 0), max(row, 0)
        x1, y1 = min(col + tile.width, width), min(row + tile.height, height)
        if x1 <= x0 or y1 <= y0:
            continue
        source = ET.SubElement(band, "ComplexSource")
        ET.SubElement(source, "SourceFilename", relativeToVRT="0").text = str(tile.path.resolve())
        ET.SubElement(source, "SourceBand").text = "1"
        ET.SubElement(
            source,
            "SourceProperties",
            RasterXSize=str(tile.width),
            RasterYSize=str(tile.height),
            DataType=_GDAL_TYPES.get(np.dtype(tile.dtype).name, gdal_type),
            BlockXSize=str(tile.block_shape[1]),
            BlockYSize=str(tile.block_shape[0]),
        )
        size = {"xSize": str(x1 - x0), "ySize": str(y1 - y0)}
        ET.SubElement(source, "SrcRect", {"xOff": str(x0 - col), "yOff": str(y0 - row), **size})
        ET.SubElement(source, "DstRect", {"xOff": str(x0), "yOff": str(y0), **size})
        if tile.nodata is not None:
            ET.SubElement(source, "NODATA").text = _number(tile.nodata)
    path = _private_folder("geoplan-mosaic-") / "landcover_mosaic.vrt"
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=False)
    with rasterio.open(path) as opened:  # GDAL reads back what it will be asked to read
        assert (opened.width, opened.height) == (width, height)
    _MOSAICS[path] = tuple(tile.path for tile in checked)
    return path
