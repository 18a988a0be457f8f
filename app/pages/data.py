"""The Data page (``?page=data``): upload a layer (staged for this session, with its check report and a
preview of the indicators), save it to the layer catalog or discard it, and roll back or remove a catalog
layer. The callbacks are in :mod:`app.upload_flow`."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from wuxi_atlas.analysis.indicators import INDICATOR_IDS
from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.analysis.schemes import schemes_dir
from wuxi_atlas.analysis.sources import LAYER_KINDS
from wuxi_atlas.app.context import Context
from wuxi_atlas.app.loaders import atlas_data, indicator_results, layer_plan
from wuxi_atlas.app.save_review import ready_to_save, show_review
from wuxi_atlas.app.upload_flow import (
    FLASH,
    UPLOAD_ERRORS,
    on_catalog_change,
    on_discard,
    on_save,
    on_upload,
    staged_layers,
)
from wuxi_atlas.app.widgets import option_hints, plain, synthetic_banner
from wuxi_atlas.layers.catalog import Catalog, CatalogEntry, CheckReport, catalog_dir
from wuxi_atlas.layers.limits import current_limits
from wuxi_atlas.layers.spec import get_spec
from wuxi_atlas.layers.uploads import LONLAT_DATUMS, accepted_suffixes
from wuxi_atlas.maps.check_text import check_report_lines
from wuxi_atlas.maps.text import format_value, indicator_name, t

__all__ = ["render"]


_ENCODINGS: tuple[str, ...] = ("", "utf-8", "gbk", "gb18030", "big5")


def _kind_label(kind: str, lang: str) -> str:
    spec = get_spec(kind)
    return f"{spec.label_en if lang == 'en' else spec.label_zh} ({kind})"


def _entries_frame(entries: Sequence[CatalogEntry], lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("col_kind", lang): [e.kind for e in entries],
            t("col_version", lang): [e.version for e in entries],
            t("col_current_version", lang): ["✓" if e.current else "" for e in entries],
            t("col_data_year", lang): [
                t("year_unknown", lang) if e.year is None else str(e.year) for e in entries
            ],
            t("col_file", lang): [e.original_name for e in entries],
            t("col_imported", lang): [e.imported_at for e in entries],
            t("col_crs", lang): [e.source_crs for e in entries],
            t("col_features", lang): [
                "" if e.feature_count is None else str(e.feature_count) for e in entries
            ],
            t("synthetic_tag", lang): ["✓" if e.synthetic else "" for e in entries],
        }
    )


def _upload_form(lang: str) -> None:
    st.subheader(t("upload_layer", lang))
    kind = st.selectbox(
        t("upload_kind", lang), LAYER_KINDS, format_func=lambda k: _kind_label(k, lang), key="upload_kind"
    )
    spec = get_spec(kind)
    if spec.fields:
        fields = ", ".join(f.name + ("*" if f.required else "") for f in spec.fields)
        st.caption(t("upload_fields", lang, fields=fields))
    left, right = st.columns(2)
    if spec.raster:
        schemes = ("", *sorted(p.stem for p in schemes_dir().glob("*.toml")))
        left.selectbox(
            t("upload_scheme", lang),
            schemes,
            format_func=lambda s: s or t("upload_scheme_guess", lang),
            key="upload_scheme",
            on_change=on_upload,
            args=(kind,),
        )
    elif kind != "districts":
        left.selectbox(
            t("upload_datum", lang),
            ("", *LONLAT_DATUMS),
            format_func=lambda d: d.upper() if d else t("upload_datum_auto", lang),
            key="upload_datum",
            on_change=on_upload,
            args=(kind,),
        )
        right.selectbox(
            t("upload_encoding", lang),
            _ENCODINGS,
            format_func=lambda e: e or t("upload_encoding_auto", lang),
            key="upload_encoding",
            on_change=on_upload,
            args=(kind,),
        )
        left.text_input(
            t("upload_layer_name", lang),
            key="upload_layer_name",
            placeholder=t("upload_layer_name_auto", lang),
            on_change=on_upload,
            args=(kind,),
        )
        right.text_area(
            t("upload_column_map", lang),
            key="upload_column_map",
            placeholder="充电枪数=piles",
            help=t("upload_column_map_help", lang),
            height=68,
            on_change=on_upload,
            args=(kind,),
        )
    if kind != "districts":
        left.number_input(
            t("upload_year", lang),
            min_value=1900,
            max_value=2100,
            value=None,
            step=1,
            key="upload_year",
            help=t("upload_year_help", lang),
            on_change=on_upload,
            args=(kind,),
        )
    limit_mb = max(1, math.ceil(current_limits().max_file_bytes / 2**20))
    st.file_uploader(
        t("upload_file", lang),
        help=t("upload_file_help", lang),
        type=list(accepted_suffixes(kind)),
        key=f"upload_{kind}",
        on_change=on_upload,
        args=(kind,),
        max_upload_size=limit_mb,
    )
    st.caption(t("upload_limit", lang, mb=limit_mb))
    error = st.session_state.get(UPLOAD_ERRORS, {}).get(kind)
    if error:
        st.error(t("error", lang, message=plain(error)))
        for hint in option_hints(error, lang):
            st.caption(hint)


def _staged_section(ctx: Context) -> None:
    lang = ctx.lang
    staged = staged_layers()
    if not staged:
        return
    st.subheader(t("staged_layers", lang))
    for kind, layer in staged.items():
        with st.container(border=True):
            st.markdown(f"**{_kind_label(kind, lang)}**")
            st.caption(t("check_report", lang))
            # Every line may carry text from the file: shown as plain text, never as markdown or HTML.
            checked = CheckReport(kind, layer.original_name, True, staged=layer)
            st.text("\n".join(check_report_lines(checked, lang, _kind_label(kind, lang))))
            if kind != "districts":
                year = t("year_unknown", lang) if layer.year is None else str(layer.year)
                st.caption(t("staged_year", lang, year=year))
            if layer.conversion or layer.warnings or layer.remarks:
                st.caption(t("check_details", lang))
            for hint in option_hints("\n".join(checked.lines()), lang):
                st.caption(hint)
            show_review(ctx, kind, layer)
            ready = ready_to_save(kind)
            if not ready:
                st.caption(t("save_needs_confirm", lang))
            left, right = st.columns(2)
            left.button(
                t("save_to_catalog", lang),
                key=f"save_{kind}",
                on_click=on_save,
                args=(kind,),
                type="primary",
                disabled=not ready,
            )
            right.button(t("discard", lang), key=f"discard_{kind}", on_click=on_discard, args=(kind,))
    st.subheader(t("preview", lang))
    shared = layer_plan({})
    current = indicator_results(shared, atlas_data(shared, {}), ctx.year, ctx.method)
    before = {r.indicator: r for r in current if r.adcode == CITY_ADCODE}
    after = {r.indicator: r for r in ctx.results if r.adcode == CITY_ADCODE}
    rows = []
    for indicator in INDICATOR_IDS:
        old, new = before.get(indicator), after.get(indicator)
        rows.append(
            {
                t("col_indicator", lang): indicator_name(indicator, lang),
                t("col_current", lang): "" if old is None else format_value(old.value, old.unit, lang),
                t("col_preview", lang): "" if new is None else format_value(new.value, new.unit, lang),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="preview_table")


def _catalog_section(lang: str) -> None:
    catalog = Catalog(catalog_dir())
    st.subheader(t("catalog", lang))
    st.caption(t("catalog_where", lang, path=str(catalog.root)))
    entries = catalog.list()
    if not entries:
        st.info(t("catalog_empty", lang))
        return
    st.dataframe(_entries_frame(entries, lang), hide_index=True, width="stretch", key="catalog_table")
    for entry in entries:
        history = catalog.history(entry.kind)
        with st.expander(t("history", lang, kind=_kind_label(entry.kind, lang))):
            st.dataframe(
                _entries_frame(history, lang), hide_index=True, width="stretch", key=f"history_{entry.kind}"
            )
            confirmed = st.checkbox(t("confirm", lang), key=f"confirm_{entry.kind}")
            left, right = st.columns(2)
            left.button(
                t("rollback", lang),
                key=f"rollback_{entry.kind}",
                disabled=not confirmed or not any(e.version < entry.version for e in history),
                on_click=on_catalog_change,
                args=(entry.kind, "rollback"),
            )
            right.button(
                t("remove_layer", lang),
                key=f"remove_{entry.kind}",
                disabled=not confirmed,
                on_click=on_catalog_change,
                args=(entry.kind, "remove"),
            )


def render(ctx: Context) -> None:
    """The Data page of ``ctx``."""
    synthetic_banner(ctx)
    st.caption(t("data_intro", ctx.lang))
    flash = st.session_state.pop(FLASH, None)
    if flash is not None:
        level, text = flash
        {"success": st.success, "error": st.error}.get(level, st.info)(text)
    _upload_form(ctx.lang)
    _staged_section(ctx)
    _catalog_section(ctx.lang)
