"""Calibration of the demo land cover: thresholds that hit the targets in :mod:`demo.targets`.

One pass over the calibration grid (30 m, or the output grid if coarser) collects the scores of the
pixels whose class is not fixed; thresholds are then solved on pixel counts. A 10 m raster reuses the
30 m thresholds, so it is the same landscape.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.demo.classify import BUILT_THRESHOLDS, Thresholds, scores
from wuxi_atlas.demo.codes import YEARS
from wuxi_atlas.demo.fields import Grid, compute_rows
from wuxi_atlas.demo.memory import release_freed_memory
from wuxi_atlas.demo.targets import (
    BALANCING_DISTRICT,
    BUILTUP_GREEN_TARGET,
    CITY_WOODY_TARGET,
    NEW_BUILTUP_SHARE,
    WOODY_TARGETS,
)
from wuxi_atlas.demo.world import DISTRICT_ORDER, ProgressCallback, World

__all__ = ["calibrate"]


def _kth_largest_threshold(values: npt.NDArray[np.float32], count: int) -> float:
    """The threshold ``t`` such that ``count`` of ``values`` are ``>= t`` (ties aside)."""
    if count <= 0 or values.size == 0:
        return math.inf
    if count >= values.size:
        return -math.inf
    return float(np.partition(values, values.size - count)[values.size - count])


def calibrate(world: World, grid: Grid, progress: ProgressCallback | None) -> Thresholds:
    """Thresholds that hit the calibration targets on ``grid`` (pixel counts)."""
    with tempfile.TemporaryDirectory(prefix="geoplan-demo-calibration-") as workdir:
        return _calibrate(world, grid, progress, Path(workdir))


def _calibrate(world: World, grid: Grid, progress: ProgressCallback | None, workdir: Path) -> Thresholds:
    keys = ("district", "bua", "urban_score", "green_score", "tree_split", "woody_score")
    keep: dict[str, list[npt.NDArray[Any]]] = {k: [] for k in keys}
    # The district weights of the kept pixels (7 float32 each, two thirds of what is kept) wait in one
    # file per district until the woody solve needs them.
    planes = [workdir / f"district_{i}.f32" for i in range(len(DISTRICT_ORDER))]
    n_bua_all = 0
    bua_islands = 0
    island_px = np.zeros(len(DISTRICT_ORDER) + 1, np.int64)
    strips = list(grid.strips(compute_rows(grid)))
    with contextlib.ExitStack() as files:
        handles = [files.enter_context(path.open("wb")) for path in planes]
        # One strip at a time: picking and storing a strip's pixels is too little work to hide the scoring
        # of the next one behind, and the held strip would raise the footprint.
        for done, (row0, row1) in enumerate(strips, start=1):
            sc = scores(world, grid, row0, row1).window
            valid = sc["district"] > 0
            n_bua_all += int(np.count_nonzero(sc["bua"] & valid))
            islands = sc["islands"] & valid
            bua_islands += int(np.count_nonzero(islands & sc["bua"]))
            island_px += np.bincount(sc["district"][islands], minlength=island_px.size)
            free = valid & (sc["water"] == 0) & ~sc["road"] & ~sc["islands"]
            for key in keys:
                keep[key].append(sc[key][free])
            for handle, weights in zip(handles, sc["district_weights"], strict=True):
                weights[free].tofile(handle)
            del sc
            if progress is not None:
                progress("calibrating", done, len(strips))
    release_freed_memory()  # the strips' temporaries, before the pieces are joined
    arrays = {key: _join(keep.pop(key)) for key in keys}
    district, bua = arrays["district"], arrays["bua"]
    urban_score, green_score = arrays["urban_score"], arrays["green_score"]

    thresholds = Thresholds()
    # 建成区: its lowest-scoring edge was still countryside in 2020; its green share is the target.
    thresholds.bua_new = float(np.quantile(urban_score[bua], NEW_BUILTUP_SHARE)) if bua.any() else -math.inf
    green_needed = round(BUILTUP_GREEN_TARGET / 100.0 * n_bua_all) - bua_islands
    thresholds.green = _kth_largest_threshold(green_score[bua], green_needed)

    pixel_km2 = grid.res * grid.res / 1e6
    urban_tree = (green_score >= thresholds.green) & arrays["tree_split"]
    # Each year's woody problem: its countryside pixels' scores and districts, and the woody pixels wanted.
    problems = {}
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
        problems[year] = (rural, wanted - fixed, city_wanted - fixed.sum())
    woody, district = arrays["woody_score"], arrays["district"]
    del arrays, bua, urban_score, green_score, urban_tree, urban  # the weights take their place
    release_freed_memory()
    for year, (rural, wanted, city_wanted) in problems.items():
        # Laid out as the boolean index of a (districts, pixels) array lays it out (Fortran order): BLAS
        # blends the weights differently in the last bit with another layout, and the shipped rasters are
        # what this solve gave.
        weights = np.empty((len(planes), int(np.count_nonzero(rural))), np.float32, order="F")
        for row, path in zip(weights, planes, strict=True):
            row[:] = np.fromfile(path, dtype=np.float32)[rural]
        thresholds.woody_bias[year] = _solve_woody_bias(
            woody[rural], weights, district[rural], wanted, city_wanted
        )
        del weights
    return thresholds


def _join(pieces: list[npt.NDArray[Any]]) -> npt.NDArray[Any]:
    """``np.concatenate(pieces)``, freeing each piece once copied (half the peak of concatenating)."""
    out = np.empty(sum(len(p) for p in pieces), pieces[0].dtype)
    start = 0
    while pieces:
        piece = pieces.pop(0)
        out[start : start + len(piece)] = piece
        start += len(piece)
    return out


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
    # Each district's pixels as positions (a quarter of the memory of seven masks; the same elements).
    members = [np.flatnonzero(district == i + 1).astype(np.int32) for i in range(len(DISTRICT_ORDER))]
    free = DISTRICT_ORDER.index("320213")
    balancing = DISTRICT_ORDER.index(BALANCING_DISTRICT)
    bias = np.array(
        [
            -_kth_largest_threshold(score[m], round(w)) if m.size else 0.0
            for m, w in zip(members, wanted, strict=True)
        ]
    )
    bias[~np.isfinite(bias)] = _NO_WOODY_BIAS
    for _ in range(40):
        bias[free] = float(np.min(np.delete(bias, free)))
        value = np.tensordot(bias.astype(np.float32), weights, axes=1)
        value += score  # score + blend, in place (addition commutes exactly)
        counts = np.array([np.count_nonzero(value[m] >= 0) for m in members], dtype=np.float64)
        goal = wanted.copy()
        goal[balancing] = city_wanted - (counts.sum() - counts[balancing])
        largest = 0.0
        for i, member in enumerate(members):
            if i == free or not member.size:
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
