"""A printable fact sheet for one district: a self-contained HTML page (no scripts, no external files).

Status is a coloured dot (:mod:`maps.status_style`, the palette of every page) beside its word, never an
emoji, which prints as an empty box without an emoji font. Every piece of text that comes from data
(district and class names, notes) is escaped. When any figure comes from synthetic data, the page opens
with a banner that says so, and it prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd

from analysis.board import BoardRow
from maps.draw import escape
from maps.status_style import status_dot_html
from maps.text import format_gap, format_value, indicator_name, status_text, t

__all__ = ["fact_sheet_html"]

_CSS = """
body{font:14px/1.5 "Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#212121}
h1{font-size:20px;margin:0 0 4px}
.banner{background:#fff3cd;border:1px solid #ffe69c;color:#664d03;padding:8px 12px;margin:8px 0 16px}
table{border-collapse:collapse;width:100%;margin:8px 0 18px}
th,td{border:1px solid #bbb;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f0} td.n{text-align:right;white-space:nowrap}
.meta{color:#666;font-size:12px}
@media print{.banner,.dot{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def fact_sheet_html(
    district_name: str,
    rows: Sequence[BoardRow],
    *,
    lang: str = "zh",
    change: pd.DataFrame | None = None,
    change_years: tuple[int | None, int | None] = (None, None),
    synthetic: bool = False,
    generated_at: datetime | None = None,
) -> str:
    """The fact sheet of one district: its indicators (value, target, status, gap) and, when given, its
    land-cover change table (``class_label``, ``gained_ha``, ``lost_ha``, ``net_ha``)."""
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
        banner = t("synthetic_banner", lang).replace("**", "")
        parts.append(f"<div class='banner' role='note'>{escape(banner)}</div>")
    header = ("col_indicator", "col_value", "col_target", "col_status", "col_gap")
    parts.append("<table><tr>" + "".join(f"<th>{escape(t(h, lang))}</th>" for h in header) + "</tr>")
    for row in rows:
        target = ""
        if row.target is not None:
            target = f"{format_value(row.target, row.unit, lang)} ({row.target_year})"
        note = format_gap(row, lang) or (row.reason or "")
        parts.append(
            "<tr>"
            f"<td>{escape(indicator_name(row.indicator, lang))}</td>"
            f"<td class='n'>{escape(format_value(row.value, row.unit, lang))}</td>"
            f"<td class='n'>{escape(target)}</td>"
            f"<td class='status'>{status_dot_html(row.status)}{escape(status_text(row.status, lang))}</td>"
            f"<td>{escape(note)}</td>"
            "</tr>"
        )
    parts.append("</table>")
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
    parts.append("</body></html>")
    return "\n".join(parts)
