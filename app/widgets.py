"""Pieces several pages share: the synthetic-data banner, text from files made inert for markdown, and
the indicator board (one row per indicator and unit, with status, target, progress and gap)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from wuxi_atlas.analysis.board import BoardRow
from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.app.context import Context
from wuxi_atlas.maps.status_style import PROGRESS_BAR_COLOUR, cell_css
from wuxi_atlas.maps.text import format_gap, format_target, format_value, indicator_name, status_text, t

__all__ = [
    "option_hints",
    "plain",
    "preload_table_code",
    "progress_bar",
    "progress_text",
    "show_board",
    "status_styled",
    "synthetic_banner",
]


def synthetic_banner(ctx: Context, synthetic: bool | None = None) -> None:
    """The warning that the page shows synthetic demo data, when it does (``ctx.synthetic`` by default)."""
    if ctx.synthetic if synthetic is None else synthetic:
        st.warning(t("synthetic_banner", ctx.lang))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def plain(text: str) -> str:
    """Text from a user's file made inert for Streamlit's markdown (st.error, st.success …): every
    markdown, HTML, emoji-shortcode and LaTeX character is backslash-escaped, so it shows as written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


#: The read options that messages name (as the CLI spells them) and the catalogue key of the hint that
#: says which control of the Data page does the same.
_OPTION_HINTS: dict[str, str] = {
    "--map": "hint_option_map",
    "--lonlat-crs": "hint_option_lonlat_crs",
    "--encoding": "hint_option_encoding",
    "--layer": "hint_option_layer",
    "--scheme": "hint_option_scheme",
}


def option_hints(message: str, lang: str) -> list[str]:
    """For a message that names command-line options (``--map '<column>=piles'``), one line per option
    saying which control of the Data page does the same, so one wording serves the CLI and the app."""
    return [t(key, lang) for option, key in _OPTION_HINTS.items() if re.search(rf"{option}\b", message)]


def _board_table(ctx: Context, rows: Sequence[BoardRow], *, with_district: bool) -> pd.DataFrame:
    lang = ctx.lang
    city_targets = {r.indicator for r in ctx.results if r.adcode == CITY_ADCODE and r.target is not None}
    records = []
    for row in rows:
        target = format_target(row, lang)
        note = format_gap(row, lang)
        if row.status == "not_computable":
            note = row.reason or ""
        elif row.target is None and row.indicator in city_targets:
            note = t("city_only_target", lang)
        record = {
            t("col_indicator", lang): indicator_name(row.indicator, lang),
            t("col_status", lang): status_text(row.status, lang),
            t("col_value", lang): format_value(row.value, row.unit, lang, indicator=row.indicator),
            t("col_target", lang): target,
            t("col_progress", lang): progress_text(row.progress),
            t("col_progress_bar", lang): progress_bar(row.progress),
            t("col_gap", lang): note,
        }
        if with_district:
            record = {t("col_district", lang): ctx.name(row.adcode), **record}
        records.append(record)
    return pd.DataFrame(records)


def progress_bar(progress: float | None) -> float | None:
    """Progress in percent for a bar that stops at 100 (133% fills it; the text column says 133%)."""
    return None if progress is None else round(100 * min(max(progress, 0.0), 1.0), 1)


def progress_text(progress: float | None) -> str:
    """Progress as text, overshoot included: "133%"; "" without a target."""
    return "" if progress is None else f"{100 * progress:.0f}%"


def status_styled(frame: pd.DataFrame, column: str, statuses: Sequence[str | None]) -> Any:
    """``frame`` as a pandas Styler whose ``column`` cells have the background of their status (the
    palette of :mod:`maps.status_style`); the word stays in the cell."""
    css = [cell_css(status) for status in statuses]
    return frame.style.apply(lambda _: css, subset=[column], axis=0)


def show_board(ctx: Context, rows: Sequence[BoardRow], *, with_district: bool, key: str) -> None:
    """The indicator board of ``rows`` as a table: the status cell coloured, progress as a bar that stops
    at 100% beside the figure as text (which shows any overshoot)."""
    frame = _board_table(ctx, rows, with_district=with_district)
    st.dataframe(
        status_styled(frame, t("col_status", ctx.lang), [r.status for r in rows]) if rows else frame,
        hide_index=True,
        width="stretch",
        key=key,
        column_config={
            t("col_progress_bar", ctx.lang): st.column_config.ProgressColumn(
                t("col_progress_bar", ctx.lang),
                min_value=0,
                max_value=100,
                format="%.0f%%",
                width="small",
                color=PROGRESS_BAR_COLOUR,
            ),
            t("col_gap", ctx.lang): st.column_config.TextColumn(t("col_gap", ctx.lang), width="medium"),
        },
    )


@functools.cache
def _table_module() -> str | None:
    """The file name of the browser's code for ``st.dataframe`` in this Streamlit's build
    (``DataFrame.<hash>.js``), None if the build has no such file."""
    found = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("DataFrame.*.js"))
    return found[0].name if len(found) == 1 else None


def preload_table_code() -> None:
    """Have the browser load the code that draws a table (``st.dataframe``) now, while the page waits for
    the data of one: loaded only when the first table arrives, it took the browser about a second on a
    busy server (half a megabyte of JavaScript and two dozen files, served by the process computing the
    page). Nothing is drawn; without the file (another Streamlit build), nothing happens."""
    name = _table_module()
    if name is None:
        return
    base = "/" + st.get_option("server.baseUrlPath").strip("/")
    url = json.dumps(f"{base.rstrip('/')}/static/js/{name}")
    # The same URL as Streamlit's own import of it, so the browser's module map serves that import.
    st.html(f"<script>import(new URL({url}, location.origin).href)</script>", unsafe_allow_javascript=True)
