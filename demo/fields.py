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
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from wuxi_atlas.demo.parallel import WORKERS, run_each

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
    """Fields on a regular lattice of nodes in EPSG:4549, sampled bilinearly at pixel centres.

    With ``spill_dir``, each field goes to a file there as soon as it is put, and sampling reads only the
    band of rows a strip needs: the 30 m lattices hold about 300 MB of float32, which would otherwise sit
    in memory for the whole run (``geoplan demo-data`` stays under 400 MB that way).
    """

    def __init__(
        self, x0: float, y0: float, spacing: float, shape: tuple[int, int], spill_dir: Path | None = None
    ) -> None:
        self.x0, self.y0, self.spacing, self.shape = x0, y0, spacing, shape
        self._spill_dir = spill_dir
        self._in_memory: dict[str, FloatArray] = {}
        self._on_disk: dict[str, Path] = {}

    def put(self, name: str, values: npt.NDArray[Any]) -> None:
        """Store the field ``name`` (float32, the lattice's shape)."""
        values = np.ascontiguousarray(values, dtype=np.float32)
        if values.shape != self.shape:
            raise ValueError(f"field {name} has shape {values.shape}, the lattice {self.shape}")
        if self._spill_dir is None:
            self._in_memory[name] = values
            return
        path = self._spill_dir / f"{self.spacing:g}m-{name}.f32"
        values.tofile(path)
        self._on_disk[name] = path

    def names(self) -> list[str]:
        """The fields held, in the order they were put."""
        return [*self._in_memory, *self._on_disk]

    def rows(self, name: str, start: int, stop: int) -> FloatArray:
        """Rows ``start:stop`` of the field ``name`` (a copy when the field is on disk)."""
        if name in self._in_memory:
            return self._in_memory[name][start:stop]
        start, stop = max(start, 0), min(stop, self.shape[0])
        cols = self.shape[1]
        band = np.fromfile(
            self._on_disk[name], dtype=np.float32, count=(stop - start) * cols, offset=start * cols * 4
        )
        return band.reshape(stop - start, cols)

    def get(self, name: str) -> FloatArray:
        """The whole field ``name``."""
        return self.rows(name, 0, self.shape[0])

    def node_x(self) -> npt.NDArray[np.float64]:
        """Easting (m) of every lattice column."""
        return np.asarray(self.x0 + np.arange(self.shape[1]) * self.spacing, dtype=np.float64)

    def node_y(self) -> npt.NDArray[np.float64]:
        """Northing (m) of every lattice row."""
        return np.asarray(self.y0 - np.arange(self.shape[0]) * self.spacing, dtype=np.float64)

    def sample(
        self,
        names: Sequence[str],
        xs: npt.NDArray[np.float64],
        ys: npt.NDArray[np.float64],
        out: Sequence[FloatArray] | None = None,
    ) -> dict[str, FloatArray]:
        # Separable: interpolate along x on the few lattice rows the window needs, then along y.
        """The named fields at the pixel centres ``xs`` × ``ys`` (a window of rows × columns).

        With ``out`` (one float32 array of that shape per name, views allowed), each field is written
        there instead of into a new array: the same values, without a copy to move them.
        """
        fx = (xs - self.x0) / self.spacing
        fy = (self.y0 - ys) / self.spacing
        j0 = np.clip(np.floor(fx).astype(np.int64), 0, self.shape[1] - 2)
        i0 = np.clip(np.floor(fy).astype(np.int64), 0, self.shape[0] - 2)
        wx = np.clip(fx - j0, 0.0, 1.0).astype(np.float32)
        wy = np.clip(fy - i0, 0.0, 1.0).astype(np.float32)[:, None]
        first = int(i0.min())
        last = int(i0.max()) + 2
        top, bottom = i0 - first, i0 - first + 1
        sampled = {}
        right = j0 + 1
        for index, name in enumerate(names):  # np.take: the same gathers as fancy indexing, much faster
            band = self.rows(name, first, last)
            along_x = np.take(band, j0, axis=1)
            along_x += (np.take(band, right, axis=1) - along_x) * wx
            # mode="clip" (the rows are in range anyway): with "raise", numpy gathers into a buffer first.
            upper = np.take(along_x, top, axis=0, out=None if out is None else out[index], mode="clip")
            upper += (np.take(along_x, bottom, axis=0) - upper) * wy
            sampled[name] = upper
        return sampled


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
    spectrum = _spectrum(np.asarray(values, dtype=np.float32))
    _filter(spectrum, values.shape[0], values.shape[1], sigma_cells)
    return _inverse(spectrum, values.shape[1])


# The 2-D transforms are np.fft.rfft2 and irfft2 taken apart: the same 1-D transforms in the same
# order, so the same values, but a band of lines at a time into one array, two bands at once
# (demo.parallel). Whole, numpy's single-precision transforms hold about five times their output in
# temporaries (~260 MB on the 30 m lattice). A band of columns is a strided copy as long as the lattice
# is high: the bands of columns are narrower the more run at once, so their temporaries stay those of one.
_BAND = 256
_COLUMN_BAND = _BAND // WORKERS


def _spectrum(values: FloatArray) -> npt.NDArray[np.complex64]:
    """``np.fft.rfft2(values)``: along x, then along y."""
    rows, cols = values.shape
    spectrum = np.empty((rows, cols // 2 + 1), np.complex64)

    def along_x(row0: int) -> None:
        spectrum[row0 : row0 + _BAND] = np.fft.rfft(values[row0 : row0 + _BAND], cols, axis=1)

    def along_y(col0: int) -> None:
        band = slice(col0, col0 + _COLUMN_BAND)
        spectrum[:, band] = np.fft.fft(spectrum[:, band], rows, axis=0)

    run_each(along_x, range(0, rows, _BAND))
    run_each(along_y, range(0, spectrum.shape[1], _COLUMN_BAND))
    return spectrum


def _filter(spectrum: npt.NDArray[np.complex64], rows: int, cols: int, sigma_cells: float) -> None:
    """Multiply ``spectrum`` by the Gaussian's transfer function, a band of rows at a time (the whole
    function in float64 would be a large temporary; the values are the same element by element)."""
    ky = np.fft.fftfreq(rows)[:, None]
    kx = np.fft.rfftfreq(cols)[None, :]
    scale = -2.0 * (math.pi * sigma_cells) ** 2

    def multiply(row0: int) -> None:
        band = slice(row0, row0 + _BAND)
        spectrum[band] *= np.exp(scale * (kx**2 + ky[band] ** 2)).astype(np.float32)

    run_each(multiply, range(0, rows, _BAND))


def _inverse(spectrum: npt.NDArray[np.complex64], cols: int) -> FloatArray:
    """``np.fft.irfft2(spectrum, s=(rows, cols))``: along y (in place), then along x."""
    rows = spectrum.shape[0]
    out = np.empty((rows, cols), np.float32)

    def along_y(col0: int) -> None:
        band = slice(col0, col0 + _COLUMN_BAND)
        spectrum[:, band] = np.fft.ifft(spectrum[:, band], rows, axis=0)

    def along_x(row0: int) -> None:
        out[row0 : row0 + _BAND] = np.fft.irfft(spectrum[row0 : row0 + _BAND], cols, axis=1)

    run_each(along_y, range(0, spectrum.shape[1], _COLUMN_BAND))
    run_each(along_x, range(0, rows, _BAND))
    return out


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma_cells: float) -> FloatArray:
    """Gaussian-filtered white noise, rescaled to mean 0 and standard deviation 1."""
    smooth = rng.standard_normal(shape, dtype=np.float32)
    if sigma_cells > 0:
        spectrum = _spectrum(smooth)
        del smooth  # the white noise, once transformed
        _filter(spectrum, shape[0], shape[1], sigma_cells)
        smooth = _inverse(spectrum, shape[1])
        del spectrum
    smooth -= smooth.mean()
    smooth /= max(float(smooth.std()), 1e-12)
    return smooth


def compute_rows(grid: Grid) -> int:
    """Rows per compute strip: about 0.6 Mpx, small enough to stay in cache, large enough to amortise."""
    return max(16, min(grid.height, 600_000 // max(grid.width, 1)))
