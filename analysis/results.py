"""Typed indicator results, the parts they are built from, and the status rule every family shares.

A measured result is built from three typed parts (:func:`measured`): the :class:`Figure` (value,
numerator and denominator), its :class:`Provenance` (source, vintage, synthetic, method) and the
:class:`Goal` it is judged against (a target from ``data/targets.toml``, scaled to the figure's unit).

Status is judged against a straight line from the baseline (value, year) to the target (value, year):
``met`` when the value already satisfies the target, ``on_track`` when it is at or beyond where the
line says it should be in the data's year, ``behind`` otherwise. Without a baseline the line cannot be
drawn, so a value short of its target is ``behind``. An indicator whose inputs are missing is
``not_computable`` and carries the reason; it never carries a value of 0.

A rate measured from a raster also reports ``valid_share``, the share of the unit's area that has valid
data. Partial coverage is normal (a user's first WorldCover tile covers half of Wuxi); a unit whose share
is under the threshold (:data:`DEFAULT_MIN_VALID_SHARE`, settable) is ``insufficient_data``
(:func:`insufficient_data`): it carries the share and the target, and no value to judge.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from wuxi_atlas.analysis.study_area import AdminUnit
    from wuxi_atlas.analysis.targets import Target

__all__ = [
    "CITY_ADCODE",
    "DEFAULT_MIN_VALID_SHARE",
    "Figure",
    "Goal",
    "IndicatorResult",
    "Provenance",
    "Status",
    "insufficient_data",
    "judge_status",
    "measured",
    "not_computable",
    "satisfies",
    "too_little_data",
]

CITY_ADCODE = "320200"

Status = Literal["met", "on_track", "behind", "no_target", "not_computable", "insufficient_data"]
#: A unit is judged only when at least this share of its area has valid raster data (``--min-coverage``).
DEFAULT_MIN_VALID_SHARE = 0.99
# A share computed from areas that should be equal (a unit wholly covered) may miss 1 by rounding.
_SHARE_TOLERANCE = 1e-9
Comparison = Literal["at_least", "at_most", "about"]

# "about" targets count as met within this relative tolerance (the plan's 左右).
_ABOUT_TOLERANCE = 0.02


def satisfies(value: float, target: float, comparison: Comparison) -> bool:
    """Whether ``value`` meets ``target`` under ``comparison`` (``about``: within 2%, the plan's 左右)."""
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
    >>> judge_status(27.76, 27.8, 2025, data_year=2022, baseline_value=27.71, baseline_year=2019)
    'on_track'
    >>> judge_status(27.72, 27.8, 2025, data_year=2024, baseline_value=27.71, baseline_year=2019)
    'behind'
    """
    if target is None or target_year is None:
        return "no_target"
    if satisfies(value, target, comparison):
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
    return "on_track" if satisfies(value, expected_now, comparison) else "behind"


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
    #: Share (0–1) of the unit's area with valid raster data; None for a result not read from a raster.
    valid_share: float | None = None

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


@dataclass(frozen=True)
class Figure:
    """What was measured in one unit: ``value`` in ``unit``, from ``numerator`` (in ``numerator_unit``).

    ``denominator`` is in ``numerator_unit`` too, and ``denominator_kind`` says what it is
    (``official_area``, ``builtup_area``…); a total such as MW installed has none (``"none"``).
    """

    value: float
    unit: str
    numerator: float
    numerator_unit: str
    denominator: float | None = None
    denominator_kind: str = "none"


@dataclass(frozen=True)
class Provenance:
    """Where a figure comes from: the layers' ``source`` and ``vintage``, whether any of them is
    ``synthetic``, and the ``method`` in one line. One family's results usually share one."""

    source: str
    vintage: str
    synthetic: bool
    method: str


@dataclass(frozen=True)
class Goal:
    """The target a figure is judged against, and the year its data describe.

    ``scale`` converts the target's unit to the figure's (1000 for a target in GW and a value in MW).
    ``Goal()`` has no target: the result's status is ``no_target``.
    """

    target: Target | None = None
    scale: float = 1.0
    data_year: int | None = None

    def judge(self, value: float) -> Status:
        """The status of ``value`` against the target and the straight line from its baseline."""
        target = self.target
        baseline_value = None
        if target is not None and target.baseline_value is not None:
            baseline_value = target.baseline_value * self.scale
        return judge_status(
            value,
            None if target is None else target.value * self.scale,
            None if target is None else target.year,
            "at_least" if target is None else target.comparison,
            data_year=self.data_year,
            baseline_value=baseline_value,
            baseline_year=None if target is None else target.baseline_year,
        )


def measured(
    indicator: str,
    unit: AdminUnit,
    figure: Figure,
    provenance: Provenance,
    goal: Goal = Goal(),
    *,
    extra: Mapping[str, Any] | None = None,
    valid_share: float | None = None,
) -> IndicatorResult:
    """An :class:`IndicatorResult` for ``unit`` from its parts, with its status judged against ``goal``.

    ``valid_share`` is the share of the unit's area with valid raster data, for a figure read from one.

    Examples
    --------
    >>> from analysis.study_area import AdminUnit
    >>> city = AdminUnit("320200", "无锡市", "Wuxi", "city", 4627.5, 4650.0)
    >>> figure = Figure(30.0, "%", numerator=3.0, numerator_unit="m2", denominator=10.0)
    >>> result = measured("forest_coverage", city, figure, Provenance("test", "2024", True, "woody / area"))
    >>> result.district, result.value, result.status
    ('无锡市', 30.0, 'no_target')
    """
    target = goal.target
    return IndicatorResult(
        indicator=indicator,
        adcode=unit.adcode,
        district=unit.name_zh,
        value=figure.value,
        unit=figure.unit,
        target=None if target is None else target.value * goal.scale,
        target_year=None if target is None else target.year,
        status=goal.judge(figure.value),
        numerator=figure.numerator,
        denominator=figure.denominator,
        numerator_unit=figure.numerator_unit,
        denominator_kind=figure.denominator_kind,
        source=provenance.source,
        vintage=provenance.vintage,
        synthetic=provenance.synthetic,
        method=provenance.method,
        target_id=None if target is None else target.id,
        extra=dict(extra or {}),
        valid_share=valid_share,
    )


def too_little_data(valid_share: float, min_valid_share: float) -> bool:
    """Whether a unit with ``valid_share`` of its area covered by valid data is too little seen to judge:
    under ``min_valid_share``, or not seen at all.

    Examples
    --------
    >>> too_little_data(0.985, 0.99), too_little_data(0.99, 0.99), too_little_data(0.0, 0.0)
    (True, False, True)
    """
    return valid_share <= 0 or valid_share < min_valid_share - _SHARE_TOLERANCE


def insufficient_data(
    indicator: str,
    unit: AdminUnit,
    value_unit: str,
    valid_share: float,
    min_valid_share: float,
    provenance: Provenance,
    goal: Goal = Goal(),
) -> IndicatorResult:
    """A result for a unit the raster covers too little of: no value, status ``insufficient_data``, the
    share it covers (``valid_share``) and the threshold (``extra["min_valid_share"]``), and the target it
    would be judged against.

    Examples
    --------
    >>> from analysis.study_area import AdminUnit
    >>> unit = AdminUnit("320205", "锡山区", "Xishan", "district", 399.11, 397.38)
    >>> provenance = Provenance("test", "2024", False, "woody / area")
    >>> result = insufficient_data("forest_coverage", unit, "%", 0.42, 0.99, provenance)
    >>> result.status, result.value, result.valid_share
    ('insufficient_data', None, 0.42)
    >>> result.reason
    'valid data cover 42.0% of the unit; at least 99.0% are needed to judge it'
    """
    reason = (
        f"valid data cover {100 * valid_share:.1f}% of the unit; at least {100 * min_valid_share:.1f}% "
        "are needed to judge it"
    )
    unseen = not_computable(
        indicator, unit.adcode, unit.name_zh, value_unit, reason, method=provenance.method
    )
    target = goal.target
    return replace(
        unseen,
        status="insufficient_data",
        target=None if target is None else target.value * goal.scale,
        target_year=None if target is None else target.year,
        target_id=None if target is None else target.id,
        source=provenance.source,
        vintage=provenance.vintage,
        synthetic=provenance.synthetic,
        extra={"min_valid_share": min_valid_share},
        valid_share=valid_share,
    )
