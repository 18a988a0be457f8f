"""Small input files for the catalog tests: two stations in a CSV (GCJ-02, as scraped from Amap) and a
16×16 WorldCover raster inside Wuxi."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.transform import from_origin

from wuxi_atlas.analysis.coords import wgs84_to_gcj02

__all__ = ["WGS84_POINTS", "landcover_tif", "stations_csv"]

# Two stations near 无锡 梁溪区, in WGS84; the CSV holds them shifted to GCJ-02.
WGS84_POINTS = [(120.30, 31.57), (120.31, 31.58)]


def stations_csv(folder: Path, name: str = "stations.csv", label: str = "锡山") -> Path:
    rows = ["名称,类型,桩数,开放类型,经度,纬度"]
    for index, (lon, lat) in enumerate(WGS84_POINTS):
        gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
        rows.append(f"{label}{index},充电站,{4 + index},公共,{gcj_lon:.9f},{gcj_lat:.9f}")
    path = folder / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def landcover_tif(folder: Path, name: str = "landcover_2024.tif", **profile: Any) -> Path:
    path = folder / name
    options: dict[str, Any] = {
        "driver": "GTiff",
        "width": 16,
        "height": 16,
        "count": 1,
        "dtype": "uint8",
        "crs": "EPSG:4549",
        "transform": from_origin(528_000, 3_494_000, 30, 30),  # inside Wuxi
        **profile,
    }
    with rasterio.open(path, "w", **options) as dataset:
        shape = (1, options["height"], options["width"])
        dataset.write(np.resize(np.array([10, 20, 30, 50, 80], dtype="uint8"), shape))
    return path
