"""The synthetic landscape behind the demo rasters: grid, smooth random fields, classes and calibration.

Everything is resolution-independent: smooth fields live on fixed lattices in EPSG:4549 metres and are
sampled bilinearly at pixel centres; lakes, rivers and roads are polygons in real coordinates. Class
thresholds are calibrated once on a 30 m grid (or the output grid, if coarser), so a 10 m raster is the
same landscape as the 30 m one. Only :mod:`analysis.demo_data` and :mod:`analysis.demo_layers` use this.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from analysis.crs import METRIC_CRS
from analysis.demo_geography import (
    EXPRESSWAYS,
    HILL_POLYGONS,
    HILLS,
    INDUSTRIAL_PARKS,
    ISLANDS,
    LAKES,
    MARSHES,
    PLACES,
    RIVERS,
    TAIHU,
    TAIHU_BAYS,
    TAIHU_NAME,
    TIDAL_FLAT_WIDTH_M,
    TIDAL_FLATS,
    YANGTZE_BOX,
    YANGTZE_HALF_WIDTH_M,
    YANGTZE_NAME,
)
from analysis.results import CITY_ADCODE

__all__ = [
    "BALANCING_DISTRICT",
    "BARE",
    "BUILT",
    "BUILTUP_AREA_KM2",
    "BUILTUP_CENTRES",
    "BUILTUP_GREEN_TARGET",
    "BUILT_THRESHOLDS",
    "CITY_WOODY_TARGET",
    "CROP",
    "DISTRICT_ORDER",
    "GRASS",
    "NEW_BUILTUP_SHARE",
    "NODATA",
    "POND_LABEL",
    "SHRUB",
    "STREAM_LABEL",
    "TO_LONLAT",
    "TO_METRIC",
    "TREE",
    "WATER",
    "WETLAND",
    "WOODY_TARGETS",
    "YEARS",
    "FloatArray",
    "Grid",
    "Lattice",
    "Place",
    "ProgressCallback",
    "Thresholds",
    "WaterFeature",
    "World",
    "calibrate",
    "component_rng",
    "compute_rows",
    "gaussian_filter",
    "metric_coords",
    "metric_line",
    "metric_polygon",
    "polygons_of",
    "smooth_noise",
    "to_metric_xy",
    "wobbly_ellipse",
    "wobbly_shore",
]

YEARS: tuple[int, int] = (2020, 2024)

TREE, SHRUB, GRASS, CROP, BUILT, BARE, WATER, WETLAND = 10, 20, 30, 40, 50, 60, 80, 90
NODATA = 0

ProgressCallback = Callable[[str, int, int], None]


# --------------------------------------------------------------------------------------------------
# Calibration targets
# --------------------------------------------------------------------------------------------------

# 林木覆盖率 proxy per district (% of official area). 宜兴 balances the city to the city-wide figure,
# and 梁溪 takes whatever its urban green gives (it has no countryside to calibrate).
WOODY_TARGETS: dict[int, dict[str, float]] = {
    2020: {"320205": 19.0, "320206": 20.0, "320211": 23.2, "320214": 14.0, "320281": 20.2},
    2024: {"320205": 19.3, "320206": 20.3, "320211": 23.5, "320214": 14.3, "320281": 20.45},
}
CITY_WOODY_TARGET = {2020: 27.40, 2024: 27.60}
BALANCING_DISTRICT = "320282"
BUILTUP_AREA_KM2 = 610.0  # the 建成区 polygons' total (about 600 km² after smoothing)
BUILTUP_CENTRES = (
    ("无锡市区建成区", "梁溪城区"),
    ("江阴市建成区", "江阴城区"),
    ("宜兴市建成区", "宜兴城区"),
)
BUILTUP_GREEN_TARGET = 43.0  # % of the 建成区, 2024
NEW_BUILTUP_SHARE = 0.06  # share of the 2024 建成区 (non-water) that was still rural in 2020


# --------------------------------------------------------------------------------------------------
# Grid, lattices and noise
# --------------------------------------------------------------------------------------------------

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid in EPSG:4549 with its origin on a multiple of the resolution."""

    x0: float
    y0: float
    res: float
    width: int
    height: int

    @classmethod
    def covering(cls, bounds: Sequence[float], res: float) -> Grid:
        """The grid of ``res`` metres whose cell edges are multiples of ``res`` and that covers ``bounds``."""
        minx, miny, maxx, maxy = bounds
        x0 = math.floor(minx / res) * res
        y0 = math.ceil(maxy / res) * res
        x1 = math.ceil(maxx / res) * res
        y1 = math.floor(miny / res) * res
        return cls(x0, y0, res, round((x1 - x0) / res), round((y0 - y1) / res))

    @property
    def transform(self) -> Any:
        """The affine transform of the whole grid."""
        from rasterio.transform import Affine

        return Affine(self.res, 0.0, self.x0, 0.0, -self.res, self.y0)

    def col_x(self) -> npt.NDArray[np.float64]:
        """Easting (m) of every column's pixel centre."""
        return np.asarray(self.x0 + (np.arange(self.width) + 0.5) * self.res, dtype=np.float64)

    def row_y(self, row0: int, row1: int) -> npt.NDArray[np.float64]:
        """Northing (m) of the pixel centres of rows ``row0:row1``."""
        return np.asarray(self.y0 - (np.arange(row0, row1) + 0.5) * self.res, dtype=np.float64)

    def strips(self, rows: int) -> Iterator[tuple[int, int]]:
        """Row ranges ``(row0, row1)`` of at most ``rows`` rows, top to bottom."""
        for row0 in range(0, self.height, rows):
            yield row0, min(row0 + rows, self.height)

    def window_transform(self, row0: int) -> Any:
        """The transform of a window whose first row is ``row0``."""
        from rasterio.transform import Affine

        return Affine(self.res, 0.0, self.x0, 0.0, -self.res, self.y0 - row0 * self.res)


class Lattice:
    """Fields on a regular lattice of nodes in EPSG:4549, sampled bilinearly at pixel centres."""

    def __init__(self, x0: float, y0: float, spacing: float, shape: tuple[int, int]) -> None:
        self.x0, self.y0, self.spacing, self.shape = x0, y0, spacing, shape
        self.fields: dict[str, FloatArray] = {}

    def node_x(self) -> npt.NDArray[np.float64]:
        """Easting (m) of every lattice column."""
        return np.asarray(self.x0 + np.arange(self.shape[1]) * self.spacing, dtype=np.float64)

    def node_y(self) -> npt.NDArray[np.float64]:
        """Northing (m) of every lattice row."""
        return np.asarray(self.y0 - np.arange(self.shape[0]) * self.spacing, dtype=np.float64)

    def sample(
        self, names: Sequence[str], xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]
    ) -> dict[str, FloatArray]:
        # Separable: interpolate along x on the few lattice rows the window needs, then along y.
        """The named fields at the pixel centres ``xs`` × ``ys`` (a window of rows × columns)."""
        fx = (xs - self.x0) / self.spacing
        fy = (self.y0 - ys) / self.spacing
        j0 = np.clip(np.floor(fx).astype(np.int64), 0, self.shape[1] - 2)
        i0 = np.clip(np.floor(fy).astype(np.int64), 0, self.shape[0] - 2)
        wx = np.clip(fx - j0, 0.0, 1.0).astype(np.float32)
        wy = np.clip(fy - i0, 0.0, 1.0).astype(np.float32)[:, None]
        first = int(i0.min())
        rows = slice(first, int(i0.max()) + 2)
        top, bottom = i0 - first, i0 - first + 1
        out = {}
        for name in names:
            band = self.fields[name][rows]
            along_x = band[:, j0]
            along_x += (band[:, j0 + 1] - along_x) * wx
            upper = along_x[top]
            upper += (along_x[bottom] - upper) * wy
            out[name] = upper
        return out


def component_rng(seed: int, *keys: int | str) -> np.random.Generator:
    """An independent generator per component, so adding a component never shifts another's draws."""
    words = [seed & 0xFFFFFFFF]
    for key in keys:
        words.append(key if isinstance(key, int) else zlib.crc32(key.encode("utf-8")))
    return np.random.default_rng(words)


def gaussian_filter(values: npt.NDArray[Any], sigma_cells: float) -> FloatArray:
    """A Gaussian blur by FFT (periodic edges; the lattices are padded well beyond the city)."""
    if sigma_cells <= 0:
        return values.astype(np.float32)
    rows, cols = values.shape
    spectrum = np.fft.rfft2(values.astype(np.float32))
    ky = np.fft.fftfreq(rows)[:, None]
    kx = np.fft.rfftfreq(cols)[None, :]
    spectrum *= np.exp(-2.0 * (math.pi * sigma_cells) ** 2 * (kx**2 + ky**2)).astype(np.float32)
    return np.fft.irfft2(spectrum, s=(rows, cols)).astype(np.float32)


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma_cells: float) -> FloatArray:
    """Gaussian-filtered white noise, rescaled to mean 0 and standard deviation 1."""
    white = rng.standard_normal(shape, dtype=np.float32)
    smooth = gaussian_filter(white, sigma_cells)
    smooth -= smooth.mean()
    smooth /= max(float(smooth.std()), 1e-12)
    return smooth


# --------------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------------

TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
TO_LONLAT = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def to_metric_xy(lon: float, lat: float) -> tuple[float, float]:
    """A WGS84 longitude/latitude in EPSG:4549 metres."""
    x, y = TO_METRIC.transform(lon, lat)
    return float(x), float(y)


def metric_coords(coords: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """WGS84 longitude/latitude pairs in EPSG:4549 metres."""
    xs, ys = TO_METRIC.transform([c[0] for c in coords], [c[1] for c in coords])
    return list(zip(map(float, xs), map(float, ys), strict=True))


def wobbly_ellipse(
    lon: float, lat: float, rx_km: float, ry_km: float, angle_deg: float, name: str
) -> Polygon:
    """A wobbly ellipse (a lake or marsh outline); the wobble is fixed by the name, not the seed."""
    cx, cy = to_metric_xy(lon, lat)
    rng = np.random.default_rng(zlib.crc32(name.encode("utf-8")))
    theta = np.linspace(0.0, 2.0 * math.pi, 96, endpoint=False)
    radius = np.ones_like(theta)
    for harmonic in (2, 3, 4, 5, 7):
        radius += rng.uniform(0.02, 0.09) * np.cos(harmonic * theta + rng.uniform(0, 2 * math.pi))
    x = rx_km * 1000.0 * radius * np.cos(theta)
    y = ry_km * 1000.0 * radius * np.sin(theta)
    a = math.radians(angle_deg)
    xr = cx + x * math.cos(a) - y * math.sin(a)
    yr = cy + x * math.sin(a) + y * math.cos(a)
    return Polygon(zip(xr, yr, strict=True)).buffer(0)


def metric_line(coords: Sequence[tuple[float, float]]) -> LineString:
    """A polyline given in WGS84, in EPSG:4549."""
    return LineString(metric_coords(coords))


def metric_polygon(coords: Sequence[tuple[float, float]]) -> Polygon:
    """A polygon given in WGS84, in EPSG:4549 (repaired if it self-intersects)."""
    return Polygon(metric_coords(coords)).buffer(0)


def wobbly_shore(coords: Sequence[tuple[float, float]], closing: int, name: str) -> Polygon:
    """A lake polygon whose shore (all but the last ``closing`` vertices) meanders by up to ~250 m.

    The shore is densified to 50 m steps and pushed along its normal by a sum of sines whose phases are
    fixed by ``name``, so the outline is organic but the same for every seed.
    """
    shore = LineString(metric_coords(coords[: len(coords) - closing]))
    steps = np.arange(0.0, shore.length, 50.0)
    points = np.array([shore.interpolate(d).coords[0] for d in steps])
    tangent = np.gradient(points, axis=0)
    tangent /= np.maximum(np.hypot(tangent[:, 0], tangent[:, 1]), 1e-9)[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    rng = np.random.default_rng(zlib.crc32(name.encode("utf-8")))
    offset = np.zeros(steps.size)
    for wavelength, amplitude in ((9000.0, 110.0), (3100.0, 70.0), (1300.0, 45.0), (520.0, 22.0)):
        offset += amplitude * np.sin(2 * math.pi * steps / wavelength + rng.uniform(0, 2 * math.pi))
    moved = points + normal * offset[:, None]
    ring = [tuple(p) for p in moved] + metric_coords(coords[len(coords) - closing :])
    return Polygon(ring).buffer(0)


def polygons_of(geometry: BaseGeometry) -> list[Polygon]:
    """The polygons of any geometry (empty list for an empty one)."""
    if geometry.is_empty:
        return []
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon)]


# --------------------------------------------------------------------------------------------------
# The world: everything resolution-independent, built once from the boundaries and the seed
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaterFeature:
    """A named water or wetland feature, rasterized with its label id."""

    label: int
    name: str
    wetland_type: str
    code: int
    geometry: BaseGeometry


@dataclass(frozen=True)
class Place:
    """A town or urban centre in EPSG:4549: its built-up kernel's radius and amplitude."""

    name: str
    x: float
    y: float
    radius_m: float
    amplitude: float
    kind: str


STREAM_LABEL = 1
POND_LABEL = 2
_FIRST_NAMED_LABEL = 10
DISTRICT_ORDER = ("320205", "320206", "320211", "320213", "320214", "320281", "320282")

# Nominal lattice spacings (m) and noise scales (sigma, m). Physically fixed, so every output
# resolution samples the same landscape.
_FINE, _KERNEL, _MEDIUM, _COARSE = 30.0, 60.0, 120.0, 480.0
_PAD_M = 4000.0
_DENSE_FABRIC = {"320213": 1.5, "320214": 0.55}  # how much less green the districts' urban fabric has
_DISTRICT_BLEND_M = 1500.0  # sigma of the blur that blends district settings across district lines
BUILT_THRESHOLDS = {2020: 1.04, 2024: 1.0}  # urban score above which a rural pixel is built-up


@dataclass
class Thresholds:
    """Class thresholds found by calibration (see :func:`calibrate`)."""

    green: float = 0.35
    bua_new: float = -1e9
    # Per year, one bias per district (in DISTRICT_ORDER), blended across district lines by the smooth
    # district weights: a pixel is woody where woody_score + bias >= 0.
    woody_bias: dict[int, npt.NDArray[np.float64]] = field(default_factory=dict)


class World:
    """The synthetic landscape: geometry in EPSG:4549 and smooth fields on lattices."""

    def __init__(
        self,
        boundaries: gpd.GeoDataFrame,
        seed: int,
        calib_res: float,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.seed = seed
        metric = boundaries.to_crs(METRIC_CRS)
        adcodes = metric["adcode"].astype(str)
        self.city: BaseGeometry = metric.loc[adcodes == CITY_ADCODE].geometry.iloc[0]
        districts = metric.loc[adcodes != CITY_ADCODE].copy()
        districts["adcode"] = districts["adcode"].astype(str)
        districts = districts.set_index("adcode").loc[list(DISTRICT_ORDER)]
        self.district_adcodes: tuple[str, ...] = tuple(districts.index)
        self.district_geoms: tuple[BaseGeometry, ...] = tuple(districts.geometry)
        self.district_names = dict(zip(districts.index, districts["name_zh"].astype(str), strict=True))
        self.official_km2 = dict(
            zip(districts.index, districts["official_area_km2"].astype(float), strict=True)
        )
        self.official_km2[CITY_ADCODE] = float(
            metric.loc[adcodes == CITY_ADCODE, "official_area_km2"].astype(float).iloc[0]
        )
        self.bounds = tuple(float(v) for v in self.city.bounds)

        def step(label: str) -> None:
            if progress is not None:
                progress(label, 0, 1)

        step("geography")
        self._build_geography()
        step("fields")
        self._build_lattices(calib_res)
        step("built-up area")
        self._build_builtup()

    # -- geography ---------------------------------------------------------------------------------

    def _build_geography(self) -> None:
        taihu = wobbly_shore(TAIHU, 3, TAIHU_NAME)
        self.taihu = taihu
        features: list[WaterFeature] = []
        label = _FIRST_NAMED_LABEL

        def add(name: str, wetland_type: str, code: int, geometry: BaseGeometry) -> None:
            nonlocal label
            clipped = geometry.intersection(self.city)
            if clipped.is_empty or clipped.area < 1.0:
                return
            features.append(WaterFeature(label, name, wetland_type, code, clipped))
            label += 1

        # Low priority first: later features overwrite earlier ones when rasterized.
        for name, wtype, lon, lat, rx, ry, angle in MARSHES:
            add(name, wtype, WETLAND, wobbly_ellipse(lon, lat, rx, ry, angle, name))
        for name, width, coords in RIVERS:
            add(name, "river", WATER, metric_line(coords).buffer(width / 2.0, cap_style="flat"))
        for name, wtype, lon, lat, rx, ry, angle in LAKES:
            add(name, wtype, WATER, wobbly_ellipse(lon, lat, rx, ry, angle, name))
        yangtze = self._yangtze()
        add(YANGTZE_NAME, "river", WATER, yangtze)
        # Reed-covered flats (边滩) along the bank, inside the river band, drawn over the river.
        bank = self.city.difference(yangtze).buffer(TIDAL_FLAT_WIDTH_M)
        for name, west, east in TIDAL_FLATS:
            reach = metric_polygon(((west, 31.85), (east, 31.85), (east, 32.05), (west, 32.05)))
            add(name, "tidal_flat", WETLAND, reach.intersection(yangtze).intersection(bank))
        remaining: BaseGeometry = taihu
        for name, coords in TAIHU_BAYS:
            bay = taihu.intersection(metric_polygon(coords))
            add(name, "lake", WATER, bay)
            remaining = remaining.difference(bay)
        add(TAIHU_NAME, "lake", WATER, remaining)
        self.water_features = tuple(features)
        self.features_by_name = {f.name: f for f in features}
        self.islands = tuple(Point(to_metric_xy(lon, lat)).buffer(r * 1000.0) for _, lon, lat, r in ISLANDS)
        self.roads = tuple((name, metric_line(coords)) for name, coords in EXPRESSWAYS)
        self.road_geometry = shapely.union_all([line.buffer(20.0) for _, line in self.roads]).intersection(
            self.city
        )
        self.places = tuple(
            Place(name, *to_metric_xy(lon, lat), radius * 1000.0, amplitude, kind)
            for name, lon, lat, radius, amplitude, kind in PLACES
        )
        self.parks = tuple(
            (name, Point(to_metric_xy(lon, lat)).buffer(radius * 1000.0))
            for name, lon, lat, radius in INDUSTRIAL_PARKS
        )
        self.hill_points = {
            name: (to_metric_xy(lon, lat), radius * 1000.0, strength)
            for name, lon, lat, radius, strength in HILLS
        }
        self.hill_polygons = tuple((name, metric_polygon(coords)) for name, coords in HILL_POLYGONS)

    def _yangtze(self) -> BaseGeometry:
        minlon, minlat, maxlon, maxlat = YANGTZE_BOX
        box = metric_polygon(((minlon, minlat), (maxlon, minlat), (maxlon, maxlat), (minlon, maxlat)))
        shore = self.city.boundary.intersection(box)
        return shore.buffer(YANGTZE_HALF_WIDTH_M).intersection(self.city)

    # -- lattices ----------------------------------------------------------------------------------

    def _lattice(self, nominal: float, calib_res: float) -> Lattice:
        spacing = max(nominal, calib_res / 2.0)
        minx, miny, maxx, maxy = self.bounds
        x0 = math.floor((minx - _PAD_M) / spacing) * spacing
        y0 = math.ceil((maxy + _PAD_M) / spacing) * spacing
        cols = math.ceil((maxx + _PAD_M - x0) / spacing) + 1
        rows = math.ceil((y0 - miny + _PAD_M) / spacing) + 1
        return Lattice(x0, y0, spacing, (rows, cols))

    def _noise(self, lattice: Lattice, name: str, sigma_m: float) -> None:
        lattice.fields[name] = smooth_noise(
            component_rng(self.seed, "noise", name), lattice.shape, sigma_m / lattice.spacing
        )

    def _build_lattices(self, calib_res: float) -> None:
        self.fine = self._lattice(_FINE, calib_res)
        self.kernel = self._lattice(_KERNEL, calib_res)
        self.medium = self._lattice(_MEDIUM, calib_res)
        self.coarse = self._lattice(_COARSE, calib_res)
        self._noise(self.fine, "fine_a", 30.0)
        self._noise(self.fine, "fine_b", 30.0)
        for name, sigma in (
            ("m_urban", 300.0),
            ("m_tree", 300.0),
            ("m_green", 220.0),
            ("m_grass", 300.0),
            ("m_bare", 160.0),
            ("m_shrub", 240.0),
            ("m_split", 150.0),
        ):
            self._noise(self.medium, name, sigma)
        for name, sigma in (
            ("c_tree", 1500.0),
            ("c_grass", 1500.0),
            ("c_pond", 1200.0),
            ("c_stream", 1000.0),
        ):
            self._noise(self.coarse, name, sigma)
        self._noise(self.kernel, "pond", 70.0)
        self._build_kernels()
        self._build_streams()
        self._build_district_weights()

    def _splat(self, target: FloatArray, x: float, y: float, sigma: float, amplitude: float) -> None:
        lattice = self.kernel
        reach = 3.5 * sigma
        j0 = max(int((x - reach - lattice.x0) / lattice.spacing), 0)
        j1 = min(int((x + reach - lattice.x0) / lattice.spacing) + 2, lattice.shape[1])
        i0 = max(int((lattice.y0 - (y + reach)) / lattice.spacing), 0)
        i1 = min(int((lattice.y0 - (y - reach)) / lattice.spacing) + 2, lattice.shape[0])
        if j0 >= j1 or i0 >= i1:
            return
        dx = lattice.x0 + np.arange(j0, j1) * lattice.spacing - x
        dy = lattice.y0 - np.arange(i0, i1) * lattice.spacing - y
        d2 = dy[:, None] ** 2 + dx[None, :] ** 2
        target[i0:i1, j0:j1] += (amplitude * np.exp(-d2 / (2.0 * sigma * sigma))).astype(np.float32)

    def _rasterize_on(self, lattice: Lattice, shapes: Sequence[tuple[BaseGeometry, float]]) -> FloatArray:
        from rasterio import features
        from rasterio.transform import Affine

        s = lattice.spacing
        transform = Affine(s, 0.0, lattice.x0 - s / 2, 0.0, -s, lattice.y0 + s / 2)
        return features.rasterize(
            shapes, out_shape=lattice.shape, transform=transform, fill=0, dtype="float32"
        ).astype(np.float32)

    def _build_kernels(self) -> None:
        lattice = self.kernel
        urban = np.zeros(lattice.shape, np.float32)
        bua = np.zeros(lattice.shape, np.float32)
        halo = np.zeros(lattice.shape, np.float32)
        for place in self.places:
            sigma = place.radius_m / math.sqrt(2.0 * math.log(place.amplitude))
            self._splat(urban, place.x, place.y, sigma, place.amplitude)
            self._splat(halo, place.x, place.y, sigma * 1.6, 0.25)
            if place.kind in ("core", "seat"):
                self._splat(bua, place.x, place.y, sigma, place.amplitude)
        for _, park in self.parks:
            centre = park.centroid
            radius = math.sqrt(park.area / math.pi)
            self._splat(urban, centre.x, centre.y, radius / 0.9, 1.5)
        # Villages: a jittered grid over the plain, thinned away from towns, lakes and hills.
        rng = component_rng(self.seed, "villages")
        minx, miny, maxx, maxy = self.bounds
        spacing = 820.0
        gx, gy = np.meshgrid(np.arange(minx, maxx, spacing), np.arange(miny, maxy, spacing))
        vx = gx.ravel() + rng.uniform(-0.42, 0.42, gx.size) * spacing
        vy = gy.ravel() + rng.uniform(-0.42, 0.42, gx.size) * spacing
        keep_draw = rng.uniform(0, 1, gx.size)
        sigmas = rng.uniform(95.0, 185.0, gx.size)
        amplitudes = rng.uniform(1.25, 1.55, gx.size)
        inside = shapely.contains_xy(self.city, vx, vy) & ~shapely.contains_xy(self.taihu, vx, vy)
        for feature in self.water_features:
            if feature.wetland_type in ("lake", "reservoir") or feature.name == YANGTZE_NAME:
                inside &= ~shapely.contains_xy(feature.geometry, vx, vy)
        hill_here = self.hill_strength(vx, vy)
        villages = []
        for k in np.flatnonzero(inside & (keep_draw < 0.86) & (hill_here < 0.55)):
            villages.append((float(vx[k]), float(vy[k]), float(sigmas[k]), float(amplitudes[k])))
        for x, y, sigma, amplitude in villages:
            self._splat(urban, x, y, sigma, amplitude)
            self._splat(halo, x, y, sigma * 2.3, 0.95)
        self.villages = tuple(villages)
        lattice.fields["urban"] = urban
        lattice.fields["bua"] = bua
        lattice.fields["halo"] = halo
        hill = self._rasterize_on(lattice, [(geom, 1.0) for _, geom in self.hill_polygons])
        hill = np.clip(gaussian_filter(hill, 900.0 / lattice.spacing) * 1.15, 0.0, 1.0)
        for (x, y), radius, strength in self.hill_points.values():
            bump = np.zeros(lattice.shape, np.float32)
            self._splat(bump, x, y, radius / 1.4, strength)
            hill = np.maximum(hill, bump)
        lattice.fields["hill"] = hill.astype(np.float32)

    def hill_strength(
        self, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """How hilly the points are, 0..1 (polygons count fully, named hills fade out)."""
        strength = np.zeros(xs.shape)
        for _, polygon in self.hill_polygons:
            strength = np.maximum(strength, shapely.contains_xy(polygon, xs, ys).astype(float))
        for (x, y), radius, value in self.hill_points.values():
            d2 = (xs - x) ** 2 + (ys - y) ** 2
            strength = np.maximum(strength, value * np.exp(-d2 / (2 * (radius / 1.4) ** 2)))
        return strength

    def _build_district_weights(self) -> None:
        """Each district's share of a smoothly blurred district map (they sum to 1 inside the city).

        District-specific settings blend across district lines through these, so no class boundary
        follows an administrative line.
        """
        lattice = self.kernel
        index = self._rasterize_on(lattice, [(g, i + 1) for i, g in enumerate(self.district_geoms)])
        blurred = [
            gaussian_filter((index == i + 1).astype(np.float32), _DISTRICT_BLEND_M / lattice.spacing)
            for i in range(len(self.district_geoms))
        ]
        total = np.maximum(np.sum(blurred, axis=0), 1e-6)
        for i, weights in enumerate(blurred):
            lattice.fields[f"district_{i}"] = np.clip(weights / total, 0.0, 1.0).astype(np.float32)

    def district_weights(self, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]) -> FloatArray:
        """The smooth district weights at pixel centres, shape (districts, rows, cols)."""
        names = [f"district_{i}" for i in range(len(self.district_geoms))]
        sampled = self.kernel.sample(names, xs, ys)
        return np.stack([sampled[name] for name in names])

    def _build_streams(self) -> None:
        lattice = self.kernel
        field_ = smooth_noise(component_rng(self.seed, "streams"), lattice.shape, 420.0 / lattice.spacing)
        gy, gx = np.gradient(field_, lattice.spacing)
        slope = np.maximum(np.hypot(gx, gy), 1e-9)
        lattice.fields["stream_d"] = (field_ / slope).astype(np.float32)

    # -- 建成区 --------------------------------------------------------------------------------------

    def _build_builtup(self) -> None:
        """The 建成区: where the city-proper and county-seat kernels are strong, with a noisy edge."""
        from rasterio import features
        from rasterio.transform import Affine

        lattice = self.kernel
        xs, ys = lattice.node_x(), lattice.node_y()
        kernel = lattice.fields["bua"]
        # The edge is ragged only near the cores, so no stray patches appear far from any centre.
        noise = self.medium.sample(["m_urban"], xs, ys)["m_urban"] * np.clip(kernel / 0.6, 0.0, 1.0)
        score = kernel + 0.28 * noise
        s = lattice.spacing
        transform = Affine(s, 0.0, lattice.x0 - s / 2, 0.0, -s, lattice.y0 + s / 2)
        in_city = features.rasterize(
            [(self.city.difference(self.taihu), 1)],
            out_shape=lattice.shape,
            transform=transform,
            fill=0,
            dtype="uint8",
        ).astype(bool)
        target_cells = BUILTUP_AREA_KM2 * 1e6 / (s * s)
        low, high = 0.2, 3.0
        for _ in range(40):
            mid = (low + high) / 2
            if np.count_nonzero(in_city & (score >= mid)) > target_cells:
                low = mid
            else:
                high = mid
        mask = in_city & (score >= high)
        polygons = [
            shapely.geometry.shape(g)
            for g, _ in features.shapes(mask.astype(np.uint8), mask=mask, transform=transform)
        ]
        centres = {name: self.place(place) for name, place in BUILTUP_CENTRES}
        groups: dict[str, list[BaseGeometry]] = {name: [] for name in centres}
        for polygon in polygons:
            point = polygon.representative_point()
            nearest = min(
                centres, key=lambda n: (centres[n].x - point.x) ** 2 + (centres[n].y - point.y) ** 2
            )
            groups[nearest].append(polygon)
        parts: dict[str, BaseGeometry] = {}
        for name, members in groups.items():
            merged = shapely.union_all(members).buffer(120.0).buffer(-120.0)
            kept = [
                Polygon(p.exterior, [h for h in p.interiors if Polygon(h).area > 1.5e6])
                for p in polygons_of(merged)
                if p.area > 2e6
            ]
            parts[name] = (
                shapely.union_all(kept).intersection(self.city).difference(self.taihu).simplify(25.0)
            )
        self.builtup_parts = {name: part for name, part in parts.items() if not part.is_empty}
        self.builtup = shapely.union_all(list(self.builtup_parts.values()))

    def place(self, name: str) -> Place:
        """The place called ``name``."""
        return next(p for p in self.places if p.name == name)

    # -- classification ----------------------------------------------------------------------------

    def rasterize_static(self, transform: Any, shape: tuple[int, int]) -> dict[str, npt.NDArray[Any]]:
        """District index, water labels, roads, 建成区 and islands on a window."""
        from rasterio import features

        rows, cols = shape
        x0, y0 = transform.c, transform.f
        box = (x0 - 100.0, y0 + transform.e * rows - 100.0, x0 + transform.a * cols + 100.0, y0 + 100.0)

        def burn(shapes: Sequence[tuple[BaseGeometry, int]], dtype: str, **options: Any) -> npt.NDArray[Any]:
            clipped = [(shapely.clip_by_rect(g, *box), v) for g, v in shapes]
            clipped = [(g, v) for g, v in clipped if not g.is_empty]
            if not clipped:
                return np.zeros(shape, dtype)
            return features.rasterize(
                clipped, out_shape=shape, transform=transform, fill=0, dtype=dtype, **options
            )

        # Pixel centres decide, as GDAL does: unbiased against the exact-fraction zonal statistics.
        district = burn([(g, i + 1) for i, g in enumerate(self.district_geoms)], "uint8")
        water_shapes = [(f.geometry, f.label) for f in self.water_features] + [(i, 0) for i in self.islands]
        return {
            "district": district,
            "water": burn(water_shapes, "uint16"),
            "islands": burn([(i, 1) for i in self.islands], "uint8").astype(bool),
            "road": burn([(self.road_geometry, 1)], "uint8").astype(bool),
            "bua": burn([(self.builtup, 1)], "uint8").astype(bool),
        }

    def scores(self, grid: Grid, row0: int, row1: int) -> dict[str, npt.NDArray[Any]]:
        """Everything threshold-independent on rows ``row0:row1`` of ``grid``: masks, water and scores."""
        shape = (row1 - row0, grid.width)
        out = self.rasterize_static(grid.window_transform(row0), shape)
        xs, ys = grid.col_x(), grid.row_y(row0, row1)
        f = self.fine.sample(["fine_a", "fine_b"], xs, ys)
        k = self.kernel.sample(["urban", "halo", "hill", "stream_d", "pond"], xs, ys)
        m = self.medium.sample(
            ["m_urban", "m_tree", "m_green", "m_grass", "m_bare", "m_shrub", "m_split"], xs, ys
        )
        c = self.coarse.sample(["c_tree", "c_grass", "c_pond", "c_stream"], xs, ys)
        valid = out["district"] > 0
        hill = k["hill"]
        urban_score = k["urban"] + 0.40 * m["m_urban"] + 0.22 * f["fine_a"]
        out["urban_score"] = urban_score
        out["woody_score"] = (
            2.3 * hill + 0.85 * k["halo"] + 0.55 * c["c_tree"] + 0.5 * m["m_tree"] + 0.32 * f["fine_b"]
        )
        out["green_score"] = (
            0.85 * m["m_green"]
            + 0.3 * c["c_grass"]
            + 0.3 * f["fine_a"]
            - 1.2 * np.clip(k["urban"] - 1.6, 0.0, None)
            + 2.0 * np.clip(hill - 0.25, 0.0, None)
        )
        # The old city (梁溪) is the densest fabric: less green, and more of it lawn and squares.
        weights = self.district_weights(xs, ys)
        out["district_weights"] = weights
        # The old city (梁溪) and the industrial new district (新吴) are the densest fabric: less green,
        # and more of it lawn and squares. Blended by the district weights, so no seam at their edges.
        dense = sum(weights[DISTRICT_ORDER.index(a)] * share for a, share in _DENSE_FABRIC.items())
        out["green_score"] -= 1.1 * dense
        out["tree_split"] = (m["m_split"] + 0.5 * f["fine_b"] + 3.0 * hill - 0.5 * dense) > -0.55

        # Water: named features, then generic streams and ponds where nothing named is.
        water = out["water"]
        width = 31.0 + 11.0 * np.tanh(c["c_stream"])
        stream = (
            (np.abs(k["stream_d"]) < width / 2)
            & (c["c_stream"] > -0.55)
            & (hill < 0.35)
            & (urban_score < 1.9)
        )
        pond = ((0.55 * c["c_pond"] + k["pond"]) > 2.05) & (hill < 0.3) & (urban_score < 0.9) & ~out["bua"]
        free = (water == 0) & ~out["islands"] & valid
        water[free & stream] = STREAM_LABEL
        water[free & ~stream & pond] = POND_LABEL
        water[~valid] = 0
        code = self._label_codes()[water]
        # Marshes are a mosaic of reeds (90) and open pools (80).
        pools = (code == WETLAND) & ((m["m_split"] + 0.6 * f["fine_a"]) < -0.55)
        code[pools] = WATER
        out["water_code"] = code
        out["grass"] = (0.6 * c["c_grass"] + 0.55 * m["m_grass"] + 0.25 * f["fine_a"]) > 1.3
        out["bare"] = ((m["m_bare"] + 0.35 * f["fine_b"]) > 2.45) & ((urban_score > 0.55) | (hill > 0.5))
        out["shrub"] = (m["m_shrub"] + 0.3 * f["fine_a"] + 0.5 * np.clip(hill - 0.2, 0.0, 0.6)) > 1.95
        return out

    @staticmethod
    def masks(sc: dict[str, npt.NDArray[Any]], thresholds: Thresholds) -> dict[str, npt.NDArray[Any]]:
        """Per year: which pixels follow the rural rules and are not built, and the urban green."""
        valid = sc["district"] > 0
        is_water = sc["water"] > 0
        fixed = is_water | sc["road"] | sc["islands"] | ~valid
        bua = sc["bua"]
        new_bua = bua & (sc["urban_score"] < thresholds.bua_new)
        green = sc["green_score"] >= thresholds.green
        out = {"fixed": fixed, "green": green, "urban_tree": green & sc["tree_split"]}
        for year, built_threshold in BUILT_THRESHOLDS.items():
            urban = bua & ~new_bua if year == 2020 else bua
            out[f"urban{year}"] = urban & ~fixed
            rural = ~fixed & ~urban
            out[f"built{year}"] = rural & (sc["urban_score"] >= built_threshold)
            out[f"rural{year}"] = rural & ~out[f"built{year}"]
        return out

    def classes(
        self, sc: dict[str, npt.NDArray[Any]], thresholds: Thresholds
    ) -> dict[int, npt.NDArray[np.uint8]]:
        """WorldCover classes for 2020 and 2024 from :meth:`scores` and calibrated thresholds."""
        mk = self.masks(sc, thresholds)
        district = sc["district"]
        urban_class = np.where(mk["green"], np.where(mk["urban_tree"], TREE, GRASS), BUILT).astype(np.uint8)
        rural_base = np.full(district.shape, CROP, np.uint8)
        rural_base[sc["grass"]] = GRASS
        rural_base[sc["bare"]] = BARE
        out = {}
        for year in YEARS:
            cls = rural_base.copy()
            bias = np.tensordot(
                thresholds.woody_bias[year].astype(np.float32), sc["district_weights"], axes=1
            )
            woody = mk[f"rural{year}"] & (sc["woody_score"] + bias >= 0)
            cls[woody] = np.where(sc["shrub"][woody], SHRUB, TREE)
            cls[mk[f"built{year}"]] = BUILT
            urban = mk[f"urban{year}"]
            cls[urban] = urban_class[urban]
            cls[sc["road"]] = BUILT
            cls[sc["islands"]] = TREE
            is_water = sc["water"] > 0
            cls[is_water] = sc["water_code"][is_water]
            cls[district == 0] = NODATA
            out[year] = cls
        return out

    def _label_codes(self) -> npt.NDArray[np.uint8]:
        size = max(f.label for f in self.water_features) + 1
        codes = np.zeros(size, np.uint8)
        codes[STREAM_LABEL] = WATER
        codes[POND_LABEL] = WATER
        for feature in self.water_features:
            codes[feature.label] = feature.code
        return codes


# --------------------------------------------------------------------------------------------------
# Calibration and the raster pass
# --------------------------------------------------------------------------------------------------


def compute_rows(grid: Grid) -> int:
    """Rows per compute strip: about 0.6 Mpx, small enough to stay in cache, large enough to amortise."""
    return max(16, min(grid.height, 600_000 // max(grid.width, 1)))


def _kth_largest_threshold(values: npt.NDArray[np.float32], count: int) -> float:
    """The threshold ``t`` such that ``count`` of ``values`` are ``>= t`` (ties aside)."""
    if count <= 0 or values.size == 0:
        return math.inf
    if count >= values.size:
        return -math.inf
    return float(np.partition(values, values.size - count)[values.size - count])


def calibrate(world: World, grid: Grid, progress: ProgressCallback | None) -> Thresholds:
    """Thresholds that hit the calibration targets on ``grid`` (pixel counts)."""
    keys = ("district", "bua", "urban_score", "green_score", "tree_split", "woody_score")
    keep: dict[str, list[npt.NDArray[Any]]] = {k: [] for k in (*keys, "district_weights")}
    n_bua_all = 0
    bua_islands = 0
    island_px = np.zeros(len(DISTRICT_ORDER) + 1, np.int64)
    strips = list(grid.strips(compute_rows(grid)))
    for done, (row0, row1) in enumerate(strips, start=1):
        sc = world.scores(grid, row0, row1)
        valid = sc["district"] > 0
        n_bua_all += int(np.count_nonzero(sc["bua"] & valid))
        islands = sc["islands"] & valid
        bua_islands += int(np.count_nonzero(islands & sc["bua"]))
        island_px += np.bincount(sc["district"][islands], minlength=island_px.size)
        free = valid & (sc["water"] == 0) & ~sc["road"] & ~sc["islands"]
        for key in keys:
            keep[key].append(sc[key][free])
        keep["district_weights"].append(sc["district_weights"][:, free])
        if progress is not None:
            progress("calibrating", done, len(strips))
    arrays = {}
    for key in list(keep):  # concatenate one key at a time, dropping the pieces, to halve the peak
        arrays[key] = np.concatenate(keep.pop(key), axis=-1)
    district, bua = arrays["district"], arrays["bua"]
    urban_score, green_score = arrays["urban_score"], arrays["green_score"]

    thresholds = Thresholds()
    # 建成区: its lowest-scoring edge was still countryside in 2020; its green share is the target.
    thresholds.bua_new = float(np.quantile(urban_score[bua], NEW_BUILTUP_SHARE)) if bua.any() else -math.inf
    green_needed = round(BUILTUP_GREEN_TARGET / 100.0 * n_bua_all) - bua_islands
    thresholds.green = _kth_largest_threshold(green_score[bua], green_needed)

    pixel_km2 = grid.res * grid.res / 1e6
    urban_tree = (green_score >= thresholds.green) & arrays["tree_split"]
    for year in YEARS:
        urban = bua & (urban_score >= thresholds.bua_new) if year == 2020 else bua
        rural = ~urban & (urban_score < BUILT_THRESHOLDS[year])
        fixed = (np.bincount(district[urban & urban_tree], minlength=island_px.size) + island_px)[1:]
        wanted = np.array(
            [
                WOODY_TARGETS[year].get(a, 0.0) / 100.0 * world.official_km2[a] / pixel_km2
                for a in DISTRICT_ORDER
            ]
        )
        city_wanted = CITY_WOODY_TARGET[year] / 100.0 * world.official_km2[CITY_ADCODE] / pixel_km2
        thresholds.woody_bias[year] = _solve_woody_bias(
            arrays["woody_score"][rural],
            arrays["district_weights"][:, rural],
            district[rural],
            wanted - fixed,
            city_wanted - fixed.sum(),
        )
    return thresholds


_NO_WOODY_BIAS = -8.0  # below any woody score: no countryside trees


def _solve_woody_bias(
    score: npt.NDArray[np.float32],
    weights: npt.NDArray[np.float32],
    district: npt.NDArray[np.uint8],
    wanted: npt.NDArray[np.float64],
    city_wanted: float,
) -> npt.NDArray[np.float64]:
    """District biases such that each calibrated district gets ``wanted`` woody pixels (score + bias >= 0).

    The bias at a pixel is the weighted blend of the districts' biases, so a district's count depends a
    little on its neighbours: a few Jacobi rounds settle it. 梁溪 has no countryside to calibrate and takes
    the lowest bias; the balancing district (宜兴) takes whatever brings the city to ``city_wanted``.
    """
    members = [district == i + 1 for i in range(len(DISTRICT_ORDER))]
    free = DISTRICT_ORDER.index("320213")
    balancing = DISTRICT_ORDER.index(BALANCING_DISTRICT)
    bias = np.array(
        [
            -_kth_largest_threshold(score[m], round(w)) if m.any() else 0.0
            for m, w in zip(members, wanted, strict=True)
        ]
    )
    bias[~np.isfinite(bias)] = _NO_WOODY_BIAS
    for _ in range(40):
        bias[free] = float(np.min(np.delete(bias, free)))
        value = score + np.tensordot(bias.astype(np.float32), weights, axes=1)
        counts = np.array([np.count_nonzero(value[m] >= 0) for m in members], dtype=np.float64)
        goal = wanted.copy()
        goal[balancing] = city_wanted - (counts.sum() - counts[balancing])
        largest = 0.0
        for i, member in enumerate(members):
            if i == free or not member.any():
                continue
            shift = -_kth_largest_threshold(value[member], round(goal[i]))
            if math.isfinite(shift):
                bias[i] += shift
                largest = max(largest, abs(shift))
            elif shift < 0:  # no countryside woody wanted: push it out of reach
                bias[i] = _NO_WOODY_BIAS
        if largest < 1e-5:
            break
    bias[free] = float(np.min(np.delete(bias, free)))
    return bias
