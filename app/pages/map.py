"""The map page (``?page=map``): the atlas map with the selected district highlighted and zoomed to, a click
on the map selecting the district under it, and the board of the selected unit below. On a cold server
the page shows before the indicators are computed, and the board follows (:mod:`app.progressive`)."""

from __future__ import annotations

import dataclasses
import functools

import geopandas as gpd
import streamlit as st

from wuxi_atlas.analysis.board import board_rows
from wuxi_atlas.analysis.coords import gcj02_to_wgs84
from wuxi_atlas.analysis.results import IndicatorResult
from wuxi_atlas.app import progressive
from wuxi_atlas.app.context import Context
from wuxi_atlas.app.loaders import cached_display_boundaries, origins_of
from wuxi_atlas.app.map_component import MAP_KEY, show_map
from wuxi_atlas.app.widgets import plain, preload_table_code, show_board, synthetic_banner
from wuxi_atlas.maps.atlas import district_at, selection_layer
from wuxi_atlas.maps.basemap import DEFAULT_BASEMAP, get_basemap
from wuxi_atlas.maps.text import t

__all__ = ["render"]


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


def render(ctx: Context) -> None:
    """The map page of ``ctx``."""
    synthetic_banner(ctx)
    basemap = get_basemap(st.session_state.get("basemap", DEFAULT_BASEMAP))
    display = cached_display_boundaries(origins_of(ctx.signature)["districts"], ctx.data.boundaries)
    highlight = None
    if not ctx.is_city:
        highlight = selection_layer(display, ctx.adcode, gcj02=basemap.datum == "gcj02")
    show_map(
        ctx,
        key=MAP_KEY,
        focus=None,
        height=600,
        returned_objects=["last_object_clicked"],
        highlight=highlight,
        on_change=functools.partial(_on_map_click, ctx.data.boundaries),
        fit=ctx.adcode,
    )
    st.caption(t("click_hint", ctx.lang))
    st.subheader(plain(ctx.name()))
    if ctx.results_job is None:
        show_board(ctx, board_rows(ctx.results, adcode=ctx.adcode), with_district=False, key="map_board")
        return

    # A cold server: the board follows as soon as the background job has computed it, drawn on its own
    # (a fragment), not with the whole page again.
    def draw(results: list[IndicatorResult]) -> None:
        done = dataclasses.replace(ctx, results=results, results_job=None)
        show_board(done, board_rows(results, adcode=ctx.adcode), with_district=False, key="map_board")

    def waiting() -> None:
        st.info(t("board_computing", ctx.lang))
        preload_table_code()

    progressive.show_when_ready(ctx.results_job, draw, waiting)
