"""The board page (``?page=board``): the city's headline figures, the board of every indicator for every
unit, a chart comparing the districts, a small chart per unit of one indicator year by year with 预警
(:mod:`app.history_view`), and the statistical targets with figures from an uploaded CSV."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wuxi_atlas.analysis.board import BoardRow, board_rows, parse_statistic_figures, statistic_rows
from wuxi_atlas.analysis.errors import AtlasError
from wuxi_atlas.analysis.indicators import INDICATOR_IDS
from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.app.context import Context
from wuxi_atlas.app.history_view import show_trend_grid
from wuxi_atlas.app.widgets import plain, show_board, status_styled, synthetic_banner
from wuxi_atlas.maps.status_style import STATUS_STYLES, status_colour, status_style
from wuxi_atlas.maps.text import (
    format_statistic,
    format_target,
    format_value,
    indicator_axis_title,
    indicator_name,
    status_text,
    t,
    target_text,
)

__all__ = ["render"]


def _headline(ctx: Context) -> None:
    st.subheader(t("headline", ctx.lang))
    city = [
        r for r in board_rows(ctx.results, adcode=CITY_ADCODE) if r.indicator != "charging_service_coverage"
    ]
    shown: list[BoardRow] = []
    seen: set[str] = set()
    for row in city:
        if row.indicator in seen and row.target_year != 2025:
            continue
        seen.add(row.indicator)
        shown.append(row)
    columns = st.columns(4)
    for index, row in enumerate(r for r in shown if r.status != "not_computable"):
        target = format_target(row, ctx.lang)
        with columns[index % 4], st.container(border=True):
            st.metric(
                indicator_name(row.indicator, ctx.lang),
                format_value(row.value, row.unit, ctx.lang, indicator=row.indicator),
                help=f"{t('col_target', ctx.lang)}: {target}" if target else None,
            )
            # The status as a coloured badge with its word (st.metric's delta can only be green or red).
            st.badge(status_text(row.status, ctx.lang), color=status_style(row.status).named)


def _compare_chart(ctx: Context) -> None:
    import altair as alt  # ~0.15 s to import: only the pages that draw a chart pay it

    st.subheader(t("compare", ctx.lang))
    computable = [
        i for i in INDICATOR_IDS if any(r.indicator == i and r.value is not None for r in ctx.results)
    ]
    if not computable:
        return
    indicator = st.selectbox(
        t("compare_indicator", ctx.lang),
        computable,
        format_func=lambda i: indicator_name(i, ctx.lang),
        key="compare_indicator",
    )
    rows = [
        r
        for r in board_rows(ctx.results)
        if r.indicator == indicator
        and not r.is_city
        and r.value is not None
        and r.target_year in (None, 2025)
    ]
    frame = pd.DataFrame(
        {
            "district": [ctx.name(r.adcode) for r in rows],
            "value": [r.value for r in rows],
            "status": [status_text(r.status, ctx.lang) for r in rows],
        }
    )
    unit = rows[0].unit if rows else ""
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("district:N", sort="-y", title=None),
            y=alt.Y("value:Q", title=indicator_axis_title(indicator, unit, ctx.lang)),
            color=alt.Color(
                "status:N",
                title=t("col_status", ctx.lang),
                # The palette, fixed per status: 达标 green, 滞后 red … whatever statuses the districts have.
                scale=alt.Scale(
                    domain=[status_text(s, ctx.lang) for s in STATUS_STYLES],
                    range=[status_colour(s) for s in STATUS_STYLES],
                ),
            ),
            tooltip=["district", "value", "status"],
        )
    )
    city_target = next(
        (
            r.target
            for r in board_rows(ctx.results, adcode=CITY_ADCODE)
            if r.indicator == indicator and r.target
        ),
        None,
    )
    chart: alt.LayerChart | alt.Chart = bars
    if city_target is not None and unit == "%":
        rule = alt.Chart(pd.DataFrame({"target": [city_target]})).mark_rule(
            color="#d81b60", strokeDash=[6, 3]
        )
        chart = bars + rule.encode(y="target:Q")
    st.altair_chart(chart, width="stretch")


def _statistics(ctx: Context) -> None:
    st.subheader(t("statistics", ctx.lang))
    st.caption(t("statistics_help", ctx.lang))
    upload = st.file_uploader(
        t("upload_statistics", ctx.lang),
        type=["csv", "txt"],
        key="stats_csv",
        help=t("upload_statistics_help", ctx.lang),
    )
    figures = []
    if upload is not None:
        try:
            figures = parse_statistic_figures(upload.getvalue(), ctx.targets)
        except AtlasError as exc:
            # The heading is the app's; the details are the engine's (English, naming lines and columns).
            st.error(t("statistics_error", ctx.lang) + "\n\n" + plain(str(exc)))
        else:
            st.success(t("upload_ok", ctx.lang, n=len(figures)))
    rows = statistic_rows(ctx.targets, figures)
    lang = ctx.lang
    frame = pd.DataFrame(
        {
            t("col_id", lang): [r.target.id for r in rows],
            t("col_name", lang): [r.target.name_en if lang == "en" else r.target.name_zh for r in rows],
            t("col_target", lang): [target_text(r.target, lang) for r in rows],
            t("col_clauses", lang): [", ".join(r.target.clauses) for r in rows],
            t("col_reported", lang): [
                "" if r.value is None else format_statistic(r.value, r.target.unit, lang) for r in rows
            ],
            t("col_status", lang): ["" if r.status is None else status_text(r.status, lang) for r in rows],
        }
    )
    styled = status_styled(frame, t("col_status", lang), [r.status for r in rows]) if rows else frame
    st.dataframe(styled, hide_index=True, width="stretch", key="stats_table")


def render(ctx: Context) -> None:
    """The board page of ``ctx``."""
    synthetic_banner(ctx)
    _headline(ctx)
    st.subheader(t("page_board", ctx.lang))
    st.caption(t("board_caption", ctx.lang))
    show_board(ctx, board_rows(ctx.results), with_district=True, key="board_table")
    _compare_chart(ctx)
    show_trend_grid(ctx)
    _statistics(ctx)
