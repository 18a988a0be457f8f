"""建筑屋顶 buildings: roofs with a building type and roof area, the base of rooftop-PV potential.

A building's potential (kWp = roof area × usable share of the building type × module power density)
uses the defaults of :class:`analysis.pv.PVParameters`. How roofs are drawn (by potential class) is
:mod:`maps.kinds.buildings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from wuxi_atlas.analysis.pv import PVParameters
from wuxi_atlas.analysis.pv_grid import building_potential_kwp
from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.read import read_vector
from wuxi_atlas.layers.spec import get_spec

__all__ = ["SPEC", "potential_kwp", "read"]

SPEC = get_spec("buildings")


def read(
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
) -> VectorSource:
    """Read building roofs: ``building_type`` (government, school_hospital, industrial_commercial,
    urban_residential, rural_home) and ``roof_area_m2`` (> 0); footprints or points."""
    return read_vector(
        SPEC.kind, path, layer=layer, column_map=column_map, lonlat_crs=lonlat_crs, encoding=encoding
    )


def potential_kwp(frame: pd.DataFrame, parameters: PVParameters | None = None) -> pd.Series:
    """Rooftop-PV potential per building in kWp (NaN when the building type has no usable share).

    Examples
    --------
    >>> potential_kwp(pd.DataFrame({"building_type": ["government"], "roof_area_m2": [1000.0]})).tolist()
    [100.0]
    """
    return building_potential_kwp(frame, parameters)
