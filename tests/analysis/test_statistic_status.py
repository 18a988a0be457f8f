"""Statistical targets judged against the straight-line path in their own terms: a reduction counted from
its baseline year starts the path at 0, so 12.5% in 2024 against 14% by 2025 (from 2020) is on track."""

from __future__ import annotations

import pytest

from wuxi_atlas.analysis.board import StatisticFigure, judge_statistics
from wuxi_atlas.analysis.targets import Target, load_targets


def _target(change: str, value: float, baseline_year: int | None = 2020) -> Target:
    return Target("t", "目标", "target", value, "%", change, "at_least", 2025, ("一",), "statistic",
                  "efficiency", baseline_year)  # fmt: skip


@pytest.mark.parametrize(
    ("value", "year", "status"),
    [
        (12.5, 2024, "on_track"),  # the path expects 14 × 4/5 = 11.2 by 2024
        (11.3, 2024, "on_track"),  # just ahead of the path
        (11.0, 2024, "behind"),
        (14.0, 2024, "met"),
        (12.5, None, "behind"),  # no year given: no place on the path
    ],
)
def test_a_reduction_ahead_of_its_path_is_on_track(value: float, year: int | None, status: str) -> None:
    rows = judge_statistics([_target("reduction_pct", 14.0)], [StatisticFigure("t", value, year)])
    assert rows[0].status == status


def test_the_shipped_energy_intensity_target_with_12_5_in_2024_is_on_track() -> None:
    targets = [t for t in load_targets() if t.id == "gdp_energy_intensity_reduction_2025"]
    assert targets and targets[0].baseline_year == 2020 and targets[0].value == 14
    rows = judge_statistics(targets, [StatisticFigure("gdp_energy_intensity_reduction_2025", 12.5, 2024)])
    assert rows[0].status == "on_track"


def test_a_growth_rate_has_no_path_and_a_reduction_without_baseline_year_neither() -> None:
    growth = judge_statistics([_target("annual_growth_pct", 25.0)], [StatisticFigure("t", 24.0, 2024)])
    assert growth[0].status == "behind"
    no_base = judge_statistics([_target("reduction_pct", 6.0, None)], [StatisticFigure("t", 5.9, 2024)])
    assert no_base[0].status == "behind"
