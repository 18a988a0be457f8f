"""Wuxi Carbon-Peak Atlas (无锡碳达峰空间监测): the Streamlit front-end.

Thin: it reads the view from the URL, loads the layers and results through cached loaders keyed on file
identity (path, mtime, size), and composes pages from the core (:mod:`layers.atlas_map`,
:mod:`analysis.board`, :mod:`analysis.export`). It is the only module that imports streamlit. Errors of
the atlas (:class:`analysis.errors.AtlasError`) are shown as a message in one place, :func:`main`.

Pages are functions chosen by the ``page`` query parameter (a sidebar radio), so a link reproduces the
view: ``?lang=en&page=district&district=320211&layers=districts,forest&year=2024&basemap=none``.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from analysis.board import BoardRow, board_rows, parse_statistic_figures, statistic_rows
from analysis.change import LandCoverChange, landcover_change
from analysis.coords import gcj02_to_wgs84
from analysis.errors import AtlasError
from analysis.export import layer_to_geojson, results_zip
from analysis.indicators import INDICATOR_IDS, IndicatorInputs, IndicatorOptions, compute_indicators
from analysis.paths import boundaries_path, demo_dir, targets_path
from analysis.pv_grid import pv_potential_grid
from analysis.report import results_metadata, results_to_csv, results_to_json
from analysis.results import CITY_ADCODE, IndicatorResult
from analysis.schemes import load_scheme
from analysis.sources import RasterSource, VectorSource
from analysis.targets import STATISTIC, Target, load_targets
from layers import defaults
from layers.atlas_map import (
    DEFAULT_LAYERS,
    DEFAULT_OPACITY,
    OVERLAYS,
    AtlasData,
    MapProviders,
    MapView,
    build_atlas_map,
    display_boundaries,
    district_at,
    map_html,
    overlay_png,
    selection_layer,
    wetlands_for_display,
)
from layers.basemap import DEFAULT_BASEMAP, TIANDITU_KEY_ENV, available_basemaps, get_basemap
from layers.factsheet import fact_sheet_html
from layers.i18n import (
    LANGS,
    format_gap,
    format_value,
    indicator_name,
    method_text,
    status_text,
    t,
)
from layers.inputs import VECTOR_KINDS, load_indicator_inputs

PAGES: tuple[str, ...] = ("map", "board", "district", "export", "methods")
EXPORT_KINDS: tuple[str, ...] = ("districts", *VECTOR_KINDS)
MAP_KEY = "atlas_map"
_LAYER_ORDER = (
    "districts",
    "landcover",
    "forest",
    "pv",
    "pv_sites",
    "wetlands",
    "protected",
    "builtup",
    "stations",
)

FileId = tuple[str, int, int]


# --- file identity and cached loaders --------------------------------------------------------------------


def _file_id(path: Path) -> FileId:
    """(path, mtime in ns, size): a changed file gets a new cache entry; a missing file is (path, 0, 0)."""
    try:
        stat = path.stat()
    except OSError:
        return (str(path), 0, 0)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _data_signature() -> tuple[FileId, ...]:
    """The identity of every shipped file the app reads."""
    paths = [boundaries_path(), targets_path(), demo_dir() / defaults.DEMO_GPKG]
    paths += list(defaults.default_landcover_series().values())
    return tuple(_file_id(p) for p in paths)


def _missing_kinds() -> tuple[str, ...]:
    sources = defaults.default_sources()
    missing = [kind for kind in VECTOR_KINDS if not Path(sources[kind]).is_file()]
    if not defaults.default_landcover_series():
        missing.append("landcover")
    return tuple(missing)


@st.cache_resource(show_spinner=False, max_entries=2)
def _atlas_data(signature: tuple[FileId, ...]) -> AtlasData:
    """The shipped layers, read once per file identity. Shared and read-only: never mutate it."""
    missing = set(_missing_kinds())
    inputs = load_indicator_inputs(without=tuple(missing))
    landcover: dict[int, RasterSource] = {}
    for year in defaults.default_landcover_series():
        landcover[year] = defaults.load_default_landcover(year=year)
    vectors = {kind: getattr(inputs, kind) for kind in VECTOR_KINDS}
    return AtlasData(boundaries=inputs.boundaries, landcover=landcover, vectors=vectors)


@st.cache_data(show_spinner=False, max_entries=2)
def _results(signature: tuple[FileId, ...]) -> list[IndicatorResult]:
    """Every indicator for the city and the districts (the slow part: zonal statistics on the rasters)."""
    data = _atlas_data(signature)
    latest = data.landcover[max(data.landcover)] if data.landcover else None
    inputs = IndicatorInputs(boundaries=data.boundaries, landcover=latest, **dict(data.vectors))
    return compute_indicators(inputs, load_targets(), IndicatorOptions())


@st.cache_data(show_spinner=False, max_entries=4)
def _targets(target_file: FileId) -> tuple[Target, ...]:
    return load_targets(target_file[0])


@st.cache_data(show_spinner=False, max_entries=8)
def _overlay(
    raster_id: FileId, variant: str, _source: RasterSource
) -> tuple[str, list[list[float]], tuple[str, ...]]:
    return overlay_png(_source, "forest" if variant == "forest" else "classes")


@st.cache_data(show_spinner=False, max_entries=2)
def _pv_grid(signature: tuple[FileId, ...], _source: VectorSource) -> gpd.GeoDataFrame:
    return pv_potential_grid(_source.frame)


@st.cache_data(show_spinner=False, max_entries=2)
def _display_boundaries(boundaries_id: FileId, _boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return display_boundaries(_boundaries)


@st.cache_data(show_spinner=False, max_entries=4)
def _wetlands(
    signature: tuple[FileId, ...],
    tolerance_m: float,
    _wetlands: VectorSource,
    _protected: VectorSource | None,
) -> gpd.GeoDataFrame:
    return wetlands_for_display(_wetlands, _protected, tolerance_m)


@st.cache_data(show_spinner=False, max_entries=2)
def _change(signature: tuple[FileId, ...]) -> LandCoverChange | None:
    data = _atlas_data(signature)
    years = sorted(data.landcover)
    if len(years) < 2:
        return None
    return landcover_change(data.landcover[years[0]], data.landcover[years[-1]], data.boundaries)


def _providers(signature: tuple[FileId, ...]) -> MapProviders:
    def overlay(source: RasterSource, variant: str) -> tuple[str, list[list[float]], tuple[str, ...]]:
        return _overlay(_file_id(source.path), variant, source)

    return MapProviders(
        overlay=overlay,  # type: ignore[arg-type]
        pv_grid=lambda source: _pv_grid(signature, source),
        boundaries=lambda frame: _display_boundaries(_file_id(boundaries_path()), frame),
        wetlands=lambda wetlands, protected, tolerance: _wetlands(signature, tolerance, wetlands, protected),
    )


# --- the view: URL <-> session state ---------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What every page gets: the data, the results, the language and the selected unit."""

    signature: tuple[FileId, ...]
    data: AtlasData
    results: list[IndicatorResult]
    targets: tuple[Target, ...]
    lang: str
    adcode: str
    names: dict[str, tuple[str, str]]

    def name(self, adcode: str | None = None) -> str:
        zh, en = self.names.get(adcode or self.adcode, (adcode or self.adcode,) * 2)
        return en if self.lang == "en" else zh

    @property
    def is_city(self) -> bool:
        return self.adcode == CITY_ADCODE


def _state_from_url(adcodes: Sequence[str], years: Sequence[int], basemaps: Sequence[str]) -> None:
    """Seed the widgets' state from the query string, once per session; bad values fall back."""
    if st.session_state.get("_view_from_url"):
        return
    params = st.query_params
    lang = params.get("lang", "zh")
    st.session_state["lang"] = lang if lang in LANGS else "zh"
    page = params.get("page", "map")
    st.session_state["page"] = page if page in PAGES else "map"
    district = params.get("district", CITY_ADCODE)
    st.session_state["district"] = district if district in adcodes else CITY_ADCODE
    if "layers" in params:
        wanted = [item for item in params.get("layers", "").split(",") if item in OVERLAYS]
        st.session_state["layers"] = [k for k in _LAYER_ORDER if k in wanted]
    else:
        st.session_state["layers"] = [k for k in _LAYER_ORDER if k in DEFAULT_LAYERS]
    year = params.get("year", "")
    st.session_state["year"] = (
        int(year) if year.isdigit() and int(year) in years else (max(years) if years else None)
    )
    basemap = params.get("basemap", DEFAULT_BASEMAP)
    st.session_state["basemap"] = basemap if basemap in basemaps else DEFAULT_BASEMAP
    st.session_state["_view_from_url"] = True


def _state_to_url() -> None:
    """Write the view into the query string, so the address bar always reproduces it."""
    wanted = {
        "lang": st.session_state.get("lang", "zh"),
        "page": st.session_state.get("page", "map"),
        "district": st.session_state.get("district", CITY_ADCODE),
        "layers": ",".join(st.session_state.get("layers", [])),
        "basemap": st.session_state.get("basemap", DEFAULT_BASEMAP),
    }
    if st.session_state.get("year") is not None:
        wanted["year"] = str(st.session_state["year"])
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def _on_map_click(boundaries: gpd.GeoDataFrame) -> None:
    """streamlit-folium callback: a click on the map selects the district under it."""
    value = st.session_state.get(MAP_KEY) or {}
    clicked = value.get("last_object_clicked") if isinstance(value, dict) else None
    if not clicked or "lat" not in clicked:
        return
    lon, lat = float(clicked["lng"]), float(clicked["lat"])
    if get_basemap(st.session_state.get("basemap", DEFAULT_BASEMAP)).datum == "gcj02":
        lon, lat = gcj02_to_wgs84(lon, lat)
    adcode = district_at(boundaries, lon, lat)
    if adcode is not None:
        st.session_state["district"] = adcode


def _tianditu_key() -> str | None:
    key = os.environ.get(TIANDITU_KEY_ENV)
    if key:
        return key
    try:
        return str(st.secrets.get(TIANDITU_KEY_ENV) or "") or None
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        return None


# --- shared pieces ---------------------------------------------------------------------------------------


def _synthetic_banner(ctx: Context, synthetic: bool | None = None) -> None:
    if ctx.data.synthetic if synthetic is None else synthetic:
        st.warning(t("synthetic_banner", ctx.lang))


def _map_view(ctx: Context, *, focus: str | None) -> MapView:
    opacity = {k: float(st.session_state.get(f"opacity_{k}", DEFAULT_OPACITY[k])) for k in OVERLAYS}
    return MapView(
        layers=tuple(st.session_state.get("layers", DEFAULT_LAYERS)),
        opacity=opacity,
        basemap=st.session_state.get("basemap", DEFAULT_BASEMAP),
        year=st.session_state.get("year"),
        lang=ctx.lang,
        focus=focus,
    )


def _build_map(ctx: Context, *, focus: str | None) -> Any:
    return build_atlas_map(
        ctx.data,
        _map_view(ctx, focus=focus),
        providers=_providers(ctx.signature),
        tianditu_key=_tianditu_key(),
    )


def _board_table(ctx: Context, rows: Sequence[BoardRow], *, with_district: bool) -> pd.DataFrame:
    lang = ctx.lang
    city_targets = {r.indicator for r in ctx.results if r.adcode == CITY_ADCODE and r.target is not None}
    records = []
    for row in rows:
        target = ""
        if row.target is not None:
            target = f"{format_value(row.target, row.unit, lang)} ({row.target_year})"
        note = format_gap(row, lang)
        if row.status == "not_computable":
            note = row.reason or ""
        elif row.target is None and row.indicator in city_targets:
            note = t("city_only_target", lang)
        record = {
            t("col_indicator", lang): indicator_name(row.indicator, lang),
            t("col_status", lang): status_text(row.status, lang),
            t("col_value", lang): format_value(row.value, row.unit, lang),
            t("col_target", lang): target,
            t("col_progress", lang): None if row.progress is None else round(100 * row.progress, 1),
            t("col_gap", lang): note,
        }
        if with_district:
            record = {t("col_district", lang): ctx.name(row.adcode), **record}
        records.append(record)
    return pd.DataFrame(records)


def _show_board(ctx: Context, rows: Sequence[BoardRow], *, with_district: bool, key: str) -> None:
    frame = _board_table(ctx, rows, with_district=with_district)
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key=key,
        column_config={
            t("col_progress", ctx.lang): st.column_config.ProgressColumn(
                t("col_progress", ctx.lang), min_value=0, max_value=100, format="%.0f%%", width="small"
            ),
            t("col_gap", ctx.lang): st.column_config.TextColumn(t("col_gap", ctx.lang), width="medium"),
        },
    )


# --- pages -----------------------------------------------------------------------------------------------


def page_map(ctx: Context) -> None:
    _synthetic_banner(ctx)
    fmap = _build_map(ctx, focus=None)
    basemap = get_basemap(st.session_state.get("basemap", DEFAULT_BASEMAP))
    display = _display_boundaries(_file_id(boundaries_path()), ctx.data.boundaries)
    highlight = None
    if not ctx.is_city:
        highlight = selection_layer(display, ctx.adcode, gcj02=basemap.datum == "gcj02")
    st_folium(
        fmap,
        key=MAP_KEY,
        height=600,
        use_container_width=True,
        returned_objects=["last_object_clicked"],
        feature_group_to_add=highlight,
        on_change=functools.partial(_on_map_click, ctx.data.boundaries),
    )
    st.caption(t("click_hint", ctx.lang))
    st.subheader(ctx.name())
    _show_board(ctx, board_rows(ctx.results, adcode=ctx.adcode), with_district=False, key="map_board")


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
        target = (
            ""
            if row.target is None
            else f"{format_value(row.target, row.unit, ctx.lang)} ({row.target_year})"
        )
        with columns[index % 4]:
            st.metric(
                indicator_name(row.indicator, ctx.lang),
                format_value(row.value, row.unit, ctx.lang),
                delta=status_text(row.status, ctx.lang),
                delta_color="off",
                delta_arrow="off",
                help=f"{t('col_target', ctx.lang)}: {target}" if target else None,
                border=True,
            )


def _compare_chart(ctx: Context) -> None:
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
            y=alt.Y("value:Q", title=f"{indicator_name(indicator, ctx.lang)} ({unit})"),
            color=alt.Color("status:N", title=t("col_status", ctx.lang)),
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
    upload = st.file_uploader(t("upload_statistics", ctx.lang), type=["csv", "txt"], key="stats_csv")
    figures = []
    if upload is not None:
        try:
            figures = parse_statistic_figures(upload.getvalue(), ctx.targets)
        except AtlasError as exc:
            st.error(str(exc))
        else:
            st.success(t("upload_ok", ctx.lang, n=len(figures)))
    rows = statistic_rows(ctx.targets, figures)
    lang = ctx.lang
    frame = pd.DataFrame(
        {
            t("col_id", lang): [r.target.id for r in rows],
            t("col_name", lang): [r.target.name_en if lang == "en" else r.target.name_zh for r in rows],
            t("col_target", lang): [f"{r.target.value:g} {r.target.unit} ({r.target.year})" for r in rows],
            t("col_clauses", lang): [", ".join(r.target.clauses) for r in rows],
            t("col_reported", lang): ["" if r.value is None else f"{r.value:g}" for r in rows],
            t("col_status", lang): ["" if r.status is None else status_text(r.status, lang) for r in rows],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch", key="stats_table")


def page_board(ctx: Context) -> None:
    _synthetic_banner(ctx)
    _headline(ctx)
    st.subheader(t("page_board", ctx.lang))
    st.caption(t("board_caption", ctx.lang))
    _show_board(ctx, board_rows(ctx.results), with_district=True, key="board_table")
    _compare_chart(ctx)
    _statistics(ctx)


def page_district(ctx: Context) -> None:
    _synthetic_banner(ctx)
    st.subheader(ctx.name())
    rows = board_rows(ctx.results, adcode=ctx.adcode)
    _show_board(ctx, rows, with_district=False, key="district_board")
    fmap = _build_map(ctx, focus=None if ctx.is_city else ctx.adcode)
    st_folium(fmap, key="district_map", height=480, width="stretch", returned_objects=[])

    st.subheader(t("landcover_change", ctx.lang))
    change = _change(ctx.signature)
    unit_change = None
    if change is None:
        st.info(t("change_unavailable", ctx.lang))
    else:
        st.caption(t("change_caption", ctx.lang, a=change.year_from, b=change.year_to))
        unit_change = change.for_unit(ctx.adcode)
        scheme = load_scheme(change.scheme)
        unit_change = unit_change.assign(
            class_label=[scheme.label(int(c), ctx.lang) for c in unit_change["class_code"]]
        )
        unit_change = unit_change[(unit_change["gained_ha"] > 0) | (unit_change["lost_ha"] > 0)]
        table = unit_change[["class_label", "gained_ha", "lost_ha", "net_ha"]].rename(
            columns={
                "class_label": t("col_class", ctx.lang),
                "gained_ha": t("col_gained", ctx.lang),
                "lost_ha": t("col_lost", ctx.lang),
                "net_ha": t("col_net", ctx.lang),
            }
        )
        left, right = st.columns([1, 1])
        with left:
            st.dataframe(table.round(1), hide_index=True, width="stretch", key="change_table")
        with right:
            long = unit_change.melt(
                id_vars="class_label", value_vars=["gained_ha", "lost_ha"], var_name="kind"
            )
            long["value"] = long["value"].where(long["kind"] == "gained_ha", -long["value"])
            long["kind"] = long["kind"].map(
                {"gained_ha": t("col_gained", ctx.lang), "lost_ha": t("col_lost", ctx.lang)}
            )
            chart = (
                alt.Chart(long)
                .mark_bar()
                .encode(
                    y=alt.Y("class_label:N", title=None),
                    x=alt.X("value:Q", title="ha"),
                    color=alt.Color("kind:N", title=None, scale=alt.Scale(range=["#2e7d32", "#c62828"])),
                    tooltip=["class_label", "kind", "value"],
                )
            )
            st.altair_chart(chart, width="stretch")
    sheet = fact_sheet_html(
        ctx.name(),
        rows,
        lang=ctx.lang,
        change=unit_change,
        change_years=(change.year_from, change.year_to) if change else (None, None),
        synthetic=ctx.data.synthetic,
    )
    st.download_button(
        t("fact_sheet", ctx.lang),
        sheet,
        file_name=f"factsheet_{ctx.adcode}_{ctx.lang}.html",
        mime="text/html",
        key="download_factsheet",
        on_click="ignore",
    )


def page_export(ctx: Context) -> None:
    _synthetic_banner(ctx)
    st.caption(t("export_scope", ctx.lang, name=ctx.name()))
    st.subheader(t("export_layer", ctx.lang))
    kinds = [k for k in EXPORT_KINDS if k == "districts" or ctx.data.vector(k) is not None]
    kind = st.selectbox(
        t("export_layer_kind", ctx.lang),
        kinds,
        format_func=lambda k: t(f"layer_{k}" if k != "buildings" else "layer_pv", ctx.lang) + f" ({k})",
        key="export_kind",
    )

    def layer_bytes() -> bytes:
        if kind == "districts":
            boundaries = ctx.data.boundaries
            source = VectorSource("districts", boundaries, boundaries_path().name, "", False)
        else:
            source = ctx.data.vector(kind)  # type: ignore[assignment]
        return layer_to_geojson(source, ctx.data.boundaries, None if ctx.is_city else ctx.adcode).encode()

    st.download_button(
        t("download_geojson", ctx.lang),
        layer_bytes,
        file_name=f"{kind}_{ctx.adcode}.geojson",
        mime="application/geo+json",
        key="download_layer",
        on_click="ignore",
    )

    st.subheader(t("export_indicators", ctx.lang))
    results = ctx.results
    parameters = {"options": "defaults (IndicatorOptions())", "district_filter": None}
    cols = st.columns(4)
    cols[0].download_button(
        t("download_csv", ctx.lang),
        results_to_csv(results),
        file_name="indicators.csv",
        mime="text/csv",
        key="download_csv",
        on_click="ignore",
    )
    cols[1].download_button(
        t("download_json", ctx.lang),
        results_to_json(results),
        file_name="indicators.json",
        mime="application/json",
        key="download_json",
        on_click="ignore",
    )
    cols[2].download_button(
        t("download_metadata", ctx.lang),
        json.dumps(results_metadata(results, parameters=parameters), ensure_ascii=False, indent=2),
        file_name="indicators.metadata.json",
        mime="application/json",
        key="download_metadata",
        on_click="ignore",
    )
    cols[3].download_button(
        t("download_zip", ctx.lang),
        results_zip(results, parameters=parameters),
        file_name="indicators.zip",
        mime="application/zip",
        key="download_zip",
        on_click="ignore",
    )

    st.subheader(t("page_map", ctx.lang))

    def current_map() -> bytes:
        fmap = _build_map(ctx, focus=None if ctx.is_city else ctx.adcode)
        banner = t("synthetic_banner", ctx.lang).replace("**", "") if ctx.data.synthetic else None
        return map_html(fmap, title=f"{t('app_title', ctx.lang)} · {ctx.name()}", banner=banner).encode()

    st.download_button(
        t("download_map", ctx.lang),
        current_map,
        file_name=f"atlas_map_{ctx.adcode}.html",
        mime="text/html",
        key="download_map",
        on_click="ignore",
    )


def page_methods(ctx: Context) -> None:
    _synthetic_banner(ctx)
    st.caption(t("methods_intro", ctx.lang))
    latest = ctx.data.landcover[max(ctx.data.landcover)] if ctx.data.landcover else None
    scheme = load_scheme(latest.scheme) if latest else None
    for indicator in INDICATOR_IDS:
        definition, denominator, roles = method_text(indicator, ctx.lang)
        with st.expander(indicator_name(indicator, ctx.lang) + f"  `{indicator}`", expanded=False):
            st.markdown(f"**{t('definition', ctx.lang)}** {definition}")
            st.markdown(f"**{t('denominator', ctx.lang)}** {denominator}")
            if roles and scheme is not None:
                classes = [
                    f"{code} {cls.label_zh if ctx.lang == 'zh' else cls.label_en}"
                    for code, cls in sorted(scheme.classes.items())
                    if cls.role in roles
                ]
                st.markdown(f"**{t('class_mapping', ctx.lang)}** ({scheme.title}): " + ", ".join(classes))
            sample = next((r for r in ctx.results if r.indicator == indicator and r.computable), None)
            if sample is not None:
                st.caption(f"{sample.method} — {sample.source} {sample.vintage}".strip())
            related = [tg for tg in ctx.targets if tg.measure == indicator]
            if related:
                st.markdown(f"**{t('targets', ctx.lang)}**")
                for target in related:
                    name = target.name_en if ctx.lang == "en" else target.name_zh
                    st.markdown(
                        f"- {name}: {target.comparison} {target.value:g} {target.unit} ({target.year}) — "
                        f"{', '.join(target.clauses)}"
                    )
    st.subheader(t("statistics", ctx.lang))
    statistics = [tg for tg in ctx.targets if tg.measure == STATISTIC]
    st.dataframe(
        pd.DataFrame(
            {
                t("col_id", ctx.lang): [tg.id for tg in statistics],
                t("col_name", ctx.lang): [
                    tg.name_en if ctx.lang == "en" else tg.name_zh for tg in statistics
                ],
                t("col_target", ctx.lang): [f"{tg.value:g} {tg.unit} ({tg.year})" for tg in statistics],
                t("col_clauses", ctx.lang): [", ".join(tg.clauses) for tg in statistics],
            }
        ),
        hide_index=True,
        width="stretch",
        key="methods_statistics",
    )
    st.subheader(t("provenance", ctx.lang))
    provenance = boundaries_path().parent / "PROVENANCE.md"
    if provenance.is_file():
        with st.expander(str(provenance.relative_to(provenance.parents[2])), expanded=False):
            st.markdown(provenance.read_text(encoding="utf-8"))
    manifest = demo_dir() / "MANIFEST.json"
    if manifest.is_file():
        with st.expander(str(manifest.name), expanded=False):
            st.json(json.loads(manifest.read_text(encoding="utf-8")), expanded=1)
    for kind, source in ctx.data.vectors.items():
        if source is not None:
            st.markdown(f"- `{kind}`: {source.source} {source.vintage}".rstrip())
    for year, raster in ctx.data.landcover.items():
        st.markdown(f"- `landcover {year}`: {raster.source} ({raster.scheme})")


_PAGE_FUNCTIONS: dict[str, Callable[[Context], None]] = {
    "map": page_map,
    "board": page_board,
    "district": page_district,
    "export": page_export,
    "methods": page_methods,
}


# --- entry point -----------------------------------------------------------------------------------------


def _sidebar(ctx_names: dict[str, tuple[str, str]], adcodes: Sequence[str], data: AtlasData) -> None:
    lang = st.session_state.get("lang", "zh")
    with st.sidebar:
        st.radio(
            t("language", lang),
            LANGS,
            format_func=lambda code: "中文" if code == "zh" else "English",
            horizontal=True,
            key="lang",
        )
        lang = st.session_state["lang"]
        st.radio(t("page", lang), PAGES, format_func=lambda p: t(f"page_{p}", lang), key="page")
        st.selectbox(
            t("district", lang),
            adcodes,
            format_func=lambda code: (
                t("whole_city", lang) if code == CITY_ADCODE else ctx_names[code][1 if lang == "en" else 0]
            ),
            key="district",
        )
        if st.session_state["page"] in ("map", "district"):
            st.multiselect(
                t("layers", lang),
                list(_LAYER_ORDER),
                format_func=lambda k: t(f"layer_{k}", lang),
                key="layers",
            )
            years = sorted(data.landcover)
            if years:
                st.selectbox(t("year", lang), years, key="year")
            basemaps = available_basemaps(tianditu_key=_tianditu_key())
            st.selectbox(
                t("basemap", lang),
                [b.key for b in basemaps],
                format_func=lambda key: get_basemap(key).label(lang),
                key="basemap",
            )
            with st.expander(t("opacity", lang)):
                for overlay in st.session_state.get("layers", []):
                    st.slider(t(f"layer_{overlay}", lang), 0.0, 1.0, step=0.05, key=f"opacity_{overlay}")


def main() -> None:
    st.set_page_config(page_title="无锡碳达峰空间监测 · Wuxi Carbon-Peak Atlas", page_icon="🗺️", layout="wide")
    try:
        signature = _data_signature()
        data = _atlas_data(signature)
        names = {
            str(row.adcode): (str(row.name_zh), str(row.name_en))
            for row in data.boundaries[["adcode", "name_zh", "name_en"]].itertuples(index=False)
        }
        names[CITY_ADCODE] = ("全市", "Whole city")
        adcodes = [CITY_ADCODE, *sorted(code for code in names if code != CITY_ADCODE)]
        basemaps = [b.key for b in available_basemaps(tianditu_key=_tianditu_key())]
        _state_from_url(adcodes, sorted(data.landcover), basemaps)
        # Persist widget values across pages: a widget not drawn on this run would lose its key.
        for overlay in OVERLAYS:
            st.session_state.setdefault(f"opacity_{overlay}", DEFAULT_OPACITY[overlay])
        for key in ("layers", "year", "basemap", *(f"opacity_{k}" for k in OVERLAYS)):
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
        _sidebar(names, adcodes, data)
        lang = st.session_state["lang"]
        st.title(t("app_title", lang))
        st.caption(t("app_subtitle", lang))
        missing = _missing_kinds()
        if missing:
            st.info(f"{t('no_layer', lang)}: {', '.join(missing)}")
        with st.spinner("…"):
            results = _results(signature)
        ctx = Context(
            signature=signature,
            data=data,
            results=results,
            targets=_targets(_file_id(targets_path())),
            lang=lang,
            adcode=st.session_state["district"],
            names=names,
        )
        _state_to_url()
        _PAGE_FUNCTIONS[st.session_state["page"]](ctx)
    except AtlasError as exc:
        lang = st.session_state.get("lang", "zh")
        st.error(t("error", lang, message=str(exc)))
        st.stop()


main()
