"""The demo land survey: a SYNTHETIC 地类图斑 (DLTB) layer per vintage, derived from the demo land cover.

A real bureau holds the 三调 (end of 2019) and each year's 国土变更调查 as parcels with ``BSM``, ``DLBM``,
``DLMC``, ``ZLDWDM``, ``TBMJ`` and ``TBDLMJ`` (DOMAIN.md §7). The demo's parcels follow the demo rasters:

1. **A class per pixel and vintage.** Between the 2020 and 2024 rasters every changed pixel gets a seeded
   change year, so a vintage in between takes the 2024 class where the change has happened. Before 2020 a
   quarter of each 2020→2024 transition is undone elsewhere on stable ground (the trend runs backwards a
   year), so 2019 is not simply 2020.
2. **A class per block.** Each block of :data:`BLOCK_M` metres, cut by the district lines, becomes one
   parcel class by error diffusion over its class areas (a serpentine walk through the district, choosing
   only among the classes present in the block), so each district's class areas follow its pixels.
3. **Parcels.** Neighbouring blocks of one class and one :data:`TILE_BLOCKS`-block tile merge into one
   parcel, clipped to the district; its 三调 code comes from where it is (lake, river or pond water from
   the landscape's water features, urban or rural construction land from the 建成区 and the roads,
   orchards, tea and bamboo on a stable seeded draw per block).

Areas: ``TBMJ`` is the parcel's ellipsoidal area (CGCS2000 ellipsoid) in m²; cropland deducts field ridges
(``KCDLBM`` 1203 田坎, ``KCXS`` the deduction coefficient, ``KCMJ``), so ``TBDLMJ = TBMJ − KCMJ``. The layer
is in EPSG:4549, as bureaus hold it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from wuxi_atlas.analysis.crs import METRIC_CRS
from wuxi_atlas.demo.codes import BARE, BUILT, CROP, GRASS, NODATA, SHRUB, TREE, WATER, WETLAND
from wuxi_atlas.demo.fields import component_rng
from wuxi_atlas.demo.memory import release_freed_memory
from wuxi_atlas.demo.placement import GridArrays
from wuxi_atlas.demo.shapes import polygon_from_shape
from wuxi_atlas.demo.world import DISTRICT_ORDER, POND_LABEL, STREAM_LABEL, World

__all__ = ["BLOCK_M", "SURVEY_FIELDS", "SURVEY_YEARS", "TILE_BLOCKS", "survey_classes", "survey_layers"]

#: The vintages of the demo survey: the 三调 base date (end of 2019) and two annual updates.
SURVEY_YEARS: tuple[int, ...] = (2019, 2021, 2023)
#: Side of a block, in metres (a multiple of the 30 m grid and of the tests' 300 m one). Coarse parcels
#: (81 ha) keep the shipped file small: three vintages take about 3 MB.
BLOCK_M = 900.0
#: Blocks of one class merge into one parcel only within a tile of this many blocks a side.
TILE_BLOCKS = 3
#: The fields written, in order.
SURVEY_FIELDS: tuple[str, ...] = (
    "BSM",
    "DLBM",
    "DLMC",
    "ZLDWDM",
    "KCDLBM",
    "KCXS",
    "KCMJ",
    "TBMJ",
    "TBDLMJ",
)

#: DLBM → DLMC for every code the demo writes (names as in data/schemes/sandiao.toml).
DLMC: dict[str, str] = {
    "0101": "水田",
    "0102": "水浇地",
    "0103": "旱地",
    "0201": "果园",
    "0202": "茶园",
    "0301": "乔木林地",
    "0302": "竹林地",
    "0305": "灌木林地",
    "0307": "其他林地",
    "0404": "其他草地",
    "05H1": "商业服务业设施用地",
    "0601": "工业用地",
    "0701": "城镇住宅用地",
    "0702": "农村宅基地",
    "08H2": "科教文卫用地",
    "0810": "公园与绿地",
    "1003": "公路用地",
    "1004": "城镇村道路用地",
    "1006": "农村道路",
    "1101": "河流水面",
    "1102": "湖泊水面",
    "1103": "水库水面",
    "1104": "坑塘水面",
    "1104A": "养殖坑塘",
    "1106": "内陆滩涂",
    "1108": "沼泽地",
    "1206": "裸土地",
}

_CLASSES = (TREE, SHRUB, GRASS, CROP, BUILT, BARE, WATER, WETLAND)
_CLASS_SLOT = np.zeros(256, np.uint8)  # 1 + the class's index; 0 for no class (nodata)
_CLASS_SLOT[list(_CLASSES)] = np.arange(1, len(_CLASSES) + 1)
_CHUNK = 1 << 20  # pixels tallied at a time
# A stable draw per block picks the sub-class: cumulative shares, checked in order.
_TREE_SPLIT = (("0201", 0.05), ("0307", 0.09), ("0301", 1.0))
_TREE_SPLIT_HILLS = (("0201", 0.04), ("0202", 0.12), ("0302", 0.27), ("0307", 0.31), ("0301", 1.0))
_CROP_SPLIT = (("0102", 0.05), ("0103", 0.15), ("0101", 1.0))
_URBAN_SPLIT = (("05H1", 0.12), ("08H2", 0.20), ("0601", 0.45), ("0701", 1.0))
_RURAL_SPLIT = (("0601", 0.30), ("1006", 0.36), ("0702", 1.0))
_POND_SPLIT = (("1104A", 0.4), ("1104", 1.0))
_WATER_TYPES = {"river": "1101", "lake": "1102", "reservoir": "1103", "pond": "1104", "marsh": "1108"}
_HILL_DISTRICTS = {"320282", "320211"}  # 宜兴 and 滨湖: tea gardens and bamboo on the hills
#: Field-ridge deduction coefficient (田坎系数) of cropland in the plain.
_KCXS = {"0101": 0.06, "0102": 0.05, "0103": 0.08}
#: CGCS2000's ellipsoid: semi-major axis (m) and inverse flattening.
_CGCS2000 = (6378137.0, 298.257222101)


def survey_classes(
    lc2020: npt.NDArray[np.uint8], lc2024: npt.NDArray[np.uint8], year: int, seed: int
) -> npt.NDArray[np.uint8]:
    """The WorldCover class of every pixel in ``year`` (2019 to 2024), from the 2020 and 2024 classes.

    A changed pixel takes its 2024 class from a seeded change year in 2021–2024 on (the same for every
    vintage, so later vintages only add changes). For 2019 a quarter of each transition ``a → b`` runs
    backwards on as many stable ``b`` pixels, drawn with the same seed.
    """
    if not 2019 <= year <= 2024:
        raise ValueError(f"the demo survey covers 2019–2024, not {year}")
    changed = (lc2020 != lc2024) & (lc2020 != NODATA)
    rng = component_rng(seed, "dltb", "change-year")
    change_year = rng.integers(2021, 2025, int(np.count_nonzero(changed)), dtype=np.int16)  # of the changed
    by_then = changed.copy()
    by_then[changed] = change_year <= year
    out = np.where(by_then, lc2024, lc2020).astype(np.uint8)
    if year >= 2020:
        return out
    back = component_rng(seed, "dltb", "before-2020")
    pairs = lc2020[changed].astype(np.int32) * 256 + lc2024[changed]
    values, counts = np.unique(pairs, return_counts=True)
    stable = ~changed & (lc2020 != NODATA)
    for pair, count in zip(values.tolist(), counts.tolist(), strict=True):
        before, after = divmod(pair, 256)
        candidates = np.flatnonzero(stable & (lc2020 == after))
        take = min(count // 4, candidates.size)
        if take:
            chosen = back.choice(candidates, take, replace=False)
            out.flat[chosen] = before
    return out


def _split(draw: float, split: Sequence[tuple[str, float]]) -> str:
    return next(code for code, upto in split if draw < upto)


class _Blocks:
    """Pixel tallies per block and district: class counts (per vintage), water type, 建成区 and roads."""

    def __init__(self, world: World, arrays: GridArrays) -> None:
        grid, district, water = arrays.grid, arrays.district, arrays.water
        self.grid = grid
        self.block = max(1, round(BLOCK_M / grid.res))
        self.side_m = self.block * grid.res
        self.shape = (-(-grid.height // self.block), -(-grid.width // self.block))
        self.cells = self.shape[0] * self.shape[1]
        self.size = (len(DISTRICT_ORDER) + 1) * self.cells
        if arrays.lc2020 is None:
            raise ValueError("the land survey needs the 2020 classes (GridArrays.lc2020)")
        # Water type per water label: streams are rivers, unnamed ponds are ponds.
        self.water_kinds = ["", *_WATER_TYPES]
        label_kind = np.zeros(max(int(water.max()) + 1, POND_LABEL + 1), np.uint8)
        flats = np.zeros(label_kind.size, np.uint8)
        label_kind[STREAM_LABEL] = self.water_kinds.index("river")
        label_kind[POND_LABEL] = self.water_kinds.index("pond")
        for feature in world.water_features:
            if feature.wetland_type in _WATER_TYPES:
                label_kind[feature.label] = self.water_kinds.index(feature.wetland_type)
            flats[feature.label] = feature.wetland_type == "tidal_flat"
        # Only the pixels inside a district are tallied (about half the grid), in row-major order: one id
        # per (district, block) for each, and their 2020 and 2024 classes, kept for the vintages; the
        # static tallies are made a band of rows at a time (no grid-sized temporaries).
        keys, before, after = [], [], []
        counts = {"water": len(self.water_kinds), "flat": 2, "bua": 2, "road": 2}
        tallies = {name: np.zeros(self.size * n, np.int64) for name, n in counts.items()}
        for row0 in range(0, grid.height, 128):
            band = slice(row0, row0 + 128)
            inside = np.flatnonzero(district[band])
            rows, cols = np.divmod(inside, grid.width)
            key = (
                district[band].ravel()[inside].astype(np.int64) * self.cells
                + ((rows + row0) // self.block) * self.shape[1]
                + cols // self.block
            )
            labels = water[band].ravel()[inside]
            for name, values in (
                ("water", label_kind[labels]),
                ("flat", flats[labels]),
                ("bua", arrays.bua[band].ravel()[inside].view(np.uint8)),
                ("road", arrays.road[band].ravel()[inside].view(np.uint8)),
            ):
                tallies[name] += np.bincount(key * counts[name] + values, minlength=self.size * counts[name])
            keys.append(key.astype(np.int32))  # < size, about 10^5
            before.append(arrays.lc2020[band].ravel()[inside])
            after.append(arrays.lc2024[band].ravel()[inside])
        self.key = np.concatenate(keys)
        self.lc2020, self.lc2024 = np.concatenate(before), np.concatenate(after)
        shaped = {name: self._shaped(t, counts[name]) for name, t in tallies.items()}
        self.water = shaped["water"]
        self.flat, self.bua, self.road = (shaped[name][..., 1] for name in ("flat", "bua", "road"))

    def _shaped(self, flat: npt.NDArray[np.int64], count: int) -> npt.NDArray[np.float64]:
        return flat.reshape(len(DISTRICT_ORDER) + 1, *self.shape, count).astype(np.float64)

    def _chunks(self) -> list[slice]:
        return [slice(start, start + _CHUNK) for start in range(0, self.key.size, _CHUNK)]

    def _tally(self, values: npt.NDArray[np.uint8], count: int) -> npt.NDArray[np.float64]:
        """Pixels of each value (0 … count-1) per district and block: ``[district, row, col, value]``, from
        the values of the pixels inside a district (in row-major order); district 0 counts nothing."""
        flat = np.zeros(self.size * count, np.int64)
        for chunk in self._chunks():
            flat += np.bincount(
                self.key[chunk].astype(np.int64) * count + values[chunk], minlength=self.size * count
            )
        return self._shaped(flat, count)

    def classes(self, classes: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
        """Pixels of each demo class per district and block: ``[district, row, col, class index]``, from
        the classes of the pixels inside a district (in row-major order)."""
        return self._tally(_CLASS_SLOT[classes], len(_CLASSES) + 1)[..., 1:]


def _diffuse(counts: npt.NDArray[np.float64], total: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """One class index per block (-1 where the district has no pixel), by error diffusion along a
    serpentine walk: the running surplus of each class decides, among the classes present in the block."""
    chosen = np.full(total.shape, -1, np.int64)
    surplus = np.zeros(counts.shape[2])
    for row in range(total.shape[0]):
        columns = range(total.shape[1]) if row % 2 == 0 else range(total.shape[1] - 1, -1, -1)
        for col in columns:
            size = total[row, col]
            if size <= 0:
                continue
            here = counts[row, col]
            surplus += here
            present = np.flatnonzero(here > 0)
            pick = int(present[np.argmax(surplus[present])])
            surplus[pick] -= size
            chosen[row, col] = pick
    return chosen


def _codes(
    blocks: _Blocks, index: int, chosen: npt.NDArray[np.int64], total: npt.NDArray[np.float64], draws: Any
) -> npt.NDArray[np.object_]:
    """The 三调 code of every block of district ``index`` from its class and where it lies."""
    hills = DISTRICT_ORDER[index - 1] in _HILL_DISTRICTS
    codes = np.full(chosen.shape, "", dtype=object)
    for (row, col), picked in np.ndenumerate(chosen):
        if picked < 0:
            continue
        wc, draw, size = _CLASSES[picked], draws[row, col], total[row, col]
        urban = blocks.bua[index, row, col] > size / 2
        if wc == TREE:
            code = _split(draw, _TREE_SPLIT_HILLS if hills else _TREE_SPLIT)
        elif wc == SHRUB:
            code = "0305"
        elif wc == GRASS:
            code = "0810" if urban and draw < 0.5 else "0404"
        elif wc == CROP:
            code = _split(draw, _CROP_SPLIT)
        elif wc == BUILT and blocks.road[index, row, col] > 0.2 * size:
            code = "1004" if urban else "1003"
        elif wc == BUILT:
            code = _split(draw, _URBAN_SPLIT if urban else _RURAL_SPLIT)
        elif wc == BARE:
            code = "1206"
        elif wc == WETLAND:
            code = "1106" if blocks.flat[index, row, col] > 0 else "1108"
        else:
            kinds = blocks.water[index, row, col, 1:]
            kind = blocks.water_kinds[int(np.argmax(kinds)) + 1] if kinds.any() else "pond"
            code = _split(draw, _POND_SPLIT) if kind == "pond" else _WATER_TYPES[kind]
        codes[row, col] = code
    return codes


def _ellipsoidal_areas(geometries: Sequence[BaseGeometry]) -> npt.NDArray[np.float64]:
    """Area (m²) of each EPSG:4549 polygon on the CGCS2000 ellipsoid."""
    from pyproj import Geod

    to_lonlat = _to_cgcs2000_lonlat()
    geod = Geod(a=_CGCS2000[0], rf=_CGCS2000[1])
    lonlat = shapely.transform(
        np.asarray(geometries, dtype=object),
        lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1])),
    )
    return np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in lonlat])


@functools.cache
def _to_cgcs2000_lonlat() -> Any:
    """EPSG:4549 → CGCS2000 lon/lat, made once: building it took as long as a district's areas."""
    from pyproj import Transformer

    return Transformer.from_crs(METRIC_CRS, "EPSG:4490", always_xy=True)


def _unit_code(adcode: str, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]) -> list[str]:
    """``ZLDWDM`` of each point: the county adcode, a 3-digit township (8 km cells) and a 3-digit village
    (2 km cells) numbered in order from the north-west, and seven zeros (19 characters)."""
    town_cell = np.column_stack([-np.floor(ys / 8000.0), np.floor(xs / 8000.0)]).astype(np.int64)
    village_cell = np.column_stack([-np.floor(ys / 2000.0), np.floor(xs / 2000.0)]).astype(np.int64)
    towns = {tuple(c): i + 1 for i, c in enumerate(sorted({tuple(c) for c in town_cell.tolist()}))}
    villages: dict[tuple[int, ...], int] = {}
    per_town: dict[int, int] = {}
    for town, village in sorted(
        {(towns[tuple(t)], tuple(v)) for t, v in zip(town_cell.tolist(), village_cell.tolist(), strict=True)}
    ):
        per_town[town] = per_town.get(town, 0) + 1
        villages[(town, *village)] = per_town[town]
    codes = []
    for t, v in zip(town_cell.tolist(), village_cell.tolist(), strict=True):
        town = towns[tuple(t)]
        codes.append(f"{adcode}{town:03d}{villages[(town, *v)]:03d}0000000")
    return codes


def survey_layers(
    world: World, arrays: GridArrays, seed: int, years: Sequence[int] = SURVEY_YEARS
) -> dict[int, gpd.GeoDataFrame]:
    """The DLTB parcels of each of ``years`` (EPSG:4549, fields :data:`SURVEY_FIELDS`), from the 2020 and
    2024 classes and the landscape's districts, water labels, 建成区 and roads (``arrays``, on one grid)."""
    blocks = _Blocks(world, arrays)
    release_freed_memory()
    # One draw per block for every vintage: a block's sub-class (orchard, tea, bamboo …) does not flicker.
    draws = component_rng(seed, "dltb", "sub-class").random(blocks.shape)
    # The classes of the pixels inside a district only, in row-major order: the rest is nodata, which
    # survey_classes leaves alone and draws nothing for, so its draws and choices are the grid's.
    return {
        year: _parcels(world, blocks, survey_classes(blocks.lc2020, blocks.lc2024, year, seed), draws, year)
        for year in years
    }


def _parcels(
    world: World, blocks: _Blocks, classes: npt.NDArray[np.uint8], draws: Any, year: int
) -> gpd.GeoDataFrame:
    from rasterio import features
    from rasterio.transform import Affine

    rows, cols = blocks.shape
    tile_cols = -(-cols // TILE_BLOCKS)
    tiles = (np.arange(rows)[:, None] // TILE_BLOCKS) * tile_cols + np.arange(cols)[None, :] // TILE_BLOCKS
    tile_count = int(tiles.max()) + 2
    grid = blocks.grid
    transform = Affine(blocks.side_m, 0.0, grid.x0, 0.0, -blocks.side_m, grid.y0)
    names = sorted(DLMC)
    counts = blocks.classes(classes)
    records: list[dict[str, Any]] = []
    geometries: list[BaseGeometry] = []
    for index, adcode in enumerate(DISTRICT_ORDER, start=1):
        total = counts[index].sum(axis=-1)
        chosen = _diffuse(counts[index], total)
        codes = _codes(blocks, index, chosen, total, draws)
        code_ids = np.zeros(chosen.shape, np.int64)
        for code in set(codes[chosen >= 0].tolist()):
            code_ids[codes == code] = names.index(code) + 1
        # Rivers, lakes and reservoirs stay whole within the district; other blocks merge within a tile.
        whole = np.isin(codes, ["1101", "1102", "1103"])
        value = np.where(code_ids > 0, code_ids * tile_count + np.where(whole, tile_count - 1, tiles), 0)
        outline = world.district_geoms[index - 1]
        shapely.prepare(outline)
        parts: list[BaseGeometry] = []
        part_codes: list[str] = []
        for geometry, key in features.shapes(
            value.astype(np.int32), mask=value > 0, transform=transform, connectivity=4
        ):
            polygon = polygon_from_shape(geometry)
            if not shapely.contains(outline, polygon):
                polygon = polygon.intersection(outline)
            for part in getattr(polygon, "geoms", [polygon]):
                if part.geom_type == "Polygon" and part.area >= 1.0:
                    parts.append(part)
                    part_codes.append(names[int(key) // tile_count - 1])
        parts = list(shapely.set_precision(np.asarray(parts, dtype=object), 0.01))
        points = shapely.point_on_surface(np.asarray(parts, dtype=object))
        units = _unit_code(adcode, shapely.get_x(points), shapely.get_y(points))
        areas = _ellipsoidal_areas(parts)
        for number, (code, unit, area) in enumerate(zip(part_codes, units, areas, strict=True), start=1):
            coefficient = _KCXS.get(code)
            tbmj = round(float(area), 2)
            kcmj = round(tbmj * coefficient, 2) if coefficient else 0.0
            records.append(
                {
                    "BSM": f"{adcode}{year}{number:08d}",
                    "DLBM": code,
                    "DLMC": DLMC[code],
                    "ZLDWDM": unit,
                    "KCDLBM": "1203" if coefficient else None,
                    "KCXS": coefficient or 0.0,
                    "KCMJ": kcmj,
                    "TBMJ": tbmj,
                    "TBDLMJ": round(tbmj - kcmj, 2),
                }
            )
        geometries += parts
    frame = pd.DataFrame.from_records(records, columns=list(SURVEY_FIELDS))
    return gpd.GeoDataFrame(frame, geometry=geometries, crs=METRIC_CRS)
