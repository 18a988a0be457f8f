"""The land-cover classes of the demo rasters: ESA WorldCover codes, their palette and the two years."""

from __future__ import annotations

__all__ = [
    "BARE",
    "BUILT",
    "CROP",
    "GRASS",
    "NODATA",
    "SHRUB",
    "TREE",
    "WATER",
    "WETLAND",
    "WORLDCOVER_CLASSES",
    "WORLDCOVER_COLORS",
    "YEARS",
]

YEARS: tuple[int, int] = (2020, 2024)

TREE, SHRUB, GRASS, CROP, BUILT, BARE, WATER, WETLAND = 10, 20, 30, 40, 50, 60, 80, 90
NODATA = 0

WORLDCOVER_CLASSES: dict[int, str] = {
    10: "tree cover",
    20: "shrubland",
    30: "grassland",
    40: "cropland",
    50: "built-up",
    60: "bare / sparse vegetation",
    80: "permanent water bodies",
    90: "herbaceous wetland",
}
"""The ESA WorldCover codes the demo rasters use (0 is nodata, outside the city)."""

WORLDCOVER_COLORS: dict[int, tuple[int, int, int, int]] = {
    0: (0, 0, 0, 0),
    10: (0, 100, 0, 255),
    20: (255, 187, 34, 255),
    30: (255, 255, 76, 255),
    40: (240, 150, 255, 255),
    50: (250, 0, 0, 255),
    60: (180, 180, 180, 255),
    70: (240, 240, 240, 255),
    80: (0, 100, 200, 255),
    90: (0, 150, 160, 255),
    95: (0, 207, 117, 255),
    100: (250, 230, 160, 255),
}
"""The official WorldCover palette, written as the rasters' colour table."""
