"""Each unit's outlook over its vintages: the line to the targets, the trend, the year it reaches them
and 预警; and each record's status on that line. Used by :func:`analysis.history.compute_history`.

The baseline of the line is the plan's (``baseline_value`` in ``data/targets.toml``) for the city, whose
figures the plan's are, else the unit's first vintage. The unit's targets are the indicator's targets of
every year, in the result's unit, when the unit is judged at all (the plan's station targets are
city-wide, so districts carry none).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wuxi_atlas.analysis.results import CITY_ADCODE, Comparison, IndicatorResult
from wuxi_atlas.analysis.targets import SPATIAL_INDICATORS, targets_for
from wuxi_atlas.analysis.trajectory import (
    Trajectory,
    Trend,
    crossing_year,
    fit_trend,
    judge_on_line,
    satisfies,
    trend_misses,
)

if TYPE_CHECKING:
    from wuxi_atlas.analysis.history import HistoryRecord
    from wuxi_atlas.analysis.targets import Target

__all__ = ["Outlook", "TargetOutlook", "judged", "outlooks"]

#: Statuses that carry no value to judge.
UNJUDGED = ("not_computable", "insufficient_data")


@dataclass(frozen=True)
class TargetOutlook:
    """One target against the trend: whether the latest value ``met`` it already, the year the trend
    reaches it (None: never, or no trend) and whether the trend misses the target year (预警; None
    without a trend)."""

    year: int
    value: float
    projected_year: float | None
    warning: bool | None
    met: bool = False


@dataclass(frozen=True)
class Outlook:
    """One unit's indicator over its vintages (one series): the trajectory, the trend and 预警.

    ``trend`` is the least-squares line (None with one vintage; ``slope`` its value's unit per year);
    ``warning`` is True when
    the trend misses any target, None when there is no trend or no target.
    """

    indicator: str
    adcode: str
    district: str
    series: str
    unit: str
    comparison: Comparison
    years: tuple[int, ...]
    values: tuple[float, ...]
    trajectory: Trajectory | None
    trend: Trend | None
    targets: tuple[TargetOutlook, ...]

    @property
    def slope(self) -> float | None:
        return None if self.trend is None else self.trend.slope

    @property
    def warning(self) -> bool | None:
        flags = [t.warning for t in self.targets if t.warning is not None]
        return any(flags) if flags else None

    @property
    def latest(self) -> tuple[int, float]:
        return self.years[-1], self.values[-1]

    def to_record(self) -> dict[str, Any]:
        line = self.trajectory
        return {
            "indicator": self.indicator,
            "adcode": self.adcode,
            "district": self.district,
            "series": self.series,
            "unit": self.unit,
            "values": dict(zip(map(str, self.years), self.values, strict=True)),
            "baseline": None
            if line is None
            else {"year": line.baseline_year, "value": line.baseline_value, "source": line.baseline_source},
            "expected_latest": None if line is None else line.expected(self.years[-1]),
            "slope_per_year": self.slope,
            "targets": [dataclasses.asdict(t) for t in self.targets],
            "warning": self.warning,
        }


def _scaled_targets(result: IndicatorResult, targets: Sequence[Target]) -> tuple[tuple[int, float], ...]:
    """The unit's targets of the indicator (every year), in the result's unit; none when the unit is not
    judged (the plan's station targets are city-wide)."""
    if result.target is None or result.target_id is None:
        return ()
    matching = targets_for(result.indicator, targets)
    primary = next((t for t in matching if t.id == result.target_id), None)
    if primary is None or primary.value == 0:
        return ((int(result.target_year or 0), result.target),)
    scale = result.target / primary.value
    return tuple(sorted((t.year, t.value * scale) for t in matching if t.change == "level"))


def outlooks(records: Sequence[HistoryRecord], targets: Sequence[Target] = ()) -> list[Outlook]:
    """One :class:`Outlook` per unit, indicator and series with a value in at least one year."""
    groups: dict[tuple[str, str, str], list[HistoryRecord]] = {}
    for record in records:
        if record.value is not None and record.status not in UNJUDGED:
            groups.setdefault((record.indicator, record.adcode, record.series), []).append(record)
    found = []
    for (indicator, adcode, series), group in groups.items():
        group.sort(key=lambda r: r.year)
        years = tuple(r.year for r in group)
        values = tuple(float(r.value) for r in group if r.value is not None)
        goals = _scaled_targets(group[-1].result, targets)
        comparison = _comparison(indicator, targets)
        trajectory = _trajectory(adcode, years, values, goals, indicator, targets, group[-1].result)
        trend = fit_trend(years, values)
        found.append(
            Outlook(
                indicator=indicator,
                adcode=adcode,
                district=group[-1].district,
                series=series,
                unit=group[-1].unit,
                comparison=comparison,
                years=years,
                values=values,
                trajectory=trajectory,
                trend=trend,
                targets=tuple(
                    TargetOutlook(
                        year=year,
                        value=value,
                        projected_year=None if trend is None else crossing_year(trend, value, comparison),
                        warning=None if trend is None else trend_misses(trend, value, year, comparison),
                        met=satisfies(values[-1], value, comparison),
                    )
                    for year, value in goals
                ),
            )
        )
    return found


def _comparison(indicator: str, targets: Sequence[Target]) -> Comparison:
    matching = targets_for(indicator, targets) if indicator in SPATIAL_INDICATORS else ()
    return matching[0].comparison if matching else "at_least"


def _trajectory(
    adcode: str,
    years: tuple[int, ...],
    values: tuple[float, ...],
    goals: tuple[tuple[int, float], ...],
    indicator: str,
    targets: Sequence[Target],
    result: IndicatorResult,
) -> Trajectory | None:
    """The line from the baseline to the targets: the plan's baseline for the city (its figures are
    city-wide), else the first vintage. None when the unit has no target."""
    if not goals:
        return None
    if adcode == CITY_ADCODE:
        primary = next((t for t in targets_for(indicator, targets) if t.id == result.target_id), None)
        if primary is not None and primary.baseline_value is not None and primary.baseline_year is not None:
            scale = (result.target or primary.value) / primary.value if primary.value else 1.0
            return Trajectory(primary.baseline_year, primary.baseline_value * scale, "plan", goals)
    return Trajectory(years[0], values[0], "first_vintage", goals)


def judged(records: Sequence[HistoryRecord], found: Sequence[Outlook]) -> list[HistoryRecord]:
    """Each record's status on its unit's trajectory, and the line's value in its year."""
    by_key = {(o.indicator, o.adcode, o.series): o for o in found}
    judged = []
    for record in records:
        outlook = by_key.get((record.indicator, record.adcode, record.series))
        line = outlook.trajectory if outlook is not None else None
        if outlook is None or line is None or record.value is None or record.status in UNJUDGED:
            judged.append(record)
            continue
        upcoming = [goal for goal in line.targets if goal[0] >= record.year] or list(line.targets[-1:])
        status = judge_on_line(
            record.value, record.year, line, min(upcoming) if upcoming else None, outlook.comparison
        )
        judged.append(dataclasses.replace(record, status=status, expected=line.expected(record.year)))
    return judged
