"""The drawn parts of the fact sheet, as inline SVG that prints without a network, tiles or matplotlib: the
district and its neighbours coloured by an indicator (drawn from the EPSG:4549 boundaries, so shapes and
the scale bar are true to the ground), and the progress of each indicator against its target.

Every name that comes from a file is escaped (:func:`maps.draw.escape`), which also keeps it inert as
template source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import shapely

from wuxi_atlas.analysis.board import BoardRow
from wuxi_atlas.analysis.crs import METRIC_CRS
from wuxi_atlas.analysis.errors import CRSError
from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.maps.draw import escape
from wuxi_atlas.maps.status_style import status_colour
from wuxi_atlas.maps.text import catalogue, format_value, indicator_name, t

__all__ = ["SVG_FONTS", "district_map_svg", "progress_chart_svg"]

#: The fact sheet's fonts for SVG text, TrueType CJK first (why: :data:`maps.factsheet.PRINT_FONTS`).
SVG_FONTS = "WenQuanYi Micro Hei, Microsoft YaHei, Droid Sans Fallback, Noto Sans CJK SC, sans-serif"
_RAMP = ((0xE8, 0xF5, 0xE9), (0x1B, 0x5E, 0x20))  # light to dark green
_NO_VALUE = "#e0e0e0"


def _ramp(fraction: float) -> str:
    low, high = _RAMP
    channels = (round(a + (b - a) * min(max(fraction, 0.0), 1.0)) for a, b in zip(low, high, strict=True))
    return "#" + "".join(f"{c:02x}" for c in channels)


def _path(geometry: shapely.Geometry, to_xy: object) -> str:
    """SVG path data of a (multi)polygon's rings, already in page coordinates via ``to_xy``."""
    parts: list[str] = []
    polygons = getattr(geometry, "geoms", [geometry])
    for polygon in polygons:
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            points = [to_xy(x, y) for x, y in ring.coords]  # type: ignore[operator]
            parts.append("M" + "L".join(f"{px:.1f},{py:.1f}" for px, py in points) + "Z")
    return "".join(parts)


def _scale_bar_m(span_m: float) -> float:
    """A round length near a quarter of the map's width: 1, 2 or 5 × 10^n metres."""
    target = span_m / 4
    step = 1.0
    while step * 10 <= target:
        step *= 10
    return max((m * step for m in (1, 2, 5) if m * step <= target), default=step)


def district_map_svg(
    boundaries: gpd.GeoDataFrame,
    adcode: str,
    values: Mapping[str, float | None],
    *,
    indicator: str,
    unit: str,
    lang: str = "zh",
    width: int = 640,
    height: int = 400,
) -> str:
    """The unit ``adcode`` (outlined) and the districts that touch it, each filled by its value of
    ``indicator`` on a green ramp with the value written on it; for the city, every district.

    ``boundaries`` need a CRS (drawn in EPSG:4549); ``values`` maps adcodes to the indicator's value in
    ``unit`` (None: no data, grey).
    """
    if boundaries.crs is None:
        raise CRSError(f"the boundaries have no CRS; the fact sheet map is drawn in {METRIC_CRS}")
    frame = boundaries.to_crs(METRIC_CRS)
    frame = frame.assign(adcode=frame["adcode"].astype(str))
    districts = frame[frame["adcode"] != CITY_ADCODE]
    if str(adcode) == CITY_ADCODE:
        shown, focus = districts, None
    else:
        focus = districts[districts["adcode"] == str(adcode)].geometry.union_all()
        shown = districts[districts.geometry.distance(focus) < 1.0]
    minx, miny, maxx, maxy = shown.total_bounds
    margin, legend_h = 12.0, 44.0
    scale = min((width - 2 * margin) / (maxx - minx), (height - legend_h - 2 * margin) / (maxy - miny))

    def to_xy(x: float, y: float) -> tuple[float, float]:
        return margin + (x - minx) * scale, margin + (maxy - y) * scale

    numbers = [v for code, v in values.items() if code in set(shown["adcode"]) and v is not None]
    low, high = (min(numbers), max(numbers)) if numbers else (0.0, 0.0)
    name_column = "name_en" if lang == "en" else "name_zh"
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='district-map' viewBox='0 0 {width} {height}' "
        f"width='100%' role='img' aria-label='{escape(indicator_name(indicator, lang))}' "
        f"font-family='{SVG_FONTS}'>"
    ]
    labels = []
    tolerance = 1.0 / scale  # one screen unit in metres: detail finer than that does not print
    for row in shown.itertuples(index=False):
        value = values.get(row.adcode)
        fill = _NO_VALUE if value is None else _ramp((value - low) / (high - low) if high > low else 1.0)
        is_focus = focus is not None and row.adcode == str(adcode)
        stroke = "stroke='#000' stroke-width='2.4'" if is_focus else "stroke='#555' stroke-width='0.8'"
        geometry = row.geometry.simplify(tolerance)
        parts.append(f"<path d='{_path(geometry, to_xy)}' fill='{fill}' fill-rule='evenodd' {stroke}/>")
        anchor = row.geometry.representative_point()
        px, py = to_xy(anchor.x, anchor.y)
        text = (
            format_value(value, unit, lang, indicator=indicator)
            if value is not None
            else t("fs_no_value", lang)
        )
        weight = "bold" if is_focus else "normal"
        colour = (
            "#fff" if value is not None and high > low and (value - low) / (high - low) > 0.55 else "#111"
        )
        labels.append(
            f"<text x='{px:.1f}' y='{py:.1f}' text-anchor='middle' font-size='11' font-weight='{weight}' "
            f"fill='{colour}'><tspan x='{px:.1f}'>{escape(getattr(row, name_column, row.adcode))}</tspan>"
            f"<tspan x='{px:.1f}' dy='13'>{escape(text)}</tspan></text>"
        )
    parts.extend(labels)
    # legend: the ramp from the lowest to the highest value shown, the no-data swatch, a scale bar, north
    top = height - legend_h + 10
    low_text = format_value(low, unit, lang, indicator=indicator)
    high_text = format_value(high, unit, lang, indicator=indicator)
    parts.append(
        "<defs><linearGradient id='fs-ramp'>"
        f"<stop offset='0' stop-color='{_ramp(0)}'/><stop offset='1' stop-color='{_ramp(1)}'/>"
        "</linearGradient></defs>"
        f"<rect x='{margin}' y='{top}' width='160' height='10' fill='url(#fs-ramp)' stroke='#999'/>"
        f"<text x='{margin}' y='{top + 24}' font-size='10'>{escape(low_text)}</text>"
        f"<text x='{margin + 160}' y='{top + 24}' font-size='10' text-anchor='end'>"
        f"{escape(high_text)}</text>"
        f"<rect x='{margin + 180}' y='{top}' width='14' height='10' fill='{_NO_VALUE}' stroke='#999'/>"
        f"<text x='{margin + 198}' y='{top + 9}' font-size='10'>{escape(t('fs_no_value', lang))}</text>"
    )
    bar_m = _scale_bar_m(maxx - minx)
    bar_px = bar_m * scale
    label = f"{bar_m / 1000:g} km"
    x0 = width - margin - bar_px
    parts.append(
        f"<path d='M{x0:.1f},{top + 8}h{bar_px:.1f}' stroke='#000' stroke-width='3'/>"
        f"<text x='{x0 + bar_px / 2:.1f}' y='{top + 24}' font-size='10' text-anchor='middle'>{label}</text>"
        f"<text x='{width - margin}' y='{margin + 10}' font-size='12' text-anchor='end'>N ↑</text>"
        "</svg>"
    )
    return "".join(parts)


def progress_chart_svg(rows: Sequence[BoardRow], *, lang: str = "zh", width: int = 640) -> str:
    """One bar per indicator with a target: value ÷ target in the status colour, the bar stopping at 100%
    and any overshoot written as text; "" when no row has a target."""
    judged = [row for row in rows if row.progress is not None and row.target is not None]
    if not judged:
        return ""
    label_w, bar_w, row_h, top = 190.0, width - 190.0 - 110.0, 24.0, 8.0
    height = top + row_h * len(judged) + 22
    words = catalogue(lang)["status"]
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='progress-chart' viewBox='0 0 {width} {height:.0f}' "
        f"width='100%' role='img' font-family='{SVG_FONTS}'>"
    ]
    for i, row in enumerate(judged):
        y = top + i * row_h
        progress = row.progress or 0.0
        shown = min(max(progress, 0.0), 1.0)
        name = indicator_name(row.indicator, lang)
        if row.target_year is not None:
            name += f" ({row.target_year})"
        status = words.get(row.status, row.status)
        parts.append(
            f"<text x='{label_w - 6}' y='{y + 14}' font-size='11' text-anchor='end'>{escape(name)}</text>"
            f"<rect x='{label_w}' y='{y + 3}' width='{bar_w:.1f}' height='14' fill='#f3f3f3' stroke='#ccc'/>"
            f"<rect x='{label_w}' y='{y + 3}' width='{bar_w * shown:.1f}' height='14' "
            f"fill='{status_colour(row.status)}'/>"
            f"<text x='{label_w + bar_w + 6}' y='{y + 14}' font-size='11'>"
            f"{progress * 100:.0f}% · {escape(status)}</text>"
        )
    base = top + row_h * len(judged) + 4
    parts.append(
        f"<path d='M{label_w + bar_w:.1f},{top}V{base}' stroke='#333' stroke-dasharray='3,2'/>"
        f"<text x='{label_w + bar_w:.1f}' y='{base + 12}' font-size='10' text-anchor='middle'>100%</text>"
        f"<text x='{label_w}' y='{base + 12}' font-size='10' text-anchor='middle'>0</text></svg>"
    )
    return "".join(parts)
