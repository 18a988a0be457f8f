"""The demo vector layers, derived from the 2024 demo land cover on the calibration grid.

Wetlands are vectorized from the water and wetland pixels; protected areas surround them (the Taihu band
is sized to the wetland-protection target); the 建成区 comes from the landscape model; roofs, PV sites and
stations are placed on built-up pixels, in industrial parks, residential compounds and villages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from analysis.crs import METRIC_CRS
from analysis.demo_geography import (
    FOREST_RESERVES,
    TAIHU_BAYS,
    TAIHU_NAME,
    TAIHU_PROTECTED_NAME,
    WETLAND_PARKS,
    YANGTZE_NAME,
)
from analysis.demo_world import (
    BARE,
    BUILT,
    CROP,
    DISTRICT_ORDER,
    GRASS,
    NODATA,
    POND_LABEL,
    STREAM_LABEL,
    TO_LONLAT,
    WATER,
    Grid,
    World,
    component_rng,
    wobbly_ellipse,
)

__all__ = [
    "CHARGING_PILES_TOTAL",
    "PV_TOTAL_KW",
    "SWAP_PUBLIC",
    "WETLAND_PROTECTION_TARGET",
    "BuildingSample",
    "GridArrays",
    "buildings_layer",
    "builtup_layer",
    "protected_areas_layer",
    "pv_sites_layer",
    "stations_layer",
    "wetlands_layer",
]

WETLAND_PROTECTION_TARGET = 50.5  # %, 2024
PV_TOTAL_KW = 2_200_000.0
SWAP_PUBLIC = 44
CHARGING_PILES_TOTAL = 161_000


# --------------------------------------------------------------------------------------------------
# Vector layers (derived from the 2024 classes on the calibration grid)
# --------------------------------------------------------------------------------------------------


@dataclass
class GridArrays:
    """The 2024 classes and helpers on the whole vector grid, for placing and deriving features."""

    grid: Grid
    lc2024: npt.NDArray[np.uint8]
    water: npt.NDArray[np.uint16]
    district: npt.NDArray[np.uint8]
    bua: npt.NDArray[np.bool_]
    road: npt.NDArray[np.bool_]

    def pixel_of(
        self, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Row, column and in-grid flag of each point."""
        cols = np.floor((xs - self.grid.x0) / self.grid.res).astype(np.int64)
        rows = np.floor((self.grid.y0 - ys) / self.grid.res).astype(np.int64)
        inside = (cols >= 0) & (cols < self.grid.width) & (rows >= 0) & (rows < self.grid.height)
        return np.clip(rows, 0, self.grid.height - 1), np.clip(cols, 0, self.grid.width - 1), inside

    def class_at(self, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
        """The 2024 class at each point (0 outside the grid)."""
        rows, cols, inside = self.pixel_of(xs, ys)
        return np.where(inside, self.lc2024[rows, cols], NODATA).astype(np.uint8)

    def pixels(self, mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Centres (x, y) of the pixels in ``mask``, in row-major order."""
        rows, cols = np.nonzero(mask)
        xs = self.grid.x0 + (cols + 0.5) * self.grid.res
        ys = self.grid.y0 - (rows + 0.5) * self.grid.res
        return xs.astype(np.float64), ys.astype(np.float64)


def _nearest_place(
    world: World, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    px = np.array([p.x for p in world.places])
    py = np.array([p.y for p in world.places])
    out = np.empty(xs.size, np.int64)
    for start in range(0, xs.size, 20000):
        sx, sy = xs[start : start + 20000], ys[start : start + 20000]
        out[start : start + 20000] = np.argmin((sx[:, None] - px) ** 2 + (sy[:, None] - py) ** 2, axis=1)
    return out


def _short(place_name: str) -> str:
    return place_name.removesuffix("城区") if place_name.endswith("城区") else place_name


def _frame(
    records: list[dict[str, Any]], geometries: Sequence[BaseGeometry], columns: Sequence[str]
) -> gpd.GeoDataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    return gpd.GeoDataFrame(frame, geometry=list(geometries), crs=METRIC_CRS)


def wetlands_layer(world: World, arrays: GridArrays) -> gpd.GeoDataFrame:
    """Wetland polygons (三调 scope: water surfaces included) from the 2024 water and wetland pixels."""
    from rasterio import features

    grid = arrays.grid
    tolerance = grid.res / 2.0
    from rasterio.transform import Affine

    pixel_ha = grid.res * grid.res / 1e4
    labels = arrays.water
    records: list[dict[str, Any]] = []
    geometries: list[BaseGeometry] = []
    for feature in world.water_features:
        minx, miny, maxx, maxy = feature.geometry.bounds
        col0 = max(int((minx - grid.x0) // grid.res) - 1, 0)
        col1 = min(int((maxx - grid.x0) // grid.res) + 2, grid.width)
        row0 = max(int((grid.y0 - maxy) // grid.res) - 1, 0)
        row1 = min(int((grid.y0 - miny) // grid.res) + 2, grid.height)
        mask = labels[row0:row1, col0:col1] == feature.label
        if not mask.any():
            continue
        parts = [
            shapely.geometry.shape(g)
            for g, _ in features.shapes(
                mask.astype(np.uint8),
                mask=mask,
                transform=grid.window_transform(row0) @ Affine.translation(col0, 0),
                connectivity=8,
            )
        ]
        merged = _valid_polygons(shapely.union_all(parts).simplify(tolerance))
        if merged.is_empty:
            continue
        records.append({"name": feature.name, "wetland_type": feature.wetland_type})
        geometries.append(merged)
    generic: list[tuple[int, str, float]] = [
        (STREAM_LABEL, "河道", 1.0),
        (POND_LABEL, "坑塘", 2.0 * pixel_ha),
    ]
    for label, word, min_ha in generic:
        mask = labels == label
        if not mask.any():
            continue
        shapes = [
            shapely.geometry.shape(g)
            for g, _ in features.shapes(
                mask.astype(np.uint8),
                mask=mask,
                transform=grid.transform,
                connectivity=8 if label == STREAM_LABEL else 4,
            )
        ]
        # 8-connected shapes touch themselves at pixel corners, which GEOS calls a self-intersection.
        shapes = [_valid_polygons(s.simplify(tolerance)) for s in shapes if s.area / 1e4 >= min_ha - 1e-9]
        shapes = [s for s in shapes if not s.is_empty]
        if not shapes:
            continue
        centres = shapely.centroid(np.array(shapes, dtype=object))
        nearest = _nearest_place(world, shapely.get_x(centres), shapely.get_y(centres))
        order = np.lexsort((shapely.get_x(centres), -shapely.get_y(centres), nearest))
        counters: dict[int, int] = {}
        for k in order:
            counters[nearest[k]] = counters.get(nearest[k], 0) + 1
            place = _short(world.places[nearest[k]].name)
            records.append(
                {
                    "name": f"{place}{word}{counters[nearest[k]]}",
                    "wetland_type": "river" if label == STREAM_LABEL else "pond",
                }
            )
            geometries.append(shapes[k])
    return _frame(records, geometries, ["name", "wetland_type"])


def protected_areas_layer(
    world: World, wetlands: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, dict[str, float]]:
    """Protected areas, with the Taihu protection band sized so the city-wide rate hits the target."""
    by_name = dict(zip(wetlands["name"], wetlands.geometry, strict=True))
    records: list[dict[str, Any]] = []
    geometries: list[BaseGeometry] = []
    for name, ptype, level, around, buffer_m in WETLAND_PARKS:
        geometry = by_name.get(around)
        if geometry is None:
            continue
        if around == YANGTZE_NAME:  # the plot covers the river's western reach, off 璜土/利港/申港
            minx, miny, maxx, maxy = geometry.bounds
            geometry = shapely.clip_by_rect(geometry, minx, miny, minx + 0.55 * (maxx - minx), maxy)
        records.append({"name": name, "protection_type": ptype, "level": level})
        geometries.append(geometry.buffer(buffer_m).intersection(world.city).simplify(10.0))
    for name, ptype, level, hill in FOREST_RESERVES:
        (x, y), radius, _ = world.hill_points[hill]
        lon, lat = TO_LONLAT.transform(x, y)
        outline = wobbly_ellipse(lon, lat, radius * 0.85e-3, radius * 0.6e-3, 25.0, name)
        records.append({"name": name, "protection_type": ptype, "level": level})
        geometries.append(outline.intersection(world.city))

    wetland_union = shapely.union_all(list(wetlands.geometry))
    wetland_area = wetland_union.area
    fixed_union = shapely.union_all(geometries)
    taihu_water = shapely.union_all(
        [g for n, g in by_name.items() if n == TAIHU_NAME or n in {b for b, _ in TAIHU_BAYS}]
    )
    shore = world.taihu.boundary.intersection(world.city.buffer(50.0))
    coarse_shore = shore.simplify(100.0)  # the band's outer edge needs no detail; buffering it stays fast
    shore_land = shore.buffer(250.0).intersection(world.city).difference(world.taihu)

    def band(distance: float) -> BaseGeometry:
        return shapely.union_all(
            [taihu_water.intersection(coarse_shore.buffer(distance, quad_segs=4)), shore_land]
        )

    def rate(distance: float) -> float:
        protected = shapely.union_all([fixed_union, band(distance)])
        return 100.0 * wetland_union.intersection(protected).area / wetland_area

    low, high = 0.0, 20000.0
    for _ in range(11):
        mid = (low + high) / 2
        if rate(mid) < WETLAND_PROTECTION_TARGET:
            low = mid
        else:
            high = mid
    taihu_band = band(high).simplify(10.0)
    records.insert(
        0, {"name": TAIHU_PROTECTED_NAME, "protection_type": "protection_plot", "level": "national"}
    )
    geometries.insert(0, taihu_band)
    frame = _frame(records, geometries, ["name", "protection_type", "level"])
    achieved = rate(high)
    return frame, {
        "wetland_protection_rate_2024": round(achieved, 2),
        "taihu_band_m": round(high, 0),
        "wetland_area_km2": round(wetland_area / 1e6, 1),
    }


def builtup_layer(world: World) -> gpd.GeoDataFrame:
    """The 建成区 polygons (one per city), named, for 2024."""
    records = [{"name": name, "year": 2024} for name in world.builtup_parts]
    return _frame(records, list(world.builtup_parts.values()), ["name", "year"])


def _rectangles(
    xs: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    widths: npt.NDArray[np.float64],
    depths: npt.NDArray[np.float64],
    angles_deg: npt.NDArray[np.float64],
) -> npt.NDArray[Any]:
    """Rotated rectangles (width along the rotated x axis) as an array of shapely polygons."""
    a = np.radians(angles_deg)
    ca, sa = np.cos(a), np.sin(a)
    corners = np.array([(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5), (-0.5, -0.5)])
    dx = corners[None, :, 0] * widths[:, None]
    dy = corners[None, :, 1] * depths[:, None]
    px = xs[:, None] + dx * ca[:, None] - dy * sa[:, None]
    py = ys[:, None] + dx * sa[:, None] + dy * ca[:, None]
    return np.asarray(shapely.polygons(np.stack([px, py], axis=-1)), dtype=object)


def _valid_polygons(geometry: BaseGeometry) -> BaseGeometry:
    """``geometry`` made valid, keeping only its polygonal parts."""
    return shapely.make_valid(geometry, method="structure", keep_collapsed=False)


def _pick(rng: np.random.Generator, count: int, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    if weights.size == 0 or count <= 0:
        return np.zeros(0, np.int64)
    p = weights / weights.sum()
    return rng.choice(weights.size, size=count, replace=True, p=p)


def _jitter(rng: np.random.Generator, xs: npt.NDArray[np.float64], res: float) -> npt.NDArray[np.float64]:
    return xs + rng.uniform(-0.45, 0.45, xs.size) * res


@dataclass
class BuildingSample:
    """The roof sample and the residential compounds it was laid out in (for private chargers)."""

    frame: gpd.GeoDataFrame
    compounds: list[tuple[float, float, str]]  # residential compounds: centre x, y, name


_PILOT_COUNTIES = {"320281", "320282", "320205", "320206"}


def buildings_layer(world: World, arrays: GridArrays, seed: int) -> BuildingSample:
    """A sample of about 50,000 roofs: industrial parks, residential compounds, villages, schools, offices."""
    from rasterio import features

    rng = component_rng(seed, "buildings")
    grid = arrays.grid
    built = (arrays.lc2024 == BUILT) & ~arrays.road
    park_index = features.rasterize(
        [(geom, i + 1) for i, (_, geom) in enumerate(world.parks)],
        out_shape=arrays.lc2024.shape,
        transform=grid.transform,
        fill=0,
        dtype="uint8",
    )
    parts: list[dict[str, Any]] = []

    def add(
        kind: str, xs: Any, ys: Any, widths: Any, depths: Any, angles: Any, names: Sequence[str | None]
    ) -> None:
        parts.append(
            {
                "kind": kind,
                "x": np.asarray(xs, float),
                "y": np.asarray(ys, float),
                "w": np.asarray(widths, float),
                "d": np.asarray(depths, float),
                "a": np.asarray(angles, float),
                "names": list(names),
            }
        )

    # Industrial and commercial: large sheds in the parks, malls and offices in the cores.
    px, py = arrays.pixels(built & (park_index > 0))
    park_of = park_index[built & (park_index > 0)]
    park_angle = component_rng(seed, "park angles").uniform(-25, 25, len(world.parks) + 1)
    n = 7200
    k = _pick(rng, n, np.ones(px.size))
    area = np.clip(np.exp(rng.normal(math.log(5200.0), 0.85, k.size)), 2000.0, 40000.0)
    aspect = rng.uniform(1.2, 2.6, k.size)
    add(
        "industrial_commercial",
        _jitter(rng, px[k], grid.res),
        _jitter(rng, py[k], grid.res),
        np.sqrt(area * aspect),
        np.sqrt(area / aspect),
        park_angle[park_of[k]] + rng.normal(0, 3, k.size),
        [None] * k.size,
    )
    cx, cy = arrays.pixels(built & arrays.bua & (park_index == 0))
    k = _pick(rng, 900, np.ones(cx.size))
    area = np.clip(np.exp(rng.normal(math.log(4500.0), 0.7, k.size)), 2000.0, 25000.0)
    aspect = rng.uniform(1.0, 2.0, k.size)
    add(
        "industrial_commercial",
        _jitter(rng, cx[k], grid.res),
        _jitter(rng, cy[k], grid.res),
        np.sqrt(area * aspect),
        np.sqrt(area / aspect),
        rng.normal(0, 10, k.size),
        [None] * k.size,
    )

    # Urban residential compounds: rows of south-facing slabs.
    compounds: list[tuple[float, float, str]] = []
    # Drawn with replacement, so one pixel can come up twice: keep each once, or two compounds (and their
    # private chargers) would stand on the same spot.
    k = np.unique(_pick(rng, 2300, np.ones(cx.size)))
    centre_place = _nearest_place(world, cx[k], cy[k])
    xs, ys, ws, ds, angs = [], [], [], [], []
    counters: dict[int, int] = {}
    for j, pixel in enumerate(k):
        x0, y0 = cx[pixel], cy[pixel]
        angle = rng.normal(0, 8)
        rows_n, cols_n = int(rng.integers(3, 6)), int(rng.integers(2, 4))
        width, depth = rng.uniform(40, 68), rng.uniform(12, 16)
        gap_y, gap_x = rng.uniform(34, 44), width + rng.uniform(12, 22)
        a = math.radians(angle)
        for r in range(rows_n):
            for c in range(cols_n):
                ox, oy = (c - (cols_n - 1) / 2) * gap_x, (r - (rows_n - 1) / 2) * gap_y
                xs.append(x0 + ox * math.cos(a) - oy * math.sin(a))
                ys.append(y0 + ox * math.sin(a) + oy * math.cos(a))
                ws.append(width * rng.uniform(0.9, 1.1))
                ds.append(depth)
                angs.append(angle)
        place = int(centre_place[j])
        counters[place] = counters.get(place, 0) + 1
        compounds.append((float(x0), float(y0), f"{_short(world.places[place].name)}{counters[place]}号小区"))
    add("urban_residential", xs, ys, ws, ds, angs, [None] * len(xs))

    # Schools and hospitals, and government offices near the centres of places.
    k = _pick(rng, 1250, np.ones(cx.size))
    tx, ty = arrays.pixels(built & ~arrays.bua & (park_index == 0))
    k2 = _pick(rng, 350, np.ones(tx.size))
    sx = np.concatenate([cx[k], tx[k2]])
    sy = np.concatenate([cy[k], ty[k2]])
    area = np.clip(np.exp(rng.normal(math.log(4800.0), 0.5, sx.size)), 2000.0, 14000.0)
    aspect = rng.uniform(1.3, 3.0, sx.size)
    near = _nearest_place(world, sx, sy)
    kinds = rng.choice(
        ["小学", "中学", "幼儿园", "人民医院", "社区卫生服务中心", "职业学校"],
        sx.size,
        p=[0.3, 0.25, 0.15, 0.1, 0.15, 0.05],
    )
    add(
        "school_hospital",
        _jitter(rng, sx, grid.res),
        _jitter(rng, sy, grid.res),
        np.sqrt(area * aspect),
        np.sqrt(area / aspect),
        rng.normal(0, 8, sx.size),
        [f"{_short(world.places[p].name)}{kind}" for p, kind in zip(near, kinds, strict=True)],
    )
    offices = ("人民政府", "街道办事处", "行政服务中心", "税务所", "派出所", "司法所",
               "文化中心", "社区服务中心", "市场监管所", "自然资源所", "财政所", "水务站")  # fmt: skip
    gx: list[float] = []
    gy: list[float] = []
    gnames: list[str] = []
    for town in world.places:
        count = 12 if town.kind == "core" else 8 if town.kind == "seat" else 4
        for i in range(count):
            distance = rng.uniform(0, min(town.radius_m * 0.6, 1500.0))
            bearing = rng.uniform(0, 2 * math.pi)
            gx.append(town.x + distance * math.cos(bearing))
            gy.append(town.y + distance * math.sin(bearing))
            gnames.append(f"{_short(town.name)}{offices[i % len(offices)]}")
    area = np.clip(np.exp(rng.normal(math.log(2500.0), 0.45, len(gx))), 1200.0, 6000.0)
    aspect = rng.uniform(1.2, 2.5, len(gx))
    add(
        "government",
        gx,
        gy,
        np.sqrt(area * aspect),
        np.sqrt(area / aspect),
        rng.normal(0, 6, len(gx)),
        gnames,
    )

    # Rural homes: clusters in the villages.
    hx: list[float] = []
    hy: list[float] = []
    ha: list[float] = []
    for x, y, sigma, _ in world.villages:
        count = int(rng.integers(4, 12))
        angle = rng.normal(0, 10)
        hx.extend(x + rng.normal(0, sigma * 0.55, count))
        hy.extend(y + rng.normal(0, sigma * 0.55, count))
        ha.extend(angle + rng.normal(0, 4, count))
    count = len(hx)
    add("rural_home", hx, hy, rng.uniform(10, 15, count), rng.uniform(9, 12, count), ha, [None] * count)

    kind_list, geoms, names = [], [], []
    for part in parts:
        polygons = _rectangles(part["x"], part["y"], part["w"], part["d"], part["a"])
        cls = arrays.class_at(part["x"], part["y"])
        ok = (cls == BUILT) if part["kind"] != "government" else (cls != NODATA) & (cls != WATER)
        if part["kind"] == "rural_home":
            ok &= ~arrays.bua[arrays.pixel_of(part["x"], part["y"])[:2]]
        ok &= shapely.contains_xy(world.city, part["x"], part["y"])
        kind_list += [part["kind"]] * int(ok.sum())
        geoms += list(polygons[ok])
        names += [n for n, keep in zip(part["names"], ok, strict=True) if keep]
    geometry = np.array(geoms, dtype=object)
    # Drop footprints that overlap an earlier one (earlier: larger and more important kinds).
    tree = shapely.STRtree(geometry)
    left, right = tree.query(geometry, predicate="intersects")
    clash = right[left < right]
    keep = np.ones(geometry.size, bool)
    keep[np.unique(clash)] = False
    frame = _frame(
        [{"building_type": t, "name": n} for t, n, k in zip(kind_list, names, keep, strict=True) if k],
        list(geometry[keep]),
        ["building_type", "name"],
    )
    frame["roof_area_m2"] = np.round(frame.geometry.area, 1)
    frame = frame[["building_type", "roof_area_m2", "name", "geometry"]]
    return BuildingSample(frame, compounds)


def pv_sites_layer(
    world: World, arrays: GridArrays, buildings: gpd.GeoDataFrame, seed: int
) -> gpd.GeoDataFrame:
    """Installed PV: industrial roofs (pilot counties first), public roofs, homes, ground and floating."""
    rng = component_rng(seed, "pv")
    centroids = buildings.geometry.centroid
    bx, by = centroids.x.to_numpy(), centroids.y.to_numpy()
    district = arrays.district[arrays.pixel_of(bx, by)[:2]]
    pilot = np.isin(np.array([DISTRICT_ORDER[d - 1] if d else "" for d in district]), list(_PILOT_COUNTIES))
    kinds = buildings["building_type"].to_numpy()
    roof = buildings["roof_area_m2"].to_numpy()
    rows: list[dict[str, Any]] = []
    points: list[BaseGeometry] = []
    near = _nearest_place(world, bx, by)

    def years(count: int, first: int, skew: float) -> npt.NDArray[np.int64]:
        span = np.arange(first, 2025)
        weights = np.exp(skew * (span - first))
        return rng.choice(span, size=count, p=weights / weights.sum())

    for kind, count, share, label in (
        ("industrial_commercial", 2500, (0.35, 0.8), "工业屋顶分布式光伏"),
        ("school_hospital", 180, (0.3, 0.6), "公共建筑屋顶光伏"),
        ("government", 120, (0.3, 0.6), "党政机关屋顶光伏"),
        ("rural_home", 1600, (0.5, 0.9), "户用光伏"),
    ):
        candidates = np.flatnonzero(kinds == kind)
        weights = np.where(pilot[candidates], 3.0, 1.0) * (roof[candidates] if kind != "rural_home" else 1.0)
        # _pick indexes the candidates, not the whole building table.
        chosen = candidates[np.unique(_pick(rng, count, weights.astype(float)))]
        capacity = roof[chosen] * rng.uniform(*share, chosen.size) * 0.2
        for i, cap, year in zip(chosen, capacity, years(chosen.size, 2014, 0.28), strict=True):
            rows.append(
                {
                    "name": f"{_short(world.places[near[i]].name)}{label}",
                    "capacity_kw": float(cap),
                    "kind": "rooftop",
                    "year": int(year),
                }
            )
            points.append(Point(bx[i], by[i]))
    hill_px = arrays.pixels(np.isin(arrays.lc2024, (GRASS, BARE, CROP)) & ~arrays.bua)
    hill_strength = world.hill_strength(*hill_px)
    for kind, mask_xy, count, mw, first, label in (
        (
            "ground",
            (hill_px[0][hill_strength > 0.25], hill_px[1][hill_strength > 0.25]),
            24,
            (5, 45),
            2013,
            "地面光伏电站",
        ),
        ("floating", arrays.pixels(arrays.water == POND_LABEL), 18, (4, 35), 2016, "渔光互补光伏电站"),
    ):
        xs, ys = mask_xy
        if xs.size == 0:
            continue
        d = arrays.district[arrays.pixel_of(xs, ys)[:2]]
        weights = np.where(
            np.isin(np.array([DISTRICT_ORDER[i - 1] if i else "" for i in d]), list(_PILOT_COUNTIES)),
            3.0,
            1.0,
        )
        chosen = _pick(rng, count, weights)
        capacity = rng.uniform(*mw, chosen.size) * 1000.0
        place = _nearest_place(world, xs[chosen], ys[chosen])
        for i, cap, p, year in zip(chosen, capacity, place, years(chosen.size, first, 0.15), strict=True):
            rows.append(
                {
                    "name": f"{_short(world.places[p].name)}{label}",
                    "capacity_kw": float(cap),
                    "kind": kind,
                    "year": int(year),
                }
            )
            points.append(Point(xs[i], ys[i]))
    frame = _frame(rows, points, ["name", "capacity_kw", "kind", "year"])
    scale = PV_TOTAL_KW / frame["capacity_kw"].sum()
    frame["capacity_kw"] = np.round(frame["capacity_kw"] * scale, 1)
    counts: dict[str, int] = {}
    names = []
    for name in frame["name"]:
        counts[name] = counts.get(name, 0) + 1
        names.append(f"{name}{counts[name]}号" if counts[name] > 1 or name.endswith("电站") else name)
    frame["name"] = names
    return frame


_CHARGING_OPERATORS = (
    ("国家电网", 0.20),
    ("特来电", 0.22),
    ("星星充电", 0.20),
    ("云快充", 0.12),
    ("小桔充电", 0.08),
    ("中国石化", 0.06),
    ("蔚来", 0.04),
    ("特斯拉", 0.04),
    ("万城万充", 0.04),
)
_SWAP_OPERATORS = (("蔚来", 0.45), ("奥动新能源", 0.3), ("吉利易易换电", 0.15), ("宁德时代巧克力换电", 0.1))


def stations_layer(
    world: World, arrays: GridArrays, compounds: list[tuple[float, float, str]], seed: int
) -> gpd.GeoDataFrame:
    """Charging (public, dedicated, private per compound), battery-swap and hydrogen stations."""
    rng = component_rng(seed, "stations")
    rows: list[dict[str, Any]] = []
    points: list[BaseGeometry] = []

    def add(name: str, kind: str, piles: int, access: str, operator: str, x: float, y: float) -> None:
        rows.append({"name": name, "type": kind, "piles": int(piles), "access": access, "operator": operator})
        points.append(Point(x, y))

    built = (arrays.lc2024 == BUILT) & ~arrays.road
    ux, uy = arrays.pixels(built & arrays.bua)
    tx, ty = arrays.pixels(built & ~arrays.bua)
    operators = [o for o, _ in _CHARGING_OPERATORS]
    weights = np.array([w for _, w in _CHARGING_OPERATORS])
    # Public charging: dense in the urban cores, thinner in towns and villages.
    for xs, ys, count in ((ux, uy, 2150), (tx, ty, 650)):
        k = _pick(rng, count, np.ones(xs.size))
        near = _nearest_place(world, xs[k], ys[k])
        piles = np.clip(np.round(np.exp(rng.normal(math.log(11.0), 0.75, k.size))), 2, 120).astype(int)
        ops = rng.choice(operators, k.size, p=weights / weights.sum())
        for i, p, n, op in zip(k, near, piles, ops, strict=True):
            x, y = (
                _jitter(rng, xs[i : i + 1], arrays.grid.res)[0],
                _jitter(rng, ys[i : i + 1], arrays.grid.res)[0],
            )
            add(f"{_short(world.places[p].name)}{op}充电站", "charging", n, "public", op, x, y)
    # Expressway service areas: a station on each side every ~25 km.
    for road_name, line in world.roads:
        inside = line.intersection(world.city)
        for segment in getattr(inside, "geoms", [inside]):
            if segment.is_empty or segment.length < 8000:
                continue
            for distance in np.arange(rng.uniform(4000, 12000), segment.length, 25000.0):
                point = segment.interpolate(distance)
                place = _short(
                    world.places[_nearest_place(world, np.array([point.x]), np.array([point.y]))[0]].name
                )
                for side, offset in (("东区", 60.0), ("西区", -60.0)):
                    add(
                        f"{road_name}{place}服务区充电站({side})",
                        "charging",
                        int(rng.integers(8, 25)),
                        "public",
                        "国家电网",
                        point.x + offset,
                        point.y,
                    )
    # Dedicated: bus depots, logistics parks, taxis.
    k = _pick(rng, 330, np.ones(ux.size))
    near = _nearest_place(world, ux[k], uy[k])
    for i, p in zip(k, near, strict=True):
        what, operator = [
            ("公交充电站", "无锡公交集团"),
            ("物流园专用充电站", "物流企业自建"),
            ("出租车充电站", "出租车公司自建"),
            ("企业专用充电站", "企业自建"),
        ][int(rng.integers(0, 4))]
        add(
            f"{_short(world.places[p].name)}{what}",
            "charging",
            int(rng.integers(10, 80)),
            "dedicated",
            operator,
            ux[i],
            uy[i],
        )
    # Private piles, aggregated per residential compound, so that the city total hits the figure.
    extra = _pick(rng, 650, np.ones(ux.size))
    sites = list(compounds) + [
        (float(ux[i]), float(uy[i]), f"{_short(world.places[p].name)}住宅小区{j + 1}")
        for j, (i, p) in enumerate(zip(extra, _nearest_place(world, ux[extra], uy[extra]), strict=True))
    ]
    so_far = sum(r["piles"] for r in rows)
    remaining = max(CHARGING_PILES_TOTAL - so_far, 0)
    size = rng.gamma(2.0, 1.0, len(sites))
    piles = rng.multinomial(remaining, size / size.sum())
    for (x, y, name), n in zip(sites, piles, strict=True):
        add(f"{name}私人充电桩(汇总)", "charging", int(n), "private", "业主自建(汇总)", x + 25.0, y)
    # Battery swap: public ones in the cores, a few dedicated for heavy trucks; piles = swap bays.
    swap_ops = [o for o, _ in _SWAP_OPERATORS]
    swap_w = np.array([w for _, w in _SWAP_OPERATORS])
    k = _pick(rng, SWAP_PUBLIC, np.ones(ux.size))
    for i, op in zip(k, rng.choice(swap_ops, k.size, p=swap_w / swap_w.sum()), strict=True):
        place = _short(world.places[_nearest_place(world, ux[i : i + 1], uy[i : i + 1])[0]].name)
        add(
            f"{place}{op.removesuffix('换电')}换电站",
            "swap",
            int(rng.integers(1, 3)),
            "public",
            op,
            ux[i],
            uy[i],
        )
    for park_name in (
        "江阴临港经济开发区",
        "无锡高新区",
        "锡山经济开发区",
        "宜兴经济开发区",
        "惠山经济开发区",
    ):
        geom = dict(world.parks)[park_name]
        c = geom.centroid
        add(
            f"{park_name}重卡换电站",
            "swap",
            int(rng.integers(1, 4)),
            "dedicated",
            "启源芯动力",
            c.x + 300.0,
            c.y,
        )
    # Hydrogen: three public stations and one bus depot; piles = dispensers.
    for place_name, access, operator, label in (
        ("新吴旺庄", "public", "中国石化", "中国石化加氢站"),
        ("江阴城区", "public", "中国石化", "中国石化加氢站"),
        ("宜兴城区", "public", "国家电投", "加氢站"),
        ("惠山经济开发区", "dedicated", "无锡公交集团", "公交加氢站"),
    ):
        if place_name in dict(world.parks):
            c = dict(world.parks)[place_name].centroid
            x, y = c.x - 400.0, c.y + 200.0
        else:
            centre = world.place(place_name)
            x, y = centre.x + 900.0, centre.y - 600.0
        add(f"{_short(place_name)}{label}", "hydrogen", int(rng.integers(1, 3)), access, operator, x, y)
    frame = _frame(rows, points, ["name", "type", "piles", "access", "operator"])
    frame = frame[shapely.contains_xy(world.city, frame.geometry.x, frame.geometry.y)].reset_index(drop=True)
    counts: dict[str, int] = {}
    names = []
    for name in frame["name"]:
        counts[name] = counts.get(name, 0) + 1
        names.append(name if counts[name] == 1 else f"{name}{counts[name]}")
    frame["name"] = names
    return frame
