"""Year by year, on track? The history charts of the board (a small chart per unit) and of the district
page (one large chart): each unit's values by vintage, the straight line from the baseline to the targets,
the least-squares trend and 预警 where the trend misses a target year (:mod:`analysis.history`).

The vintages are the shipped demo's, with every kind the layer catalog holds replaced by the catalog's
versions (:func:`layers.vintages.history_vintages`); a staged upload is not among them until it is saved.
The history of one indicator is computed once per set of files and method (``st.cache_data`` here, and
per run on disk, :func:`layers.vintages.cached_run`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import pandas as pd
import streamlit as st

from wuxi_atlas.analysis.history import (
    History,
    HistoryRecord,
    Outlook,
    TargetOutlook,
    compute_history,
    kinds_for,
)
from wuxi_atlas.analysis.paths import demo_dir, rasters_dir, targets_path
from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.app.context import Context
from wuxi_atlas.app.loaders import cached_targets, file_id
from wuxi_atlas.app.widgets import plain
from wuxi_atlas.layers.catalog import catalog_dir, open_catalog
from wuxi_atlas.layers.spec import get_spec
from wuxi_atlas.maps.factsheet import TRAJECTORY_INDICATORS
from wuxi_atlas.maps.text import format_value, indicator_axis_title, indicator_name, t

if TYPE_CHECKING:
    import altair as alt

    from wuxi_atlas.app.context import Method

__all__ = ["TREND_INDICATORS", "history_of", "outlook_text", "show_trend", "show_trend_grid", "trend_chart"]

#: The indicators the plan sets targets for: those whose trend can miss one.
TREND_INDICATORS = TRAJECTORY_INDICATORS
_PATH_COLOUR, _TARGET_COLOUR = "#757575", "#d81b60"


def _identity() -> tuple[Any, ...]:
    """What the history depends on, as file identities: the catalog's manifest, the shipped files, the
    targets (a changed file gives a new cache entry)."""
    shipped = sorted(rasters_dir().glob("landcover_*_30m.tif")) + sorted(demo_dir().glob("*.gpkg"))
    manifest = catalog_dir() / "manifest.json"
    # Every change to a catalog (a folder's or a shared PostGIS one) appends an event to its trail.
    catalog = open_catalog()
    changes = (catalog.location, len(catalog.trail()))
    return (file_id(manifest), changes, tuple(file_id(p) for p in shipped), file_id(targets_path()))


@st.cache_data(show_spinner=False, max_entries=16)
def _history(
    identity: tuple[Any, ...], indicator: str, method_key: tuple[Any, ...], _method: Method
) -> History:
    from wuxi_atlas.layers.vintages import cached_run, history_inputs, history_vintages

    vintages = [v for v in history_vintages(open_catalog()) if v.kind in kinds_for([indicator])]
    return compute_history(
        history_inputs(vintages),
        cached_targets(identity[-1]),
        _method.options(),
        only=[indicator],
        unknown=[v for v in vintages if v.year is None],
        compute=cached_run,
    )


def history_of(indicator: str, method: Method) -> History:
    """The history of ``indicator`` for every unit, with the sidebar's method."""
    return _history(_identity(), indicator, method.key([indicator]), method)


def _series_label(series: str, lang: str) -> str:
    return t(f"trend_series_{series or 'layers'}", lang)


def _reaches(goal: TargetOutlook, lang: str) -> str:
    """The year the trend reaches a target, for people: ``2024.6``, or "after 2100"."""
    year = goal.projected_year
    return (
        t("trend_after", lang)
        if year is not None and year > 2100
        else t("trend_year", lang, year=f"{year:.1f}")
    )


def _layers_text(record: HistoryRecord, lang: str) -> str:
    """The vintage of each layer a record read: "土地覆盖 2021; 保护地 2024(此后最近)"."""
    parts = []
    for kind, use in record.layers.items():
        spec = get_spec(kind)
        name = spec.label_en if lang == "en" else spec.label_zh
        rule = "" if use.rule == "same_year" else f" ({t(f'trend_rule_{use.rule}', lang)})"
        parts.append(f"{name} {use.vintage.year}{rule}")
    return "; ".join(parts)


def trend_chart(outlooks: Sequence[Outlook], lang: str, *, title: str, height: int) -> alt.LayerChart:
    """One unit's chart: its values by vintage (a line per series), the line to the targets (grey,
    dashed), the trend carried to the last target year (dotted) and the targets (diamonds)."""
    import altair as alt  # ~0.15 s to import: only the pages that draw a chart pay it

    values: list[dict[str, Any]] = []
    trends: list[dict[str, Any]] = []
    path: list[dict[str, Any]] = []
    goals: list[dict[str, Any]] = []
    for outlook in outlooks:
        label = _series_label(outlook.series, lang)
        values += [
            {"year": y, "value": v, "series": label}
            for y, v in zip(outlook.years, outlook.values, strict=True)
        ]
        last = max([outlook.years[-1], *(goal.year for goal in outlook.targets)])
        if outlook.trend is not None:
            trends += [
                {"year": year, "value": outlook.trend.at(year), "series": label}
                for year in (outlook.years[0], last)
            ]
        if outlook.trajectory is not None and not path:
            path = [{"year": y, "value": v} for y, v in outlook.trajectory.points()]
            goals = [
                {"year": g.year, "value": g.value, "label": t("trend_target", lang)} for g in outlook.targets
            ]
    first = outlooks[0] if outlooks else None
    axis = "" if first is None else indicator_axis_title(first.indicator, first.unit, lang)
    x = alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1))
    y = alt.Y("value:Q", title=axis, scale=alt.Scale(zero=False))
    colour = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"))
    layers: list[Any] = [
        alt.Chart(pd.DataFrame(values))
        .mark_line(point=True)
        .encode(x=x, y=y, color=colour, tooltip=["year", "value", "series"])
    ]
    if trends:
        layers.append(
            alt.Chart(pd.DataFrame(trends))
            .mark_line(strokeDash=[2, 3], opacity=0.8)
            .encode(x=x, y=y, color=colour)
        )
    if path:
        layers.append(
            alt.Chart(pd.DataFrame(path)).mark_line(strokeDash=[6, 3], color=_PATH_COLOUR).encode(x=x, y=y)
        )
        layers.append(
            alt.Chart(pd.DataFrame(goals))
            .mark_point(shape="diamond", filled=True, size=90, color=_TARGET_COLOUR)
            .encode(x=x, y=y, tooltip=["label", "year", "value"])
        )
    return cast("alt.LayerChart", alt.layer(*layers).properties(title=title, height=height))


def outlook_text(outlooks: Sequence[Outlook], lang: str) -> str:
    """One line per series: 预警 and the year the trend reaches the target, on time, met, or why none."""
    if not outlooks:
        return t("trend_none", lang)
    lines = []
    for outlook in outlooks:
        label = _series_label(outlook.series, lang)
        if not outlook.targets:
            lines.append(f"{label}: {t('trend_no_target', lang)}")
            continue
        goal = outlook.targets[0]
        target = f"{format_value(goal.value, outlook.unit, lang, indicator=outlook.indicator)} ({goal.year})"
        if goal.met:
            key = "trend_met"
        elif outlook.warning is None:
            key = "trend_no_trend"
        elif goal.projected_year is None:
            key = "trend_never"
        else:
            key = "trend_warning" if outlook.warning else "trend_on_time"
        reaches = "" if goal.projected_year is None else _reaches(goal, lang)
        lines.append(f"{label}: {t(key, lang, target=target, reaches=reaches)}")
    return "  \n".join(lines)


def _pick_indicator(ctx: Context, key: str) -> str:
    return str(
        st.selectbox(
            t("trend_indicator", ctx.lang),
            TREND_INDICATORS,
            format_func=lambda i: indicator_name(i, ctx.lang),
            key=key,
        )
    )


def _computed(ctx: Context, indicator: str) -> History:
    with st.spinner(t("trend_computing", ctx.lang)):
        return history_of(indicator, ctx.method)


def _title(ctx: Context, adcode: str, outlooks: Sequence[Outlook]) -> str:
    warned = any(o.warning for o in outlooks)
    return ctx.name(adcode) + (f" · {t('trend_flag', ctx.lang)}" if warned else "")


def show_trend_grid(ctx: Context) -> None:
    """The board's section: a small chart per unit (the city first) for one indicator."""
    st.subheader(t("trend_heading", ctx.lang))
    st.caption(t("trend_caption", ctx.lang))
    indicator = _pick_indicator(ctx, "trend_indicator")
    history = _computed(ctx, indicator)
    units = [CITY_ADCODE, *sorted(a for a in ctx.names if a != CITY_ADCODE)]
    columns = st.columns(4)
    for index, adcode in enumerate(units):
        outlooks = history.outlook(indicator, adcode)
        with columns[index % 4]:
            if outlooks:
                chart = trend_chart(outlooks, ctx.lang, title=_title(ctx, adcode, outlooks), height=170)
                st.altair_chart(chart, width="stretch", key=f"trend_{adcode}")
            st.caption(outlook_text(outlooks, ctx.lang))
    _left_out(ctx, history)


def show_trend(ctx: Context) -> None:
    """The district page's section: the selected unit's chart, large, with its values by year."""
    st.subheader(t("trend_heading", ctx.lang))
    indicator = _pick_indicator(ctx, "district_trend_indicator")
    history = _computed(ctx, indicator)
    outlooks = history.outlook(indicator, ctx.adcode)
    if not outlooks:
        st.info(t("trend_none", ctx.lang))
        return
    chart = trend_chart(outlooks, ctx.lang, title=_title(ctx, ctx.adcode, outlooks), height=380)
    st.altair_chart(chart, width="stretch", key="district_trend")
    st.markdown(outlook_text(outlooks, ctx.lang))
    records = [r for r in history.records if r.indicator == indicator and r.adcode == ctx.adcode]
    frame = pd.DataFrame(
        {
            t("trend_col_year", ctx.lang): [r.year for r in records],
            t("trend_col_series", ctx.lang): [_series_label(r.series, ctx.lang) for r in records],
            t("col_value", ctx.lang): [
                format_value(r.value, r.unit, ctx.lang, indicator=indicator) for r in records
            ],
            t("trend_col_line", ctx.lang): [
                format_value(r.expected, r.unit, ctx.lang, indicator=indicator) for r in records
            ],
            t("trend_col_layers", ctx.lang): [_layers_text(r, ctx.lang) for r in records],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch", key="district_trend_table")
    _left_out(ctx, history)


def _left_out(ctx: Context, history: History) -> None:
    if history.unknown:
        names = ", ".join(f"{v.kind} ({v.label})" for v in history.unknown)
        st.caption(t("trend_left_out", ctx.lang, names=plain(names)))
