"""The Data page (``?page=data``): upload a layer (staged for this session, with its check report and a
preview of the indicators), review what saving it changes (:mod:`app.save_review`), save it to the layer
catalog with a note or discard it, and the catalog with its audit trail (:mod:`app.catalog_view`). Who may
save is the catalog's rule (:mod:`layers.catalog.roles`), asked early so that the page offers only what
the signed-in user (:mod:`app.signin`) may do. The callbacks are in :mod:`app.upload_flow`."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from wuxi_atlas.analysis.errors import AtlasError
from wuxi_atlas.analysis.indicators import INDICATOR_IDS
from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.analysis.schemes import schemes_dir
from wuxi_atlas.analysis.sources import LAYER_KINDS
from wuxi_atlas.app.catalog_view import kind_label, show_catalog
from wuxi_atlas.app.context import Context
from wuxi_atlas.app.loaders import atlas_data, indicator_results, layer_plan
from wuxi_atlas.app.save_review import ready_to_save, saved_layer, show_review
from wuxi_atlas.app.signin import current_user, role_text
from wuxi_atlas.app.upload_flow import (
    FLASH,
    UPLOAD_ERRORS,
    on_discard,
    on_save,
    on_upload,
    staged_layers,
)
from wuxi_atlas.app.widgets import option_hints, plain, synthetic_banner
from wuxi_atlas.layers.catalog import CatalogPermissionError, CheckReport, Role, StagedLayer, User
from wuxi_atlas.layers.catalog.roles import scope_of_commit
from wuxi_atlas.layers.limits import current_limits
from wuxi_atlas.layers.spec import get_spec
from wuxi_atlas.layers.uploads import LONLAT_DATUMS, accepted_suffixes
from wuxi_atlas.maps.check_text import check_report_lines
from wuxi_atlas.maps.text import format_value, indicator_name, t

__all__ = ["render"]


_ENCODINGS: tuple[str, ...] = ("", "utf-8", "gbk", "gb18030", "big5")


def _upload_form(lang: str) -> None:
    st.subheader(t("upload_layer", lang))
    kind = st.selectbox(
        t("upload_kind", lang), LAYER_KINDS, format_func=lambda k: kind_label(k, lang), key="upload_kind"
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


def _staged_section(ctx: Context, user: User) -> None:
    lang = ctx.lang
    staged = staged_layers()
    if not staged:
        return
    st.subheader(t("staged_layers", lang))
    for kind, layer in staged.items():
        with st.container(border=True):
            st.markdown(f"**{kind_label(kind, lang)}**")
            st.caption(t("check_report", lang))
            # Every line may carry text from the file: shown as plain text, never as markdown or HTML.
            checked = CheckReport(kind, layer.original_name, True, staged=layer)
            st.text("\n".join(check_report_lines(checked, lang, kind_label(kind, lang))))
            if kind != "districts":
                year = t("year_unknown", lang) if layer.year is None else str(layer.year)
                st.caption(t("staged_year", lang, year=year))
            if layer.conversion or layer.warnings or layer.remarks:
                st.caption(t("check_details", lang))
            for hint in option_hints("\n".join(checked.lines()), lang):
                st.caption(hint)
            ready = _review(ctx, kind, layer, user)
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


def _save_scope(user: User, kind: str, lang: str) -> tuple[str, ...] | str:
    """The districts a save of ``kind`` by ``user`` replaces (``()``: the whole city), or why the user may
    not save it; the catalog's own check (:func:`~layers.catalog.roles.scope_of_commit`), asked early."""
    try:
        return scope_of_commit(user, kind)
    except CatalogPermissionError:
        if user.role is Role.DISTRICT_OFFICER:
            return t("save_city_wide_only", lang, kind=kind_label(kind, lang))
        return t("save_needs_role", lang, role=role_text(user, lang))


def _review(ctx: Context, kind: str, layer: StagedLayer, user: User) -> bool:
    """What saving ``layer`` changes, and the note and confirmation when ``user`` may save it; whether the
    save button is ready."""
    lang = ctx.lang
    scope = _save_scope(user, kind, lang)
    if isinstance(scope, str):
        show_review(ctx, kind, layer, may_save=False)
        st.caption(scope)
        return False
    if scope:
        names = ", ".join(ctx.names[a][1 if lang == "en" else 0] if a in ctx.names else a for a in scope)
        st.caption(t("save_scope", lang, districts=names))
    try:
        saved = saved_layer(kind, layer, user, scope)
    except AtlasError as exc:
        st.error(t("error", lang, message=plain(str(exc))))
        return False
    show_review(ctx, kind, saved)
    ready = ready_to_save(kind)
    if not ready:
        st.caption(t("save_needs_confirm", lang))
    return ready


def render(ctx: Context) -> None:
    """The Data page of ``ctx``."""
    synthetic_banner(ctx)
    st.caption(t("data_intro", ctx.lang))
    flash = st.session_state.pop(FLASH, None)
    if flash is not None:
        level, text = flash
        {"success": st.success, "error": st.error}.get(level, st.info)(text)
    user = current_user()
    if not user.signed_in:
        st.info(t("read_only", ctx.lang))
    _upload_form(ctx.lang)
    _staged_section(ctx, user)
    show_catalog(ctx.lang, user)
