"""What a target of the plan is: the :class:`Target` record and the vocabularies its fields draw on.

The file's header (``data/targets.toml``) documents the schema and the units; :mod:`analysis.targets.loading`
enforces it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from wuxi_atlas.analysis.results import Comparison

__all__ = [
    "CHANGES",
    "COMPARISONS",
    "MEASURES",
    "SECTORS",
    "SPATIAL_INDICATORS",
    "STATISTIC",
    "UNITS",
    "Change",
    "Comparison",
    "Sector",
    "Target",
]

SPATIAL_INDICATORS: tuple[str, ...] = (
    "forest_coverage",
    "wetland_protection_rate",
    "builtup_green_coverage",
    "pv_installed_capacity",
    "pv_rooftop_potential",
    "charging_piles",
    "battery_swap_stations",
    "hydrogen_stations",
)
STATISTIC = "statistic"
MEASURES: tuple[str, ...] = (*SPATIAL_INDICATORS, STATISTIC)

Change = Literal["level", "reduction_pct", "increase_pct", "annual_growth_pct", "added"]
Sector = Literal["industry", "energy", "buildings", "transport", "efficiency", "innovation", "society"]

COMPARISONS: tuple[str, ...] = get_args(Comparison)
CHANGES: tuple[str, ...] = get_args(Change)
SECTORS: tuple[str, ...] = get_args(Sector)
UNITS: tuple[str, ...] = ("%", "GW", "GWh", "CNY 100M", "10k m2", "TEU", "count")


@dataclass(frozen=True)
class Target:
    """One quantified target of the plan.

    ``value`` is in ``unit`` and means what ``change`` says: the level reached in ``year``
    (``level``), the percent fall or rise from ``baseline_year`` (``reduction_pct``,
    ``increase_pct``), the average yearly growth in percent per year (``annual_growth_pct``), or the
    number of units added over the plan period (``added``). A reduction of at least 14% has
    ``comparison="at_least"`` and ``value=14``.
    """

    id: str
    name_zh: str
    name_en: str
    value: float
    unit: str
    change: Change
    comparison: Comparison
    year: int
    clauses: tuple[str, ...]
    measure: str
    sector: Sector
    baseline_year: int | None = None
    baseline_value: float | None = None
    baseline_source: str | None = None
    note: str | None = None

    @property
    def spatial(self) -> bool:
        """Whether a spatial indicator of the atlas tracks this target."""
        return self.measure != STATISTIC

    def to_record(self) -> dict[str, Any]:
        """A flat, JSON-ready record (``clauses`` as a list)."""
        record = asdict(self)
        record["clauses"] = list(self.clauses)
        return record
