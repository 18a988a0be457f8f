"""The fact sheet's trajectory chart: values by year, the straight line to the targets, the trend carried
on and the targets, placed where the numbers say.

The fixture: 林木覆盖率 25, 26, 27 at 2019, 2021, 2023 (the trend rises 0.5 a year), a line from 25 (2019)
to 27.8 (2025) and 28.5 (2030). The panel is 310 × 200 with the plot from x = 52 to 300, y = 26 to 176.
"""

from __future__ import annotations

import re

import pytest

from wuxi_atlas.analysis.outlook import Outlook, TargetOutlook
from wuxi_atlas.analysis.trajectory import Trajectory, fit_trend
from wuxi_atlas.maps.factsheet_trajectory import trajectory_chart_svg, trajectory_panel_svg


def _outlook(values: tuple[float, ...] = (25.0, 26.0, 27.0), series: str = "raster") -> Outlook:
    years = (2019, 2021, 2023)[: len(values)]
    trend = fit_trend(years, values)
    goals = ((2025, 27.8), (2030, 28.5))
    return Outlook(
        indicator="forest_coverage",
        adcode="320211",
        district="滨湖区",
        series=series,
        unit="%",
        comparison="at_least",
        years=years,
        values=values,
        trajectory=Trajectory(2019, values[0], "first_vintage", goals),
        trend=trend,
        targets=tuple(
            TargetOutlook(year, value, None, None if trend is None else trend.at(year) < value)
            for year, value in goals
        ),
    )


def _numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", text)]


def test_panel_places_values_line_trend_and_targets_on_one_scale() -> None:
    svg = trajectory_panel_svg("forest_coverage", [_outlook()], lang="zh")
    # x: 2019 → 52, 2030 → 300: 248 px for 11 years
    circles = re.findall(r"class='trajectory-value' cx='([\d.]+)' cy='([\d.]+)'", svg)
    xs = [float(cx) for cx, _ in circles]
    assert xs == pytest.approx([52.0, 52 + 2 * 248 / 11, 52 + 4 * 248 / 11], abs=0.06)
    ys = [float(cy) for _, cy in circles]
    assert ys[0] > ys[1] > ys[2]  # rising values are drawn higher
    line = re.search(r"class='trajectory-line' d='M([^']*)'", svg)
    assert line is not None
    corners = _numbers(line.group(1).replace("L", " "))
    assert corners[0] == pytest.approx(52.0) and corners[2] == pytest.approx(52 + 6 * 248 / 11, abs=0.06)
    assert corners[4] == pytest.approx(300.0)  # the line reaches 2030, the last target
    assert corners[1] == pytest.approx(ys[0], abs=0.06)  # it starts at the first value
    trend = re.search(r"class='trajectory-trend' d='M([^']*)'", svg)
    assert trend is not None
    # 25 in 2019 rising 0.5 a year: 30.5 in 2030, above the 28.5 target — drawn above the last diamond
    trend_end_y = _numbers(trend.group(1).split("L")[1])[1]
    assert trend_end_y < corners[5]
    assert svg.count("class='trajectory-target'") == 2
    assert "27.80% (2025)" in svg and "28.50% (2030)" in svg
    assert "预警" not in svg  # the trend reaches both targets in time


def test_a_trend_that_misses_a_target_is_flagged_in_the_title() -> None:
    flat = _outlook((25.0, 25.0, 25.1))
    svg = trajectory_panel_svg("forest_coverage", [flat], lang="en")
    assert "Tree and woody cover rate · early warning" in svg
    assert "预警" not in svg


def test_one_vintage_has_no_trend_and_an_empty_outlook_draws_nothing() -> None:
    single = _outlook((25.0,))
    svg = trajectory_panel_svg("forest_coverage", [single])
    assert "trajectory-trend" not in svg and svg.count("class='trajectory-value'") == 1
    assert trajectory_chart_svg({"forest_coverage": []}) == ""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_has_a_panel_per_indicator_and_a_legend_in_the_language(lang: str) -> None:
    svg = trajectory_chart_svg(
        {"forest_coverage": [_outlook(), _outlook((24.0, 25.5, 26.0), "land_survey")]}, lang=lang
    )
    assert svg.count("class='trajectory-panel'") == 1
    assert svg.count("class='trajectory-value'") == 6
    legend = svg[svg.index("trajectory-legend") :]
    if lang == "zh":
        assert "遥感土地覆盖" in legend and "国土调查" in legend and "目标" in legend
    else:
        assert "target" in legend.lower() and not re.search(r"[\u4e00-\u9fff]", legend)
