"""From the world to WorldCover classes: threshold-independent scores per strip, then classes per year.

:func:`scores` rasterizes the world's geometry and samples its fields on a strip of the output grid;
:func:`classes` applies the thresholds that :mod:`demo.calibrate` found. Pixel centres decide, as GDAL does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from wuxi_atlas.demo.codes import BARE, BUILT, CROP, GRASS, NODATA, SHRUB, TREE, WATER, WETLAND, YEARS
from wuxi_atlas.demo.fields import Grid
from wuxi_atlas.demo.world import DISTRICT_ORDER, POND_LABEL, STREAM_LABEL, World

__all__ = ["BUILT_THRESHOLDS", "Strip", "Thresholds", "classes", "masks", "scores"]

_DENSE_FABRIC = {"320213": 1.5, "320214": 0.55}  # how much less green the districts' urban fabric has
BUILT_THRESHOLDS = {2020: 1.04, 2024: 1.0}  # urban score above which a rural pixel is built-up


@dataclass
class Thresholds:
    """Class thresholds found by calibration (see :func:`demo.calibrate.calibrate`)."""

    green: float = 0.35
    bua_new: float = -1e9
    # Per year, one bias per district (in DISTRICT_ORDER), blended across district lines by the smooth
    # district weights: a pixel is woody where woody_score + bias >= 0.
    woody_bias: dict[int, npt.NDArray[np.float64]] = field(default_factory=dict)


def _rasterize_static(world: World, transform: Any, shape: tuple[int, int]) -> dict[str, npt.NDArray[Any]]:
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
    district = burn([(g, i + 1) for i, g in enumerate(world.district_geoms)], "uint8")
    water_shapes = [(f.geometry, f.label) for f in world.water_features] + [(i, 0) for i in world.islands]
    return {
        "district": district,
        "water": burn(water_shapes, "uint16"),
        "islands": burn([(i, 1) for i in world.islands], "uint8").astype(bool),
        "road": burn([(world.road_geometry, 1)], "uint8").astype(bool),
        "bua": burn([(world.builtup, 1)], "uint8").astype(bool),
    }


@dataclass
class Strip:
    """What :func:`scores` finds on a strip of rows.

    Only pixels inside a district are ever classified (the rest is nodata), so the fields are sampled and
    the scores computed on ``columns``, from the strip's first to its last such pixel (about half the
    grid). Everything is per pixel, so the values there are those of the whole strip.
    """

    columns: slice
    #: Masks, water and scores on ``columns``.
    window: dict[str, npt.NDArray[Any]]
    #: District index, water labels (streams and ponds included, 0 outside the districts), islands, roads
    #: and 建成区 on the whole strip.
    whole: dict[str, npt.NDArray[Any]]
    #: The district weights on the whole strip (0 off ``columns``): classes() blends them with one BLAS
    #: call, whose last bit depends on the array's shape.
    weights: npt.NDArray[np.float32]


def scores(world: World, grid: Grid, row0: int, row1: int) -> Strip:
    """Everything threshold-independent on rows ``row0:row1`` of ``grid``: masks, water and scores."""
    shape = (row1 - row0, grid.width)
    whole = _rasterize_static(world, grid.window_transform(row0), shape)
    inside = np.flatnonzero((whole["district"] > 0).any(axis=0))
    columns = slice(int(inside[0]), int(inside[-1]) + 1) if inside.size else slice(0, 0)
    out = {key: values[:, columns] for key, values in whole.items()}  # views: water is labelled in place
    xs, ys = grid.col_x()[columns], grid.row_y(row0, row1)
    f = world.fine.sample(["fine_a", "fine_b"], xs, ys)
    k = world.kernel.sample(["urban", "halo", "hill", "stream_d", "pond"], xs, ys)
    m = world.medium.sample(
        ["m_urban", "m_tree", "m_green", "m_grass", "m_bare", "m_shrub", "m_split"], xs, ys
    )
    c = world.coarse.sample(["c_tree", "c_grass", "c_pond", "c_stream"], xs, ys)
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
    weights = np.zeros((len(DISTRICT_ORDER), *shape), np.float32)
    world.district_weights(xs, ys, out=weights[:, :, columns])
    out["district_weights"] = weights[:, :, columns]
    # The old city (梁溪) and the industrial new district (新吴) are the densest fabric: less green,
    # and more of it lawn and squares. Blended by the district weights, so no seam at their edges.
    dense = sum(
        out["district_weights"][DISTRICT_ORDER.index(a)] * share for a, share in _DENSE_FABRIC.items()
    )
    out["green_score"] -= 1.1 * dense
    out["tree_split"] = (m["m_split"] + 0.5 * f["fine_b"] + 3.0 * hill - 0.5 * dense) > -0.55

    # Water: named features, then generic streams and ponds where nothing named is.
    water = out["water"]
    width = 31.0 + 11.0 * np.tanh(c["c_stream"])
    stream = (
        (np.abs(k["stream_d"]) < width / 2) & (c["c_stream"] > -0.55) & (hill < 0.35) & (urban_score < 1.9)
    )
    pond = ((0.55 * c["c_pond"] + k["pond"]) > 2.05) & (hill < 0.3) & (urban_score < 0.9) & ~out["bua"]
    free = (water == 0) & ~out["islands"] & valid
    water[free & stream] = STREAM_LABEL
    water[free & ~stream & pond] = POND_LABEL
    water[~valid] = 0
    whole["water"][:, : columns.start] = 0  # no district pixel off the columns
    whole["water"][:, columns.stop :] = 0
    code = _label_codes(world)[water]
    # Marshes are a mosaic of reeds (90) and open pools (80).
    pools = (code == WETLAND) & ((m["m_split"] + 0.6 * f["fine_a"]) < -0.55)
    code[pools] = WATER
    out["water_code"] = code
    out["grass"] = (0.6 * c["c_grass"] + 0.55 * m["m_grass"] + 0.25 * f["fine_a"]) > 1.3
    out["bare"] = ((m["m_bare"] + 0.35 * f["fine_b"]) > 2.45) & ((urban_score > 0.55) | (hill > 0.5))
    out["shrub"] = (m["m_shrub"] + 0.3 * f["fine_a"] + 0.5 * np.clip(hill - 0.2, 0.0, 0.6)) > 1.95
    return Strip(columns, out, whole, weights)


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


def classes(strip: Strip, thresholds: Thresholds) -> dict[int, npt.NDArray[np.uint8]]:
    """WorldCover classes for 2020 and 2024 on the whole strip, from :func:`scores` and calibrated
    thresholds (nodata off the strip's columns)."""
    sc = strip.window
    mk = masks(sc, thresholds)
    district = sc["district"]
    urban_class = np.where(mk["green"], np.where(mk["urban_tree"], TREE, GRASS), BUILT).astype(np.uint8)
    rural_base = np.full(district.shape, CROP, np.uint8)
    rural_base[sc["grass"]] = GRASS
    rural_base[sc["bare"]] = BARE
    out = {}
    for year in YEARS:
        cls = rural_base.copy()
        bias = np.tensordot(thresholds.woody_bias[year].astype(np.float32), strip.weights, axes=1)
        bias = bias[:, strip.columns]
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
        out[year] = np.full(strip.whole["district"].shape, NODATA, np.uint8)
        out[year][:, strip.columns] = cls
    return out


def _label_codes(world: World) -> npt.NDArray[np.uint8]:
    size = max(f.label for f in world.water_features) + 1
    codes = np.zeros(size, np.uint8)
    codes[STREAM_LABEL] = WATER
    codes[POND_LABEL] = WATER
    for feature in world.water_features:
        codes[feature.label] = feature.code
    return codes
