"""The overlays' PNG writer (maps/png.py): what a PNG reader (Pillow) decodes is the image, pixel for
pixel, with a palette for a few colours and as RGBA beyond 256."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from wuxi_atlas.maps.png import encode_png, png_data_url, rgba_palette


def _decoded(data: bytes) -> tuple[str, np.ndarray]:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.mode, np.asarray(image.convert("RGBA"))


def test_few_colours_are_written_with_a_palette_and_read_back_exactly() -> None:
    rng = np.random.default_rng(7)
    colours = np.array([[0, 0, 0, 0], [0, 100, 0, 255], [255, 187, 34, 200]], dtype=np.uint8)
    image = colours[rng.integers(0, 3, size=(37, 53))]  # not square, odd widths
    mode, decoded = _decoded(encode_png(image))
    assert mode == "P"
    assert decoded.shape == image.shape and (decoded == image).all()


def test_many_colours_are_written_as_rgba_and_read_back_exactly() -> None:
    rng = np.random.default_rng(8)
    image = rng.integers(0, 256, size=(20, 30, 4), dtype=np.uint8)  # ~600 colours
    mode, decoded = _decoded(encode_png(image))
    assert mode == "RGBA"
    assert (decoded == image).all()


def test_palette_and_data_url() -> None:
    image = np.zeros((2, 3, 4), dtype=np.uint8)
    image[0, 1] = (1, 2, 3, 4)
    palette, indices = rgba_palette(image)
    assert palette.tolist() == [[0, 0, 0, 0], [1, 2, 3, 4]]
    assert (palette[indices] == image).all()
    url = png_data_url(image)
    assert url.startswith("data:image/png;base64,")
    assert (_decoded(base64.b64decode(url.split(",", 1)[1]))[1] == image).all()
