"""Wuxi Carbon-Peak Atlas (无锡碳达峰空间监测): the Streamlit entry point, ``streamlit run geo_app.py``.

Thin: it registers the six pages (:mod:`app.pages`, one module each) with ``st.navigation``, draws the
sidebar, builds the :class:`~app.context.Context` every page gets and runs the page. Everything else of the
front-end is in :mod:`app`; the pages compose the core (:mod:`maps.atlas`, :mod:`analysis.board`,
:mod:`analysis.export`). Errors of the atlas (:class:`analysis.errors.AtlasError`) are shown as a message in
one place, :func:`main`.

The view lives in the URL, so a link reproduces it:
``?lang=en&page=district&district=320211&layers=districts,forest&year=2024&basemap=none``; method choices
that differ from the defaults join it (``denom``, ``variant``, ``yield``, ``radius``). The page stays a
query parameter, chosen by the sidebar radio (key ``page``), as before ``st.navigation``: the selected page
is registered as the navigation's default page, served at the root URL, and the navigation menu is hidden.
Every run therefore resolves to the selected page, links such as ``?page=board&district=320211`` keep
working and the URL path never changes. A path typed by hand (``/board``) opens that page and selects it.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence

import streamlit as st

from wuxi_atlas.analysis.errors import AtlasError
from wuxi_atlas.analysis.names import INDICATOR_IDS
from wuxi_atlas.analysis.pv import DEFAULT_USABLE_SHARE
from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.app import progressive
from wuxi_atlas.app.context import (
    DENOMINATORS,
    LAYER_ORDER,
    PAGES,
    VARIANTS,
    Context,
    localised_widget,
    method_from_state,
    state_from_url,
    state_to_url,
    view_widget,
)
from wuxi_atlas.app.loaders import (
    atlas_data,
    cached_targets,
    indicator_results,
    layer_plan,
    missing_kinds,
    origins_of,
)
from wuxi_atlas.app.map_component import tianditu_key, tianditu_key_problem
from wuxi_atlas.app.signin import sign_in_panel
from wuxi_atlas.app.upload_flow import staged_layers
from wuxi_atlas.app.widgets import plain
from wuxi_atlas.maps.atlas import DEFAULT_OPACITY, OVERLAYS, AtlasData
from wuxi_atlas.maps.basemap import available_basemaps, get_basemap
from wuxi_atlas.maps.choropleth import CHOROPLETH_MODES
from wuxi_atlas.maps.text import LANGS, indicator_name, t


def _render(name: str) -> Callable[[Context], None]:
    """Page ``name``'s ``render(ctx)`` (:mod:`app.pages`), its module imported when the page is first
    shown: a first render of the map page does not pay for the Excel export's or the charts' imports."""
    render: Callable[[Context], None] = importlib.import_module(f"wuxi_atlas.app.pages.{name}").render
    return render


def _show_page(show: Callable[[Callable[[Context], None]], None], name: str) -> None:
    show(_render(name))


def _navigation(lang: str, show: Callable[[Callable[[Context], None]], None]) -> st.Page:
    """The page registry: one ``st.Page`` per page, the selected one (``st.session_state["page"]``) the
    default page at the root URL. Returns the page to run; ``show(render)`` runs a page's ``render``."""
    selected = st.session_state["page"]
    pages = {
        name: st.Page(
            functools.partial(_show_page, show, name),
            title=t(f"page_{name}", lang),
            url_path="" if name == selected else name,
            default=name == selected,
        )
        for name in PAGES
    }
    page = st.navigation(list(pages.values()), position="hidden")
    # Another page than the selected one only for a path typed by hand (/board): it becomes the selected one.
    st.session_state["page"] = next(name for name, registered in pages.items() if registered is page)
    return page


def _sidebar(ctx_names: dict[str, tuple[str, str]], adcodes: Sequence[str], data: AtlasData) -> None:
    lang = st.session_state.get("lang", "zh")
    with st.sidebar:
        st.radio(
            t("language", lang),
            LANGS,
            format_func=lambda code: "中文" if code == "zh" else "English",
            horizontal=True,
            **view_widget("lang"),
        )
        lang = st.session_state["lang"]
        # Widgets whose options are words: keyed by language (localised_widget), so a switch redraws them.
        st.radio(
            t("page", lang),
            PAGES,
            format_func=lambda p: t(f"page_{p}", lang),
            **localised_widget("page", lang),
        )
        st.selectbox(
            t("district", lang),
            adcodes,
            format_func=lambda code: (
                t("whole_city", lang) if code == CITY_ADCODE else ctx_names[code][1 if lang == "en" else 0]
            ),
            **localised_widget("district", lang),
        )
        years = sorted(data.landcover)
        if years:
            # It drives the map's land cover and every land-cover indicator, so it is on every page.
            st.selectbox(t("year", lang), years, **view_widget("year"))
        if st.session_state["page"] in ("map", "district"):
            st.multiselect(
                t("layers", lang),
                list(LAYER_ORDER),
                format_func=lambda k: t(f"layer_{k}", lang),
                **localised_widget("layers", lang),
            )
            basemaps = available_basemaps(tianditu_key=tianditu_key())
            st.selectbox(
                t("basemap", lang),
                [b.key for b in basemaps],
                format_func=lambda key: get_basemap(key).label(lang),
                **localised_widget("basemap", lang),
            )
            if len(years) > 1:  # the land cover of two years side by side on the map, across a divider
                st.selectbox(
                    t("compare_year", lang),
                    [None, *years],
                    format_func=lambda y: t("compare_year_none", lang) if y is None else str(y),
                    # None (no comparison) is also what Streamlit shows as "no choice", with its English
                    # placeholder: say it in the interface's language instead.
                    placeholder=t("compare_year_none", lang),
                    help=t("compare_year_help", lang),
                    **localised_widget("compare_year", lang),
                )
            problem = tianditu_key_problem(lang)
            if problem:
                st.warning(problem)
            # The indicator map: the districts coloured by one indicator, its target in the legend.
            st.selectbox(
                t("map_indicator", lang),
                ["", *INDICATOR_IDS],
                format_func=lambda k: indicator_name(k, lang) if k else t("map_indicator_none", lang),
                **localised_widget("choropleth", lang),
            )
            if st.session_state.get("choropleth"):
                st.radio(
                    t("map_colouring", lang),
                    CHOROPLETH_MODES,
                    format_func=lambda m: t(f"map_colouring_{m}", lang),
                    horizontal=True,
                    **localised_widget("colouring", lang),
                )
            with st.expander(t("opacity", lang)):
                for overlay in st.session_state.get("layers", []):
                    st.slider(t(f"layer_{overlay}", lang), 0.0, 1.0, step=0.05, key=f"opacity_{overlay}")
        with st.expander(t("method", lang)):
            st.selectbox(
                t("forest_denominator", lang),
                DENOMINATORS,
                format_func=lambda d: t(f"denominator_{d}", lang),
                **localised_widget("m_denominator", lang),
            )
            st.radio(
                t("forest_variant", lang),
                VARIANTS,
                format_func=lambda v: t(f"variant_{v}", lang),
                **localised_widget("m_variant", lang),
            )
            st.number_input(t("pv_yield", lang), 500.0, 2000.0, step=10.0, key="m_yield")
            st.caption(t("pv_shares", lang))
            for building_type in DEFAULT_USABLE_SHARE:
                st.slider(
                    t(f"share_{building_type}", lang), 0.0, 1.0, step=0.05, key=f"m_share_{building_type}"
                )
            st.number_input(t("service_radius", lang), 100.0, 5000.0, step=100.0, key="m_radius")
            st.number_input(
                t("min_coverage", lang),
                0.0,
                100.0,
                step=1.0,
                key="m_min_coverage",
                help=t("min_coverage_help", lang),
            )
        # Optional: shown only when single sign-on or local accounts are configured (app.signin).
        sign_in_panel(lang)


def main() -> None:
    st.set_page_config(page_title="无锡碳达峰空间监测 · Wuxi Carbon-Peak Atlas", page_icon="🗺️", layout="wide")
    try:
        staged = staged_layers()
        signature = layer_plan(staged)
        data = atlas_data(signature, staged)
        names = {
            str(row.adcode): (str(row.name_zh), str(row.name_en))
            for row in data.boundaries[["adcode", "name_zh", "name_en"]].itertuples(index=False)
        }
        names[CITY_ADCODE] = ("全市", "Whole city")
        adcodes = [CITY_ADCODE, *sorted(code for code in names if code != CITY_ADCODE)]
        basemaps = [b.key for b in available_basemaps(tianditu_key=tianditu_key())]
        state_from_url(adcodes, sorted(data.landcover), basemaps)
        if data.landcover and st.session_state.get("year") not in data.landcover:
            st.session_state["year"] = max(data.landcover)  # e.g. a user's land cover replaced a year
        method_keys: tuple[str, ...] = ("m_denominator", "m_variant", "m_yield", "m_radius", "m_min_coverage")
        method_keys += tuple(f"m_share_{kind}" for kind in DEFAULT_USABLE_SHARE)
        # Persist widget values across pages: a widget not drawn on this run would lose its key.
        for overlay in OVERLAYS:
            st.session_state.setdefault(f"opacity_{overlay}", DEFAULT_OPACITY[overlay])
        for key in ("layers", "year", "basemap", *(f"opacity_{k}" for k in OVERLAYS), *method_keys):
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
        ctx: Context | None = None

        def show(render: Callable[[Context], None]) -> None:
            assert ctx is not None, "the context is built before the page runs"
            render(ctx)

        page = _navigation(st.session_state["lang"], show)
        _sidebar(names, adcodes, data)
        lang = st.session_state["lang"]
        st.title(t("app_title", lang))
        st.caption(t("app_subtitle", lang))
        missing = missing_kinds(signature)
        if missing:
            st.info(f"{t('no_layer', lang)}: {', '.join(missing)}")
        if staged:
            st.info(t("staged_banner", lang, kinds=", ".join(staged)))
        year = st.session_state.get("year") if data.landcover else None
        method = method_from_state()
        # Computed in the background (app.progressive), once for every session asking for the same: the
        # map page shows at once and its board follows; the other pages show the results, so they wait.
        results_job = progressive.job(
            ("results", signature, year, method),
            functools.partial(indicator_results, signature, data, year, method),
        )
        if st.session_state["page"] == "map":
            results = progressive.ready(results_job)
        else:
            with st.spinner("…"):
                results = progressive.wait(results_job)
        ctx = Context(
            signature=signature,
            data=data,
            results=results or [],
            results_job=None if results is not None else results_job,
            targets=cached_targets(origins_of(signature)["targets"][2]),
            lang=lang,
            adcode=st.session_state["district"],
            names=names,
            year=year,
            method=method,
        )
        state_to_url()
        page.run()
        progressive.watch()  # the page reruns when a piece it waits for is ready
    except AtlasError as exc:
        lang = st.session_state.get("lang", "zh")
        st.error(t("error", lang, message=plain(str(exc))))
        st.stop()
    finally:
        progressive.end_run()  # the background work this run asked for starts once the page is drawn


main()
