"""The district page (``?page=district``): the selected unit's board and map, its land-cover change between
the oldest and the latest year, and its fact sheet to download as HTML or, made on click by headless
Chromium, as an A4 PDF."""

from __future__ import annotations

import streamlit as st

from wuxi_atlas.analysis.board import board_rows
from wuxi_atlas.analysis.schemes import load_scheme
from wuxi_atlas.app.context import Context
from wuxi_atlas.app.history_view import history_of, show_trend
from wuxi_atlas.app.loaders import cached_change
from wuxi_atlas.app.map_component import show_map
from wuxi_atlas.app.widgets import plain, show_board, synthetic_banner
from wuxi_atlas.maps.factsheet import district_fact_sheet, trajectory_indicators
from wuxi_atlas.maps.status_style import CHANGE_COLOURS
from wuxi_atlas.maps.text import t

__all__ = ["render"]


def render(ctx: Context) -> None:
    """The district page of ``ctx``: the selected unit (the city when none is)."""
    import altair as alt

    synthetic_banner(ctx, ctx.synthetic_any_year)
    st.subheader(plain(ctx.name()))
    rows = board_rows(ctx.results, adcode=ctx.adcode)
    show_board(ctx, rows, with_district=False, key="district_board")
    # wait=True: this page has download buttons, whose files a rerun replaces; overlays joining the map one
    # rerun at a time would make the browser fetch files already gone (404).
    show_map(
        ctx,
        key="district_map",
        focus=None if ctx.is_city else ctx.adcode,
        height=480,
        returned_objects=[],
        wait=True,
    )

    st.subheader(t("landcover_change", ctx.lang))
    landcover_keys = tuple(k for k in ctx.signature if k[0].startswith(("landcover:", "districts")))
    change = cached_change(landcover_keys, ctx.data)
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
                    x=alt.X("value:Q", title=t("hectares", ctx.lang)),
                    # The domain pins each colour to its word: without it Altair sorts the words, and
                    # 增加/减少 sort the other way round from Gained/Lost, so the colours flipped.
                    color=alt.Color(
                        "kind:N",
                        title=None,
                        scale=alt.Scale(
                            domain=[t("col_gained", ctx.lang), t("col_lost", ctx.lang)],
                            range=list(CHANGE_COLOURS),
                        ),
                    ),
                    tooltip=["class_label", "kind", "value"],
                )
            )
            st.altair_chart(chart, width="stretch")
    show_trend(ctx)
    with st.spinner(t("trend_computing", ctx.lang)):
        outlooks = {
            indicator: history_of(indicator, ctx.method).outlook(indicator, ctx.adcode)
            for indicator in trajectory_indicators(ctx.results, ctx.adcode)
        }
    sheet = district_fact_sheet(
        ctx.results,
        ctx.data.boundaries,
        ctx.adcode,
        lang=ctx.lang,
        change=unit_change,
        change_years=(change.year_from, change.year_to) if change else (None, None),
        synthetic=ctx.synthetic_any_year,
        outlooks=outlooks,
    )
    left, right = st.columns(2)
    left.download_button(
        t("fact_sheet", ctx.lang),
        sheet,
        file_name=f"factsheet_{ctx.adcode}_{ctx.lang}.html",
        mime="text/html",
        key="download_factsheet",
        on_click="ignore",
    )
    with right:
        _pdf_button(ctx, sheet)


@st.cache_data(max_entries=16, show_spinner=False)
def _pdf(sheet: str) -> bytes:
    from wuxi_atlas.maps.pdf import html_to_pdf

    return html_to_pdf(sheet)


def _pdf_button(ctx: Context, sheet: str) -> None:
    """Make the PDF on click (Chromium takes a few seconds), then offer it; a missing Chromium is a message
    saying how to install it."""
    from wuxi_atlas.maps.pdf import PdfEngineMissing, PdfError

    if not st.button(t("fs_pdf_make", ctx.lang), key="make_factsheet_pdf"):
        return
    try:
        with st.spinner(t("fs_pdf_spinner", ctx.lang)):
            pdf = _pdf(sheet)
    except PdfEngineMissing:
        st.error(t("fs_pdf_no_chromium", ctx.lang))
        return
    except PdfError as exc:
        st.error(t("fs_pdf_failed", ctx.lang, error=plain(str(exc))))
        return
    st.download_button(
        t("fs_pdf_download", ctx.lang),
        pdf,
        file_name=f"factsheet_{ctx.adcode}_{ctx.lang}.pdf",
        mime="application/pdf",
        key="download_factsheet_pdf",
        on_click="ignore",
    )
