"""What every page is drawn from, and the view kept in the URL.

:class:`Context` is built once per run by the entry (``geo_app.py``) and handed to the page; :class:`Method`
holds the sidebar's method choices as plain values (a cache key). The view (language, page, district,
layers, year, basemap and the method choices that differ from the defaults) lives in the query string, so a
link reproduces it: :func:`state_from_url` seeds the widgets from it once per session, :func:`state_to_url`
writes it back on every run. ``?lang=en&page=district&district=320211&layers=districts,forest&year=2024``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import streamlit as st

from wuxi_atlas.analysis.charging import DEFAULT_SERVICE_RADIUS_M
from wuxi_atlas.analysis.names import INDICATOR_IDS
from wuxi_atlas.analysis.pv import DEFAULT_USABLE_SHARE, PVParameters
from wuxi_atlas.analysis.results import CITY_ADCODE, DEFAULT_MIN_VALID_SHARE, IndicatorResult
from wuxi_atlas.analysis.targets import Target
from wuxi_atlas.app.loaders import Signature, synthetic_in_use
from wuxi_atlas.maps.atlas import DEFAULT_LAYERS, OVERLAYS, AtlasData
from wuxi_atlas.maps.basemap import DEFAULT_BASEMAP, default_basemap
from wuxi_atlas.maps.choropleth import CHOROPLETH_MODES
from wuxi_atlas.maps.overlay_names import OVERLAY_CHOICES
from wuxi_atlas.maps.text import LANGS

if TYPE_CHECKING:
    from wuxi_atlas.analysis.indicators import IndicatorOptions

__all__ = [
    "DENOMINATORS",
    "LAYER_ORDER",
    "PAGES",
    "VARIANTS",
    "Context",
    "Method",
    "localised_widget",
    "method_from_state",
    "state_from_url",
    "state_to_url",
    "view_widget",
]


#: The pages, in the order of the sidebar; the ``page`` query parameter names one.
PAGES: tuple[str, ...] = ("map", "board", "district", "export", "methods", "data")
#: The map's overlays, in the order of the layer selector.
LAYER_ORDER = OVERLAY_CHOICES
DENOMINATORS: tuple[str, ...] = ("official", "polygon", "land")
VARIANTS: tuple[str, ...] = ("linmu", "senlin")


@dataclass(frozen=True)
class Method:
    """The method choices of the sidebar, as plain values (a cache key) that make IndicatorOptions."""

    forest_denominator: str = "official"
    forest_variant: str = "linmu"
    specific_yield: float = 1100.0
    usable_share: tuple[tuple[str, float], ...] = tuple(DEFAULT_USABLE_SHARE.items())
    service_radius_m: float = DEFAULT_SERVICE_RADIUS_M
    min_coverage_pct: float = 100 * DEFAULT_MIN_VALID_SHARE

    def options(self) -> IndicatorOptions:
        # Imported here: the engine (the zonal passes) is not needed for a first paint, only in the
        # background work that computes the indicators.
        from wuxi_atlas.analysis.indicators import IndicatorOptions

        return IndicatorOptions(
            forest_denominator=self.forest_denominator,  # type: ignore[arg-type]
            forest_variant=self.forest_variant,  # type: ignore[arg-type]
            pv=PVParameters(
                usable_share=dict(self.usable_share), specific_yield_kwh_per_kwp=self.specific_yield
            ),
            service_radius_m=self.service_radius_m,
            min_valid_share=self.min_coverage_pct / 100.0,
        )

    def key(self, indicators: Sequence[str]) -> tuple[Any, ...]:
        """The choices that matter to ``indicators``: a slider for one family recomputes only it."""
        key: tuple[Any, ...] = ()
        if "forest_coverage" in indicators:
            key += (self.forest_denominator, self.forest_variant)
        if {"forest_coverage", "wetland_protection_rate", "builtup_green_coverage"} & set(indicators):
            key += (self.min_coverage_pct,)
        if "pv_rooftop_potential" in indicators:
            key += (self.specific_yield, self.usable_share)
        if "charging_service_coverage" in indicators:
            key += (self.service_radius_m,)
        return key

    def as_dict(self) -> dict[str, Any]:
        record = dataclasses.asdict(self)
        record["usable_share"] = dict(self.usable_share)
        return record


@dataclass(frozen=True)
class Context:
    """What every page gets: the data, the results, the language and the selected unit."""

    signature: Signature
    data: AtlasData
    results: list[IndicatorResult]
    targets: tuple[Target, ...]
    lang: str
    adcode: str
    names: dict[str, tuple[str, str]]
    year: int | None = None
    method: Method = Method()
    #: The background job computing the results while the map page shows without them (a cold server),
    #: else None and ``results`` holds every indicator.
    results_job: Future[list[IndicatorResult]] | None = None

    @property
    def results_ready(self) -> bool:
        return self.results_job is None

    @property
    def synthetic(self) -> bool:
        """Whether a layer behind the board or the map is synthetic."""
        return synthetic_in_use(self.signature, self.data, self.year)

    @property
    def synthetic_any_year(self) -> bool:
        """Whether a layer behind the district page (the change uses every year) is synthetic."""
        return synthetic_in_use(self.signature, self.data, self.year, every_year=True)

    def name(self, adcode: str | None = None) -> str:
        zh, en = self.names.get(adcode or self.adcode, (adcode or self.adcode,) * 2)
        return en if self.lang == "en" else zh

    @property
    def is_city(self) -> bool:
        return self.adcode == CITY_ADCODE


# --- the view: URL <-> session state ---------------------------------------------------------------------


def state_from_url(adcodes: Sequence[str], years: Sequence[int], basemaps: Sequence[str]) -> None:
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
        st.session_state["layers"] = [k for k in LAYER_ORDER if k in wanted]
    else:
        st.session_state["layers"] = [k for k in LAYER_ORDER if k in DEFAULT_LAYERS]
    year = params.get("year", "")
    st.session_state["year"] = (
        int(year) if year.isdigit() and int(year) in years else (max(years) if years else None)
    )
    compare = params.get("compare", "")
    st.session_state["compare_year"] = int(compare) if compare.isdigit() and int(compare) in years else None
    start = default_basemap()
    basemap = params.get("basemap", start)
    st.session_state["basemap"] = basemap if basemap in basemaps else start
    choropleth = params.get("choropleth", "")
    st.session_state["choropleth"] = choropleth if choropleth in INDICATOR_IDS else ""
    colouring = params.get("colouring", "ramp")
    st.session_state["colouring"] = colouring if colouring in CHOROPLETH_MODES else "ramp"
    default = Method()
    denominator = params.get("denom", default.forest_denominator)
    st.session_state["m_denominator"] = (
        denominator if denominator in DENOMINATORS else default.forest_denominator
    )
    variant = params.get("variant", default.forest_variant)
    st.session_state["m_variant"] = variant if variant in VARIANTS else default.forest_variant
    st.session_state["m_yield"] = _number_param("yield", default.specific_yield, 500.0, 2000.0)
    st.session_state["m_radius"] = _number_param("radius", default.service_radius_m, 100.0, 5000.0)
    st.session_state["m_min_coverage"] = _number_param("mincov", default.min_coverage_pct, 0.0, 100.0)
    for building_type, share in default.usable_share:
        st.session_state[f"m_share_{building_type}"] = share
    st.session_state["_view_from_url"] = True


def _number_param(name: str, default: float, low: float, high: float) -> float:
    try:
        value = float(st.query_params.get(name, default))
    except ValueError:
        return default
    return value if low <= value <= high else default


def method_from_state() -> Method:
    """The sidebar's method choices of this run."""
    default = Method()
    return Method(
        forest_denominator=st.session_state.get("m_denominator", default.forest_denominator),
        forest_variant=st.session_state.get("m_variant", default.forest_variant),
        specific_yield=float(st.session_state.get("m_yield", default.specific_yield)),
        usable_share=tuple(
            (kind, float(st.session_state.get(f"m_share_{kind}", share)))
            for kind, share in default.usable_share
        ),
        service_radius_m=float(st.session_state.get("m_radius", default.service_radius_m)),
        min_coverage_pct=float(st.session_state.get("m_min_coverage", default.min_coverage_pct)),
    )


def view_widget(name: str, suffix: str = "widget") -> dict[str, Any]:
    """The ``key``, ``on_change`` and ``args`` of a widget that shows and edits the view state
    ``st.session_state[name]`` (the language, the year …).

    The view is never kept under a widget's own key. Streamlit drops a widget's state when a run that
    completes does not draw it, and a run can be cut short by a rerun (the progressive page reruns itself as
    its pieces arrive): a view held by the widget was then lost, and an English session came back Chinese.
    So the widget gets its own key (``lang__widget``), starts from the view on every run and writes back
    to it when the user changes it; the URL, the pages and a click on the map read and write ``name``."""
    key = f"{name}__{suffix}"
    st.session_state[key] = st.session_state.get(name)
    return {"key": key, "on_change": _keep_view, "args": (name, key)}


def localised_widget(name: str, lang: str) -> dict[str, Any]:
    """:func:`view_widget` for a widget whose options are shown in ``lang`` (the page radio, the district
    box …).

    Streamlit identifies a keyed widget by its key alone, so after a language switch the browser kept
    showing the option in the old language. The widget's key therefore carries the language
    (``district__en``): a switch makes a new widget, drawn with the new words."""
    return view_widget(name, lang)


def _keep_view(name: str, key: str) -> None:
    st.session_state[name] = st.session_state[key]


def state_to_url() -> None:
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
    if st.session_state.get("compare_year") is not None:
        wanted["compare"] = str(st.session_state["compare_year"])
    elif "compare" in st.query_params:
        del st.query_params["compare"]
    for key, off in (("choropleth", ""), ("colouring", "ramp")):
        if st.session_state.get(key, off) != off:
            wanted[key] = st.session_state[key]
        elif key in st.query_params:
            del st.query_params[key]
    method, default = method_from_state(), Method()
    optional = {
        "denom": (method.forest_denominator, default.forest_denominator),
        "variant": (method.forest_variant, default.forest_variant),
        "yield": (f"{method.specific_yield:g}", f"{default.specific_yield:g}"),
        "radius": (f"{method.service_radius_m:g}", f"{default.service_radius_m:g}"),
        "mincov": (f"{method.min_coverage_pct:g}", f"{default.min_coverage_pct:g}"),
    }
    for key, (value, default_value) in optional.items():
        if value != default_value:
            wanted[key] = value
        elif key in st.query_params:
            del st.query_params[key]
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
