"""The demo's roof sample: industrial sheds, residential compounds, schools and hospitals, offices, homes.

A sample (about 40,000 footprints after overlaps are dropped), not every building: the rooftop PV
potential is computed on it, and the residential compounds it lays out carry the private charging piles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from wuxi_atlas.demo.codes import BUILT, NODATA, WATER
from wuxi_atlas.demo.fields import component_rng
from wuxi_atlas.demo.placement import (
    GridArrays,
    jitter_in_pixel,
    metric_frame,
    nearest_place,
    pick_indices,
    short_name,
)
from wuxi_atlas.demo.world import World

__all__ = ["BuildingSample", "buildings_layer"]


@dataclass
class BuildingSample:
    """The roof sample and the residential compounds it was laid out in (for private chargers)."""

    frame: gpd.GeoDataFrame
    compounds: list[tuple[float, float, str]]  # residential compounds: centre x, y, name


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
    px, py = arrays.centres(built & (park_index > 0))
    park_of = park_index[built & (park_index > 0)]
    park_angle = component_rng(seed, "park angles").uniform(-25, 25, len(world.parks) + 1)
    n = 7200
    k = pick_indices(rng, n, np.ones(px.size))
    area = np.clip(np.exp(rng.normal(math.log(5200.0), 0.85, k.size)), 2000.0, 40000.0)
    aspect = rng.uniform(1.2, 2.6, k.size)
    add(
        "industrial_commercial",
        jitter_in_pixel(rng, px[k], grid.res),
        jitter_in_pixel(rng, py[k], grid.res),
        np.sqrt(area * aspect),
        np.sqrt(area / aspect),
        park_angle[park_of[k]] + rng.normal(0, 3, k.size),
        [None] * k.size,
    )
    cx, cy = arrays.centres(built & arrays.bua & (park_index == 0))
    k = pick_indices(rng, 900, np.ones(cx.size))
    area = np.clip(np.exp(rng.normal(math.log(4500.0), 0.7, k.size)), 2000.0, 25000.0)
    aspect = rng.uniform(1.0, 2.0, k.size)
    add(
        "industrial_commercial",
        jitter_in_pixel(rng, cx[k], grid.res),
        jitter_in_pixel(rng, cy[k], grid.res),
        np.sqrt(area * aspect),
        np.sqrt(area / aspect),
        rng.normal(0, 10, k.size),
        [None] * k.size,
    )

    # Urban residential compounds: rows of south-facing slabs.
    compounds: list[tuple[float, float, str]] = []
    # Drawn with replacement, so one pixel can come up twice: keep each once, or two compounds (and their
    # private chargers) would stand on the same spot.
    k = np.unique(pick_indices(rng, 2300, np.ones(cx.size)))
    centre_place = nearest_place(world, cx[k], cy[k])
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
        compounds.append(
            (float(x0), float(y0), f"{short_name(world.places[place].name)}{counters[place]}号小区")
        )
    add("urban_residential", xs, ys, ws, ds, angs, [None] * len(xs))

    # Schools and hospitals, and government offices near the centres of places.
    k = pick_indices(rng, 1250, np.ones(cx.size))
    tx, ty = arrays.centres(built & ~arrays.bua & (park_index == 0))
    k2 = pick_indices(rng, 350, np.ones(tx.size))
    sx = np.concatenate([cx[k], tx[k2]])
    sy = np.concatenate([cy[k], ty[k2]])
    area = np.clip(np.exp(rng.normal(math.log(4800.0), 0.5, sx.size)), 2000.0, 14000.0)
    aspect = rng.uniform(1.3, 3.0, sx.size)
    near = nearest_place(world, sx, sy)
    kinds = rng.choice(
        ["小学", "中学", "幼儿园", "人民医院", "社区卫生服务中心", "职业学校"],
        sx.size,
        p=[0.3, 0.25, 0.15, 0.1, 0.15, 0.05],
    )
    add(
        "school_hospital",
        jitter_in_pixel(rng, sx, grid.res),
        jitter_in_pixel(rng, sy, grid.res),
        np.sqrt(area * aspect),
        np.sqrt(area / aspect),
        rng.normal(0, 8, sx.size),
        [f"{short_name(world.places[p].name)}{kind}" for p, kind in zip(near, kinds, strict=True)],
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
            gnames.append(f"{short_name(town.name)}{offices[i % len(offices)]}")
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
    frame = metric_frame(
        [{"building_type": t, "name": n} for t, n, k in zip(kind_list, names, keep, strict=True) if k],
        list(geometry[keep]),
        ["building_type", "name"],
    )
    frame["roof_area_m2"] = np.round(frame.geometry.area, 1)
    frame = frame[["building_type", "roof_area_m2", "name", "geometry"]]
    return BuildingSample(frame, compounds)
