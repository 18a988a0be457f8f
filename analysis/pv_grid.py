"""Rooftop-PV potential aggregated to a square grid, for the city-scale view of the atlas.

At city zoom single roofs are too small to see and too many to send to a browser, so the atlas shows the
potential summed over 1 km cells (EPSG:4549, aligned to whole kilometres so cells of two runs match).
Per building, potential (kWp) = roof area × usable share of its type × module power density, as in
:func:`analysis.pv.pv_rooftop_potential`; a numeric ``potential_kwp`` column in the file wins.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wuxi_atlas.analysis.crs import DISPLAY_CRS, METRIC_CRS
from wuxi_atlas.analysis.pv import PVParameters

__all__ = ["DEFAULT_CELL_M", "building_potential_kwp", "pv_potential_grid"]

DEFAULT_CELL_M = 1000.0


def building_potential_kwp(frame: pd.DataFrame, parameters: PVParameters | None = None) -> pd.Series:
    """Rooftop-PV potential per building in kWp (NaN when the type has no usable share).

    Examples
    --------
    >>> frame = pd.DataFrame({"building_type": ["government", "barn"], "roof_area_m2": [1000.0, 50.0]})
    >>> building_potential_kwp(frame).tolist()
    [100.0, nan]
    """
    if "potential_kwp" in frame and pd.api.types.is_numeric_dtype(frame["potential_kwp"]):
        return frame["potential_kwp"].astype(float)
    parameters = parameters or PVParameters()
    share = frame["building_type"].map(lambda kind: parameters.usable_share.get(str(kind), np.nan))
    kwp = frame["roof_area_m2"].astype(float) * share.astype(float) * parameters.module_kwp_per_m2
    return kwp.rename("potential_kwp")


def pv_potential_grid(
    buildings: gpd.GeoDataFrame,
    parameters: PVParameters | None = None,
    *,
    cell_m: float = DEFAULT_CELL_M,
) -> gpd.GeoDataFrame:
    """Rooftop-PV potential summed over square cells of ``cell_m`` metres (EPSG:4549).

    Returns one row per non-empty cell, in EPSG:4326: ``potential_mw`` (MW), ``buildings`` (count),
    ``roof_area_ha`` and the cell polygon. Buildings are assigned by their representative point.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> roofs = gpd.GeoDataFrame(
    ...     {"building_type": ["government"] * 2, "roof_area_m2": [1000.0, 3000.0]},
    ...     geometry=[Point(120.30, 31.50), Point(120.3001, 31.5001)], crs="EPSG:4326")
    >>> grid = pv_potential_grid(roofs)
    >>> len(grid), float(grid["potential_mw"].iloc[0])
    (1, 0.4)
    """
    if cell_m <= 0:
        raise ValueError(f"cell size must be positive, got {cell_m} m")
    columns = ["cell", "potential_mw", "buildings", "roof_area_ha", "geometry"]
    if len(buildings) == 0:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=DISPLAY_CRS)
    kwp = building_potential_kwp(buildings, parameters).fillna(0.0).to_numpy()
    points = buildings.geometry.to_crs(METRIC_CRS).representative_point()
    col = np.floor(points.x.to_numpy() / cell_m).astype(np.int64)
    row = np.floor(points.y.to_numpy() / cell_m).astype(np.int64)
    table = pd.DataFrame(
        {"col": col, "row": row, "kwp": kwp, "roof": buildings["roof_area_m2"].astype(float).to_numpy()}
    )
    cells = table.groupby(["col", "row"], as_index=False).agg(
        kwp=("kwp", "sum"), buildings=("kwp", "size"), roof=("roof", "sum")
    )
    boxes = shapely.box(
        cells["col"] * cell_m,
        cells["row"] * cell_m,
        (cells["col"] + 1) * cell_m,
        (cells["row"] + 1) * cell_m,
    )
    size_km = f"{cell_m / 1000:g}km"
    grid = gpd.GeoDataFrame(
        {
            "cell": [f"{size_km}_{c}_{r}" for c, r in zip(cells["col"], cells["row"], strict=True)],
            "potential_mw": (cells["kwp"] / 1000.0).round(3),
            "buildings": cells["buildings"].astype(int),
            "roof_area_ha": (cells["roof"] / 1e4).round(2),
        },
        geometry=boxes,
        crs=METRIC_CRS,
    )
    grid = grid.to_crs(DISPLAY_CRS)
    # Vertices rounded to about 1 m: enough for 1 km cells, and a smaller page.
    grid["geometry"] = shapely.transform(grid.geometry.array, lambda xy: np.round(xy, 5))
    return grid.sort_values("potential_mw", ascending=False, ignore_index=True)
