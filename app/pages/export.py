"""The export page (``?page=export``): a layer as GeoJSON, the indicators as CSV, JSON, metadata, a zip or
the board as Excel, and the map of the current view as one standalone HTML file. Every export holds what
the page's scope says: with a district selected, the layer cut to it and that district's rows only."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from wuxi_atlas.analysis.export import layer_to_geojson, results_in_scope, results_zip
from wuxi_atlas.analysis.paths import boundaries_path
from wuxi_atlas.analysis.report import results_metadata, results_to_csv, results_to_json
from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.app.context import Context
from wuxi_atlas.app.map_component import build_map
from wuxi_atlas.app.widgets import plain, synthetic_banner
from wuxi_atlas.layers.names import VECTOR_KINDS
from wuxi_atlas.maps.atlas import map_html
from wuxi_atlas.maps.text import t
from wuxi_atlas.maps.workbook import board_workbook

__all__ = ["EXPORT_KINDS", "render"]


EXPORT_KINDS: tuple[str, ...] = ("districts", *VECTOR_KINDS)


def render(ctx: Context) -> None:
    """The export page of ``ctx``."""
    synthetic_banner(ctx)
    st.caption(t("export_scope", ctx.lang, name=plain(ctx.name())))
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
    results = results_in_scope(ctx.results, ctx.adcode)
    parameters = {
        "options": ctx.method.as_dict(),
        "landcover_year": ctx.year,
        "layers": {key[0]: f"{key[1]} {Path(key[2][0]).name} {key[3]}".strip() for key in ctx.signature},
        "district_filter": None if ctx.is_city else ctx.adcode,
    }
    cols = st.columns(5)
    cols[0].download_button(
        t("download_csv", ctx.lang),
        results_to_csv(results, bom=True).encode("utf-8"),
        file_name=f"indicators_{ctx.adcode}.csv",
        mime="text/csv",
        key="download_csv",
        on_click="ignore",
    )
    cols[1].download_button(
        t("download_json", ctx.lang),
        results_to_json(results),
        file_name=f"indicators_{ctx.adcode}.json",
        mime="application/json",
        key="download_json",
        on_click="ignore",
    )
    cols[2].download_button(
        t("download_metadata", ctx.lang),
        json.dumps(results_metadata(results, parameters=parameters), ensure_ascii=False, indent=2),
        file_name=f"indicators_{ctx.adcode}.metadata.json",
        mime="application/json",
        key="download_metadata",
        on_click="ignore",
    )
    cols[3].download_button(
        t("download_zip", ctx.lang),
        results_zip(results, parameters=parameters),
        file_name=f"indicators_{ctx.adcode}.zip",
        mime="application/zip",
        key="download_zip",
        on_click="ignore",
    )
    cols[4].download_button(
        t("download_xlsx", ctx.lang),
        lambda: board_workbook(results, lang=ctx.lang, scope_name=ctx.name(), synthetic=ctx.synthetic),
        file_name=f"board_{ctx.adcode}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="download_xlsx",
        on_click="ignore",
    )

    st.subheader(t("page_map", ctx.lang))

    def current_map() -> bytes:
        fmap = build_map(ctx, focus=None if ctx.is_city else ctx.adcode)
        banner = t("synthetic_banner", ctx.lang).replace("**", "") if ctx.synthetic else None
        return map_html(fmap, title=f"{t('app_title', ctx.lang)} · {ctx.name()}", banner=banner).encode()

    st.download_button(
        t("download_map", ctx.lang),
        current_map,
        file_name=f"atlas_map_{ctx.adcode}.html",
        mime="text/html",
        key="download_map",
        on_click="ignore",
    )
