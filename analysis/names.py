"""The names and defaults the engine's options take, in a module that imports nothing heavy.

The front-ends build their choices and defaults from here (``geoplan indicators --indicator``,
``--denominator``, ``--forest-variant``, ``--radius``), so that ``geoplan --help`` does not load geopandas.
The engine modules re-export them (:mod:`analysis.indicators`, :mod:`analysis.forest`,
:mod:`analysis.charging`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from wuxi_atlas.analysis.targets.model import SPATIAL_INDICATORS

__all__ = [
    "DEFAULT_SERVICE_RADIUS_M",
    "DENOMINATORS",
    "INDICATOR_IDS",
    "INDICATOR_LAYERS",
    "VARIANTS",
    "Denominator",
    "Variant",
    "kinds_for",
]

# The plan's spatial indicators, plus service coverage, which the plan sets no target for.
INDICATOR_IDS: tuple[str, ...] = (*SPATIAL_INDICATORS, "charging_service_coverage")

#: The layer kinds each indicator may read, the districts apart: the loaders read only these
#: (:func:`layers.inputs.load_indicator_inputs`), the history loads only their vintages. The wetland rate
#: reads the land cover only without wetland polygons, or when the land cover is a land survey.
INDICATOR_LAYERS: Mapping[str, tuple[str, ...]] = {
    "forest_coverage": ("landcover",),
    "wetland_protection_rate": ("protected", "wetlands", "landcover"),
    "builtup_green_coverage": ("landcover", "builtup"),
    "pv_installed_capacity": ("pv_sites",),
    "pv_rooftop_potential": ("buildings",),
    "charging_piles": ("stations",),
    "battery_swap_stations": ("stations",),
    "hydrogen_stations": ("stations",),
    "charging_service_coverage": ("stations", "builtup"),
}


def kinds_for(indicators: Iterable[str] | None = None) -> tuple[str, ...]:
    """The layer kinds any of ``indicators`` (default: all) may read, the districts apart.

    Examples
    --------
    >>> kinds_for(["forest_coverage", "charging_piles"])
    ('landcover', 'stations')
    """
    wanted = tuple(indicators or ()) or INDICATOR_IDS
    return tuple(sorted({kind for indicator in wanted for kind in INDICATOR_LAYERS[indicator]}))


Denominator = Literal["official", "polygon", "land"]
Variant = Literal["linmu", "senlin"]
DENOMINATORS: tuple[Denominator, ...] = ("official", "polygon", "land")
VARIANTS: tuple[Variant, ...] = ("linmu", "senlin")

#: Radius of a public charging station's service area, in metres (straight line).
DEFAULT_SERVICE_RADIUS_M = 1000.0
