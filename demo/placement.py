"""Placing the demo features: the 2024 classes on the calibration grid and the helpers every layer uses.

The vector layers are derived from :class:`GridArrays` (the 2024 land cover and the water labels,
districts, 建成区 and roads on the same grid) and named after the nearest place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from shapely.geometry.base import BaseGeometry

from wuxi_atlas.analysis.crs import METRIC_CRS
from wuxi_atlas.demo.codes import NODATA
from wuxi_atlas.demo.fields import Grid
from wuxi_atlas.demo.world import World

__all__ = [
    "GridArrays",
    "PixelAxis",
    "jitter_in_pixel",
    "metric_frame",
    "nearest_place",
    "pick_indices",
    "short_name",
]


@dataclass(frozen=True)
class PixelAxis:
    """The x or y of the centres of the pixels ``flat`` (flat indices, row-major) of ``grid``, as an
    array indexed by position: the values :meth:`GridArrays.pixels` gives, computed when indexed."""

    grid: Grid
    flat: npt.NDArray[np.int64]
    axis: str

    @property
    def size(self) -> int:
        return int(self.flat.size)

    def __getitem__(self, index: Any) -> Any:
        rows, cols = np.divmod(self.flat[index], self.grid.width)
        if self.axis == "x":
            return self.grid.x0 + (cols + 0.5) * self.grid.res
        return self.grid.y0 - (rows + 0.5) * self.grid.res


@dataclass
class GridArrays:
    """The 2024 classes and helpers on the whole vector grid, for placing and deriving features."""

    grid: Grid
    lc2024: npt.NDArray[np.uint8]
    water: npt.NDArray[np.uint8] | npt.NDArray[np.uint16]  # labels: uint8 when they fit
    district: npt.NDArray[np.uint8]
    bua: npt.NDArray[np.bool_]
    road: npt.NDArray[np.bool_]
    lc2020: npt.NDArray[np.uint8] | None = None  # the 2020 classes, for the land survey's vintages

    def pixel_of(
        self, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Row, column and in-grid flag of each point."""
        cols = np.floor((xs - self.grid.x0) / self.grid.res).astype(np.int64)
        rows = np.floor((self.grid.y0 - ys) / self.grid.res).astype(np.int64)
        inside = (cols >= 0) & (cols < self.grid.width) & (rows >= 0) & (rows < self.grid.height)
        return np.clip(rows, 0, self.grid.height - 1), np.clip(cols, 0, self.grid.width - 1), inside

    def centres(self, mask: npt.NDArray[np.bool_]) -> tuple[PixelAxis, PixelAxis]:
        """Like :meth:`pixels`, but x and y computed only for the pixels indexed: the masks the layers
        draw from hold up to millions of pixels, of which they pick a few thousand."""
        flat = np.flatnonzero(mask)
        return PixelAxis(self.grid, flat, "x"), PixelAxis(self.grid, flat, "y")

    def class_at(self, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
        """The 2024 class at each point (0 outside the grid)."""
        rows, cols, inside = self.pixel_of(xs, ys)
        return np.where(inside, self.lc2024[rows, cols], NODATA).astype(np.uint8)

    def pixels(
        self, mask: npt.NDArray[np.bool_], row0: int = 0
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Centres (x, y) of the pixels in ``mask`` (rows ``row0:`` of the grid), in row-major order."""
        rows, cols = np.nonzero(mask)
        rows += row0
        xs = self.grid.x0 + (cols + 0.5) * self.grid.res
        ys = self.grid.y0 - (rows + 0.5) * self.grid.res
        return xs.astype(np.float64), ys.astype(np.float64)


def nearest_place(
    world: World, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """The index in ``world.places`` of the place nearest each point."""
    px = np.array([p.x for p in world.places])
    py = np.array([p.y for p in world.places])
    out = np.empty(xs.size, np.int64)
    for start in range(0, xs.size, 20000):
        sx, sy = xs[start : start + 20000], ys[start : start + 20000]
        out[start : start + 20000] = np.argmin((sx[:, None] - px) ** 2 + (sy[:, None] - py) ** 2, axis=1)
    return out


def short_name(place_name: str) -> str:
    """A place name without its 城区 suffix, for naming features after it."""
    return place_name.removesuffix("城区") if place_name.endswith("城区") else place_name


def metric_frame(
    records: list[dict[str, Any]], geometries: Sequence[BaseGeometry], columns: Sequence[str]
) -> gpd.GeoDataFrame:
    """A layer in EPSG:4549 from attribute records and their geometries."""
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    return gpd.GeoDataFrame(frame, geometry=list(geometries), crs=METRIC_CRS)


def pick_indices(
    rng: np.random.Generator, count: int, weights: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """``count`` indices drawn with replacement, with probabilities proportional to ``weights``."""
    if weights.size == 0 or count <= 0:
        return np.zeros(0, np.int64)
    p = weights / weights.sum()
    return rng.choice(weights.size, size=count, replace=True, p=p)


def jitter_in_pixel(
    rng: np.random.Generator, xs: npt.NDArray[np.float64], res: float
) -> npt.NDArray[np.float64]:
    """``xs`` moved by up to 0.45 of a pixel of ``res`` metres either way."""
    return xs + rng.uniform(-0.45, 0.45, xs.size) * res
