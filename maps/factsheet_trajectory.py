"""The fact sheet's trajectory chart, as inline SVG that prints without a network or a chart library: for
each indicator with a target, the unit's values by year (a line per series: remote-sensing land cover,
land survey, layers), the straight line from the baseline to the 2025/2030 targets, the least-squares
trend carried to the last target year, and the targets, with 预警 in the title where the trend misses one
(:mod:`analysis.outlook`).

The same reading as the district page's chart (:mod:`app.history_view`), drawn for paper: one small panel
per indicator, two to a row. Every text is escaped (:func:`maps.draw.escape`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from wuxi_atlas.analysis.outlook import Outlook
from wuxi_atlas.maps.draw import escape
from wuxi_atlas.maps.factsheet_parts import SVG_FONTS
from wuxi_atlas.maps.status_style import status_colour
from wuxi_atlas.maps.text import format_value, indicator_name, t

__all__ = ["SERIES_COLOURS", "trajectory_chart_svg", "trajectory_panel_svg"]

#: One colour per series of values (the land cover's kind of source), as on the district page.
SERIES_COLOURS: dict[str, str] = {"raster": "#1f77b4", "land_survey": "#ff7f0e", "": "#2ca02c"}
_PATH_COLOUR, _TARGET_COLOUR, _AXIS_COLOUR = "#757575", "#d81b60", "#b0b0b0"
_FONT = f"font-family='{SVG_FONTS}'"


def _nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 × 10^n) giving about ``ticks`` intervals over ``span``."""
    raw = span / ticks if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next((m * power for m in (1, 2, 5) if m * power >= raw), 10 * power)


def _series_label(series: str, lang: str) -> str:
    return t(f"trend_series_{series or 'layers'}", lang)


def _axis_number(value: float, step: float) -> str:
    digits = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"{value:,.{digits}f}"


def trajectory_panel_svg(
    indicator: str, outlooks: Sequence[Outlook], *, lang: str = "zh", width: int = 310, height: int = 200
) -> str:
    """One indicator's panel: values by year per series, the straight line to the targets (dashed grey),
    the trend carried on (dotted) and the targets (diamonds); "" when no outlook has a value."""
    shown = [o for o in outlooks if o.years]
    if not shown:
        return ""
    line = next((o.trajectory for o in shown if o.trajectory is not None), None)
    goals = next((o.targets for o in shown if o.targets), ())
    last_year = max([*(o.years[-1] for o in shown), *(g.year for g in goals)])
    first_year = min([*(o.years[0] for o in shown), *([line.baseline_year] if line else [])])
    numbers = [v for o in shown for v in o.values]
    numbers += [v for _, v in line.points()] if line else []
    numbers += [g.value for g in goals]
    trends = [(o, o.trend) for o in shown if o.trend is not None]
    numbers += [trend.at(year) for o, trend in trends for year in (o.years[0], last_year)]
    low, high = min(numbers), max(numbers)
    pad = (high - low) * 0.08 or abs(high) * 0.05 or 1.0
    low, high = low - pad, high + pad
    step = _nice_step(high - low)
    left, right, top, bottom = 52.0, 10.0, 26.0, 24.0
    plot_w, plot_h = width - left - right, height - top - bottom
    span_years = max(last_year - first_year, 1)

    def x(year: float) -> float:
        return left + (year - first_year) / span_years * plot_w

    def y(value: float) -> float:
        return top + (high - value) / (high - low) * plot_h

    warned = any(o.warning for o in shown)
    title = indicator_name(indicator, lang) + (f" · {t('trend_flag', lang)}" if warned else "")
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='trajectory-panel' viewBox='0 0 {width} {height}' "
        f"width='{width}' height='{height}' role='img' aria-label='{escape(title)}' {_FONT}>",
        f"<text x='{left}' y='14' font-size='12' fill='{status_colour('behind') if warned else '#212121'}'>"
        f"{escape(title)}</text>",
        f"<rect x='{left}' y='{top}' width='{plot_w:.1f}' height='{plot_h:.1f}' fill='none' "
        f"stroke='{_AXIS_COLOUR}' stroke-width='0.6'/>",
    ]
    tick = math.ceil(low / step) * step
    while tick <= high:
        parts.append(
            f"<path d='M{left},{y(tick):.1f}h{plot_w:.1f}' stroke='#eeeeee' stroke-width='0.6'/>"
            f"<text x='{left - 4}' y='{y(tick) + 3:.1f}' font-size='9' text-anchor='end' fill='#555'>"
            f"{_axis_number(tick, step)}</text>"
        )
        tick += step
    year_step = 1 if span_years <= 8 else 2 if span_years <= 16 else 5
    for year in range(first_year, last_year + 1):
        if (year - first_year) % year_step == 0 or year == last_year:
            parts.append(
                f"<text x='{x(year):.1f}' y='{top + plot_h + 13:.1f}' font-size='9' text-anchor='middle' "
                f"fill='#555'>{year}</text>"
            )
    if line is not None:
        corners = [(yr, v) for yr, v in line.points() if yr <= last_year]
        path = "L".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in corners)
        parts.append(
            f"<path class='trajectory-line' d='M{path}' fill='none' stroke='{_PATH_COLOUR}' "
            "stroke-width='1.4' stroke-dasharray='6,3'/>"
        )
    for outlook, trend in trends:
        colour = SERIES_COLOURS.get(outlook.series, SERIES_COLOURS[""])
        start, end = outlook.years[0], last_year
        parts.append(
            f"<path class='trajectory-trend' d='M{x(start):.1f},{y(trend.at(start)):.1f}"
            f"L{x(end):.1f},{y(trend.at(end)):.1f}' stroke='{colour}' stroke-width='1.2' "
            "stroke-dasharray='2,3' opacity='0.85'/>"
        )
    for outlook in shown:
        colour = SERIES_COLOURS.get(outlook.series, SERIES_COLOURS[""])
        points = [(x(yr), y(v)) for yr, v in zip(outlook.years, outlook.values, strict=True)]
        if len(points) > 1:
            path = "L".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f"<path d='M{path}' fill='none' stroke='{colour}' stroke-width='1.8'/>")
        parts += [
            f"<circle class='trajectory-value' cx='{px:.1f}' cy='{py:.1f}' r='2.6' fill='{colour}'/>"
            for px, py in points
        ]
    unit = shown[0].unit
    for goal in goals:
        gx, gy = x(goal.year), y(goal.value)
        parts.append(
            f"<path class='trajectory-target' d='M{gx:.1f},{gy - 5:.1f}l5,5l-5,5l-5,-5Z' "
            f"fill='{_TARGET_COLOUR}'/>"
            f"<text x='{gx - 7:.1f}' y='{gy - 7:.1f}' font-size='9' text-anchor='end' "
            f"fill='{_TARGET_COLOUR}'>"
            f"{escape(format_value(goal.value, unit, lang, indicator=indicator))} ({goal.year})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _legend_html(series: Sequence[str], lang: str) -> str:
    """The key under the panels: HTML that wraps on a narrow page, each swatch a small SVG."""
    items: list[tuple[str, str]] = [
        (f"<path d='M0,6h18' stroke='{SERIES_COLOURS.get(s, SERIES_COLOURS[''])}' stroke-width='2'/>",
         _series_label(s, lang))
        for s in series
    ]  # fmt: skip
    items += [
        (f"<path d='M0,6h18' stroke='{_PATH_COLOUR}' stroke-width='1.4' stroke-dasharray='6,3'/>",
         t("fs_trajectory_path", lang)),
        ("<path d='M0,6h18' stroke='#555' stroke-width='1.2' stroke-dasharray='2,3'/>",
         t("fs_trajectory_trend", lang)),
        (f"<path d='M9,1l5,5l-5,5l-5,-5Z' fill='{_TARGET_COLOUR}'/>", t("trend_target", lang)),
    ]  # fmt: skip
    keys = "".join(
        "<span class='trajectory-key' style='display:inline-block;margin-right:14px;white-space:nowrap'>"
        f"<svg xmlns='http://www.w3.org/2000/svg' width='20' height='12' style='vertical-align:middle'>"
        f"{swatch}</svg> {escape(label)}</span>"
        for swatch, label in items
    )
    return f"<div class='trajectory-legend' style='font-size:11px;color:#333'>{keys}</div>"


def trajectory_chart_svg(
    outlooks: Mapping[str, Sequence[Outlook]], *, lang: str = "zh", width: int = 640
) -> str:
    """The trajectory panels of every indicator in ``outlooks`` (indicator → the unit's outlooks, one per
    series), two to a row, and one legend; "" when none has a value."""
    panels = [
        (indicator, trajectory_panel_svg(indicator, found, lang=lang, width=width // 2 - 4))
        for indicator, found in outlooks.items()
    ]
    panels = [(indicator, svg) for indicator, svg in panels if svg]
    if not panels:
        return ""
    series = list(dict.fromkeys(o.series for found in outlooks.values() for o in found if o.years))
    grid = "".join(f"<div class='trajectory-cell'>{svg}</div>" for _, svg in panels)
    return (
        "<div class='trajectory-grid' style='display:flex;flex-wrap:wrap;gap:8px'>"
        f"{grid}</div>{_legend_html(series, lang)}"
    )
