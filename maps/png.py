"""PNG images for the map's raster overlays (the land-cover and forest-cover images), written here rather
than with folium's ``image_to_url``.

A land-cover overlay has a handful of colours (3 for the forest cover, a dozen for the classes), so it is
written with a palette: one byte a pixel instead of four, compressed at zlib's default level. folium's
writer stores four bytes a pixel at level 9, which took 0.7 s on the 1,000 × 1,000 forest image (level 9
is very slow on long runs of one colour) for a larger file; this takes a few hundredths of a second. An
image of more than 256 colours is written as RGBA, at the same level.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["encode_png", "png_data_url", "rgba_palette"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PALETTE, _RGBA = 3, 6  # PNG colour types


def rgba_palette(image: NDArray[np.uint8]) -> tuple[NDArray[np.uint8], NDArray[np.intp]]:
    """The distinct colours of ``image`` (rows, cols, 4: RGBA ``uint8``) as an (n, 4) array, in the order
    they first appear, and each pixel's index into it, (rows, cols)."""
    rows, cols, bands = image.shape
    if bands != 4:
        raise ValueError(f"an RGBA image has 4 bands, not {bands}")
    packed = np.ascontiguousarray(image, dtype=np.uint8).view("<u4").reshape(-1)
    # A hash table (pandas.factorize), not np.unique: that sorts the million pixels (0.3 s).
    indices, colours = pd.factorize(packed)
    palette = np.asarray(colours, dtype="<u4").view(np.uint8).reshape(-1, 4)
    return palette, np.asarray(indices, dtype=np.intp).reshape(rows, cols)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(image: NDArray[np.uint8]) -> bytes:
    """``image`` (rows, cols, 4: RGBA ``uint8``, first row at the top) as a PNG file's bytes."""
    rows, cols, _ = image.shape
    palette, indices = rgba_palette(image)
    if len(palette) <= 256:
        colour_type = _PALETTE
        pixels = indices.astype(np.uint8)
    else:
        colour_type = _RGBA
        pixels = np.ascontiguousarray(image, dtype=np.uint8).reshape(rows, cols * 4)
    scanlines = np.zeros((rows, pixels.shape[1] + 1), dtype=np.uint8)  # each row: filter 0, then pixels
    scanlines[:, 1:] = pixels
    header = struct.pack(">IIBBBBB", cols, rows, 8, colour_type, 0, 0, 0)
    chunks = [_chunk(b"IHDR", header)]
    if colour_type == _PALETTE:
        chunks.append(_chunk(b"PLTE", palette[:, :3].tobytes()))
        chunks.append(_chunk(b"tRNS", palette[:, 3].tobytes()))
    chunks.append(_chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 6)))
    chunks.append(_chunk(b"IEND", b""))
    return _SIGNATURE + b"".join(chunks)


def png_data_url(image: NDArray[np.uint8]) -> str:
    """``image`` as a ``data:image/png;base64,…`` URL (what folium's ``ImageOverlay`` takes)."""
    return "data:image/png;base64," + base64.b64encode(encode_png(image)).decode("ascii")
