"""A printable fact sheet for one district: a self-contained A4 HTML page (no scripts, no external files)
with the district's map coloured by an indicator, the indicators with their status and physical gaps, a
progress chart, the land-cover change, the data sources and vintages, and the note that city-wide targets
are not apportioned to districts (:mod:`maps.factsheet_parts` draws the SVG). :mod:`maps.pdf` prints it.

Status is a coloured dot (:mod:`maps.status_style`, the palette of every page) beside its word, never an
emoji, which prints as an empty box without an emoji font. Every piece of text that comes from data
(district and class names, notes) is escaped. When any figure comes from synthetic data, the page opens
with a banner that says so, and it prints.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from wuxi_atlas.analysis.board import BoardRow, board_rows, city_only_targets
from wuxi_atlas.analysis.results import IndicatorResult
from wuxi_atlas.maps.draw import escape
from wuxi_atlas.maps.status_style import status_dot_html
from wuxi_atlas.maps.text import format_gap, format_target, format_value, indicator_name, status_text, t

if TYPE_CHECKING:
    from wuxi_atlas.analysis.change import LandCoverChange
    from wuxi_atlas.analysis.outlook import Outlook

__all__ = [
    "PRINT_FONTS",
    "TRAJECTORY_INDICATORS",
    "district_fact_sheet",
    "fact_sheet_html",
    "trajectory_indicators",
    "unit_change_table",
]

#: Indicators with a history worth a line: those the plan sets targets for.
TRAJECTORY_INDICATORS: tuple[str, ...] = (
    "forest_coverage",
    "wetland_protection_rate",
    "builtup_green_coverage",
    "pv_installed_capacity",
    "charging_piles",
    "battery_swap_stations",
    "hydrogen_stations",
)

#: TrueType CJK fonts first: Chromium embeds a TrueType font in the PDF as a real CID font (searchable,
#: copyable, small), but draws a CFF-flavoured OpenType font (Noto Sans CJK, Source Han Sans) and any
#: synthetic bold as Type 3 glyph drawings. So no face is made bold that the font does not have
#: (``font-synthesis: none``): headings stand out by size and colour. See maps/pdf.py.
PRINT_FONTS = '"WenQuanYi Micro Hei","Microsoft YaHei","Droid Sans Fallback","Noto Sans CJK SC",sans-serif'
_CSS = (
    """
*{font-synthesis:none}
body{font:14px/1.5 FONTS;margin:24px;color:#212121}
h1{font-size:20px;margin:0 0 4px}
.banner{background:#fff3cd;border:1px solid #ffe69c;color:#664d03;padding:8px 12px;margin:8px 0 16px}
table{border-collapse:collapse;width:100%;margin:8px 0 18px}
th,td{border:1px solid #bbb;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f0} td.n{text-align:right;white-space:nowrap}
.meta{color:#666;font-size:12px}
h2{font-size:16px;margin:16px 0 6px;break-after:avoid}
figure{margin:6px 0 12px;break-inside:avoid} figcaption{color:#555;font-size:12px}
.note{background:#eef3fb;border-left:4px solid #4a6fa5;padding:6px 10px;margin:6px 0 12px;
 break-inside:avoid}
table.sources td:first-child,table.sources td:last-child{white-space:nowrap}
tr{break-inside:avoid}
h1,h2{color:#0d3c61} th{color:#37474f}
.trajectory-cell{break-inside:avoid}
@page{size:A4;margin:14mm 12mm}
@media print{body{margin:0}
 .banner,.dot,svg,.note{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""
).replace("FONTS", PRINT_FONTS)


def fact_sheet_html(
    district_name: str,
    rows: Sequence[BoardRow],
    *,
    lang: str = "zh",
    change: pd.DataFrame | None = None,
    change_years: tuple[int | None, int | None] = (None, None),
    synthetic: bool = False,
    generated_at: datetime | None = None,
    map_svg: str = "",
    map_caption: str = "",
    chart_svg: str = "",
    trajectory_svg: str | None = None,
    sources: Sequence[tuple[str, str, str]] = (),
    city_wide: Collection[str] = (),
) -> str:
    """The fact sheet of one district: its map (``map_svg``, trusted SVG drawn by
    :mod:`maps.factsheet_parts`), its indicators (value, target, status, gap), the progress chart, when
    given its land-cover change table (``class_label``, ``gained_ha``, ``lost_ha``, ``net_ha``), the
    ``sources`` as (indicator, source, vintage) and the note on the ``city_wide`` indicators' targets.
    ``trajectory_svg`` is the year-by-year chart (:mod:`maps.factsheet_trajectory`); None leaves the
    section out (no history was asked for), "" says there is nothing to draw."""
    when = (generated_at or datetime.now(UTC)).isoformat(timespec="minutes")
    title = t("fact_sheet_title", lang, name=district_name)
    parts = [
        "<!doctype html><html lang='{}'><head><meta charset='utf-8'>".format("en" if lang == "en" else "zh"),
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<div class='meta'>{escape(t('app_title', lang))} · "
        f"{escape(t('generated', lang))} {escape(when)}</div>",
    ]
    if synthetic:
        # Without the ⚠️: an emoji prints as a Type 3 drawing, or as an empty box without an emoji font.
        banner = t("synthetic_banner", lang).replace("**", "").replace("⚠️", "").strip()
        parts.append(f"<div class='banner' role='note'>{escape(banner)}</div>")
    if map_svg:
        parts.append(f"<figure>{map_svg}<figcaption>{escape(map_caption)}</figcaption></figure>")
    parts.append(f"<h2>{escape(t('fs_indicators', lang))}</h2>")
    header = ("col_indicator", "col_value", "col_target", "col_status", "col_gap")
    parts.append("<table><tr>" + "".join(f"<th>{escape(t(h, lang))}</th>" for h in header) + "</tr>")
    for row in rows:
        target = format_target(row, lang)
        note = format_gap(row, lang) or (row.reason or "")
        if row.status == "no_target" and not row.is_city and row.indicator in city_wide:
            note = t("fs_city_wide_row", lang)
        parts.append(
            "<tr>"
            f"<td>{escape(indicator_name(row.indicator, lang))}</td>"
            f"<td class='n'>{escape(format_value(row.value, row.unit, lang, indicator=row.indicator))}</td>"
            f"<td class='n'>{escape(target)}</td>"
            f"<td class='status'>{status_dot_html(row.status)}{escape(status_text(row.status, lang))}</td>"
            f"<td>{escape(note)}</td>"
            "</tr>"
        )
    parts.append("</table>")
    shown_city_wide = [i for i in dict.fromkeys(r.indicator for r in rows) if i in city_wide]
    if shown_city_wide:
        joined = (", " if lang == "en" else "、").join(indicator_name(i, lang) for i in shown_city_wide)
        note_text = t("fs_city_wide_note", lang, indicators=joined)
        parts.append(f"<p class='note city-wide' role='note'>{escape(note_text)}</p>")
    parts.append(f"<h2>{escape(t('fs_chart_title', lang))}</h2>")
    if chart_svg:
        parts.append(f"<figure class='chart'>{chart_svg}</figure>")
    else:
        parts.append(f"<p class='meta'>{escape(t('fs_chart_empty', lang))}</p>")
    if trajectory_svg is not None:
        parts.append(f"<h2>{escape(t('fs_trajectory_title', lang))}</h2>")
        if trajectory_svg:
            parts.append(f"<figure class='trajectory'>{trajectory_svg}</figure>")
        else:
            parts.append(f"<p class='meta'>{escape(t('fs_trajectory_empty', lang))}</p>")
    if change is not None and not change.empty:
        year_from, year_to = change_years
        parts.append(f"<h2>{escape(t('landcover_change', lang))} {year_from}–{year_to}</h2>")
        columns = ("col_class", "col_gained", "col_lost", "col_net")
        parts.append("<table><tr>" + "".join(f"<th>{escape(t(c, lang))}</th>" for c in columns) + "</tr>")
        for record in change.itertuples(index=False):
            parts.append(
                "<tr>"
                f"<td>{escape(record.class_label)}</td>"
                f"<td class='n'>{record.gained_ha:,.1f}</td>"
                f"<td class='n'>{record.lost_ha:,.1f}</td>"
                f"<td class='n'>{record.net_ha:+,.1f}</td>"
                "</tr>"
            )
        parts.append("</table>")
    if sources:
        parts.append(f"<h2>{escape(t('fs_sources', lang))}</h2><table class='sources'><tr>")
        heads = ("col_indicator", "fs_source", "fs_vintage")
        parts.append("".join(f"<th>{escape(t(h, lang))}</th>" for h in heads) + "</tr>")
        for name, source, vintage in sources:
            parts.append(
                f"<tr><td>{escape(name)}</td><td>{escape(source)}</td><td>{escape(vintage)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def district_fact_sheet(
    results: Sequence[IndicatorResult],
    boundaries: gpd.GeoDataFrame,
    adcode: str,
    *,
    lang: str = "zh",
    change: pd.DataFrame | None = None,
    change_years: tuple[int | None, int | None] = (None, None),
    synthetic: bool = False,
    map_indicator: str = "forest_coverage",
    generated_at: datetime | None = None,
    outlooks: Mapping[str, Sequence[Outlook]] | None = None,
) -> str:
    """The whole fact sheet of the unit ``adcode`` from every unit's ``results`` (the map colours the
    neighbours too, and the city's targets tell which targets are city-wide); ``outlooks`` (indicator →
    the unit's outlooks by series, :func:`trajectory_indicators` says which) draw the trajectory."""
    from wuxi_atlas.maps.factsheet_parts import district_map_svg, progress_chart_svg
    from wuxi_atlas.maps.factsheet_trajectory import trajectory_chart_svg

    adcode = str(adcode)
    rows = board_rows(results, adcode=adcode)
    names = boundaries.assign(adcode=boundaries["adcode"].astype(str)).set_index("adcode")
    name = (
        str(names.at[adcode, "name_en" if lang == "en" else "name_zh"]) if adcode in names.index else adcode
    )
    mapped = [r for r in results if r.indicator == map_indicator]
    values = {r.adcode: r.value for r in mapped}
    unit = mapped[0].unit if mapped else "%"
    label = indicator_name(map_indicator, lang)
    own = [r for r in results if r.adcode == adcode and r.source]
    sources = list(dict.fromkeys((indicator_name(r.indicator, lang), r.source, r.vintage) for r in own))
    return fact_sheet_html(
        name,
        rows,
        lang=lang,
        change=change,
        change_years=change_years,
        synthetic=synthetic or any(r.synthetic for r in results if r.adcode == adcode),
        generated_at=generated_at,
        map_svg=district_map_svg(boundaries, adcode, values, indicator=map_indicator, unit=unit, lang=lang),
        map_caption=t("fs_map_title", lang, name=name, indicator=label)
        + " · "
        + t("fs_map_note", lang, indicator=label),
        chart_svg=progress_chart_svg(rows, lang=lang),
        trajectory_svg=None if outlooks is None else trajectory_chart_svg(outlooks, lang=lang),
        sources=sources,
        city_wide=city_only_targets(results),
    )


def trajectory_indicators(results: Sequence[IndicatorResult], adcode: str) -> list[str]:
    """The indicators the fact sheet of ``adcode`` draws year by year: those the plan sets the unit a
    target for (a district's station targets are city-wide: no line to follow)."""
    return list(
        dict.fromkeys(
            r.indicator
            for r in results
            if r.adcode == str(adcode) and r.target is not None and r.indicator in TRAJECTORY_INDICATORS
        )
    )


def unit_change_table(change: LandCoverChange, adcode: str, lang: str = "zh") -> pd.DataFrame:
    """The classes that changed in the unit ``adcode``, labelled in ``lang`` (``class_label``, ``gained_ha``,
    ``lost_ha``, ``net_ha``)."""
    from wuxi_atlas.analysis.schemes import load_scheme

    table = change.for_unit(str(adcode))
    scheme = load_scheme(change.scheme)
    table = table.assign(class_label=[scheme.label(int(c), lang) for c in table["class_code"]])
    return table[(table["gained_ha"] > 0) | (table["lost_ha"] > 0)].reset_index(drop=True)
