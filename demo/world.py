"""The synthetic landscape of Wuxi behind the demo data, built once from the boundaries and the seed.

Lakes, rivers, roads, hills, towns and the 建成区 are geometry in EPSG:4549; the urban, woody and green
tendencies are smooth fields on lattices (:mod:`demo.fields`) sampled at pixel centres. Nothing here
depends on the output resolution; :mod:`demo.classify` turns the world into land-cover classes.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from wuxi_atlas.analysis.crs import METRIC_CRS
from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.demo.codes import WATER, WETLAND
from wuxi_atlas.demo.fields import FloatArray, Lattice, component_rng, gaussian_filter, smooth_noise
from wuxi_atlas.demo.geography import (
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
from wuxi_atlas.demo.shapes import (
    metric_line,
    metric_polygon,
    polygon_from_shape,
    polygons_of,
    to_metric_xy,
    wobbly_ellipse,
    wobbly_shore,
)
from wuxi_atlas.demo.targets import BUILTUP_AREA_KM2

__all__ = [
    "BUILTUP_CENTRES",
    "DISTRICT_ORDER",
    "POND_LABEL",
    "STREAM_LABEL",
    "Place",
    "ProgressCallback",
    "WaterFeature",
    "World",
]

ProgressCallback = Callable[[str, int, int], None]


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
_DISTRICT_BLEND_M = 1500.0  # sigma of the blur that blends district settings across district lines
# The 建成区 polygons: (name, the urban centre whose kernel it grows from).
BUILTUP_CENTRES = (
    ("无锡市区建成区", "梁溪城区"),
    ("江阴市建成区", "江阴城区"),
    ("宜兴市建成区", "宜兴城区"),
)


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

        # The lattices' fields live in files here until close() (Lattice: bounded memory).
        self._fields_dir = tempfile.TemporaryDirectory(prefix="geoplan-demo-fields-")

        def step(label: str) -> None:
            if progress is not None:
                progress(label, 0, 1)

        step("geography")
        self._build_geography()
        step("fields")
        self._build_lattices(calib_res)
        step("built-up area")
        self._build_builtup()

    def close(self) -> None:
        """Remove the lattices' field files; sampling the fields is not possible afterwards."""
        self._fields_dir.cleanup()

    def __enter__(self) -> World:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        return Lattice(x0, y0, spacing, (rows, cols), Path(self._fields_dir.name))

    def _noise(self, lattice: Lattice, name: str, sigma_m: float) -> None:
        lattice.put(
            name,
            smooth_noise(component_rng(self.seed, "noise", name), lattice.shape, sigma_m / lattice.spacing),
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
        lattice.put("urban", urban)
        lattice.put("bua", bua)
        lattice.put("halo", halo)
        del urban, bua, halo
        hill = self._rasterize_on(lattice, [(geom, 1.0) for _, geom in self.hill_polygons])
        hill = np.clip(gaussian_filter(hill, 900.0 / lattice.spacing) * 1.15, 0.0, 1.0)
        for (x, y), radius, strength in self.hill_points.values():
            bump = np.zeros(lattice.shape, np.float32)
            self._splat(bump, x, y, radius / 1.4, strength)
            hill = np.maximum(hill, bump)
        lattice.put("hill", hill)

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
        # Summed one plane after another, as np.sum over the stacked planes does, without the stack.
        total = blurred[0].copy()
        for weights in blurred[1:]:
            total += weights
        np.maximum(total, 1e-6, out=total)
        for i in reversed(range(len(blurred))):  # each plane freed once stored
            lattice.put(f"district_{i}", np.clip(blurred.pop() / total, 0.0, 1.0))

    def district_weights(
        self, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64], out: FloatArray | None = None
    ) -> FloatArray:
        """The smooth district weights at pixel centres, shape (districts, rows, cols), written into
        ``out`` if given (a float32 array or view of that shape)."""
        names = [f"district_{i}" for i in range(len(self.district_geoms))]
        if out is None:
            out = np.empty((len(names), ys.size, xs.size), np.float32)
        self.kernel.sample(names, xs, ys, out=list(out))
        return out

    def _build_streams(self) -> None:
        lattice = self.kernel
        field_ = smooth_noise(component_rng(self.seed, "streams"), lattice.shape, 420.0 / lattice.spacing)
        gy, gx = np.gradient(field_, lattice.spacing)
        slope = np.maximum(np.hypot(gx, gy), 1e-9)
        lattice.put("stream_d", field_ / slope)

    # -- 建成区 --------------------------------------------------------------------------------------

    def _build_builtup(self) -> None:
        """The 建成区: where the city-proper and county-seat kernels are strong, with a noisy edge."""
        from rasterio import features
        from rasterio.transform import Affine

        lattice = self.kernel
        xs, ys = lattice.node_x(), lattice.node_y()
        kernel = lattice.get("bua")
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
            polygon_from_shape(g)
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
