"""The seeded synthetic demo dataset: land cover 2020/2024 and the vector layers the indicators read.

Nothing here is a measurement. The district boundaries are real (``analysis.boundaries``); everything
else is drawn from a seeded model of Wuxi's landscape so the atlas has something plausible to show and
to test on: Taihu in the south-west of 滨湖/宜兴, the Yangtze along 江阴, wooded hills in 宜南山区 and
around 惠山/马山/军嶂山, dense built-up land in 梁溪 and 新吴, towns, villages, rice fields, ponds and a
river network. Every output is labelled synthetic (raster tags, GeoPackage metadata, ``MANIFEST.json``).

The model is resolution-independent: smooth random fields live on fixed lattices in EPSG:4549 metres and
are sampled bilinearly, lakes, rivers and roads are polygons in real coordinates, and class thresholds
are calibrated once on a 30 m grid (or the output grid, if coarser). So the 10 m rasters are the same
landscape as the 30 m ones, written block by block in bounded memory.

Calibration (figures achieved are written to the manifest):

- 林木覆盖率 proxy (WorldCover tree + shrub over the official area): 27.40% city-wide in 2020 and 27.60%
  in 2024 (short of the 27.8% target), highest in 宜兴 and 滨湖, lowest in 梁溪 and 新吴;
- 建成区绿化覆盖率 (WorldCover tree + shrub + grass inside the 建成区 polygon): 43.0% in 2024;
- 湿地保护率 (wetland polygons inside protected areas): 50.5% in 2024;
- Taihu inside the polygons: 滨湖 about 342 km², 宜兴 about 283, 新吴 about 17 (DOMAIN.md §1);
- charging piles about 160,000, 44 public swap stations, 4 hydrogen stations, PV about 2.2 GW.

Examples
--------
>>> manifest = generate_demo_data(Path("data"))  # doctest: +SKIP
>>> manifest.calibration["forest_coverage_2024"]["320200"]  # doctest: +SKIP
27.6
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from analysis.crs import METRIC_CRS
from analysis.errors import DataFileError
from analysis.results import CITY_ADCODE

__all__ = [
    "DEFAULT_SEED",
    "DEMO_GPKG",
    "DEMO_LAYERS",
    "GENERATOR",
    "WORLDCOVER_CLASSES",
    "WORLDCOVER_COLORS",
    "DemoManifest",
    "demo_output_paths",
    "generate_demo_data",
    "raster_name",
]

GENERATOR = "analysis.demo_data"
DEFAULT_SEED = 20240712
DEMO_GPKG = "wuxi_demo.gpkg"
DEMO_LAYERS: tuple[str, ...] = ("wetlands", "protected_areas", "builtup", "buildings", "pv_sites", "stations")
YEARS: tuple[int, int] = (2020, 2024)

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

TREE, SHRUB, GRASS, CROP, BUILT, BARE, WATER, WETLAND = 10, 20, 30, 40, 50, 60, 80, 90
NODATA = 0

ProgressCallback = Callable[[str, int, int], None]

# --------------------------------------------------------------------------------------------------
# Calibration targets
# --------------------------------------------------------------------------------------------------

# 林木覆盖率 proxy per district (% of official area). 宜兴 balances the city to the city-wide figure,
# and 梁溪 takes whatever its urban green gives (it has no countryside to calibrate).
_WOODY_TARGETS: dict[int, dict[str, float]] = {
    2020: {"320205": 19.0, "320206": 20.0, "320211": 23.2, "320214": 14.0, "320281": 20.2},
    2024: {"320205": 19.3, "320206": 20.3, "320211": 23.5, "320214": 14.3, "320281": 20.45},
}
_CITY_WOODY_TARGET = {2020: 27.40, 2024: 27.60}
_BALANCING_DISTRICT = "320282"
_BUILTUP_AREA_KM2 = 610.0  # the 建成区 polygons' total (about 600 km² after smoothing)
_BUILTUP_CENTRES = (
    ("无锡市区建成区", "梁溪城区"),
    ("江阴市建成区", "江阴城区"),
    ("宜兴市建成区", "宜兴城区"),
)
_BUILTUP_GREEN_TARGET = 43.0  # % of the 建成区, 2024
_NEW_BUILTUP_SHARE = 0.06  # share of the 2024 建成区 (non-water) that was still rural in 2020
_WETLAND_PROTECTION_TARGET = 50.5  # %, 2024
_PV_TOTAL_KW = 2_200_000.0
_SWAP_PUBLIC = 44
_CHARGING_PILES_TOTAL = 161_000

# --------------------------------------------------------------------------------------------------
# Geography (WGS84 longitude/latitude; approximate, drawn for plausibility, not survey accuracy)
# --------------------------------------------------------------------------------------------------

# fmt: off
# The northern shore of Taihu as it runs through the city (closed far to the south, outside the city).
_TAIHU: tuple[tuple[float, float], ...] = (
    (119.917, 31.16), (119.927, 31.2), (119.932, 31.24), (119.937, 31.28), (119.942, 31.31), (119.947, 31.34),
    (119.957, 31.37), (119.972, 31.4), (119.987, 31.43), (120.002, 31.46), (120.02, 31.49), (120.04, 31.5),
    (120.06, 31.48), (120.065, 31.45), (120.07, 31.42), (120.09, 31.396), (120.12, 31.391), (120.15, 31.406),
    (120.168, 31.44), (120.173, 31.47), (120.183, 31.5), (120.192, 31.524), (120.207, 31.528),
    (120.215, 31.52), (120.22, 31.505), (120.235, 31.497), (120.25, 31.487), (120.27, 31.472),
    (120.3, 31.466), (120.335, 31.467), (120.36, 31.469), (120.385, 31.463), (120.405, 31.449),
    (120.42, 31.43), (120.45, 31.38), (120.6, 31.3), (120.6, 30.9), (119.9, 30.9),
)
# Taihu's bays, for naming the lake water: (name, polygon that picks the bay out of the lake).
_TAIHU_BAYS: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    ("梅梁湖", (
        (120.15, 31.4), (120.23, 31.4), (120.23, 31.56), (120.15, 31.56),)),
    ("贡湖湾", (
        (120.23, 31.4), (120.46, 31.4), (120.46, 31.5), (120.23, 31.5),)),
    ("竺山湖", (
        (119.95, 31.41), (120.075, 31.41), (120.075, 31.52), (119.95, 31.52),)),
)
_TAIHU_NAME = "太湖(无锡水域)"
# Lakes: (name, wetland_type, centre lon, lat, semi-axes km (x, y), rotation degrees).
_LAKES: tuple[tuple[str, str, float, float, float, float, float], ...] = (
    ("蠡湖", "lake", 120.262, 31.533, 3.7, 1.05, 8.0),
    ("西氿", "lake", 119.775, 31.357, 2.0, 0.55, 12.0),
    ("团氿", "lake", 119.818, 31.372, 0.85, 0.45, 20.0),
    ("东氿", "lake", 119.87, 31.372, 1.55, 1.05, -10.0),
    ("滆湖", "lake", 119.838, 31.585, 3.2, 8.0, 25.0),
    ("宛山荡", "lake", 120.525, 31.625, 1.15, 0.8, 30.0),
    ("鹅真荡", "lake", 120.556, 31.538, 1.5, 1.15, -20.0),
    ("嘉菱荡", "lake", 120.455, 31.585, 0.6, 0.45, 0.0),
    ("横山水库", "reservoir", 119.645, 31.226, 2.1, 1.2, 35.0),
    ("大溪水库", "reservoir", 119.566, 31.252, 1.5, 0.8, -25.0),
    ("油车水库", "reservoir", 119.765, 31.197, 0.8, 0.45, 50.0),
    ("沙塘港水库", "reservoir", 119.705, 31.165, 0.7, 0.4, 10.0),
    ("会坞水库", "reservoir", 119.86, 31.215, 0.55, 0.35, -30.0),
)
# Rivers and canals: (name, width m, polyline).
_RIVERS: tuple[tuple[str, float, tuple[tuple[float, float], ...]], ...] = (
    ("京杭运河(无锡段)", 90.0, (
        (120.09, 31.676), (120.15, 31.655), (120.19, 31.635), (120.23, 31.613), (120.265, 31.598),
        (120.283, 31.59), (120.293, 31.578), (120.3, 31.562), (120.315, 31.548), (120.34, 31.53),
        (120.365, 31.512), (120.39, 31.492), (120.415, 31.47), (120.44, 31.452), (120.48, 31.43),)),
    ("锡澄运河", 60.0, (
        (120.286, 31.594), (120.285, 31.63), (120.28, 31.68), (120.275, 31.72), (120.27, 31.77),
        (120.275, 31.82), (120.28, 31.86), (120.285, 31.9), (120.292, 31.95),)),
    ("望虞河", 80.0, (
        (120.398, 31.452), (120.43, 31.482), (120.47, 31.52), (120.52, 31.57), (120.57, 31.62),
        (120.62, 31.67),)),
    ("梁溪河", 45.0, (
        (120.245, 31.544), (120.265, 31.554), (120.28, 31.564), (120.293, 31.572),)),
    ("长广溪", 40.0, (
        (120.276, 31.522), (120.28, 31.508), (120.285, 31.494), (120.289, 31.478), (120.292, 31.466),)),
    ("直湖港", 45.0, (
        (120.17, 31.645), (120.172, 31.6), (120.178, 31.56), (120.192, 31.53),)),
    ("锡北运河", 50.0, (
        (120.2, 31.705), (120.27, 31.692), (120.35, 31.69), (120.42, 31.7), (120.5, 31.708),
        (120.6, 31.72),)),
    ("伯渎港", 40.0, (
        (120.318, 31.568), (120.38, 31.552), (120.44, 31.54), (120.52, 31.528),)),
    ("九里河", 40.0, (
        (120.33, 31.608), (120.4, 31.62), (120.47, 31.628), (120.54, 31.622),)),
    ("新沟河", 60.0, (
        (120.14, 31.662), (120.122, 31.72), (120.11, 31.8), (120.092, 31.88), (120.082, 31.955),)),
    ("白屈港", 50.0, (
        (120.332, 31.935), (120.33, 31.86), (120.32, 31.79), (120.31, 31.72),)),
    ("张家港河", 55.0, (
        (120.3, 31.89), (120.37, 31.852), (120.44, 31.822), (120.52, 31.8), (120.61, 31.79),)),
    ("南溪河", 60.0, (
        (119.76, 31.352), (119.7, 31.342), (119.62, 31.333), (119.5, 31.33),)),
    ("北溪河", 45.0, (
        (119.79, 31.382), (119.73, 31.41), (119.66, 31.452), (119.58, 31.482), (119.5, 31.5),)),
    ("城东港", 50.0, (
        (119.89, 31.37), (119.915, 31.366), (119.955, 31.362),)),
    ("太滆运河", 45.0, (
        (119.86, 31.548), (119.905, 31.505), (119.95, 31.47), (119.985, 31.448),)),
)
# Hills: (name, polygon or centre + radius km, strength 0..1). The 宜南山区 is a polygon.
_HILL_POLYGONS: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    ("宜南山区", (
        (119.48, 31.36), (119.56, 31.345), (119.62, 31.33), (119.7, 31.315), (119.76, 31.3), (119.8, 31.27),
        (119.84, 31.235), (119.885, 31.2), (119.905, 31.15), (119.9, 31.05), (119.48, 31.05),)),
)
_HILLS: tuple[tuple[str, float, float, float, float], ...] = (
    ("马山", 120.11, 31.445, 2.6, 1.0),
    ("军嶂山", 120.158, 31.505, 2.0, 1.0),
    ("龙山", 120.215, 31.56, 1.4, 0.9),
    ("惠山", 120.25, 31.588, 1.0, 0.9),
    ("充山", 120.222, 31.515, 1.0, 0.9),
    ("雪浪山", 120.252, 31.502, 1.3, 0.9),
    ("阳山", 120.122, 31.598, 0.8, 0.7),
    ("花山", 120.318, 31.862, 1.3, 0.8),
    ("定山", 120.356, 31.852, 1.2, 0.8),
    ("秦望山", 120.395, 31.838, 1.0, 0.7),
    ("黄山", 120.3, 31.93, 0.7, 0.8),
    ("长山", 120.42, 31.915, 0.8, 0.7),
    ("砂山", 120.445, 31.805, 0.7, 0.6),
    ("胶山", 120.44, 31.642, 0.9, 0.7),
    ("铜官山", 119.745, 31.245, 3.0, 1.0),
    ("龙池山", 119.64, 31.18, 3.0, 1.0),
)
_ISLANDS: tuple[tuple[str, float, float, float], ...] = (
    ("三山", 120.196, 31.488, 0.35),
)
# Places: (name, lon, lat, radius km, amplitude, kind). kind: core, seat, town.
_PLACES: tuple[tuple[str, float, float, float, float, str], ...] = (
    ("梁溪城区", 120.3, 31.575, 4.6, 3.2, "core"),
    ("新吴旺庄", 120.365, 31.545, 3.6, 2.5, "core"),
    ("东亭", 120.372, 31.595, 2.6, 2.1, "core"),
    ("蠡园", 120.258, 31.56, 2.2, 2.0, "core"),
    ("太湖新城", 120.305, 31.498, 2.3, 1.9, "core"),
    ("堰桥", 120.272, 31.655, 2.6, 2.0, "core"),
    ("钱桥", 120.225, 31.605, 1.7, 1.7, "core"),
    ("硕放", 120.43, 31.497, 2.0, 1.8, "core"),
    ("梅村", 120.445, 31.545, 1.6, 1.7, "core"),
    ("江阴城区", 120.28, 31.905, 3.6, 2.6, "seat"),
    ("云亭", 120.332, 31.885, 2.0, 1.9, "seat"),
    ("宜兴城区", 119.83, 31.372, 2.9, 2.4, "seat"),
    ("丁蜀", 119.862, 31.287, 1.9, 1.8, "town"),
    ("环科园", 119.885, 31.397, 1.5, 1.7, "seat"),
    ("洛社", 120.16, 31.655, 1.4, 1.6, "town"),
    ("玉祁", 120.12, 31.686, 1.0, 1.5, "town"),
    ("前洲", 120.2, 31.705, 1.0, 1.5, "town"),
    ("阳山", 120.128, 31.612, 0.8, 1.4, "town"),
    ("胡埭", 120.168, 31.562, 1.2, 1.5, "town"),
    ("马山", 120.112, 31.432, 0.9, 1.4, "town"),
    ("雪浪", 120.268, 31.485, 0.9, 1.4, "town"),
    ("华庄", 120.322, 31.515, 1.2, 1.6, "town"),
    ("新安", 120.385, 31.48, 1.1, 1.5, "town"),
    ("鸿山", 120.478, 31.505, 0.9, 1.4, "town"),
    ("安镇", 120.435, 31.62, 1.2, 1.6, "town"),
    ("东港", 120.5, 31.655, 1.1, 1.5, "town"),
    ("羊尖", 120.522, 31.59, 0.9, 1.4, "town"),
    ("鹅湖", 120.54, 31.515, 0.9, 1.4, "town"),
    ("锡北", 120.42, 31.7, 1.0, 1.5, "town"),
    ("厚桥", 120.48, 31.572, 0.8, 1.4, "town"),
    ("南闸", 120.3, 31.855, 1.0, 1.5, "town"),
    ("周庄", 120.4, 31.835, 1.3, 1.6, "town"),
    ("华士", 120.455, 31.82, 1.3, 1.6, "town"),
    ("新桥", 120.44, 31.775, 1.1, 1.5, "town"),
    ("长泾", 120.37, 31.765, 1.0, 1.5, "town"),
    ("顾山", 120.49, 31.765, 1.0, 1.5, "town"),
    ("祝塘", 120.3, 31.79, 1.0, 1.5, "town"),
    ("青阳", 120.22, 31.805, 1.1, 1.5, "town"),
    ("徐霞客", 120.22, 31.75, 1.0, 1.5, "town"),
    ("月城", 120.165, 31.82, 0.9, 1.4, "town"),
    ("璜土", 120.06, 31.915, 1.0, 1.5, "town"),
    ("利港", 120.09, 31.94, 1.0, 1.5, "town"),
    ("申港", 120.15, 31.925, 0.9, 1.4, "town"),
    ("夏港", 120.22, 31.925, 1.0, 1.5, "town"),
    ("临港", 120.122, 31.905, 1.4, 1.6, "town"),
    ("和桥", 119.86, 31.47, 1.3, 1.6, "town"),
    ("周铁", 119.975, 31.445, 0.9, 1.4, "town"),
    ("高塍", 119.87, 31.525, 0.9, 1.4, "town"),
    ("万石", 119.9, 31.555, 0.8, 1.4, "town"),
    ("官林", 119.78, 31.525, 1.1, 1.5, "town"),
    ("杨巷", 119.66, 31.56, 0.9, 1.4, "town"),
    ("新建", 119.66, 31.495, 0.8, 1.4, "town"),
    ("徐舍", 119.7, 31.425, 0.9, 1.4, "town"),
    ("新街", 119.8, 31.41, 0.9, 1.4, "town"),
    ("芳桥", 119.93, 31.43, 0.8, 1.4, "town"),
    ("新庄", 119.925, 31.335, 0.8, 1.4, "town"),
    ("张渚", 119.665, 31.255, 1.1, 1.5, "town"),
    ("西渚", 119.62, 31.305, 0.8, 1.4, "town"),
    ("太华", 119.565, 31.215, 0.7, 1.3, "town"),
    ("湖㳇", 119.8, 31.195, 0.7, 1.3, "town"),
)
# Industrial parks: (name, lon, lat, radius km). Industrial buildings cluster here.
_INDUSTRIAL_PARKS: tuple[tuple[str, float, float, float], ...] = (
    ("无锡高新区", 120.392, 31.528, 2.6),
    ("硕放工业园", 120.42, 31.485, 1.9),
    ("江阴临港经济开发区", 120.12, 31.915, 2.3),
    ("江阴高新区", 120.345, 31.875, 1.9),
    ("惠山经济开发区", 120.25, 31.678, 2.1),
    ("洛社工业园", 120.14, 31.668, 1.5),
    ("锡山经济开发区", 120.41, 31.625, 1.9),
    ("宜兴经济开发区", 119.872, 31.405, 1.8),
    ("华士工业园", 120.455, 31.832, 1.5),
    ("官林工业园", 119.77, 31.515, 1.2),
    ("胡埭工业园", 120.175, 31.57, 1.2),
    ("鸿山工业园", 120.462, 31.528, 1.2),
)
# Expressways (built-up lines 40 m wide; service areas for stations).
_EXPRESSWAYS: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    ("沪宁高速", (
        (120.02, 31.73), (120.1, 31.702), (120.18, 31.676), (120.26, 31.656), (120.33, 31.632),
        (120.4, 31.606), (120.46, 31.57), (120.52, 31.522), (120.58, 31.47),)),
    ("锡澄高速", (
        (120.3, 31.62), (120.292, 31.68), (120.288, 31.74), (120.292, 31.8), (120.3, 31.86),
        (120.31, 31.935),)),
    ("沿江高速", (
        (119.99, 31.88), (120.1, 31.862), (120.2, 31.858), (120.3, 31.862), (120.4, 31.83), (120.5, 31.8),
        (120.61, 31.78),)),
    ("宁杭高速", (
        (119.7, 31.62), (119.72, 31.52), (119.74, 31.44), (119.77, 31.36), (119.79, 31.28), (119.8, 31.2),
        (119.82, 31.1),)),
    ("锡宜高速", (
        (119.84, 31.4), (119.93, 31.452), (120.0, 31.51), (120.08, 31.54), (120.16, 31.56),
        (120.22, 31.575),)),
    ("环太湖高速", (
        (120.305, 31.62), (120.335, 31.56), (120.35, 31.5), (120.38, 31.455),)),
)
# The Yangtze: the city boundary inside this box is the river's mid-line.
_YANGTZE_BOX: tuple[float, float, float, float] = (120.004, 31.905, 120.392, 32.05)
_YANGTZE_HALF_WIDTH_M = 950.0
_YANGTZE_NAME = "长江(江阴段)"
_TIDAL_FLAT_WIDTH_M = 280.0
# Marshes (class 90): (name, wetland_type, centre lon, lat, semi-axes km, rotation).
_MARSHES: tuple[tuple[str, str, float, float, float, float, float], ...] = (
    ("梁鸿湿地", "marsh", 120.455, 31.503, 1.3, 0.8, 20.0),
    ("长广溪湿地", "marsh", 120.284, 31.495, 0.45, 1.8, -12.0),
    ("贡湖湾湿地", "marsh", 120.34, 31.472, 2.0, 0.35, 3.0),
    ("蠡湖湿地", "marsh", 120.232, 31.531, 0.6, 0.4, 0.0),
    ("东氿湿地", "marsh", 119.893, 31.38, 0.6, 0.45, 0.0),
    ("滆湖(宜兴)湿地", "marsh", 119.81, 31.535, 0.9, 0.5, 30.0),
    ("马山湿地", "marsh", 120.085, 31.405, 0.6, 0.3, -40.0),
)
# Reed flats along the Yangtze bank: (name, west and east longitude of the reach).
_TIDAL_FLATS: tuple[tuple[str, float, float], ...] = (
    ("长江璜土边滩", 120.012, 120.058),
    ("长江申港边滩", 120.128, 120.170),
    ("长江长山边滩", 120.352, 120.386),
)
# Protected areas that are not derived from the water: (name, protection_type, level, how, args).
_WETLAND_PARKS: tuple[tuple[str, str, str, str, float], ...] = (
    ("蠡湖国家湿地公园", "wetland_park", "national", "蠡湖", 250.0),
    ("长广溪国家湿地公园", "wetland_park", "national", "长广溪湿地", 300.0),
    ("梁鸿国家湿地公园", "wetland_park", "national", "梁鸿湿地", 300.0),
    ("贡湖湾湿地公园", "wetland_park", "municipal", "贡湖湾湿地", 150.0),
    ("宜兴东氿湿地公园", "wetland_park", "provincial", "东氿", 200.0),
    ("宜兴横山水库饮用水源保护区", "other", "provincial", "横山水库", 600.0),
    ("宜兴油车水库饮用水源保护区", "other", "provincial", "油车水库", 500.0),
    ("宜兴大溪水库饮用水源保护区", "other", "municipal", "大溪水库", 500.0),
    ("宛山荡湿地保护小区", "protection_plot", "municipal", "宛山荡", 150.0),
    ("鹅真荡湿地保护小区", "protection_plot", "municipal", "鹅真荡", 150.0),
    ("滆湖(宜兴)湿地保护小区", "protection_plot", "municipal", "滆湖", 100.0),
    ("长江江阴段重要湿地保护小区", "protection_plot", "provincial", _YANGTZE_NAME, 50.0),
)
_TAIHU_PROTECTED_NAME = "太湖国家级风景名胜区湿地保护小区"
_FOREST_RESERVES: tuple[tuple[str, str, str, str], ...] = (
    ("宜兴龙池山省级自然保护区", "nature_reserve", "provincial", "龙池山"),
    ("惠山国家森林公园", "other", "national", "惠山"),
    ("太湖国家级风景名胜区马山景区", "other", "national", "马山"),
    ("宜兴铜官山森林公园", "other", "municipal", "铜官山"),
)
# fmt: on


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoFile:
    """One file the generator wrote: its path relative to the output directory, size and SHA-256."""

    path: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class DemoManifest:
    """What :func:`generate_demo_data` wrote and the calibration it achieved.

    ``calibration`` holds plain numbers (percent, km², counts, kW); ``layer_counts`` the features per
    vector layer (empty when only rasters were written).
    """

    synthetic: bool
    seed: int
    generator: str
    resolution_m: int
    files: tuple[DemoFile, ...]
    layer_counts: dict[str, int]
    calibration: dict[str, Any]
    notes: tuple[str, ...] = ()

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready record (the ``MANIFEST.json`` content)."""
        return {
            "synthetic": self.synthetic,
            "generator": self.generator,
            "seed": self.seed,
            "resolution_m": self.resolution_m,
            "licence": "CC0-1.0 (the synthetic data); boundaries: see data/boundaries/PROVENANCE.md",
            "crs": {"rasters": METRIC_CRS, "vectors": "EPSG:4326"},
            "scheme": "worldcover",
            "files": [{"path": f.path, "bytes": f.bytes, "sha256": f.sha256} for f in self.files],
            "layer_counts": dict(self.layer_counts),
            "calibration": self.calibration,
            "notes": list(self.notes),
        }


def raster_name(year: int, resolution: int) -> str:
    """File name of a demo land-cover raster, e.g. ``landcover_2024_30m.tif``."""
    return f"landcover_{year}_{resolution}m.tif"


def demo_output_paths(out_dir: Path, resolution: int = 30, *, vectors: bool | None = None) -> list[Path]:
    """Every file :func:`generate_demo_data` would write under ``out_dir`` (a data directory)."""
    write_vectors = resolution >= 30 if vectors is None else vectors
    paths = [out_dir / "rasters" / raster_name(year, resolution) for year in YEARS]
    if write_vectors:
        paths += [
            out_dir / "demo" / DEMO_GPKG,
            out_dir / "demo" / "MANIFEST.json",
            out_dir / "demo" / "README.md",
        ]
    return paths


# --------------------------------------------------------------------------------------------------
# Grid, lattices and noise
# --------------------------------------------------------------------------------------------------

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class _Grid:
    """A north-up raster grid in EPSG:4549 with its origin on a multiple of the resolution."""

    x0: float
    y0: float
    res: float
    width: int
    height: int

    @classmethod
    def covering(cls, bounds: Sequence[float], res: float) -> _Grid:
        minx, miny, maxx, maxy = bounds
        x0 = math.floor(minx / res) * res
        y0 = math.ceil(maxy / res) * res
        x1 = math.ceil(maxx / res) * res
        y1 = math.floor(miny / res) * res
        return cls(x0, y0, res, round((x1 - x0) / res), round((y0 - y1) / res))

    @property
    def transform(self) -> Any:
        from rasterio.transform import Affine

        return Affine(self.res, 0.0, self.x0, 0.0, -self.res, self.y0)

    def col_x(self) -> npt.NDArray[np.float64]:
        return np.asarray(self.x0 + (np.arange(self.width) + 0.5) * self.res, dtype=np.float64)

    def row_y(self, row0: int, row1: int) -> npt.NDArray[np.float64]:
        return np.asarray(self.y0 - (np.arange(row0, row1) + 0.5) * self.res, dtype=np.float64)

    def strips(self, rows: int) -> Iterator[tuple[int, int]]:
        for row0 in range(0, self.height, rows):
            yield row0, min(row0 + rows, self.height)

    def window_transform(self, row0: int) -> Any:
        from rasterio.transform import Affine

        return Affine(self.res, 0.0, self.x0, 0.0, -self.res, self.y0 - row0 * self.res)


class _Lattice:
    """Fields on a regular lattice of nodes in EPSG:4549, sampled bilinearly at pixel centres."""

    def __init__(self, x0: float, y0: float, spacing: float, shape: tuple[int, int]) -> None:
        self.x0, self.y0, self.spacing, self.shape = x0, y0, spacing, shape
        self.fields: dict[str, FloatArray] = {}

    def node_x(self) -> npt.NDArray[np.float64]:
        return np.asarray(self.x0 + np.arange(self.shape[1]) * self.spacing, dtype=np.float64)

    def node_y(self) -> npt.NDArray[np.float64]:
        return np.asarray(self.y0 - np.arange(self.shape[0]) * self.spacing, dtype=np.float64)

    def sample(
        self, names: Sequence[str], xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]
    ) -> dict[str, FloatArray]:
        # Separable: interpolate along x on the few lattice rows the window needs, then along y.
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


def _rng(seed: int, *keys: int | str) -> np.random.Generator:
    """An independent generator per component, so adding a component never shifts another's draws."""
    words = [seed & 0xFFFFFFFF]
    for key in keys:
        words.append(key if isinstance(key, int) else zlib.crc32(key.encode("utf-8")))
    return np.random.default_rng(words)


def _gaussian_filter(values: npt.NDArray[Any], sigma_cells: float) -> FloatArray:
    """A Gaussian blur by FFT (periodic edges; the lattices are padded well beyond the city)."""
    if sigma_cells <= 0:
        return values.astype(np.float32)
    rows, cols = values.shape
    spectrum = np.fft.rfft2(values.astype(np.float32))
    ky = np.fft.fftfreq(rows)[:, None]
    kx = np.fft.rfftfreq(cols)[None, :]
    spectrum *= np.exp(-2.0 * (math.pi * sigma_cells) ** 2 * (kx**2 + ky**2)).astype(np.float32)
    return np.fft.irfft2(spectrum, s=(rows, cols)).astype(np.float32)


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma_cells: float) -> FloatArray:
    """Gaussian-filtered white noise, rescaled to mean 0 and standard deviation 1."""
    white = rng.standard_normal(shape, dtype=np.float32)
    smooth = _gaussian_filter(white, sigma_cells)
    smooth -= smooth.mean()
    smooth /= max(float(smooth.std()), 1e-12)
    return smooth


# --------------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------------

_TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
_TO_LONLAT = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def _xy(lon: float, lat: float) -> tuple[float, float]:
    x, y = _TO_METRIC.transform(lon, lat)
    return float(x), float(y)


def _metric_coords(coords: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    xs, ys = _TO_METRIC.transform([c[0] for c in coords], [c[1] for c in coords])
    return list(zip(map(float, xs), map(float, ys), strict=True))


def _ellipse(lon: float, lat: float, rx_km: float, ry_km: float, angle_deg: float, name: str) -> Polygon:
    """A wobbly ellipse (a lake or marsh outline); the wobble is fixed by the name, not the seed."""
    cx, cy = _xy(lon, lat)
    rng = np.random.default_rng(zlib.crc32(name.encode("utf-8")))
    theta = np.linspace(0.0, 2.0 * math.pi, 96, endpoint=False)
    radius = np.ones_like(theta)
    for harmonic in (2, 3, 4, 5, 7):
        radius += rng.uniform(0.02, 0.09) * np.cos(harmonic * theta + rng.uniform(0, 2 * math.pi))
    x = rx_km * 1000.0 * radius * np.cos(theta)
    y = ry_km * 1000.0 * radius * np.sin(theta)
    a = math.radians(angle_deg)
    xr = cx + x * math.cos(a) - y * math.sin(a)
    yr = cy + x * math.sin(a) + y * math.cos(a)
    return Polygon(zip(xr, yr, strict=True)).buffer(0)


def _line(coords: Sequence[tuple[float, float]]) -> LineString:
    return LineString(_metric_coords(coords))


def _polygon(coords: Sequence[tuple[float, float]]) -> Polygon:
    return Polygon(_metric_coords(coords)).buffer(0)


def _wobbly_shore(coords: Sequence[tuple[float, float]], closing: int, name: str) -> Polygon:
    """A lake polygon whose shore (all but the last ``closing`` vertices) meanders by up to ~250 m.

    The shore is densified to 50 m steps and pushed along its normal by a sum of sines whose phases are
    fixed by ``name``, so the outline is organic but the same for every seed.
    """
    shore = LineString(_metric_coords(coords[: len(coords) - closing]))
    steps = np.arange(0.0, shore.length, 50.0)
    points = np.array([shore.interpolate(d).coords[0] for d in steps])
    tangent = np.gradient(points, axis=0)
    tangent /= np.maximum(np.hypot(tangent[:, 0], tangent[:, 1]), 1e-9)[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    rng = np.random.default_rng(zlib.crc32(name.encode("utf-8")))
    offset = np.zeros(steps.size)
    for wavelength, amplitude in ((9000.0, 110.0), (3100.0, 70.0), (1300.0, 45.0), (520.0, 22.0)):
        offset += amplitude * np.sin(2 * math.pi * steps / wavelength + rng.uniform(0, 2 * math.pi))
    moved = points + normal * offset[:, None]
    ring = [tuple(p) for p in moved] + _metric_coords(coords[len(coords) - closing :])
    return Polygon(ring).buffer(0)


def _polygons_of(geometry: BaseGeometry) -> list[Polygon]:
    if geometry.is_empty:
        return []
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon)]


# --------------------------------------------------------------------------------------------------
# The world: everything resolution-independent, built once from the boundaries and the seed
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _WaterFeature:
    """A named water or wetland feature, rasterized with its label id."""

    label: int
    name: str
    wetland_type: str
    code: int
    geometry: BaseGeometry


@dataclass(frozen=True)
class _Place:
    name: str
    x: float
    y: float
    radius_m: float
    amplitude: float
    kind: str


_STREAM_LABEL = 1
_POND_LABEL = 2
_FIRST_NAMED_LABEL = 10
_UNITS_ORDER = ("320205", "320206", "320211", "320213", "320214", "320281", "320282")

# Nominal lattice spacings (m) and noise scales (sigma, m). Physically fixed, so every output
# resolution samples the same landscape.
_FINE, _KERNEL, _MEDIUM, _COARSE = 30.0, 60.0, 120.0, 480.0
_PAD_M = 4000.0
_DENSE_FABRIC = {"320213": 1.5, "320214": 0.55}  # how much less green the districts' urban fabric has
_DISTRICT_BLEND_M = 1500.0  # sigma of the blur that blends district settings across district lines
_BUILT_THRESHOLDS = {2020: 1.04, 2024: 1.0}  # urban score above which a rural pixel is built-up


@dataclass
class _Thresholds:
    """Class thresholds found by calibration (see :func:`_calibrate`)."""

    green: float = 0.35
    bua_new: float = -1e9
    # Per year, one bias per district (in _UNITS_ORDER), blended across district lines by the smooth
    # district weights: a pixel is woody where woody_score + bias >= 0.
    woody_bias: dict[int, npt.NDArray[np.float64]] = field(default_factory=dict)


class _World:
    """The synthetic landscape: geometry in EPSG:4549 and smooth fields on lattices."""

    def __init__(
        self,
        boundaries: gpd.GeoDataFrame,
        seed: int,
        calib_res: float,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.seed = seed
        metric = boundaries.to_crs(METRIC_CRS)
        adcodes = metric["adcode"].astype(str)
        self.city: BaseGeometry = metric.loc[adcodes == CITY_ADCODE].geometry.iloc[0]
        districts = metric.loc[adcodes != CITY_ADCODE].copy()
        districts["adcode"] = districts["adcode"].astype(str)
        districts = districts.set_index("adcode").loc[list(_UNITS_ORDER)]
        self.district_adcodes: tuple[str, ...] = tuple(districts.index)
        self.district_geoms: tuple[BaseGeometry, ...] = tuple(districts.geometry)
        self.district_names = dict(zip(districts.index, districts["name_zh"].astype(str), strict=True))
        self.official_km2 = dict(
            zip(districts.index, districts["official_area_km2"].astype(float), strict=True)
        )
        self.official_km2[CITY_ADCODE] = float(
            metric.loc[adcodes == CITY_ADCODE, "official_area_km2"].astype(float).iloc[0]
        )
        self.bounds = tuple(float(v) for v in self.city.bounds)

        def step(label: str) -> None:
            if progress is not None:
                progress(label, 0, 1)

        step("geography")
        self._build_geography()
        step("fields")
        self._build_lattices(calib_res)
        step("built-up area")
        self._build_builtup()

    # -- geography ---------------------------------------------------------------------------------

    def _build_geography(self) -> None:
        taihu = _wobbly_shore(_TAIHU, 3, _TAIHU_NAME)
        self.taihu = taihu
        features: list[_WaterFeature] = []
        label = _FIRST_NAMED_LABEL

        def add(name: str, wetland_type: str, code: int, geometry: BaseGeometry) -> None:
            nonlocal label
            clipped = geometry.intersection(self.city)
            if clipped.is_empty or clipped.area < 1.0:
                return
            features.append(_WaterFeature(label, name, wetland_type, code, clipped))
            label += 1

        # Low priority first: later features overwrite earlier ones when rasterized.
        for name, wtype, lon, lat, rx, ry, angle in _MARSHES:
            add(name, wtype, WETLAND, _ellipse(lon, lat, rx, ry, angle, name))
        for name, width, coords in _RIVERS:
            add(name, "river", WATER, _line(coords).buffer(width / 2.0, cap_style="flat"))
        for name, wtype, lon, lat, rx, ry, angle in _LAKES:
            add(name, wtype, WATER, _ellipse(lon, lat, rx, ry, angle, name))
        yangtze = self._yangtze()
        add(_YANGTZE_NAME, "river", WATER, yangtze)
        # Reed-covered flats (边滩) along the bank, inside the river band, drawn over the river.
        bank = self.city.difference(yangtze).buffer(_TIDAL_FLAT_WIDTH_M)
        for name, west, east in _TIDAL_FLATS:
            reach = _polygon(((west, 31.85), (east, 31.85), (east, 32.05), (west, 32.05)))
            add(name, "tidal_flat", WETLAND, reach.intersection(yangtze).intersection(bank))
        remaining: BaseGeometry = taihu
        for name, coords in _TAIHU_BAYS:
            bay = taihu.intersection(_polygon(coords))
            add(name, "lake", WATER, bay)
            remaining = remaining.difference(bay)
        add(_TAIHU_NAME, "lake", WATER, remaining)
        self.water_features = tuple(features)
        self.features_by_name = {f.name: f for f in features}
        self.islands = tuple(Point(_xy(lon, lat)).buffer(r * 1000.0) for _, lon, lat, r in _ISLANDS)
        self.roads = tuple((name, _line(coords)) for name, coords in _EXPRESSWAYS)
        self.road_geometry = shapely.union_all([line.buffer(20.0) for _, line in self.roads]).intersection(
            self.city
        )
        self.places = tuple(
            _Place(name, *_xy(lon, lat), radius * 1000.0, amplitude, kind)
            for name, lon, lat, radius, amplitude, kind in _PLACES
        )
        self.parks = tuple(
            (name, Point(_xy(lon, lat)).buffer(radius * 1000.0))
            for name, lon, lat, radius in _INDUSTRIAL_PARKS
        )
        self.hill_points = {
            name: (_xy(lon, lat), radius * 1000.0, strength) for name, lon, lat, radius, strength in _HILLS
        }
        self.hill_polygons = tuple((name, _polygon(coords)) for name, coords in _HILL_POLYGONS)

    def _yangtze(self) -> BaseGeometry:
        minlon, minlat, maxlon, maxlat = _YANGTZE_BOX
        box = _polygon(((minlon, minlat), (maxlon, minlat), (maxlon, maxlat), (minlon, maxlat)))
        shore = self.city.boundary.intersection(box)
        return shore.buffer(_YANGTZE_HALF_WIDTH_M).intersection(self.city)

    # -- lattices ----------------------------------------------------------------------------------

    def _lattice(self, nominal: float, calib_res: float) -> _Lattice:
        spacing = max(nominal, calib_res / 2.0)
        minx, miny, maxx, maxy = self.bounds
        x0 = math.floor((minx - _PAD_M) / spacing) * spacing
        y0 = math.ceil((maxy + _PAD_M) / spacing) * spacing
        cols = math.ceil((maxx + _PAD_M - x0) / spacing) + 1
        rows = math.ceil((y0 - miny + _PAD_M) / spacing) + 1
        return _Lattice(x0, y0, spacing, (rows, cols))

    def _noise(self, lattice: _Lattice, name: str, sigma_m: float) -> None:
        lattice.fields[name] = _smooth_noise(
            _rng(self.seed, "noise", name), lattice.shape, sigma_m / lattice.spacing
        )

    def _build_lattices(self, calib_res: float) -> None:
        self.fine = self._lattice(_FINE, calib_res)
        self.kernel = self._lattice(_KERNEL, calib_res)
        self.medium = self._lattice(_MEDIUM, calib_res)
        self.coarse = self._lattice(_COARSE, calib_res)
        self._noise(self.fine, "fine_a", 30.0)
        self._noise(self.fine, "fine_b", 30.0)
        for name, sigma in (
            ("m_urban", 300.0),
            ("m_tree", 300.0),
            ("m_green", 220.0),
            ("m_grass", 300.0),
            ("m_bare", 160.0),
            ("m_shrub", 240.0),
            ("m_split", 150.0),
        ):
            self._noise(self.medium, name, sigma)
        for name, sigma in (
            ("c_tree", 1500.0),
            ("c_grass", 1500.0),
            ("c_pond", 1200.0),
            ("c_stream", 1000.0),
        ):
            self._noise(self.coarse, name, sigma)
        self._noise(self.kernel, "pond", 70.0)
        self._build_kernels()
        self._build_streams()
        self._build_district_weights()

    def _splat(self, target: FloatArray, x: float, y: float, sigma: float, amplitude: float) -> None:
        lattice = self.kernel
        reach = 3.5 * sigma
        j0 = max(int((x - reach - lattice.x0) / lattice.spacing), 0)
        j1 = min(int((x + reach - lattice.x0) / lattice.spacing) + 2, lattice.shape[1])
        i0 = max(int((lattice.y0 - (y + reach)) / lattice.spacing), 0)
        i1 = min(int((lattice.y0 - (y - reach)) / lattice.spacing) + 2, lattice.shape[0])
        if j0 >= j1 or i0 >= i1:
            return
        dx = lattice.x0 + np.arange(j0, j1) * lattice.spacing - x
        dy = lattice.y0 - np.arange(i0, i1) * lattice.spacing - y
        d2 = dy[:, None] ** 2 + dx[None, :] ** 2
        target[i0:i1, j0:j1] += (amplitude * np.exp(-d2 / (2.0 * sigma * sigma))).astype(np.float32)

    def _rasterize_on(self, lattice: _Lattice, shapes: Sequence[tuple[BaseGeometry, float]]) -> FloatArray:
        from rasterio import features
        from rasterio.transform import Affine

        s = lattice.spacing
        transform = Affine(s, 0.0, lattice.x0 - s / 2, 0.0, -s, lattice.y0 + s / 2)
        return features.rasterize(
            shapes, out_shape=lattice.shape, transform=transform, fill=0, dtype="float32"
        ).astype(np.float32)

    def _build_kernels(self) -> None:
        lattice = self.kernel
        urban = np.zeros(lattice.shape, np.float32)
        bua = np.zeros(lattice.shape, np.float32)
        halo = np.zeros(lattice.shape, np.float32)
        for place in self.places:
            sigma = place.radius_m / math.sqrt(2.0 * math.log(place.amplitude))
            self._splat(urban, place.x, place.y, sigma, place.amplitude)
            self._splat(halo, place.x, place.y, sigma * 1.6, 0.25)
            if place.kind in ("core", "seat"):
                self._splat(bua, place.x, place.y, sigma, place.amplitude)
        for _, park in self.parks:
            centre = park.centroid
            radius = math.sqrt(park.area / math.pi)
            self._splat(urban, centre.x, centre.y, radius / 0.9, 1.5)
        # Villages: a jittered grid over the plain, thinned away from towns, lakes and hills.
        rng = _rng(self.seed, "villages")
        minx, miny, maxx, maxy = self.bounds
        spacing = 820.0
        gx, gy = np.meshgrid(np.arange(minx, maxx, spacing), np.arange(miny, maxy, spacing))
        vx = gx.ravel() + rng.uniform(-0.42, 0.42, gx.size) * spacing
        vy = gy.ravel() + rng.uniform(-0.42, 0.42, gx.size) * spacing
        keep_draw = rng.uniform(0, 1, gx.size)
        sigmas = rng.uniform(95.0, 185.0, gx.size)
        amplitudes = rng.uniform(1.25, 1.55, gx.size)
        inside = shapely.contains_xy(self.city, vx, vy) & ~shapely.contains_xy(self.taihu, vx, vy)
        for feature in self.water_features:
            if feature.wetland_type in ("lake", "reservoir") or feature.name == _YANGTZE_NAME:
                inside &= ~shapely.contains_xy(feature.geometry, vx, vy)
        hill_here = self._hill_strength(vx, vy)
        villages = []
        for k in np.flatnonzero(inside & (keep_draw < 0.86) & (hill_here < 0.55)):
            villages.append((float(vx[k]), float(vy[k]), float(sigmas[k]), float(amplitudes[k])))
        for x, y, sigma, amplitude in villages:
            self._splat(urban, x, y, sigma, amplitude)
            self._splat(halo, x, y, sigma * 2.3, 0.95)
        self.villages = tuple(villages)
        lattice.fields["urban"] = urban
        lattice.fields["bua"] = bua
        lattice.fields["halo"] = halo
        hill = self._rasterize_on(lattice, [(geom, 1.0) for _, geom in self.hill_polygons])
        hill = np.clip(_gaussian_filter(hill, 900.0 / lattice.spacing) * 1.15, 0.0, 1.0)
        for (x, y), radius, strength in self.hill_points.values():
            bump = np.zeros(lattice.shape, np.float32)
            self._splat(bump, x, y, radius / 1.4, strength)
            hill = np.maximum(hill, bump)
        lattice.fields["hill"] = hill.astype(np.float32)

    def _hill_strength(
        self, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        strength = np.zeros(xs.shape)
        for _, polygon in self.hill_polygons:
            strength = np.maximum(strength, shapely.contains_xy(polygon, xs, ys).astype(float))
        for (x, y), radius, value in self.hill_points.values():
            d2 = (xs - x) ** 2 + (ys - y) ** 2
            strength = np.maximum(strength, value * np.exp(-d2 / (2 * (radius / 1.4) ** 2)))
        return strength

    def _build_district_weights(self) -> None:
        """Each district's share of a smoothly blurred district map (they sum to 1 inside the city).

        District-specific settings blend across district lines through these, so no class boundary
        follows an administrative line.
        """
        lattice = self.kernel
        index = self._rasterize_on(lattice, [(g, i + 1) for i, g in enumerate(self.district_geoms)])
        blurred = [
            _gaussian_filter((index == i + 1).astype(np.float32), _DISTRICT_BLEND_M / lattice.spacing)
            for i in range(len(self.district_geoms))
        ]
        total = np.maximum(np.sum(blurred, axis=0), 1e-6)
        for i, weights in enumerate(blurred):
            lattice.fields[f"district_{i}"] = np.clip(weights / total, 0.0, 1.0).astype(np.float32)

    def district_weights(self, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]) -> FloatArray:
        """The smooth district weights at pixel centres, shape (districts, rows, cols)."""
        names = [f"district_{i}" for i in range(len(self.district_geoms))]
        sampled = self.kernel.sample(names, xs, ys)
        return np.stack([sampled[name] for name in names])

    def _build_streams(self) -> None:
        lattice = self.kernel
        field_ = _smooth_noise(_rng(self.seed, "streams"), lattice.shape, 420.0 / lattice.spacing)
        gy, gx = np.gradient(field_, lattice.spacing)
        slope = np.maximum(np.hypot(gx, gy), 1e-9)
        lattice.fields["stream_d"] = (field_ / slope).astype(np.float32)

    # -- 建成区 --------------------------------------------------------------------------------------

    def _build_builtup(self) -> None:
        """The 建成区: where the city-proper and county-seat kernels are strong, with a noisy edge."""
        from rasterio import features
        from rasterio.transform import Affine

        lattice = self.kernel
        xs, ys = lattice.node_x(), lattice.node_y()
        kernel = lattice.fields["bua"]
        # The edge is ragged only near the cores, so no stray patches appear far from any centre.
        noise = self.medium.sample(["m_urban"], xs, ys)["m_urban"] * np.clip(kernel / 0.6, 0.0, 1.0)
        score = kernel + 0.28 * noise
        s = lattice.spacing
        transform = Affine(s, 0.0, lattice.x0 - s / 2, 0.0, -s, lattice.y0 + s / 2)
        in_city = features.rasterize(
            [(self.city.difference(self.taihu), 1)],
            out_shape=lattice.shape,
            transform=transform,
            fill=0,
            dtype="uint8",
        ).astype(bool)
        target_cells = _BUILTUP_AREA_KM2 * 1e6 / (s * s)
        low, high = 0.2, 3.0
        for _ in range(40):
            mid = (low + high) / 2
            if np.count_nonzero(in_city & (score >= mid)) > target_cells:
                low = mid
            else:
                high = mid
        mask = in_city & (score >= high)
        polygons = [
            shapely.geometry.shape(g)
            for g, _ in features.shapes(mask.astype(np.uint8), mask=mask, transform=transform)
        ]
        centres = {name: self._place(place) for name, place in _BUILTUP_CENTRES}
        groups: dict[str, list[BaseGeometry]] = {name: [] for name in centres}
        for polygon in polygons:
            point = polygon.representative_point()
            nearest = min(
                centres, key=lambda n: (centres[n].x - point.x) ** 2 + (centres[n].y - point.y) ** 2
            )
            groups[nearest].append(polygon)
        parts: dict[str, BaseGeometry] = {}
        for name, members in groups.items():
            merged = shapely.union_all(members).buffer(120.0).buffer(-120.0)
            kept = [
                Polygon(p.exterior, [h for h in p.interiors if Polygon(h).area > 1.5e6])
                for p in _polygons_of(merged)
                if p.area > 2e6
            ]
            parts[name] = (
                shapely.union_all(kept).intersection(self.city).difference(self.taihu).simplify(25.0)
            )
        self.builtup_parts = {name: part for name, part in parts.items() if not part.is_empty}
        self.builtup = shapely.union_all(list(self.builtup_parts.values()))

    def _place(self, name: str) -> _Place:
        return next(p for p in self.places if p.name == name)

    # -- classification ----------------------------------------------------------------------------

    def rasterize_static(self, transform: Any, shape: tuple[int, int]) -> dict[str, npt.NDArray[Any]]:
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
        district = burn([(g, i + 1) for i, g in enumerate(self.district_geoms)], "uint8")
        water_shapes = [(f.geometry, f.label) for f in self.water_features] + [(i, 0) for i in self.islands]
        return {
            "district": district,
            "water": burn(water_shapes, "uint16"),
            "islands": burn([(i, 1) for i in self.islands], "uint8").astype(bool),
            "road": burn([(self.road_geometry, 1)], "uint8").astype(bool),
            "bua": burn([(self.builtup, 1)], "uint8").astype(bool),
        }

    def scores(self, grid: _Grid, row0: int, row1: int) -> dict[str, npt.NDArray[Any]]:
        """Everything threshold-independent on rows ``row0:row1`` of ``grid``: masks, water and scores."""
        shape = (row1 - row0, grid.width)
        out = self.rasterize_static(grid.window_transform(row0), shape)
        xs, ys = grid.col_x(), grid.row_y(row0, row1)
        f = self.fine.sample(["fine_a", "fine_b"], xs, ys)
        k = self.kernel.sample(["urban", "halo", "hill", "stream_d", "pond"], xs, ys)
        m = self.medium.sample(
            ["m_urban", "m_tree", "m_green", "m_grass", "m_bare", "m_shrub", "m_split"], xs, ys
        )
        c = self.coarse.sample(["c_tree", "c_grass", "c_pond", "c_stream"], xs, ys)
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
        # The old city (梁溪) is the densest fabric: less green, and more of it lawn and squares.
        weights = self.district_weights(xs, ys)
        out["district_weights"] = weights
        # The old city (梁溪) and the industrial new district (新吴) are the densest fabric: less green,
        # and more of it lawn and squares. Blended by the district weights, so no seam at their edges.
        dense = sum(weights[_UNITS_ORDER.index(a)] * share for a, share in _DENSE_FABRIC.items())
        out["green_score"] -= 1.1 * dense
        out["tree_split"] = (m["m_split"] + 0.5 * f["fine_b"] + 3.0 * hill - 0.5 * dense) > -0.55

        # Water: named features, then generic streams and ponds where nothing named is.
        water = out["water"]
        width = 31.0 + 11.0 * np.tanh(c["c_stream"])
        stream = (
            (np.abs(k["stream_d"]) < width / 2)
            & (c["c_stream"] > -0.55)
            & (hill < 0.35)
            & (urban_score < 1.9)
        )
        pond = ((0.55 * c["c_pond"] + k["pond"]) > 2.05) & (hill < 0.3) & (urban_score < 0.9) & ~out["bua"]
        free = (water == 0) & ~out["islands"] & valid
        water[free & stream] = _STREAM_LABEL
        water[free & ~stream & pond] = _POND_LABEL
        water[~valid] = 0
        code = self._label_codes()[water]
        # Marshes are a mosaic of reeds (90) and open pools (80).
        pools = (code == WETLAND) & ((m["m_split"] + 0.6 * f["fine_a"]) < -0.55)
        code[pools] = WATER
        out["water_code"] = code
        out["grass"] = (0.6 * c["c_grass"] + 0.55 * m["m_grass"] + 0.25 * f["fine_a"]) > 1.3
        out["bare"] = ((m["m_bare"] + 0.35 * f["fine_b"]) > 2.45) & ((urban_score > 0.55) | (hill > 0.5))
        out["shrub"] = (m["m_shrub"] + 0.3 * f["fine_a"] + 0.5 * np.clip(hill - 0.2, 0.0, 0.6)) > 1.95
        return out

    @staticmethod
    def masks(sc: dict[str, npt.NDArray[Any]], thresholds: _Thresholds) -> dict[str, npt.NDArray[Any]]:
        """Per year: which pixels follow the rural rules and are not built, and the urban green."""
        valid = sc["district"] > 0
        is_water = sc["water"] > 0
        fixed = is_water | sc["road"] | sc["islands"] | ~valid
        bua = sc["bua"]
        new_bua = bua & (sc["urban_score"] < thresholds.bua_new)
        green = sc["green_score"] >= thresholds.green
        out = {"fixed": fixed, "green": green, "urban_tree": green & sc["tree_split"]}
        for year, built_threshold in _BUILT_THRESHOLDS.items():
            urban = bua & ~new_bua if year == 2020 else bua
            out[f"urban{year}"] = urban & ~fixed
            rural = ~fixed & ~urban
            out[f"built{year}"] = rural & (sc["urban_score"] >= built_threshold)
            out[f"rural{year}"] = rural & ~out[f"built{year}"]
        return out

    def classes(
        self, sc: dict[str, npt.NDArray[Any]], thresholds: _Thresholds
    ) -> dict[int, npt.NDArray[np.uint8]]:
        """WorldCover classes for 2020 and 2024 from :meth:`scores` and calibrated thresholds."""
        mk = self.masks(sc, thresholds)
        district = sc["district"]
        urban_class = np.where(mk["green"], np.where(mk["urban_tree"], TREE, GRASS), BUILT).astype(np.uint8)
        rural_base = np.full(district.shape, CROP, np.uint8)
        rural_base[sc["grass"]] = GRASS
        rural_base[sc["bare"]] = BARE
        out = {}
        for year in YEARS:
            cls = rural_base.copy()
            bias = np.tensordot(
                thresholds.woody_bias[year].astype(np.float32), sc["district_weights"], axes=1
            )
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
            out[year] = cls
        return out

    def _label_codes(self) -> npt.NDArray[np.uint8]:
        size = max(f.label for f in self.water_features) + 1
        codes = np.zeros(size, np.uint8)
        codes[_STREAM_LABEL] = WATER
        codes[_POND_LABEL] = WATER
        for feature in self.water_features:
            codes[feature.label] = feature.code
        return codes


# --------------------------------------------------------------------------------------------------
# Calibration and the raster pass
# --------------------------------------------------------------------------------------------------


def _compute_rows(grid: _Grid) -> int:
    """Rows per compute strip: about 0.6 Mpx, small enough to stay in cache, large enough to amortise."""
    return max(16, min(grid.height, 600_000 // max(grid.width, 1)))


def _kth_largest_threshold(values: npt.NDArray[np.float32], count: int) -> float:
    """The threshold ``t`` such that ``count`` of ``values`` are ``>= t`` (ties aside)."""
    if count <= 0 or values.size == 0:
        return math.inf
    if count >= values.size:
        return -math.inf
    return float(np.partition(values, values.size - count)[values.size - count])


def _calibrate(world: _World, grid: _Grid, progress: ProgressCallback | None) -> _Thresholds:
    """Thresholds that hit the calibration targets on ``grid`` (pixel counts)."""
    keys = ("district", "bua", "urban_score", "green_score", "tree_split", "woody_score")
    keep: dict[str, list[npt.NDArray[Any]]] = {k: [] for k in (*keys, "district_weights")}
    n_bua_all = 0
    bua_islands = 0
    island_px = np.zeros(len(_UNITS_ORDER) + 1, np.int64)
    strips = list(grid.strips(_compute_rows(grid)))
    for done, (row0, row1) in enumerate(strips, start=1):
        sc = world.scores(grid, row0, row1)
        valid = sc["district"] > 0
        n_bua_all += int(np.count_nonzero(sc["bua"] & valid))
        islands = sc["islands"] & valid
        bua_islands += int(np.count_nonzero(islands & sc["bua"]))
        island_px += np.bincount(sc["district"][islands], minlength=island_px.size)
        free = valid & (sc["water"] == 0) & ~sc["road"] & ~sc["islands"]
        for key in keys:
            keep[key].append(sc[key][free])
        keep["district_weights"].append(sc["district_weights"][:, free])
        if progress is not None:
            progress("calibrating", done, len(strips))
    arrays = {}
    for key in list(keep):  # concatenate one key at a time, dropping the pieces, to halve the peak
        arrays[key] = np.concatenate(keep.pop(key), axis=-1)
    district, bua = arrays["district"], arrays["bua"]
    urban_score, green_score = arrays["urban_score"], arrays["green_score"]

    thresholds = _Thresholds()
    # 建成区: its lowest-scoring edge was still countryside in 2020; its green share is the target.
    thresholds.bua_new = float(np.quantile(urban_score[bua], _NEW_BUILTUP_SHARE)) if bua.any() else -math.inf
    green_needed = round(_BUILTUP_GREEN_TARGET / 100.0 * n_bua_all) - bua_islands
    thresholds.green = _kth_largest_threshold(green_score[bua], green_needed)

    pixel_km2 = grid.res * grid.res / 1e6
    urban_tree = (green_score >= thresholds.green) & arrays["tree_split"]
    for year in YEARS:
        urban = bua & (urban_score >= thresholds.bua_new) if year == 2020 else bua
        rural = ~urban & (urban_score < _BUILT_THRESHOLDS[year])
        fixed = (np.bincount(district[urban & urban_tree], minlength=island_px.size) + island_px)[1:]
        wanted = np.array(
            [
                _WOODY_TARGETS[year].get(a, 0.0) / 100.0 * world.official_km2[a] / pixel_km2
                for a in _UNITS_ORDER
            ]
        )
        city_wanted = _CITY_WOODY_TARGET[year] / 100.0 * world.official_km2[CITY_ADCODE] / pixel_km2
        thresholds.woody_bias[year] = _solve_woody_bias(
            arrays["woody_score"][rural],
            arrays["district_weights"][:, rural],
            district[rural],
            wanted - fixed,
            city_wanted - fixed.sum(),
        )
    return thresholds


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
    members = [district == i + 1 for i in range(len(_UNITS_ORDER))]
    free = _UNITS_ORDER.index("320213")
    balancing = _UNITS_ORDER.index(_BALANCING_DISTRICT)
    bias = np.array(
        [
            -_kth_largest_threshold(score[m], round(w)) if m.any() else 0.0
            for m, w in zip(members, wanted, strict=True)
        ]
    )
    bias[~np.isfinite(bias)] = _NO_WOODY_BIAS
    for _ in range(40):
        bias[free] = float(np.min(np.delete(bias, free)))
        value = score + np.tensordot(bias.astype(np.float32), weights, axes=1)
        counts = np.array([np.count_nonzero(value[m] >= 0) for m in members], dtype=np.float64)
        goal = wanted.copy()
        goal[balancing] = city_wanted - (counts.sum() - counts[balancing])
        largest = 0.0
        for i, member in enumerate(members):
            if i == free or not member.any():
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


@dataclass
class _Tally:
    """Pixel counts gathered while writing: class per district and year, classes inside the 建成区."""

    classes: npt.NDArray[np.int64]  # [year index, district index, code]
    builtup: npt.NDArray[np.int64]  # [year index, code]

    @classmethod
    def empty(cls) -> _Tally:
        return cls(np.zeros((2, len(_UNITS_ORDER) + 1, 256), np.int64), np.zeros((2, 256), np.int64))

    def add(
        self,
        year_index: int,
        district: npt.NDArray[np.uint8],
        cls: npt.NDArray[np.uint8],
        bua: npt.NDArray[np.bool_],
    ) -> None:
        flat = district.astype(np.int64) * 256 + cls
        self.classes[year_index] += np.bincount(flat.ravel(), minlength=self.classes[0].size).reshape(
            self.classes[0].shape
        )
        inside = bua & (district > 0)
        self.builtup[year_index] += np.bincount(cls[inside], minlength=256)


_GDAL_CACHE_MB = 192


def _overview_count(grid: _Grid) -> int:
    """Overview levels down to about 256 px on the long side, and at least one (so small grids have one)."""
    count, size = 0, float(max(grid.width, grid.height))
    while size > 256 or count == 0:
        size, count = size / 2, count + 1
    return count


def _raster_tags(year: int, seed: int, resolution: int) -> dict[str, str]:
    return {
        "SYNTHETIC": "true",
        "GENERATOR": GENERATOR,
        "SEED": str(seed),
        "YEAR": str(year),
        "SCHEME": "worldcover",
        "RESOLUTION_M": str(resolution),
        "DESCRIPTION": (
            f"SYNTHETIC demo land cover of Wuxi for {year} (not a measurement): ESA WorldCover class codes "
            f"(10 tree, 20 shrub, 30 grass, 40 crop, 50 built-up, 60 bare, 80 water, 90 herbaceous wetland; "
            f"0 nodata outside the city), generated by {GENERATOR} with seed {seed}"
        ),
        "LICENSE": "CC0-1.0",
    }


def _write_rasters(
    world: _World,
    grid: _Grid,
    thresholds: _Thresholds,
    paths: dict[int, Path],
    seed: int,
    resolution: int,
    progress: ProgressCallback | None,
    keep_arrays: bool,
) -> tuple[_Tally, dict[str, npt.NDArray[Any]]]:
    """Classify ``grid`` strip by strip into temporary GeoTIFFs, then copy them to COGs."""
    import rasterio
    import rasterio.shutil

    tally = _Tally.empty()
    kept: dict[str, list[npt.NDArray[Any]]] = {k: [] for k in ("lc2024", "water", "district", "bua", "road")}
    profile = {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": "uint8",
        "crs": METRIC_CRS,
        "transform": grid.transform,
        "nodata": NODATA,
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "NONE",
    }
    colormap = {code: WORLDCOVER_COLORS[code] for code in WORLDCOVER_COLORS}
    # A bounded GDAL block cache keeps the 10 m run's memory flat (the default is 5% of RAM).
    with (
        tempfile.TemporaryDirectory(prefix="geoplan-demo-") as workdir,
        rasterio.Env(GDAL_CACHEMAX=_GDAL_CACHE_MB),
    ):
        temps = {year: Path(workdir) / f"lc{year}.tif" for year in YEARS}
        with (
            rasterio.open(temps[2020], "w", **profile) as dst20,
            rasterio.open(temps[2024], "w", **profile) as dst24,
        ):
            strips = list(grid.strips(_compute_rows(grid)))
            for done, (row0, row1) in enumerate(strips, start=1):
                sc = world.scores(grid, row0, row1)
                classes = world.classes(sc, thresholds)
                window = rasterio.windows.Window(0, row0, grid.width, row1 - row0)
                for index, (year, dst) in enumerate(((2020, dst20), (2024, dst24))):
                    dst.write(classes[year], 1, window=window)
                    tally.add(index, sc["district"], classes[year], sc["bua"])
                if keep_arrays:
                    kept["lc2024"].append(classes[2024])
                    kept["water"].append(sc["water"])
                    kept["district"].append(sc["district"])
                    kept["bua"].append(sc["bua"])
                    kept["road"].append(sc["road"])
                if progress is not None:
                    progress(f"land cover {resolution} m", done, len(strips))
        for step, year in enumerate(YEARS, start=1):
            with rasterio.open(temps[year], "r+") as src:
                src.write_colormap(1, colormap)
                src.update_tags(**_raster_tags(year, seed, resolution))
                src.set_band_description(1, f"land cover {year} (ESA WorldCover codes), SYNTHETIC")
            rasterio.shutil.copy(
                temps[year],
                paths[year],
                driver="COG",
                COMPRESS="DEFLATE",
                PREDICTOR="YES",
                LEVEL="9" if resolution >= 30 else "6",  # level 9 costs ~15 s per 100 Mpx for ~15% less
                BLOCKSIZE="512",
                OVERVIEW_RESAMPLING="MODE",
                OVERVIEWS="AUTO",
                OVERVIEW_COUNT=str(_overview_count(grid)),
                NUM_THREADS="ALL_CPUS",
                SPARSE_OK="FALSE",
            )
            if progress is not None:
                progress("writing COG", step, len(YEARS))
    arrays = {k: np.concatenate(v) for k, v in kept.items()} if keep_arrays else {}
    return tally, arrays


# --------------------------------------------------------------------------------------------------
# Vector layers (derived from the 2024 classes on the calibration grid)
# --------------------------------------------------------------------------------------------------


@dataclass
class _GridArrays:
    """The 2024 classes and helpers on the whole vector grid, for placing and deriving features."""

    grid: _Grid
    lc2024: npt.NDArray[np.uint8]
    water: npt.NDArray[np.uint16]
    district: npt.NDArray[np.uint8]
    bua: npt.NDArray[np.bool_]
    road: npt.NDArray[np.bool_]

    def pixel_of(
        self, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        cols = np.floor((xs - self.grid.x0) / self.grid.res).astype(np.int64)
        rows = np.floor((self.grid.y0 - ys) / self.grid.res).astype(np.int64)
        inside = (cols >= 0) & (cols < self.grid.width) & (rows >= 0) & (rows < self.grid.height)
        return np.clip(rows, 0, self.grid.height - 1), np.clip(cols, 0, self.grid.width - 1), inside

    def class_at(self, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
        rows, cols, inside = self.pixel_of(xs, ys)
        return np.where(inside, self.lc2024[rows, cols], NODATA).astype(np.uint8)

    def pixels(self, mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Centres (x, y) of the pixels in ``mask``, in row-major order."""
        rows, cols = np.nonzero(mask)
        xs = self.grid.x0 + (cols + 0.5) * self.grid.res
        ys = self.grid.y0 - (rows + 0.5) * self.grid.res
        return xs.astype(np.float64), ys.astype(np.float64)


def _nearest_place(
    world: _World, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    px = np.array([p.x for p in world.places])
    py = np.array([p.y for p in world.places])
    out = np.empty(xs.size, np.int64)
    for start in range(0, xs.size, 20000):
        sx, sy = xs[start : start + 20000], ys[start : start + 20000]
        out[start : start + 20000] = np.argmin((sx[:, None] - px) ** 2 + (sy[:, None] - py) ** 2, axis=1)
    return out


def _short(place_name: str) -> str:
    return place_name.removesuffix("城区") if place_name.endswith("城区") else place_name


def _frame(
    records: list[dict[str, Any]], geometries: Sequence[BaseGeometry], columns: Sequence[str]
) -> gpd.GeoDataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    return gpd.GeoDataFrame(frame, geometry=list(geometries), crs=METRIC_CRS)


def _wetlands(world: _World, arrays: _GridArrays) -> gpd.GeoDataFrame:
    """Wetland polygons (三调 scope: water surfaces included) from the 2024 water and wetland pixels."""
    from rasterio import features

    grid = arrays.grid
    tolerance = grid.res / 2.0
    from rasterio.transform import Affine

    pixel_ha = grid.res * grid.res / 1e4
    labels = arrays.water
    records: list[dict[str, Any]] = []
    geometries: list[BaseGeometry] = []
    for feature in world.water_features:
        minx, miny, maxx, maxy = feature.geometry.bounds
        col0 = max(int((minx - grid.x0) // grid.res) - 1, 0)
        col1 = min(int((maxx - grid.x0) // grid.res) + 2, grid.width)
        row0 = max(int((grid.y0 - maxy) // grid.res) - 1, 0)
        row1 = min(int((grid.y0 - miny) // grid.res) + 2, grid.height)
        mask = labels[row0:row1, col0:col1] == feature.label
        if not mask.any():
            continue
        parts = [
            shapely.geometry.shape(g)
            for g, _ in features.shapes(
                mask.astype(np.uint8),
                mask=mask,
                transform=grid.window_transform(row0) @ Affine.translation(col0, 0),
                connectivity=8,
            )
        ]
        merged = shapely.union_all(parts).simplify(tolerance)
        if merged.is_empty:
            continue
        records.append({"name": feature.name, "wetland_type": feature.wetland_type})
        geometries.append(merged)
    generic: list[tuple[int, str, float]] = [
        (_STREAM_LABEL, "河道", 1.0),
        (_POND_LABEL, "坑塘", 2.0 * pixel_ha),
    ]
    for label, word, min_ha in generic:
        mask = labels == label
        if not mask.any():
            continue
        shapes = [
            shapely.geometry.shape(g)
            for g, _ in features.shapes(
                mask.astype(np.uint8),
                mask=mask,
                transform=grid.transform,
                connectivity=8 if label == _STREAM_LABEL else 4,
            )
        ]
        shapes = [s.simplify(tolerance) for s in shapes if s.area / 1e4 >= min_ha - 1e-9]
        shapes = [s for s in shapes if not s.is_empty]
        if not shapes:
            continue
        centres = shapely.centroid(np.array(shapes, dtype=object))
        nearest = _nearest_place(world, shapely.get_x(centres), shapely.get_y(centres))
        order = np.lexsort((shapely.get_x(centres), -shapely.get_y(centres), nearest))
        counters: dict[int, int] = {}
        for k in order:
            counters[nearest[k]] = counters.get(nearest[k], 0) + 1
            place = _short(world.places[nearest[k]].name)
            records.append(
                {
                    "name": f"{place}{word}{counters[nearest[k]]}",
                    "wetland_type": "river" if label == _STREAM_LABEL else "pond",
                }
            )
            geometries.append(shapes[k])
    return _frame(records, geometries, ["name", "wetland_type"])


def _protected_areas(world: _World, wetlands: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict[str, float]]:
    """Protected areas, with the Taihu protection band sized so the city-wide rate hits the target."""
    by_name = dict(zip(wetlands["name"], wetlands.geometry, strict=True))
    records: list[dict[str, Any]] = []
    geometries: list[BaseGeometry] = []
    for name, ptype, level, around, buffer_m in _WETLAND_PARKS:
        geometry = by_name.get(around)
        if geometry is None:
            continue
        if around == _YANGTZE_NAME:  # the plot covers the river's western reach, off 璜土/利港/申港
            minx, miny, maxx, maxy = geometry.bounds
            geometry = shapely.clip_by_rect(geometry, minx, miny, minx + 0.55 * (maxx - minx), maxy)
        records.append({"name": name, "protection_type": ptype, "level": level})
        geometries.append(geometry.buffer(buffer_m).intersection(world.city).simplify(10.0))
    for name, ptype, level, hill in _FOREST_RESERVES:
        (x, y), radius, _ = world.hill_points[hill]
        lon, lat = _TO_LONLAT.transform(x, y)
        outline = _ellipse(lon, lat, radius * 0.85e-3, radius * 0.6e-3, 25.0, name)
        records.append({"name": name, "protection_type": ptype, "level": level})
        geometries.append(outline.intersection(world.city))

    wetland_union = shapely.union_all(list(wetlands.geometry))
    wetland_area = wetland_union.area
    fixed_union = shapely.union_all(geometries)
    taihu_water = shapely.union_all(
        [g for n, g in by_name.items() if n == _TAIHU_NAME or n in {b for b, _ in _TAIHU_BAYS}]
    )
    shore = world.taihu.boundary.intersection(world.city.buffer(50.0))
    coarse_shore = shore.simplify(100.0)  # the band's outer edge needs no detail; buffering it stays fast
    shore_land = shore.buffer(250.0).intersection(world.city).difference(world.taihu)

    def band(distance: float) -> BaseGeometry:
        return shapely.union_all(
            [taihu_water.intersection(coarse_shore.buffer(distance, quad_segs=4)), shore_land]
        )

    def rate(distance: float) -> float:
        protected = shapely.union_all([fixed_union, band(distance)])
        return 100.0 * wetland_union.intersection(protected).area / wetland_area

    low, high = 0.0, 20000.0
    for _ in range(11):
        mid = (low + high) / 2
        if rate(mid) < _WETLAND_PROTECTION_TARGET:
            low = mid
        else:
            high = mid
    taihu_band = band(high).simplify(10.0)
    records.insert(
        0, {"name": _TAIHU_PROTECTED_NAME, "protection_type": "protection_plot", "level": "national"}
    )
    geometries.insert(0, taihu_band)
    frame = _frame(records, geometries, ["name", "protection_type", "level"])
    achieved = rate(high)
    return frame, {
        "wetland_protection_rate_2024": round(achieved, 2),
        "taihu_band_m": round(high, 0),
        "wetland_area_km2": round(wetland_area / 1e6, 1),
    }


def _builtup(world: _World) -> gpd.GeoDataFrame:
    records = [{"name": name, "year": 2024} for name in world.builtup_parts]
    return _frame(records, list(world.builtup_parts.values()), ["name", "year"])


def _rectangles(
    xs: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    widths: npt.NDArray[np.float64],
    depths: npt.NDArray[np.float64],
    angles_deg: npt.NDArray[np.float64],
) -> npt.NDArray[Any]:
    """Rotated rectangles (width along the rotated x axis) as an array of shapely polygons."""
    a = np.radians(angles_deg)
    ca, sa = np.cos(a), np.sin(a)
    corners = np.array([(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5), (-0.5, -0.5)])
    dx = corners[None, :, 0] * widths[:, None]
    dy = corners[None, :, 1] * depths[:, None]
    px = xs[:, None] + dx * ca[:, None] - dy * sa[:, None]
    py = ys[:, None] + dx * sa[:, None] + dy * ca[:, None]
    return np.asarray(shapely.polygons(np.stack([px, py], axis=-1)), dtype=object)


def _pick(rng: np.random.Generator, count: int, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    if weights.size == 0 or count <= 0:
        return np.zeros(0, np.int64)
    p = weights / weights.sum()
    return rng.choice(weights.size, size=count, replace=True, p=p)


def _jitter(rng: np.random.Generator, xs: npt.NDArray[np.float64], res: float) -> npt.NDArray[np.float64]:
    return xs + rng.uniform(-0.45, 0.45, xs.size) * res


@dataclass
class _Buildings:
    frame: gpd.GeoDataFrame
    compounds: list[tuple[float, float, str]]  # residential compounds: centre x, y, name


_PILOT_COUNTIES = {"320281", "320282", "320205", "320206"}


def _buildings(world: _World, arrays: _GridArrays, seed: int) -> _Buildings:
    """A sample of about 50,000 roofs: industrial parks, residential compounds, villages, schools, offices."""
    from rasterio import features

    rng = _rng(seed, "buildings")
    grid = arrays.grid
    built = (arrays.lc2024 == BUILT) & ~arrays.road
    park_index = features.rasterize(
        [(geom, i + 1) for i, (_, geom) in enumerate(world.parks)],
        out_shape=arrays.lc2024.shape,
        transform=grid.transform,
        fill=0,
        dtype="uint8",
    )
    parts: list[dict[str, Any]] = []

    def add(
        kind: str, xs: Any, ys: Any, widths: Any, depths: Any, angles: Any, names: Sequence[str | None]
    ) -> None:
        parts.append(
            {
                "kind": kind,
                "x": np.asarray(xs, float),
                "y": np.asarray(ys, float),
                "w": np.asarray(widths, float),
                "d": np.asarray(depths, float),
                "a": np.asarray(angles, float),
                "names": list(names),
            }
        )

    # Industrial and commercial: large sheds in the parks, malls and offices in the cores.
    px, py = arrays.pixels(built & (park_index > 0))
    park_of = park_index[built & (park_index > 0)]
    park_angle = _rng(seed, "park angles").uniform(-25, 25, len(world.parks) + 1)
    n = 7200
    k = _pick(rng, n, np.ones(px.size))
    area = np.clip(np.exp(rng.normal(math.log(5200.0), 0.85, k.size)), 2000.0, 40000.0)
    aspect = rng.uniform(1.2, 2.6, k.size)
    add(
        "industrial_commercial",
        _jitter(rng, px[k], grid.res),
        _jitter(rng, py[k], grid.res),
        np.sqrt(area * aspect),
        np.sqrt(area / aspect),
        park_angle[park_of[k]] + rng.normal(0, 3, k.size),
        [None] * k.size,
    )
    cx, cy = arrays.pixels(built & arrays.bua & (park_index == 0))
    k = _pick(rng, 900, np.ones(cx.size))
    area = np.clip(np.exp(rng.normal(math.log(4500.0), 0.7, k.size)), 2000.0, 25000.0)
    aspect = rng.uniform(1.0, 2.0, k.size)
    add(
        "industrial_commercial",
        _jitter(rng, cx[k], grid.res),
        _jitter(rng, cy[k], grid.res),
        np.sqrt(area * aspect),
        np.sqrt(area / aspect),
        rng.normal(0, 10, k.size),
        [None] * k.size,
    )

    # Urban residential compounds: rows of south-facing slabs.
    compounds: list[tuple[float, float, str]] = []
    k = _pick(rng, 2300, np.ones(cx.size))
    centre_place = _nearest_place(world, cx[k], cy[k])
    xs, ys, ws, ds, angs = [], [], [], [], []
    counters: dict[int, int] = {}
    for j, pixel in enumerate(k):
        x0, y0 = cx[pixel], cy[pixel]
        angle = rng.normal(0, 8)
        rows_n, cols_n = int(rng.integers(3, 6)), int(rng.integers(2, 4))
        width, depth = rng.uniform(40, 68), rng.uniform(12, 16)
        gap_y, gap_x = rng.uniform(34, 44), width + rng.uniform(12, 22)
        a = math.radians(angle)
        for r in range(rows_n):
            for c in range(cols_n):
                ox, oy = (c - (cols_n - 1) / 2) * gap_x, (r - (rows_n - 1) / 2) * gap_y
                xs.append(x0 + ox * math.cos(a) - oy * math.sin(a))
                ys.append(y0 + ox * math.sin(a) + oy * math.cos(a))
                ws.append(width * rng.uniform(0.9, 1.1))
                ds.append(depth)
                angs.append(angle)
        place = int(centre_place[j])
        counters[place] = counters.get(place, 0) + 1
        compounds.append((float(x0), float(y0), f"{_short(world.places[place].name)}{counters[place]}号小区"))
    add("urban_residential", xs, ys, ws, ds, angs, [None] * len(xs))

    # Schools and hospitals, and government offices near the centres of places.
    k = _pick(rng, 1250, np.ones(cx.size))
    tx, ty = arrays.pixels(built & ~arrays.bua & (park_index == 0))
    k2 = _pick(rng, 350, np.ones(tx.size))
    sx = np.concatenate([cx[k], tx[k2]])
    sy = np.concatenate([cy[k], ty[k2]])
    area = np.clip(np.exp(rng.normal(math.log(4800.0), 0.5, sx.size)), 2000.0, 14000.0)
    aspect = rng.uniform(1.3, 3.0, sx.size)
    near = _nearest_place(world, sx, sy)
    kinds = rng.choice(
        ["小学", "中学", "幼儿园", "人民医院", "社区卫生服务中心", "职业学校"],
        sx.size,
        p=[0.3, 0.25, 0.15, 0.1, 0.15, 0.05],
    )
    add(
        "school_hospital",
        _jitter(rng, sx, grid.res),
        _jitter(rng, sy, grid.res),
        np.sqrt(area * aspect),
        np.sqrt(area / aspect),
        rng.normal(0, 8, sx.size),
        [f"{_short(world.places[p].name)}{kind}" for p, kind in zip(near, kinds, strict=True)],
    )
    offices = ("人民政府", "街道办事处", "行政服务中心", "税务所", "派出所", "司法所",
               "文化中心", "社区服务中心", "市场监管所", "自然资源所", "财政所", "水务站")  # fmt: skip
    gx: list[float] = []
    gy: list[float] = []
    gnames: list[str] = []
    for town in world.places:
        count = 12 if town.kind == "core" else 8 if town.kind == "seat" else 4
        for i in range(count):
            distance = rng.uniform(0, min(town.radius_m * 0.6, 1500.0))
            bearing = rng.uniform(0, 2 * math.pi)
            gx.append(town.x + distance * math.cos(bearing))
            gy.append(town.y + distance * math.sin(bearing))
            gnames.append(f"{_short(town.name)}{offices[i % len(offices)]}")
    area = np.clip(np.exp(rng.normal(math.log(2500.0), 0.45, len(gx))), 1200.0, 6000.0)
    aspect = rng.uniform(1.2, 2.5, len(gx))
    add(
        "government",
        gx,
        gy,
        np.sqrt(area * aspect),
        np.sqrt(area / aspect),
        rng.normal(0, 6, len(gx)),
        gnames,
    )

    # Rural homes: clusters in the villages.
    hx: list[float] = []
    hy: list[float] = []
    ha: list[float] = []
    for x, y, sigma, _ in world.villages:
        count = int(rng.integers(4, 12))
        angle = rng.normal(0, 10)
        hx.extend(x + rng.normal(0, sigma * 0.55, count))
        hy.extend(y + rng.normal(0, sigma * 0.55, count))
        ha.extend(angle + rng.normal(0, 4, count))
    count = len(hx)
    add("rural_home", hx, hy, rng.uniform(10, 15, count), rng.uniform(9, 12, count), ha, [None] * count)

    kind_list, geoms, names = [], [], []
    for part in parts:
        polygons = _rectangles(part["x"], part["y"], part["w"], part["d"], part["a"])
        cls = arrays.class_at(part["x"], part["y"])
        ok = (cls == BUILT) if part["kind"] != "government" else (cls != NODATA) & (cls != WATER)
        if part["kind"] == "rural_home":
            ok &= ~arrays.bua[arrays.pixel_of(part["x"], part["y"])[:2]]
        ok &= shapely.contains_xy(world.city, part["x"], part["y"])
        kind_list += [part["kind"]] * int(ok.sum())
        geoms += list(polygons[ok])
        names += [n for n, keep in zip(part["names"], ok, strict=True) if keep]
    geometry = np.array(geoms, dtype=object)
    # Drop footprints that overlap an earlier one (earlier: larger and more important kinds).
    tree = shapely.STRtree(geometry)
    left, right = tree.query(geometry, predicate="intersects")
    clash = right[left < right]
    keep = np.ones(geometry.size, bool)
    keep[np.unique(clash)] = False
    frame = _frame(
        [{"building_type": t, "name": n} for t, n, k in zip(kind_list, names, keep, strict=True) if k],
        list(geometry[keep]),
        ["building_type", "name"],
    )
    frame["roof_area_m2"] = np.round(frame.geometry.area, 1)
    frame = frame[["building_type", "roof_area_m2", "name", "geometry"]]
    return _Buildings(frame, compounds)


def _pv_sites(world: _World, arrays: _GridArrays, buildings: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    """Installed PV: industrial roofs (pilot counties first), public roofs, homes, ground and floating."""
    rng = _rng(seed, "pv")
    centroids = buildings.geometry.centroid
    bx, by = centroids.x.to_numpy(), centroids.y.to_numpy()
    district = arrays.district[arrays.pixel_of(bx, by)[:2]]
    pilot = np.isin(np.array([_UNITS_ORDER[d - 1] if d else "" for d in district]), list(_PILOT_COUNTIES))
    kinds = buildings["building_type"].to_numpy()
    roof = buildings["roof_area_m2"].to_numpy()
    rows: list[dict[str, Any]] = []
    points: list[BaseGeometry] = []
    near = _nearest_place(world, bx, by)

    def years(count: int, first: int, skew: float) -> npt.NDArray[np.int64]:
        span = np.arange(first, 2025)
        weights = np.exp(skew * (span - first))
        return rng.choice(span, size=count, p=weights / weights.sum())

    for kind, count, share, label in (
        ("industrial_commercial", 2500, (0.35, 0.8), "工业屋顶分布式光伏"),
        ("school_hospital", 180, (0.3, 0.6), "公共建筑屋顶光伏"),
        ("government", 120, (0.3, 0.6), "党政机关屋顶光伏"),
        ("rural_home", 1600, (0.5, 0.9), "户用光伏"),
    ):
        candidates = np.flatnonzero(kinds == kind)
        weights = np.where(pilot[candidates], 3.0, 1.0) * (roof[candidates] if kind != "rural_home" else 1.0)
        chosen = np.unique(_pick(rng, count, weights.astype(float)))
        capacity = roof[chosen] * rng.uniform(*share, chosen.size) * 0.2
        for i, cap, year in zip(chosen, capacity, years(chosen.size, 2014, 0.28), strict=True):
            rows.append(
                {
                    "name": f"{_short(world.places[near[i]].name)}{label}",
                    "capacity_kw": float(cap),
                    "kind": "rooftop",
                    "year": int(year),
                }
            )
            points.append(Point(bx[i], by[i]))
    hill_px = arrays.pixels(np.isin(arrays.lc2024, (GRASS, BARE, CROP)) & ~arrays.bua)
    hill_strength = world._hill_strength(*hill_px)
    for kind, mask_xy, count, mw, first, label in (
        (
            "ground",
            (hill_px[0][hill_strength > 0.25], hill_px[1][hill_strength > 0.25]),
            24,
            (5, 45),
            2013,
            "地面光伏电站",
        ),
        ("floating", arrays.pixels(arrays.water == _POND_LABEL), 18, (4, 35), 2016, "渔光互补光伏电站"),
    ):
        xs, ys = mask_xy
        if xs.size == 0:
            continue
        d = arrays.district[arrays.pixel_of(xs, ys)[:2]]
        weights = np.where(
            np.isin(np.array([_UNITS_ORDER[i - 1] if i else "" for i in d]), list(_PILOT_COUNTIES)), 3.0, 1.0
        )
        chosen = _pick(rng, count, weights)
        capacity = rng.uniform(*mw, chosen.size) * 1000.0
        place = _nearest_place(world, xs[chosen], ys[chosen])
        for i, cap, p, year in zip(chosen, capacity, place, years(chosen.size, first, 0.15), strict=True):
            rows.append(
                {
                    "name": f"{_short(world.places[p].name)}{label}",
                    "capacity_kw": float(cap),
                    "kind": kind,
                    "year": int(year),
                }
            )
            points.append(Point(xs[i], ys[i]))
    frame = _frame(rows, points, ["name", "capacity_kw", "kind", "year"])
    scale = _PV_TOTAL_KW / frame["capacity_kw"].sum()
    frame["capacity_kw"] = np.round(frame["capacity_kw"] * scale, 1)
    counts: dict[str, int] = {}
    names = []
    for name in frame["name"]:
        counts[name] = counts.get(name, 0) + 1
        names.append(f"{name}{counts[name]}号" if counts[name] > 1 or name.endswith("电站") else name)
    frame["name"] = names
    return frame


_CHARGING_OPERATORS = (
    ("国家电网", 0.20),
    ("特来电", 0.22),
    ("星星充电", 0.20),
    ("云快充", 0.12),
    ("小桔充电", 0.08),
    ("中国石化", 0.06),
    ("蔚来", 0.04),
    ("特斯拉", 0.04),
    ("万城万充", 0.04),
)
_SWAP_OPERATORS = (("蔚来", 0.45), ("奥动新能源", 0.3), ("吉利易易换电", 0.15), ("宁德时代巧克力换电", 0.1))


def _stations(
    world: _World, arrays: _GridArrays, compounds: list[tuple[float, float, str]], seed: int
) -> gpd.GeoDataFrame:
    """Charging (public, dedicated, private per compound), battery-swap and hydrogen stations."""
    rng = _rng(seed, "stations")
    rows: list[dict[str, Any]] = []
    points: list[BaseGeometry] = []

    def add(name: str, kind: str, piles: int, access: str, operator: str, x: float, y: float) -> None:
        rows.append({"name": name, "type": kind, "piles": int(piles), "access": access, "operator": operator})
        points.append(Point(x, y))

    built = (arrays.lc2024 == BUILT) & ~arrays.road
    ux, uy = arrays.pixels(built & arrays.bua)
    tx, ty = arrays.pixels(built & ~arrays.bua)
    operators = [o for o, _ in _CHARGING_OPERATORS]
    weights = np.array([w for _, w in _CHARGING_OPERATORS])
    # Public charging: dense in the urban cores, thinner in towns and villages.
    for xs, ys, count in ((ux, uy, 2150), (tx, ty, 650)):
        k = _pick(rng, count, np.ones(xs.size))
        near = _nearest_place(world, xs[k], ys[k])
        piles = np.clip(np.round(np.exp(rng.normal(math.log(11.0), 0.75, k.size))), 2, 120).astype(int)
        ops = rng.choice(operators, k.size, p=weights / weights.sum())
        for i, p, n, op in zip(k, near, piles, ops, strict=True):
            x, y = (
                _jitter(rng, xs[i : i + 1], arrays.grid.res)[0],
                _jitter(rng, ys[i : i + 1], arrays.grid.res)[0],
            )
            add(f"{_short(world.places[p].name)}{op}充电站", "charging", n, "public", op, x, y)
    # Expressway service areas: a station on each side every ~25 km.
    for road_name, line in world.roads:
        inside = line.intersection(world.city)
        for segment in getattr(inside, "geoms", [inside]):
            if segment.is_empty or segment.length < 8000:
                continue
            for distance in np.arange(rng.uniform(4000, 12000), segment.length, 25000.0):
                point = segment.interpolate(distance)
                place = _short(
                    world.places[_nearest_place(world, np.array([point.x]), np.array([point.y]))[0]].name
                )
                for side, offset in (("东区", 60.0), ("西区", -60.0)):
                    add(
                        f"{road_name}{place}服务区充电站({side})",
                        "charging",
                        int(rng.integers(8, 25)),
                        "public",
                        "国家电网",
                        point.x + offset,
                        point.y,
                    )
    # Dedicated: bus depots, logistics parks, taxis.
    k = _pick(rng, 330, np.ones(ux.size))
    near = _nearest_place(world, ux[k], uy[k])
    for i, p in zip(k, near, strict=True):
        what, operator = [
            ("公交充电站", "无锡公交集团"),
            ("物流园专用充电站", "物流企业自建"),
            ("出租车充电站", "出租车公司自建"),
            ("企业专用充电站", "企业自建"),
        ][int(rng.integers(0, 4))]
        add(
            f"{_short(world.places[p].name)}{what}",
            "charging",
            int(rng.integers(10, 80)),
            "dedicated",
            operator,
            ux[i],
            uy[i],
        )
    # Private piles, aggregated per residential compound, so that the city total hits the figure.
    extra = _pick(rng, 650, np.ones(ux.size))
    sites = list(compounds) + [
        (float(ux[i]), float(uy[i]), f"{_short(world.places[p].name)}住宅小区{j + 1}")
        for j, (i, p) in enumerate(zip(extra, _nearest_place(world, ux[extra], uy[extra]), strict=True))
    ]
    so_far = sum(r["piles"] for r in rows)
    remaining = max(_CHARGING_PILES_TOTAL - so_far, 0)
    size = rng.gamma(2.0, 1.0, len(sites))
    piles = rng.multinomial(remaining, size / size.sum())
    for (x, y, name), n in zip(sites, piles, strict=True):
        add(f"{name}私人充电桩(汇总)", "charging", int(n), "private", "业主自建(汇总)", x + 25.0, y)
    # Battery swap: public ones in the cores, a few dedicated for heavy trucks; piles = swap bays.
    swap_ops = [o for o, _ in _SWAP_OPERATORS]
    swap_w = np.array([w for _, w in _SWAP_OPERATORS])
    k = _pick(rng, _SWAP_PUBLIC, np.ones(ux.size))
    for i, op in zip(k, rng.choice(swap_ops, k.size, p=swap_w / swap_w.sum()), strict=True):
        place = _short(world.places[_nearest_place(world, ux[i : i + 1], uy[i : i + 1])[0]].name)
        add(
            f"{place}{op.removesuffix('换电')}换电站",
            "swap",
            int(rng.integers(1, 3)),
            "public",
            op,
            ux[i],
            uy[i],
        )
    for park_name in (
        "江阴临港经济开发区",
        "无锡高新区",
        "锡山经济开发区",
        "宜兴经济开发区",
        "惠山经济开发区",
    ):
        geom = dict(world.parks)[park_name]
        c = geom.centroid
        add(
            f"{park_name}重卡换电站",
            "swap",
            int(rng.integers(1, 4)),
            "dedicated",
            "启源芯动力",
            c.x + 300.0,
            c.y,
        )
    # Hydrogen: three public stations and one bus depot; piles = dispensers.
    for place_name, access, operator, label in (
        ("新吴旺庄", "public", "中国石化", "中国石化加氢站"),
        ("江阴城区", "public", "中国石化", "中国石化加氢站"),
        ("宜兴城区", "public", "国家电投", "加氢站"),
        ("惠山经济开发区", "dedicated", "无锡公交集团", "公交加氢站"),
    ):
        if place_name in dict(world.parks):
            c = dict(world.parks)[place_name].centroid
            x, y = c.x - 400.0, c.y + 200.0
        else:
            centre = world._place(place_name)
            x, y = centre.x + 900.0, centre.y - 600.0
        add(f"{_short(place_name)}{label}", "hydrogen", int(rng.integers(1, 3)), access, operator, x, y)
    frame = _frame(rows, points, ["name", "type", "piles", "access", "operator"])
    frame = frame[shapely.contains_xy(world.city, frame.geometry.x, frame.geometry.y)].reset_index(drop=True)
    counts: dict[str, int] = {}
    names = []
    for name in frame["name"]:
        counts[name] = counts.get(name, 0) + 1
        names.append(name if counts[name] == 1 else f"{name}{counts[name]}")
    frame["name"] = names
    return frame


# --------------------------------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------------------------------


def _collect_arrays(world: _World, grid: _Grid, thresholds: _Thresholds) -> _GridArrays:
    parts: dict[str, list[npt.NDArray[Any]]] = {k: [] for k in ("lc2024", "water", "district", "bua", "road")}
    for row0, row1 in grid.strips(_compute_rows(grid)):
        sc = world.scores(grid, row0, row1)
        parts["lc2024"].append(world.classes(sc, thresholds)[2024])
        for key in ("water", "district", "bua", "road"):
            parts[key].append(sc[key])
    joined = {k: np.concatenate(v) for k, v in parts.items()}
    return _GridArrays(
        grid, joined["lc2024"], joined["water"], joined["district"], joined["bua"], joined["road"]
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _raster_calibration(world: _World, tally: _Tally, res: float) -> dict[str, Any]:
    pixel_km2 = res * res / 1e6
    units = [*_UNITS_ORDER, CITY_ADCODE]
    out: dict[str, Any] = {}
    for index, year in enumerate(YEARS):
        classes = tally.classes[index]
        per_unit = {a: classes[i + 1] for i, a in enumerate(_UNITS_ORDER)}
        per_unit[CITY_ADCODE] = classes[1:].sum(axis=0)
        out[f"forest_coverage_{year}_pct"] = {
            a: round(100.0 * (per_unit[a][TREE] + per_unit[a][SHRUB]) * pixel_km2 / world.official_km2[a], 2)
            for a in units
        }
        out[f"class_area_{year}_km2"] = {
            str(code): round(float(per_unit[CITY_ADCODE][code]) * pixel_km2, 1) for code in WORLDCOVER_CLASSES
        }
        builtup = tally.builtup[index]
        out[f"builtup_green_coverage_{year}_pct"] = round(
            100.0 * (builtup[TREE] + builtup[SHRUB] + builtup[GRASS]) / max(builtup.sum(), 1), 2
        )
    latest = tally.classes[1]
    shares: dict[str, dict[str, float]] = {"water": {}, "wetland": {}, "built_up": {}}
    for i, adcode in enumerate(_UNITS_ORDER):
        total = max(int(latest[i + 1].sum()), 1)
        shares["water"][adcode] = round(100.0 * latest[i + 1][WATER] / total, 1)
        shares["wetland"][adcode] = round(100.0 * latest[i + 1][WETLAND] / total, 2)
        shares["built_up"][adcode] = round(100.0 * latest[i + 1][BUILT] / total, 1)
    out["class_share_of_polygon_2024_pct"] = shares
    out["builtup_area_raster_km2"] = round(float(tally.builtup[1].sum()) * pixel_km2, 1)
    return out


def _vector_calibration(
    world: _World, layers: dict[str, gpd.GeoDataFrame], arrays: _GridArrays
) -> dict[str, Any]:
    from analysis.pv import DEFAULT_USABLE_SHARE

    out: dict[str, Any] = {}
    taihu = world.taihu
    out["taihu_in_polygons_km2"] = {
        a: round(g.intersection(taihu).area / 1e6, 1)
        for a, g in zip(world.district_adcodes, world.district_geoms, strict=True)
        if g.intersection(taihu).area > 1e6
    }
    out["builtup_area_km2"] = round(float(layers["builtup"].geometry.area.sum()) / 1e6, 1)
    buildings = layers["buildings"]
    share = buildings["building_type"].map(DEFAULT_USABLE_SHARE)
    kwp = buildings["roof_area_m2"] * share * 0.2
    out["rooftop_pv_potential_mwp"] = {
        "total": round(float(kwp.sum()) / 1000.0, 1),
        **{
            str(k): round(float(v) / 1000.0, 1)
            for k, v in kwp.groupby(buildings["building_type"]).sum().items()
        },
        "parameters": "usable share government 0.5, school_hospital 0.4, industrial_commercial 0.3, "
        "urban_residential 0.25 (assumption), rural_home 0.2; 0.2 kWp/m²; buildings are a sample",
    }
    out["buildings_by_type"] = {
        str(k): int(v) for k, v in buildings["building_type"].value_counts().sort_index().items()
    }
    pv = layers["pv_sites"]
    pv_district = arrays.district[arrays.pixel_of(pv.geometry.x.to_numpy(), pv.geometry.y.to_numpy())[:2]]
    out["pv_installed_kw"] = {
        "total": round(float(pv["capacity_kw"].sum()), 1),
        "by_kind": {str(k): round(float(v), 1) for k, v in pv.groupby("kind")["capacity_kw"].sum().items()},
        "by_district": {
            _UNITS_ORDER[d - 1]: round(float(v), 1)
            for d, v in pv.groupby(pv_district)["capacity_kw"].sum().items()
            if d > 0
        },
    }
    stations = layers["stations"]
    charging = stations[stations["type"] == "charging"]
    out["stations"] = {
        "charging_piles": int(charging["piles"].sum()),
        "charging_piles_by_access": {
            str(k): int(v) for k, v in charging.groupby("access")["piles"].sum().items()
        },
        "charging_stations": len(charging),
        "public_swap_stations": int(((stations["type"] == "swap") & (stations["access"] == "public")).sum()),
        "dedicated_swap_stations": int(
            ((stations["type"] == "swap") & (stations["access"] != "public")).sum()
        ),
        "hydrogen_stations": int((stations["type"] == "hydrogen").sum()),
        "piles_note": "swap stations: piles = swap bays; hydrogen stations: piles = dispensers",
    }
    return out


def _layer_metadata(layer: str, seed: int, description: str) -> dict[str, str]:
    return {
        "synthetic": "true",
        "generator": GENERATOR,
        "seed": str(seed),
        "vintage": "2024",
        "licence": "CC0-1.0",
        "description": f"SYNTHETIC demo layer '{layer}' (not real data): {description}",
    }


_LAYER_DESCRIPTIONS = {
    "wetlands": "wetlands on the 三调 scope (river, lake, reservoir, pond, marsh, tidal flat surfaces), "
    "vectorized from the demo 2024 land cover's water and wetland pixels",
    "protected_areas": "wetland parks, protection plots, reserves and drinking-water source areas; sized so "
    "that "
    f"about {_WETLAND_PROTECTION_TARGET}% of the wetland area is protected",
    "builtup": "建成区 polygons of the city proper, 江阴 and 宜兴",
    "buildings": "a SAMPLE of about 40,000 roof footprints (not every building); roof_area_m2 = footprint "
    "area "
    "in EPSG:4549",
    "pv_sites": "installed PV sites (rooftop, ground, floating) totalling about 2.2 GW",
    "stations": "charging, battery-swap and hydrogen stations; private piles are aggregated per residential "
    "compound; piles = swap bays for swap stations and dispensers for hydrogen stations",
}


def _write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame], seed: int) -> None:
    import pyogrio

    # Layer metadata only: GDAL keeps GeoPackage dataset-level metadata in a side-car .aux.xml whenever
    # the file is read, which would litter data/demo/.
    # A fixed gpkg_contents timestamp keeps the file byte-identical for the same seed.
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2024-07-12T00:00:00.000Z"})
    try:
        for name, frame in layers.items():
            pyogrio.write_dataframe(
                frame.to_crs("EPSG:4326"),
                path,
                layer=name,
                driver="GPKG",
                promote_to_multi=name in ("wetlands", "protected_areas", "builtup"),
                layer_metadata=_layer_metadata(name, seed, _LAYER_DESCRIPTIONS[name]),
                # The roof sample is the bulk of the file; its R-tree would add a third again.
                layer_options={"SPATIAL_INDEX": "NO"} if name == "buildings" else None,
            )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def _readme(manifest: DemoManifest) -> str:
    cal = manifest.calibration
    forest20, forest24 = cal["forest_coverage_2020_pct"], cal["forest_coverage_2024_pct"]
    st = cal.get("stations", {})
    pv = cal.get("pv_installed_kw", {})
    roof = cal.get("rooftop_pv_potential_mwp", {})
    lines = [
        "# Synthetic demo data (合成示例数据)",
        "",
        "**Everything in this folder and the `landcover_*` rasters in `data/rasters/` is SYNTHETIC.** It is "
        "not a "
        "measurement, survey or official dataset of Wuxi. It was generated by `analysis/demo_data.py` "
        f"(`{GENERATOR}`, seed {manifest.seed}) so that the atlas has plausible data to show and to test on, "
        "calibrated to the plan's baselines (DOMAIN.md §3–§5). Only the district boundaries are real: see "
        "`data/boundaries/PROVENANCE.md`.",
        "",
        "Every output says so: the rasters carry `SYNTHETIC=true` tags, every GeoPackage layer carries "
        "`synthetic=true` metadata, and `MANIFEST.json` lists each file with its SHA-256 and the calibration "
        "achieved.",
        "",
        "## Contents",
        "",
        "| file | what |",
        "|---|---|",
        "| `../rasters/landcover_2020_30m.tif`, `../rasters/landcover_2024_30m.tif` | land cover, ESA "
        "WorldCover "
        "codes (10 tree, 20 shrub, 30 grass, 40 crop, 50 built-up, 60 bare, 80 water, 90 herbaceous wetland; "
        "0 = outside the city), Cloud-Optimized GeoTIFF in EPSG:4549, 30 m |",
        f"| `{DEMO_GPKG}` layer `wetlands` | wetlands on the 三调 scope (water surfaces included): `name`, "
        "`wetland_type` (river, lake, reservoir, pond, marsh, tidal_flat), vectorized from the 2024 raster |",
        f"| `{DEMO_GPKG}` layer `protected_areas` | `name`, `protection_type` (nature_reserve, wetland_park, "
        "protection_plot, other), `level` (national, provincial, municipal) |",
        f"| `{DEMO_GPKG}` layer `builtup` | 建成区 polygons: `name`, `year` |",
        f"| `{DEMO_GPKG}` layer `buildings` | a **sample** of roof footprints: `building_type`, "
        "`roof_area_m2` "
        "(footprint area in EPSG:4549), `name` |",
        f"| `{DEMO_GPKG}` layer `pv_sites` | installed PV: `name`, `capacity_kw`, `kind` (rooftop, ground, "
        "floating), `year` |",
        f"| `{DEMO_GPKG}` layer `stations` | `name`, `type` (charging, swap, hydrogen), `piles`, `access` "
        "(public, "
        "dedicated, private), `operator` |",
        "",
        "The GeoPackage stores EPSG:4326; areas are measured in EPSG:4549. Private charging piles are "
        "aggregated "
        "per residential compound (one point per compound). For swap stations `piles` is the number of swap "
        "bays, for hydrogen stations the number of dispensers. Operator names are synthetic labels, not "
        "claims "
        "about real companies' sites.",
        "",
        "## Calibration achieved",
        "",
        f"- 林木覆盖率 proxy (tree + shrub / official area): {forest20[CITY_ADCODE]}% in 2020, "
        f"{forest24[CITY_ADCODE]}% in 2024 city-wide (target 27.8% by 2025; 27.71% at end-2019 is a "
        "statistical figure, not this proxy).",
        f"- 建成区绿化覆盖率 proxy (tree + shrub + grass inside the 建成区): "
        f"{cal['builtup_green_coverage_2024_pct']}% in 2024 (target 43.5%).",
    ]
    if "wetland_protection_rate_2024" in cal:
        lines.append(
            f"- 湿地保护率 (wetland polygons inside protected areas): {cal['wetland_protection_rate_2024']}% "
            "(target 52.7%)."
        )
    if st:
        lines.append(
            f"- Charging piles {st['charging_piles']:,} (target 200,000), public swap stations "
            f"{st['public_swap_stations']} (target 60), hydrogen stations {st['hydrogen_stations']} "
            "(target ≥ 5)."
        )
    if pv:
        lines.append(
            f"- Installed PV {pv['total'] / 1e6:.2f} GW (target 2.53 GW in 2025); rooftop potential of the "
            f"building sample at the default usable shares: {roof['total'] / 1000:.2f} GWp."
        )
    lines += [
        "",
        "All figures per district are in `MANIFEST.json`.",
        "",
        "## Regenerate",
        "",
        "```bash",
        "geoplan demo-data --overwrite                    # this folder and the 30 m rasters",
        "geoplan demo-data --resolution 10 --overwrite    # 10 m rasters (~100 Mpx each; never committed)",
        "```",
        "",
        "The same seed gives identical files. `--seed N` gives another, equally plausible landscape.",
        "",
        "## Licence",
        "",
        "The synthetic data is dedicated to the public domain under CC0 1.0. The district boundaries have "
        "their own provenance and licence (`data/boundaries/PROVENANCE.md`).",
        "",
    ]
    return "\n".join(lines)


def generate_demo_data(
    out_dir: Path,
    resolution: int = 30,
    seed: int = DEFAULT_SEED,
    progress: ProgressCallback | None = None,
    *,
    overwrite: bool = False,
    vectors: bool | None = None,
) -> DemoManifest:
    """Generate the synthetic demo dataset under ``out_dir`` (a data directory like ``data/``).

    Parameters
    ----------
    out_dir
        Rasters go to ``out_dir/rasters/``, the GeoPackage, ``MANIFEST.json`` and ``README.md`` to
        ``out_dir/demo/``.
    resolution
        Raster resolution in metres (30 for the shipped files, 10 on demand; coarser values are for tests).
    seed
        Everything is drawn from this seed: the same seed gives identical files.
    progress
        Called as ``progress(stage, done, total)``.
    overwrite
        Replace existing files; without it, existing files are an error.
    vectors
        Also write the vector layers, manifest and README. By default only at 30 m or coarser: the vector
        layers do not depend on the raster resolution, so a 10 m run leaves them alone.

    Returns
    -------
    DemoManifest
        Files written (with SHA-256) and the calibration achieved.

    Raises
    ------
    DataFileError
        An output file exists and ``overwrite`` is false.
    """
    from analysis.boundaries import load_boundaries

    if resolution < 10 or int(resolution) != resolution:
        raise ValueError(f"resolution must be a whole number of metres, at least 10; got {resolution}")
    out_dir = Path(out_dir)
    write_vectors = resolution >= 30 if vectors is None else vectors
    targets = demo_output_paths(out_dir, resolution, vectors=write_vectors)
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        raise DataFileError(
            f"{', '.join(str(p) for p in existing)} already exist(s); pass overwrite=True "
            "(geoplan demo-data --overwrite) to replace"
        )
    calib_res = max(resolution, 30)
    world = _World(load_boundaries(), seed, calib_res, progress)
    calib_grid = _Grid.covering(world.bounds, calib_res)
    thresholds = _calibrate(world, calib_grid, progress)
    grid = _Grid.covering(world.bounds, resolution)
    raster_paths = {year: out_dir / "rasters" / raster_name(year, resolution) for year in YEARS}
    for path in raster_paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    keep = write_vectors and grid == calib_grid
    tally, kept = _write_rasters(world, grid, thresholds, raster_paths, seed, resolution, progress, keep)
    calibration = _raster_calibration(world, tally, grid.res)
    files = [raster_paths[year] for year in YEARS]
    layer_counts: dict[str, int] = {}
    notes = [
        "SYNTHETIC: generated, not measured; only the district boundaries are real",
        "raster figures: pixel centres of the output grid, EPSG:4549 areas, 林木覆盖率 over official areas",
    ]
    if write_vectors:
        arrays = (
            _GridArrays(
                calib_grid, kept["lc2024"], kept["water"], kept["district"], kept["bua"], kept["road"]
            )
            if keep
            else _collect_arrays(world, calib_grid, thresholds)
        )
        if progress is not None:
            progress("vector layers", 0, 6)
        wetlands = _wetlands(world, arrays)
        protected, wetland_figures = _protected_areas(world, wetlands)
        buildings = _buildings(world, arrays, seed)
        layers = {
            "wetlands": wetlands,
            "protected_areas": protected,
            "builtup": _builtup(world),
            "buildings": buildings.frame,
            "pv_sites": _pv_sites(world, arrays, buildings.frame, seed),
            "stations": _stations(world, arrays, buildings.compounds, seed),
        }
        calibration.update(wetland_figures)
        calibration.update(_vector_calibration(world, layers, arrays))
        demo = out_dir / "demo"
        demo.mkdir(parents=True, exist_ok=True)
        gpkg = demo / DEMO_GPKG
        temporary = demo / f".tmp.{DEMO_GPKG}"
        temporary.unlink(missing_ok=True)
        _write_gpkg(temporary, layers, seed)
        temporary.replace(gpkg)
        layer_counts = {name: len(frame) for name, frame in layers.items()}
        files.append(gpkg)
        if progress is not None:
            progress("vector layers", 6, 6)
    calibration["targets"] = {
        "forest_coverage_pct": _CITY_WOODY_TARGET,
        "forest_coverage_district_pct": _WOODY_TARGETS,
        "builtup_green_coverage_2024_pct": _BUILTUP_GREEN_TARGET,
        "wetland_protection_rate_2024_pct": _WETLAND_PROTECTION_TARGET,
        "pv_installed_kw": _PV_TOTAL_KW,
        "charging_piles": _CHARGING_PILES_TOTAL,
        "public_swap_stations": _SWAP_PUBLIC,
    }
    calibration = json.loads(json.dumps(calibration, default=_json_default))
    manifest = DemoManifest(
        synthetic=True,
        seed=seed,
        generator=GENERATOR,
        resolution_m=resolution,
        files=tuple(DemoFile(str(p.relative_to(out_dir)), p.stat().st_size, _sha256(p)) for p in files),
        layer_counts=layer_counts,
        calibration=calibration,
        notes=tuple(notes),
    )
    if write_vectors:
        readme = out_dir / "demo" / "README.md"
        readme.write_text(_readme(manifest), encoding="utf-8")
        manifest = DemoManifest(
            synthetic=True,
            seed=seed,
            generator=GENERATOR,
            resolution_m=resolution,
            files=(
                *manifest.files,
                DemoFile(str(readme.relative_to(out_dir)), readme.stat().st_size, _sha256(readme)),
            ),
            layer_counts=layer_counts,
            calibration=calibration,
            notes=tuple(notes),
        )
        (out_dir / "demo" / "MANIFEST.json").write_text(
            json.dumps(manifest.to_record(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return manifest


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
