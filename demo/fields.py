"""The raster grid and the smooth random fields of the demo landscape.

Smooth fields live on fixed lattices in EPSG:4549 metres and are sampled bilinearly at pixel centres, so
every output resolution samples the same landscape. Every component draws from its own generator
(:func:`component_rng`), so adding one never shifts another's draws.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "FloatArray",
    "Grid",
    "Lattice",
    "component_rng",
    "compute_rows",
    "gaussian_filter",
    "smooth_noise",
]

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


def compute_rows(grid: Grid) -> int:
    """Rows per compute strip: about 0.6 Mpx, small enough to stay in cache, large enough to amortise."""
    return max(16, min(grid.height, 600_000 // max(grid.width, 1)))
