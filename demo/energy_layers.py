"""The demo's energy layers: installed PV sites, and charging, battery-swap and hydrogen stations.

PV sites stand on the sampled roofs (pilot counties first), on hillside grass and on ponds, scaled to the
installed total; stations stand on built-up pixels, along the expressways, in the industrial parks and,
for private piles, in the residential compounds. Operator names are labels, not claims about real sites.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from wuxi_atlas.demo.codes import BARE, BUILT, CROP, GRASS
from wuxi_atlas.demo.fields import component_rng
from wuxi_atlas.demo.placement import (
    GridArrays,
    jitter_in_pixel,
    metric_frame,
    nearest_place,
    pick_indices,
    short_name,
)
from wuxi_atlas.demo.targets import CHARGING_PILES_TOTAL, PV_TOTAL_KW, SWAP_PUBLIC
from wuxi_atlas.demo.world import DISTRICT_ORDER, POND_LABEL, World

__all__ = ["pv_sites_layer", "stations_layer"]

_PILOT_COUNTIES = {"320281", "320282", "320205", "320206"}


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
    near = nearest_place(world, bx, by)

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
        # pick_indices indexes the candidates, not the whole building table.
        chosen = candidates[np.unique(pick_indices(rng, count, weights.astype(float)))]
        capacity = roof[chosen] * rng.uniform(*share, chosen.size) * 0.2
        for i, cap, year in zip(chosen, capacity, years(chosen.size, 2014, 0.28), strict=True):
            rows.append(
                {
                    "name": f"{short_name(world.places[near[i]].name)}{label}",
                    "capacity_kw": float(cap),
                    "kind": "rooftop",
                    "year": int(year),
                }
            )
            points.append(Point(bx[i], by[i]))
    for kind, mask_xy, count, mw, first, label in (
        (
            "ground",
            _hill_pixels(world, arrays),
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
        chosen = pick_indices(rng, count, weights)
        capacity = rng.uniform(*mw, chosen.size) * 1000.0
        place = nearest_place(world, xs[chosen], ys[chosen])
        for i, cap, p, year in zip(chosen, capacity, place, years(chosen.size, first, 0.15), strict=True):
            rows.append(
                {
                    "name": f"{short_name(world.places[p].name)}{label}",
                    "capacity_kw": float(cap),
                    "kind": kind,
                    "year": int(year),
                }
            )
            points.append(Point(xs[i], ys[i]))
    frame = metric_frame(rows, points, ["name", "capacity_kw", "kind", "year"])
    scale = PV_TOTAL_KW / frame["capacity_kw"].sum()
    frame["capacity_kw"] = np.round(frame["capacity_kw"] * scale, 1)
    counts: dict[str, int] = {}
    names = []
    for name in frame["name"]:
        counts[name] = counts.get(name, 0) + 1
        names.append(f"{name}{counts[name]}号" if counts[name] > 1 or name.endswith("电站") else name)
    frame["name"] = names
    return frame


def _hill_pixels(world: World, arrays: GridArrays) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Centres of the open land (grass, bare, cropland outside the 建成区) on hills (strength > 0.25), in
    row-major order, a band of rows at a time (the open land is millions of pixels)."""
    xs: list[npt.NDArray[np.float64]] = []
    ys: list[npt.NDArray[np.float64]] = []
    for row0 in range(0, arrays.grid.height, 256):
        band = slice(row0, row0 + 256)
        px, py = arrays.pixels(np.isin(arrays.lc2024[band], (GRASS, BARE, CROP)) & ~arrays.bua[band], row0)
        hilly = world.hill_strength(px, py) > 0.25
        xs.append(px[hilly])
        ys.append(py[hilly])
    return np.concatenate(xs), np.concatenate(ys)


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
    ux, uy = arrays.centres(built & arrays.bua)
    tx, ty = arrays.centres(built & ~arrays.bua)
    operators = [o for o, _ in _CHARGING_OPERATORS]
    weights = np.array([w for _, w in _CHARGING_OPERATORS])
    # Public charging: dense in the urban cores, thinner in towns and villages.
    for xs, ys, count in ((ux, uy, 2150), (tx, ty, 650)):
        k = pick_indices(rng, count, np.ones(xs.size))
        near = nearest_place(world, xs[k], ys[k])
        piles = np.clip(np.round(np.exp(rng.normal(math.log(11.0), 0.75, k.size))), 2, 120).astype(int)
        ops = rng.choice(operators, k.size, p=weights / weights.sum())
        for i, p, n, op in zip(k, near, piles, ops, strict=True):
            x, y = (
                jitter_in_pixel(rng, xs[i : i + 1], arrays.grid.res)[0],
                jitter_in_pixel(rng, ys[i : i + 1], arrays.grid.res)[0],
            )
            add(f"{short_name(world.places[p].name)}{op}充电站", "charging", n, "public", op, x, y)
    # Expressway service areas: a station on each side every ~25 km.
    for road_name, line in world.roads:
        inside = line.intersection(world.city)
        for segment in getattr(inside, "geoms", [inside]):
            if segment.is_empty or segment.length < 8000:
                continue
            for distance in np.arange(rng.uniform(4000, 12000), segment.length, 25000.0):
                point = segment.interpolate(distance)
                place = short_name(
                    world.places[nearest_place(world, np.array([point.x]), np.array([point.y]))[0]].name
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
    k = pick_indices(rng, 330, np.ones(ux.size))
    near = nearest_place(world, ux[k], uy[k])
    for i, p in zip(k, near, strict=True):
        what, operator = [
            ("公交充电站", "无锡公交集团"),
            ("物流园专用充电站", "物流企业自建"),
            ("出租车充电站", "出租车公司自建"),
            ("企业专用充电站", "企业自建"),
        ][int(rng.integers(0, 4))]
        add(
            f"{short_name(world.places[p].name)}{what}",
            "charging",
            int(rng.integers(10, 80)),
            "dedicated",
            operator,
            ux[i],
            uy[i],
        )
    # Private piles, aggregated per residential compound, so that the city total hits the figure.
    extra = pick_indices(rng, 650, np.ones(ux.size))
    sites = list(compounds) + [
        (float(ux[i]), float(uy[i]), f"{short_name(world.places[p].name)}住宅小区{j + 1}")
        for j, (i, p) in enumerate(zip(extra, nearest_place(world, ux[extra], uy[extra]), strict=True))
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
    k = pick_indices(rng, SWAP_PUBLIC, np.ones(ux.size))
    for i, op in zip(k, rng.choice(swap_ops, k.size, p=swap_w / swap_w.sum()), strict=True):
        place = short_name(world.places[nearest_place(world, ux[i : i + 1], uy[i : i + 1])[0]].name)
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
        add(f"{short_name(place_name)}{label}", "hydrogen", int(rng.integers(1, 3)), access, operator, x, y)
    frame = metric_frame(rows, points, ["name", "type", "piles", "access", "operator"])
    frame = frame[shapely.contains_xy(world.city, frame.geometry.x, frame.geometry.y)].reset_index(drop=True)
    counts: dict[str, int] = {}
    names = []
    for name in frame["name"]:
        counts[name] = counts.get(name, 0) + 1
        names.append(name if counts[name] == 1 else f"{name}{counts[name]}")
    frame["name"] = names
    return frame
