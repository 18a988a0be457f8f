"""The names and defaults the engine's options take, in a module that imports nothing heavy.

The front-ends build their choices and defaults from here (``geoplan indicators --indicator``,
``--denominator``, ``--forest-variant``, ``--radius``), so that ``geoplan --help`` does not load geopandas.
The engine modules re-export them (:mod:`analysis.indicators`, :mod:`analysis.forest`,
:mod:`analysis.charging`).
"""

from __future__ import annotations

from typing import Literal

from wuxi_atlas.analysis.targets.model import SPATIAL_INDICATORS

__all__ = [
    "DEFAULT_SERVICE_RADIUS_M",
    "DENOMINATORS",
    "INDICATOR_IDS",
    "VARIANTS",
    "Denominator",
    "Variant",
]

# The plan's spatial indicators, plus service coverage, which the plan sets no target for.
INDICATOR_IDS: tuple[str, ...] = (*SPATIAL_INDICATORS, "charging_service_coverage")

Denominator = Literal["official", "polygon", "land"]
Variant = Literal["linmu", "senlin"]
DENOMINATORS: tuple[Denominator, ...] = ("official", "polygon", "land")
VARIANTS: tuple[Variant, ...] = ("linmu", "senlin")

#: Radius of a public charging station's service area, in metres (straight line).
DEFAULT_SERVICE_RADIUS_M = 1000.0
