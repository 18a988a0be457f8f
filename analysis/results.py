"""Typed indicator results and the status rule shared by every indicator family.

Status is judged against a straight line from the baseline (value, year) to the target (value, year):
``met`` when the value already satisfies the target, ``on_track`` when it is at or beyond where the
line says it should be in the data's year, ``behind`` otherwise. Without a baseline the line cannot be
drawn, so a value short of its target is ``behind``. An indicator whose inputs are missing is
``not_computable`` and carries the reason; it never carries a value of 0.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["CITY_ADCODE", "IndicatorResult", "Status", "judge_status", "not_computable"]

CITY_ADCODE = "320200"

Status = Literal["met", "on_track", "behind", "no_target", "not_computable"]
Comparison = Literal["at_least", "at_most", "about"]

# "about" targets count as met within this relative tolerance (the plan's 左右).
_ABOUT_TOLERANCE = 0.02


def _satisfies(value: float, target: float, comparison: Comparison) -> bool:
    if comparison == "at_least":
        return value >= target
    if comparison == "at_most":
        return value <= target
    return abs(value - target) <= _ABOUT_TOLERANCE * abs(target)


def judge_status(
    value: float,
    target: float | None,
    target_year: int | None,
    comparison: Comparison = "at_least",
    *,
    data_year: int | None = None,
    baseline_value: float | None = None,
    baseline_year: int | None = None,
) -> Status:
    """Judge ``value`` against a target and the straight-line path from the baseline.

    Examples
    --------
    >>> judge_status(27.9, 27.8, 2025)
    'met'
    >>> judge_status(27.75, 27.8, 2025, data_year=2022, baseline_value=27.71, baseline_year=2019)
    'on_track'
    >>> judge_status(27.72, 27.8, 2025, data_year=2024, baseline_value=27.71, baseline_year=2019)
    'behind'
    """
    if target is None or target_year is None:
        return "no_target"
    if _satisfies(value, target, comparison):
        return "met"
    if (
        baseline_value is None
        or baseline_year is None
        or data_year is None
        or comparison == "about"
        or target_year <= baseline_year
    ):
        return "behind"
    share_of_time = min(max((data_year - baseline_year) / (target_year - baseline_year), 0.0), 1.0)
    expected_now = baseline_value + share_of_time * (target - baseline_value)
    return "on_track" if _satisfies(value, expected_now, comparison) else "behind"


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator for one unit (district or the city), with everything needed to trace it.

    ``value`` is in ``unit`` (``%`` for rates, ``MW``, ``count``, ``km2``, ``count/km2``...).
    ``numerator`` and ``denominator`` are in ``numerator_unit`` (m² for areas, kW, piles...).
    """

    indicator: str
    adcode: str
    district: str
    value: float | None
    unit: str
    target: float | None
    target_year: int | None
    status: Status
    numerator: float | None
    denominator: float | None
    numerator_unit: str
    denominator_kind: str
    source: str
    vintage: str
    synthetic: bool
    method: str
    target_id: str | None = None
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def computable(self) -> bool:
        return self.status != "not_computable"

    def to_record(self) -> dict[str, Any]:
        """A flat, JSON-ready record (NaN becomes None)."""
        record = asdict(self)
        for key, item in record.items():
            if isinstance(item, float) and math.isnan(item):
                record[key] = None
        return record


def not_computable(
    indicator: str, adcode: str, district: str, unit: str, reason: str, *, method: str = ""
) -> IndicatorResult:
    """A result that says why it could not be computed, instead of a misleading 0."""
    return IndicatorResult(
        indicator=indicator,
        adcode=adcode,
        district=district,
        value=None,
        unit=unit,
        target=None,
        target_year=None,
        status="not_computable",
        numerator=None,
        denominator=None,
        numerator_unit="",
        denominator_kind="",
        source="",
        vintage="",
        synthetic=False,
        method=method,
        reason=reason,
    )
