"""The generator's bounded-memory pieces give the values of the plain computations they replace: the
lattice fields read from disk a band at a time, the banded FFT blur, pixel centres computed on demand."""

from __future__ import annotations

import numpy as np

from wuxi_atlas.demo.fields import Grid, Lattice, gaussian_filter, smooth_noise
from wuxi_atlas.demo.placement import GridArrays


def _reference_blur(values: np.ndarray, sigma: float) -> np.ndarray:
    """The whole-array blur the banded one replaces (rfft2, the Gaussian's transfer function, irfft2)."""
    rows, cols = values.shape
    spectrum = np.fft.rfft2(values.astype(np.float32))
    ky, kx = np.fft.fftfreq(rows)[:, None], np.fft.rfftfreq(cols)[None, :]
    spectrum *= np.exp(-2.0 * (np.pi * sigma) ** 2 * (kx**2 + ky**2)).astype(np.float32)
    return np.fft.irfft2(spectrum, s=(rows, cols)).astype(np.float32)


def test_banded_blur_is_the_whole_array_blur_to_the_bit():
    # Odd sizes and more rows and columns than one band (256), as on the 30 m lattices.
    values = np.random.default_rng(1).standard_normal((601, 523), dtype=np.float32)
    for sigma in (1.0, 25.0):
        assert np.array_equal(gaussian_filter(values, sigma), _reference_blur(values, sigma))
    noise = smooth_noise(np.random.default_rng(2), (301, 277), 3.0)
    assert abs(float(noise.mean())) < 1e-6 and abs(float(noise.std()) - 1.0) < 1e-5


def test_fields_on_disk_sample_as_in_memory(tmp_path):
    rng = np.random.default_rng(4)
    field = rng.standard_normal((90, 70), dtype=np.float32)
    in_memory = Lattice(1000.0, 9000.0, 60.0, field.shape)
    on_disk = Lattice(1000.0, 9000.0, 60.0, field.shape, tmp_path)
    in_memory.put("f", field)
    on_disk.put("f", field)
    assert list(tmp_path.iterdir())  # written out, not held
    assert np.array_equal(on_disk.get("f"), field)
    xs = 1000.0 + rng.uniform(0, 69 * 60.0, 40)
    ys = 9000.0 - np.sort(rng.uniform(0, 89 * 60.0, 25))[::-1]
    assert np.array_equal(on_disk.sample(["f"], xs, ys)["f"], in_memory.sample(["f"], xs, ys)["f"])
    # Sampled into a view of a wider array (as the district weights are): the same values, in place.
    wider = np.full((25, 50), np.nan, np.float32)
    written = on_disk.sample(["f"], xs, ys, out=[wider[:, 5:45]])["f"]
    assert np.shares_memory(written, wider)
    assert np.array_equal(wider[:, 5:45], in_memory.sample(["f"], xs, ys)["f"])
    assert np.isnan(wider[:, :5]).all() and np.isnan(wider[:, 45:]).all()


def test_pixel_axes_are_the_pixel_centres():
    grid = Grid(450000.0, 3540000.0, 30.0, 17, 11)
    mask = np.random.default_rng(5).random((11, 17)) < 0.3
    blank = np.zeros((11, 17), np.uint8)
    arrays = GridArrays(grid, blank, blank, blank, mask, mask)
    xs, ys = arrays.pixels(mask)
    ax, ay = arrays.centres(mask)
    assert ax.size == xs.size
    picks = np.array([0, 3, 3, xs.size - 1])
    assert np.array_equal(ax[picks], xs[picks]) and np.array_equal(ay[picks], ys[picks])
    assert ax[2] == xs[2] and np.array_equal(ay[1:4], ys[1:4])
