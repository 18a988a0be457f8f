"""The plan's quantified targets: load ``data/targets.toml``, validate it, and look targets up.

Every target cites the clause of 无锡市碳达峰实施方案 (2024) it comes from, and names the spatial
indicator that tracks it, or ``statistic`` when only reported statistics can.

:mod:`~analysis.targets.model`
    what a target is (:class:`Target`) and the vocabularies of its fields;
:mod:`~analysis.targets.loading`
    reading the file and validating it against the schema its header documents, on every load, so a
    malformed file fails with a message that names the file, the entry and the field;
:mod:`~analysis.targets.selection`
    looking targets up (by measure and year; the one an indicator is judged against) and listing them.

Examples
--------
>>> pv = target_for("pv_installed_capacity", 2030)
>>> (pv.value, pv.unit, pv.comparison, pv.clauses)
(3.1, 'GW', 'at_least', ('二(二)1',))
"""

from __future__ import annotations

from wuxi_atlas.analysis.targets.loading import load_targets, parse_targets, validate_targets
from wuxi_atlas.analysis.targets.model import (
    CHANGES,
    COMPARISONS,
    MEASURES,
    SECTORS,
    SPATIAL_INDICATORS,
    STATISTIC,
    UNITS,
    Change,
    Sector,
    Target,
)
from wuxi_atlas.analysis.targets.selection import (
    primary_target,
    select_targets,
    target_for,
    targets_for,
    targets_table,
)

__all__ = [
    "CHANGES",
    "COMPARISONS",
    "MEASURES",
    "SECTORS",
    "SPATIAL_INDICATORS",
    "STATISTIC",
    "UNITS",
    "Change",
    "Sector",
    "Target",
    "load_targets",
    "parse_targets",
    "primary_target",
    "select_targets",
    "target_for",
    "targets_for",
    "targets_table",
    "validate_targets",
]
