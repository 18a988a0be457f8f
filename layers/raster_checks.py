"""What a land-cover raster must be before the atlas takes it: checked once, when it is read.

:func:`layers.formats.raster.read_landcover` runs these, cheapest first, so that ``geoplan check``
refuses what the indicators would later fail on:

1. from the header alone: a CRS on the earth (geographic or projected, not a local/engineering CRS) and
   internal blocks of a sane decoded size (:func:`layers.limits.check_block_size`);
2. :func:`check_overlaps_wuxi`: the raster's footprint overlaps the city boundary
   (``data/boundaries/wuxi_districts.geojson``), so that it can contribute to some district;
3. :func:`scan_codes`: every block is decoded once, a window of whole blocks at a time (about a
   million pixels: bounded memory whatever the raster's size), which finds a truncated or damaged file
   and yields the exact set of class codes. Codes must be whole numbers; a float raster whose values
   are all whole numbers is accepted (the zonal engine reads them as integers), and NaN is nodata.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from wuxi_atlas.analysis.crs import DISPLAY_CRS, crs_label
from wuxi_atlas.analysis.errors import CRSError, LayerError, LayerReadError

if TYPE_CHECKING:
    from wuxi_atlas.analysis.result_cache import EntryKeys

__all__ = [
    "OUTLINE",
    "check_crs_on_earth",
    "check_overlaps_wuxi",
    "outline_keys",
    "outline_wkb",
    "scan_codes",
    "uses_mask",
    "wuxi_outline",
]

# Whole blocks are read together up to about this many pixels: per-read overhead stays small.
_WINDOW_PIXELS = 1 << 20
# A land-cover raster has tens of classes; far more distinct values means a continuous raster.
_MAX_CODES = 65_536
_GDAL_CACHE_MB = 16
_DENSIFY = 32


def check_crs_on_earth(name: str, crs: Any) -> None:
    """Refuse a CRS that does not place the raster on the earth (a local or engineering CRS)."""
    from pyproj import CRS

    parsed = CRS.from_wkt(crs.to_wkt()) if hasattr(crs, "to_wkt") else CRS.from_user_input(crs)
    if not (parsed.is_geographic or parsed.is_projected) or parsed.ellipsoid is None:
        raise CRSError(
            f"{name}: its CRS is {parsed.name!r}, a {parsed.type_name.lower()} that is not tied to the "
            "earth, so its cells cannot be placed on the map or measured. Assign its real CRS (e.g. "
            "gdal_edit.py -a_srs EPSG:4549 for CGCS2000 / Gauss-Kruger CM 120E) and load it again"
        )


#: The result cache's namespace of the city outline.
OUTLINE = "outline"


@functools.lru_cache(maxsize=4)
def _wuxi(path: str, mtime_ns: int) -> Any:
    """The union of the boundaries in ``path``; also kept in the on-disk result cache (as WKB, exact),
    under the file's identity, so a run that checks a raster need not load the boundaries (geopandas);
    the shipped boundaries' outline was kept when the shipped data was written
    (:mod:`analysis.shipped_results`)."""
    import shapely

    from wuxi_atlas.analysis.result_cache import store_entry
    from wuxi_atlas.analysis.shipped_results import load_keyed

    keys = outline_keys(path)
    stored = load_keyed(OUTLINE, keys)
    if isinstance(stored, str):
        try:
            return shapely.from_wkb(bytes.fromhex(stored))
        except (ValueError, shapely.errors.GEOSException):
            pass  # a damaged entry: computed again below
    outline = outline_wkb(path)
    store_entry(OUTLINE, keys.local, outline)
    return shapely.from_wkb(bytes.fromhex(outline))


def outline_keys(path: str) -> EntryKeys:
    """The keys of the outline of the boundaries in ``path``."""
    from wuxi_atlas.analysis.result_cache import entry_keys

    return entry_keys([path], ("wuxi-outline",))


def outline_wkb(path: str) -> str:
    """The union of the boundaries in ``path``, as hex WKB (exact)."""
    import shapely

    from wuxi_atlas.analysis.boundaries import load_boundaries

    return str(shapely.to_wkb(load_boundaries(path).union_all(), hex=True))


#: Datums PROJ knows no transformation to WGS 84 from (they agree with it to centimetres): their
#: longitudes and latitudes are WGS 84's to the bit (tests/layers/test_raster_checks_lonlat.py).
_AS_WGS84_DATUMS = frozenset({"China 2000"})


@functools.lru_cache(maxsize=16)
def _to_lonlat(wkt: str) -> Any:
    """A transformer from the CRS ``wkt`` to longitude/latitude (EPSG:4326 axes, x = longitude). For a
    CGCS2000 grid (EPSG:4549 and the other Gauss-Krüger zones), to its own geographic CRS: the same
    numbers as to EPSG:4326, without the search of PROJ's database for a datum transformation that a
    transformer to EPSG:4326 costs (about 60 ms of every run that checks a raster)."""
    from pyproj import CRS, Transformer

    crs = CRS.from_wkt(wkt)
    geodetic = crs.geodetic_crs
    if (
        geodetic is not None
        and geodetic.is_geographic
        and geodetic.datum is not None
        and geodetic.datum.name in _AS_WGS84_DATUMS
        and geodetic.prime_meridian is not None
        and geodetic.prime_meridian.longitude == 0
        and geodetic.axis_info[0].unit_name == "degree"
    ):
        return Transformer.from_crs(crs, geodetic, always_xy=True)
    return Transformer.from_crs(crs, DISPLAY_CRS, always_xy=True)


def _footprint_lonlat(dataset: Any) -> Any:
    """The raster's outline (pixel-grid corners, edges densified) in EPSG:4326, as a shapely polygon."""
    import shapely

    width, height = dataset.width, dataset.height
    steps = np.linspace(0.0, 1.0, _DENSIFY + 1)[:-1]
    cols = np.concatenate(
        [steps * width, np.full_like(steps, width), (1 - steps) * width, np.zeros_like(steps)]
    )
    rows = np.concatenate(
        [np.zeros_like(steps), steps * height, np.full_like(steps, height), (1 - steps) * height]
    )
    t = dataset.transform
    x, y = t.a * cols + t.b * rows + t.c, t.d * cols + t.e * rows + t.f
    lon, lat = _to_lonlat(dataset.crs.to_wkt()).transform(x, y)
    if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
        return None
    return shapely.make_valid(shapely.Polygon(np.column_stack([lon, lat])))


def wuxi_outline() -> Any:
    """The city boundary (the shipped one, :func:`analysis.paths.boundaries_path`) as one shapely
    polygon in longitude/latitude (EPSG:4326)."""
    from wuxi_atlas.analysis.paths import boundaries_path

    boundary_file = boundaries_path()
    return _wuxi(str(boundary_file), boundary_file.stat().st_mtime_ns)


def check_overlaps_wuxi(name: str, dataset: Any) -> None:
    """Refuse a raster whose footprint lies entirely outside the city boundary.

    The boundary is the shipped one (:func:`analysis.paths.boundaries_path`); the footprint is the
    raster's pixel grid outline, transformed to longitude/latitude with its edges densified.
    """
    city = wuxi_outline()
    footprint = _footprint_lonlat(dataset)
    label = crs_label(dataset.crs)
    if footprint is None:
        raise CRSError(
            f"{name}: its grid cannot be placed on the earth in its CRS {label} (the corners fall outside "
            "the projection's domain); check its CRS"
        )
    if footprint.intersects(city):
        return
    west, south, east, north = footprint.bounds
    c_west, c_south, c_east, c_north = city.bounds
    raise LayerError(
        f"{name}: the raster lies entirely outside Wuxi: in its CRS {label} it covers "
        f"{west:.3f}–{east:.3f}°E, {south:.3f}–{north:.3f}°N, and the city spans "
        f"{c_west:.2f}–{c_east:.2f}°E, {c_south:.2f}–{c_north:.2f}°N. Check its CRS (a wrong one puts it "
        "elsewhere), or clip a raster that covers Wuxi"
    )


def _windows(dataset: Any) -> list[Any]:
    """Windows of whole internal blocks covering the raster, each about a million pixels or one block."""
    from rasterio.windows import Window

    block_h, block_w = dataset.block_shapes[0]
    width, height = dataset.width, dataset.height
    if block_w >= width:
        rows = block_h * max(1, _WINDOW_PIXELS // max(block_h * width, 1))
        return [Window(0, top, width, min(rows, height - top)) for top in range(0, height, rows)]
    return [window for _, window in dataset.block_windows(1)]


def uses_mask(dataset: Any) -> bool:
    """Whether band 1 marks nodata with a mask band or an alpha band rather than a nodata value."""
    from rasterio.enums import MaskFlags

    flags = dataset.mask_flag_enums[0]
    return MaskFlags.per_dataset in flags or MaskFlags.alpha in flags


class _Codes:
    """The distinct valid values seen so far: counted for 8/16-bit data, a set for anything else."""

    def __init__(self, name: str, dtype: np.dtype[Any], nodata: float | None) -> None:
        self.name = name
        self.nodata = nodata
        self.counts: np.ndarray | None = (
            np.zeros(1 << (8 * dtype.itemsize), dtype=np.int64)
            if dtype.kind == "u" and dtype.itemsize <= 2
            else None
        )
        self.found: set[int] = set()
        self.floating = dtype.kind == "f"

    def add(self, values: np.ndarray) -> None:
        if self.counts is not None:
            self.counts += np.bincount(values.ravel(), minlength=len(self.counts))
            return
        values = values.ravel()
        if self.floating:
            values = values[~np.isnan(values)]
            # Whole numbers of a class code's size (inf and 1e30 are whole to a float, not to a scheme).
            whole = (np.abs(values) < 2**31) & (values == np.round(values))
            if not whole.all():
                examples = ", ".join(f"{value:g}" for value in np.unique(values[~whole])[:5])
                raise LayerError(
                    f"{self.name}: the raster holds values that are not whole-number class codes "
                    f"({examples}); a land-cover raster holds whole numbers, one per class. Give the "
                    "classified product, not a continuous one"
                )
        if self.nodata is not None and not np.isnan(self.nodata):
            values = values[values != self.nodata]
        self.found.update(np.unique(values).astype(np.int64).tolist())
        if len(self.found) > _MAX_CODES:
            raise LayerError(
                f"{self.name}: the raster holds more than {_MAX_CODES:,} distinct values; a land-cover "
                "raster holds a few dozen class codes. Is it a continuous raster (elevation, an index)?"
            )

    def result(self) -> np.ndarray:
        if self.counts is not None:
            codes = np.flatnonzero(self.counts)
            if self.nodata is not None and not np.isnan(self.nodata):
                codes = codes[codes != self.nodata]
            return codes.astype(np.int64)
        return np.array(sorted(self.found), dtype=np.int64)


def scan_codes(name: str, dataset: Any) -> np.ndarray:
    """Decode every block of band 1 once and return its distinct valid class codes, sorted.

    Raises
    ------
    LayerReadError
        A block cannot be decoded (a truncated or damaged file); the message names the file and the
        block's position.
    LayerError
        The values are not whole numbers, or far too many to be class codes.
    """
    import rasterio
    from rasterio.errors import RasterioError

    codes = _Codes(name, np.dtype(dataset.dtypes[0]), dataset.nodata)
    masked = uses_mask(dataset)
    with rasterio.Env(GDAL_CACHEMAX=_GDAL_CACHE_MB):
        for window in _windows(dataset):
            try:
                values = dataset.read(1, window=window)
                if masked:
                    values = values[dataset.read_masks(1, window=window) > 0]
            except RasterioError as exc:
                reason = str(exc.__cause__ if exc.__cause__ is not None else exc)
                raise LayerReadError(
                    f"{name}: cannot read it as a raster: the pixels at rows {int(window.row_off):,}–"
                    f"{int(window.row_off + window.height):,}, columns {int(window.col_off):,}–"
                    f"{int(window.col_off + window.width):,} cannot be decoded ({reason}); the file is "
                    "truncated or damaged. Download or export it again"
                ) from exc
            codes.add(values)
    return codes.result()
