"""A SYNTHETIC land survey (地类图斑 DLTB) of any size, drawn from a seed: for the benchmark and the demo.

:func:`synthetic_dltb` tiles the city with irregular eight-sided parcels (a jittered grid whose shared
corners and edge midpoints move together, so the parcels neither overlap nor leave gaps), clips the ones on
the city's edge to it, and gives each the survey's fields: ``BSM``, ``DLBM``/``DLMC`` drawn from a smooth
random landscape (towns, farmland, hills, water), ``ZLDWDM`` of the district its representative point lies
in (6-digit county adcode + town + village), ``TBMJ`` (the parcel's area) and ``TBDLMJ`` (``TBMJ`` less the
field ridges of cropland, ``KCXS`` of it). Parcels are not split at district boundaries, so tabulation (by
``ZLDWDM``) and geometry (cut by the boundaries) differ a little, as they do on real data.

Everything is synthetic and says so (the frame's ``attrs["synthetic"]``); only the boundaries are real.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from wuxi_atlas.analysis.crs import METRIC_CRS

__all__ = ["CLASS_MIX", "synthetic_dltb"]

#: Landscape → (DLBM, DLMC, weight): the classes drawn in each kind of place.
CLASS_MIX: dict[str, tuple[tuple[str, str, float], ...]] = {
    "town": (
        ("0701", "城镇住宅用地", 0.30),
        ("0601", "工业用地", 0.25),
        ("05H1", "商业服务业设施用地", 0.10),
        ("08H2", "科教文卫用地", 0.06),
        ("0810", "公园与绿地", 0.06),
        ("1004", "城镇村道路用地", 0.12),
        ("1101", "河流水面", 0.04),
        ("1201", "空闲地", 0.03),
        ("0301", "乔木林地", 0.04),
    ),
    "farm": (
        ("0101", "水田", 0.42),
        ("0102", "水浇地", 0.08),
        ("0103", "旱地", 0.04),
        ("0702", "农村宅基地", 0.10),
        ("1104", "坑塘水面", 0.05),
        ("1104A", "养殖坑塘", 0.08),
        ("1107", "沟渠", 0.04),
        ("1006", "农村道路", 0.05),
        ("1202", "设施农用地", 0.03),
        ("0201", "果园", 0.04),
        ("0301", "乔木林地", 0.04),
        ("0404", "其他草地", 0.03),
    ),
    "hill": (
        ("0301", "乔木林地", 0.45),
        ("0302", "竹林地", 0.15),
        ("0305", "灌木林地", 0.08),
        ("0307", "其他林地", 0.07),
        ("0202", "茶园", 0.12),
        ("0201", "果园", 0.05),
        ("1103", "水库水面", 0.04),
        ("0404", "其他草地", 0.04),
    ),
    "water": (
        ("1102", "湖泊水面", 0.70),
        ("1101", "河流水面", 0.10),
        ("1106", "内陆滩涂", 0.08),
        ("1108", "沼泽地", 0.03),
        ("0402", "沼泽草地", 0.02),
        ("0304", "森林沼泽", 0.02),
        ("1104A", "养殖坑塘", 0.05),
    ),
}
_LANDSCAPES = tuple(CLASS_MIX)
_CROPLAND = ("0101", "0102", "0103")


def _grid(bounds: tuple[float, float, float, float], side: float, rng: np.random.Generator) -> np.ndarray:
    """Eight-sided cells of a jittered grid over ``bounds``, as an array of polygons (EPSG:4549)."""
    xmin, ymin, xmax, ymax = bounds
    nx, ny = int(np.ceil((xmax - xmin) / side)), int(np.ceil((ymax - ymin) / side))
    jitter = 0.25 * side
    xs = xmin + side * np.arange(nx + 1)
    ys = ymin + side * np.arange(ny + 1)
    corners = np.stack(np.meshgrid(xs, ys), axis=-1) + rng.uniform(-jitter, jitter, (ny + 1, nx + 1, 2))
    # Midpoints of horizontal edges (ny+1, nx) and vertical edges (ny, nx+1), jittered once, shared.
    horizontal = (corners[:, :-1] + corners[:, 1:]) / 2 + rng.uniform(
        -jitter / 2, jitter / 2, (ny + 1, nx, 2)
    )
    vertical = (corners[:-1, :] + corners[1:, :]) / 2 + rng.uniform(-jitter / 2, jitter / 2, (ny, nx + 1, 2))
    ring = np.stack(
        [
            corners[:-1, :-1],
            horizontal[:-1, :],
            corners[:-1, 1:],
            vertical[:, 1:],
            corners[1:, 1:],
            horizontal[1:, :],
            corners[1:, :-1],
            vertical[:, :-1],
            corners[:-1, :-1],
        ],
        axis=2,
    ).reshape(ny * nx, 9, 2)
    return np.asarray(shapely.polygons(ring), dtype=object)


def _landscape(
    points: np.ndarray, bounds: tuple[float, float, float, float], rng: np.random.Generator
) -> np.ndarray:
    """A smooth random landscape index (see :data:`CLASS_MIX`) at each point: coarse cells, bilinear."""
    xmin, ymin, xmax, ymax = bounds
    cells = 24
    fields = rng.normal(size=(len(_LANDSCAPES), cells + 1, cells + 1))
    fields[_LANDSCAPES.index("farm")] += 0.9  # Wuxi is mostly farmland and towns
    fields[_LANDSCAPES.index("town")] += 0.5
    u = np.clip((shapely.get_x(points) - xmin) / (xmax - xmin) * cells, 0, cells - 1e-9)
    v = np.clip((shapely.get_y(points) - ymin) / (ymax - ymin) * cells, 0, cells - 1e-9)
    i, j = v.astype(int), u.astype(int)
    fv, fu = v - i, u - j
    value = (
        fields[:, i, j] * (1 - fv) * (1 - fu)
        + fields[:, i + 1, j] * fv * (1 - fu)
        + fields[:, i, j + 1] * (1 - fv) * fu
        + fields[:, i + 1, j + 1] * fv * fu
    )
    return np.asarray(np.argmax(value + rng.normal(scale=0.35, size=value.shape), axis=0))


def synthetic_dltb(
    boundaries: gpd.GeoDataFrame, *, parcels: int = 300_000, seed: int = 20240712, year: int = 2023
) -> gpd.GeoDataFrame:
    """A SYNTHETIC DLTB parcel layer over the districts of ``boundaries``, in EPSG:4549.

    Parameters
    ----------
    boundaries
        The city and its districts (``analysis.boundaries.load_boundaries``): columns ``adcode`` and
        ``kind``; the districts are the rows whose ``kind`` is not ``city``.
    parcels
        About how many parcels to draw (the grid is sized for it; edge clipping changes it slightly).
    seed, year
        The same seed gives the same parcels; ``year`` is the survey's vintage (``attrs["year"]``).

    Returns
    -------
    GeoDataFrame
        Fields ``BSM``, ``DLBM``, ``DLMC``, ``ZLDWDM``, ``KCXS``, ``TBMJ`` and ``TBDLMJ`` (m²), EPSG:4549;
        ``attrs`` holds ``synthetic=True``, the seed and the year.
    """
    rng = np.random.default_rng(seed)
    districts = boundaries[boundaries["kind"] != "city"].to_crs(METRIC_CRS)
    district_geoms = np.asarray(districts.geometry.to_numpy(), dtype=object)
    city = shapely.union_all(district_geoms)
    bounds = tuple(float(b) for b in city.bounds)
    side = float(np.sqrt(city.area / parcels))
    cells = _grid(bounds, side, rng)  # type: ignore[arg-type]
    shapely.prepare(city)
    keep = shapely.intersects(city, cells)
    cells = cells[keep]
    edge = ~shapely.contains_properly(city, cells)
    if edge.any():
        from wuxi_atlas.analysis.parcel_overlay import subdivide

        pieces = np.asarray(subdivide(city), dtype=object)
        which, piece = shapely.STRtree(pieces).query(cells[edge], predicate="intersects")
        cut = shapely.intersection(cells[edge][which], pieces[piece])
        clipped = [shapely.union_all(cut[which == k]) for k in range(int(edge.sum()))]
        cells[edge] = [
            shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and p.area > 1.0])
            for g in clipped
        ]
    cells = cells[~shapely.is_empty(cells) & (shapely.area(cells) > 1.0)]
    points = shapely.point_on_surface(cells)
    point_index, district_index = shapely.STRtree(district_geoms).query(points, predicate="within")
    owner = np.full(len(cells), -1)
    owner[point_index] = district_index
    missing = owner < 0
    if missing.any():  # a point on a shared boundary: give it the nearest district
        owner[missing] = shapely.STRtree(district_geoms).query_nearest(points[missing], all_matches=False)[1]
    landscape = _landscape(points, bounds, rng)  # type: ignore[arg-type]
    codes = np.empty(len(cells), dtype=object)
    names = np.empty(len(cells), dtype=object)
    for number, kind in enumerate(_LANDSCAPES):
        here = np.flatnonzero(landscape == number)
        mix = CLASS_MIX[kind]
        weights = np.array([w for _, _, w in mix])
        drawn = rng.choice(len(mix), size=here.size, p=weights / weights.sum())
        codes[here] = np.array([c for c, _, _ in mix], dtype=object)[drawn]
        names[here] = np.array([n for _, n, _ in mix], dtype=object)[drawn]
    adcodes = np.asarray(districts["adcode"].astype(str).to_numpy(), dtype=object)[owner]
    towns = (shapely.get_x(points) // 10_000 % 1000).astype(int)
    villages = (shapely.get_y(points) // 2_000 % 1000).astype(int)
    zldwdm = [f"{a}{t:03d}{v:03d}0000000" for a, t, v in zip(adcodes, towns, villages, strict=True)]
    tbmj = np.round(shapely.area(cells), 2)
    kcxs = np.where(np.isin(codes, _CROPLAND), rng.choice([0.04, 0.06, 0.08, 0.1], size=len(cells)), 0.0)
    frame = gpd.GeoDataFrame(
        {
            "BSM": [f"{seed % 10_000:04d}{i:09d}" for i in range(len(cells))],
            "DLBM": codes,
            "DLMC": names,
            "ZLDWDM": zldwdm,
            "KCXS": kcxs,
            "TBMJ": tbmj,
            "TBDLMJ": np.round(tbmj * (1 - kcxs), 2),
        },
        geometry=cells,
        crs=METRIC_CRS,
    )
    frame.attrs.update({"synthetic": True, "seed": seed, "year": year})
    return frame
