"""Is a unit on track? The straight line to the plan's targets, the trend of its vintages, and 预警.

Three pieces of arithmetic on one unit's values of one indicator, year by year:

- the **trajectory** (:class:`Trajectory`): the straight line from the baseline to the 2025 target, and on
  to the 2030 one where the plan sets both. The baseline is the plan's (``baseline_value`` in
  ``data/targets.toml``) where it has one for the unit, else the first vintage;
- the **trend** (:func:`fit_trend`): the least-squares line through the vintages, and the year it reaches a
  target (:func:`crossing_year`);
- the **early warning** (预警): a target whose year the trend misses, i.e. the trend's value in the target
  year falls short of the target (:func:`trend_misses`). A trend of one vintage is no trend: no projection
  and no warning, only the status against the line.

Examples
--------
25, 26 and 27 at the end of 2019, 2021 and 2023 rise 0.5 a year and reach 27.8 in 2024.6, on time for 2025:

>>> trend = fit_trend([2019, 2021, 2023], [25.0, 26.0, 27.0])
>>> trend.slope, round(crossing_year(trend, 27.8, "at_least"), 1), trend_misses(trend, 27.8, 2025, "at_least")
(0.5, 2024.6, False)

A flat series never gets there:

>>> flat = fit_trend([2019, 2021, 2023], [25.0, 25.0, 25.0])
>>> crossing_year(flat, 27.8, "at_least") is None, trend_misses(flat, 27.8, 2025, "at_least")
(True, True)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from wuxi_atlas.analysis.results import Comparison, satisfies

__all__ = ["Trajectory", "Trend", "crossing_year", "fit_trend", "judge_on_line", "satisfies", "trend_misses"]


@dataclass(frozen=True)
class Trend:
    """The least-squares line ``value = level + slope × (year − anchor)`` through the vintages.

    ``slope`` is in the value's unit per year; ``anchor`` is the mean year of the vintages and ``level``
    the line's value there.
    """

    slope: float
    level: float
    anchor: float

    def at(self, year: float) -> float:
        """The line's value in ``year`` (a fractional year is a point within it)."""
        return self.level + self.slope * (year - self.anchor)


def fit_trend(years: Sequence[int], values: Sequence[float]) -> Trend | None:
    """The least-squares line through ``(year, value)``; None with fewer than two distinct years.

    Examples
    --------
    >>> fit_trend([2022, 2023, 2024], [102_574.0, 130_546.0, 161_000.0]).slope
    29213.0
    >>> fit_trend([2024], [161_000.0]) is None
    True
    """
    if len(years) != len(values):
        raise ValueError(f"{len(years)} years but {len(values)} values")
    if len(set(years)) < 2:
        return None
    anchor = sum(years) / len(years)
    level = sum(values) / len(values)
    spread = sum((year - anchor) ** 2 for year in years)
    slope = sum((year - anchor) * (value - level) for year, value in zip(years, values, strict=True)) / spread
    return Trend(slope=slope, level=level, anchor=anchor)


def crossing_year(trend: Trend, target: float, comparison: Comparison) -> float | None:
    """The year (fractional) the trend reaches ``target`` moving the right way; None when it moves away
    from it or not at all (``about`` targets: the year it passes through the target)."""
    if trend.slope == 0:
        return None
    if (comparison == "at_least" and trend.slope < 0) or (comparison == "at_most" and trend.slope > 0):
        return None
    return trend.anchor + (target - trend.level) / trend.slope


def trend_misses(trend: Trend, target: float, target_year: int, comparison: Comparison) -> bool:
    """预警: whether the trend's value in ``target_year`` falls short of ``target``."""
    return not satisfies(trend.at(target_year), target, comparison)


@dataclass(frozen=True)
class Trajectory:
    """The straight line a unit should follow: from ``(baseline_year, baseline_value)`` to each target
    ``(year, value)`` in turn, flat after the last.

    ``baseline_source`` says where the baseline comes from: ``plan`` (``data/targets.toml``) or
    ``first_vintage``.

    Examples
    --------
    >>> line = Trajectory(2019, 27.71, "plan", ((2025, 27.8),))
    >>> round(line.expected(2022), 3), line.expected(2030)
    (27.755, 27.8)
    """

    baseline_year: int
    baseline_value: float
    baseline_source: str
    targets: tuple[tuple[int, float], ...]

    def points(self) -> tuple[tuple[int, float], ...]:
        """The line's corners: the baseline, then every target after it, by year."""
        later = sorted((year, value) for year, value in self.targets if year > self.baseline_year)
        return ((self.baseline_year, self.baseline_value), *later)

    def expected(self, year: float) -> float:
        """Where the line says the value should be in ``year`` (the baseline before it)."""
        points = self.points()
        if year <= points[0][0]:
            return points[0][1]
        for (year0, value0), (year1, value1) in itertools.pairwise(points):
            if year <= year1:
                return value0 + (year - year0) / (year1 - year0) * (value1 - value0)
        return points[-1][1]


def judge_on_line(
    value: float,
    year: int,
    trajectory: Trajectory,
    target: tuple[int, float] | None,
    comparison: Comparison,
) -> str:
    """``met`` when ``value`` meets ``target`` (the one that matters in ``year``), ``on_track`` when it is
    at or beyond the line in ``year``, else ``behind``; ``no_target`` without a target.

    Examples
    --------
    >>> line = Trajectory(2019, 27.71, "plan", ((2025, 27.8),))
    >>> judge_on_line(27.76, 2022, line, (2025, 27.8), "at_least")
    'on_track'
    >>> judge_on_line(27.72, 2024, line, (2025, 27.8), "at_least")
    'behind'
    """
    if target is None:
        return "no_target"
    if satisfies(value, target[1], comparison):
        return "met"
    if comparison == "about":
        return "behind"
    return "on_track" if satisfies(value, trajectory.expected(year), comparison) else "behind"
