"""The Data page's review before a save: what the staged layer changes against the city's current layer
(features added and removed, features per district, the indicators that move and by how much), a warning
when it covers much less of the city, and the confirmation and note (why) a save needs. The computation is
:mod:`analysis.replacement`; this module draws it."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from wuxi_atlas.analysis.replacement import ReplacementReport, compare_replacement
from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.app.context import Context
from wuxi_atlas.app.loaders import LayerKey, atlas_data, indicator_results, layer_plan, origins_of
from wuxi_atlas.layers.catalog import StagedLayer, User
from wuxi_atlas.layers.catalog.district_scope import merge_into_city
from wuxi_atlas.layers.spec import get_spec
from wuxi_atlas.maps.text import format_value, indicator_name, status_text, t

__all__ = ["NOTE_MAX_CHARS", "confirm_key", "note_key", "ready_to_save", "saved_layer", "show_review"]

#: The longest note a save takes (it goes into the audit trail, one line of it).
NOTE_MAX_CHARS = 500


def confirm_key(kind: str) -> str:
    """The session-state key of the save confirmation of ``kind``."""
    return f"save_confirm_{kind}"


def note_key(kind: str) -> str:
    """The session-state key of the note (why) of the save of ``kind``."""
    return f"save_note_{kind}"


def ready_to_save(kind: str) -> bool:
    """Whether the save of ``kind`` is confirmed and has a note."""
    note = st.session_state.get(note_key(kind)) or ""
    return bool(st.session_state.get(confirm_key(kind))) and bool(note.strip())


def _frame_of(
    kind: str, signature: tuple[LayerKey, ...], staged: dict[str, StagedLayer]
) -> gpd.GeoDataFrame | None:
    """The features of ``kind`` in the layers of ``signature`` (None for a kind with no layer)."""
    data = atlas_data(signature, staged)
    if kind == "districts":
        return data.boundaries
    source = data.vector(kind)
    return None if source is None else source.frame


@st.cache_resource(show_spinner=False, max_entries=8)
def _feature_report(kind: str, current: LayerKey, new: LayerKey, _saved: StagedLayer) -> ReplacementReport:
    """Features added, removed and per district (no indicators), computed once per pair of layers."""
    shared = layer_plan({})
    before = _frame_of(kind, shared, {})
    after = _frame_of(kind, layer_plan({kind: _saved}), {kind: _saved})
    fields = tuple(field.name for field in get_spec(kind).fields)
    return compare_replacement(kind, before, after, atlas_data(shared, {}).boundaries, (), (), fields)


@st.cache_resource(show_spinner=False, max_entries=8)
def _merged(
    current: LayerKey, staged: LayerKey, scope: tuple[str, ...], _staged: StagedLayer, _user: User
) -> StagedLayer:
    """What the catalog stores for a district officer: ``_staged`` cut to ``scope`` and merged into the
    catalog's current city layer (none when the city's layer is still the demo's)."""
    shared = layer_plan({})
    data = atlas_data(shared, {})
    from_catalog = current[1] == "catalog"
    return merge_into_city(
        _staged,
        data.vector(_staged.kind) if from_catalog else None,
        int(current[3].removeprefix("v")) if from_catalog else None,
        data.boundaries,
        scope,
        _user,
    )


def saved_layer(kind: str, staged: StagedLayer, user: User, scope: tuple[str, ...]) -> StagedLayer:
    """The layer a save of ``staged`` by ``user`` would store: as it is for the whole city (``scope``
    empty), else cut to the officer's districts and merged (:func:`~layers.catalog.district_scope.
    merge_into_city`, which refuses a file with nothing inside them)."""
    if not scope:
        return staged
    current = origins_of(layer_plan({}))[kind]
    key = origins_of(layer_plan({kind: staged}))[kind]
    return _merged(current, key, scope, staged, user)


def _landcover_year(replaced: tuple[LayerKey, ...], ctx: Context) -> int | None:
    """The year a staged land cover stands for in ``replaced`` (its own, else the latest): the year whose
    indicators it changes, whichever year the page shows."""
    staged = [key[0] for key in replaced if key[0].startswith("landcover:") and key[1] == "staged"]
    return int(staged[0].split(":", 1)[1]) if staged else ctx.year


def _report(ctx: Context, kind: str, saved: StagedLayer) -> ReplacementReport:
    shared = layer_plan({})
    alone = {kind: saved}
    replaced = layer_plan(alone)
    year = _landcover_year(replaced, ctx) if kind == "landcover" else ctx.year
    before = indicator_results(shared, atlas_data(shared, {}), year, ctx.method)
    after = indicator_results(replaced, atlas_data(replaced, alone), year, ctx.method)
    boundaries = atlas_data(shared, {}).boundaries
    if kind == "landcover":  # a raster, or a land survey standing for one: its indicators and coverage
        return compare_replacement(kind, None, None, boundaries, before, after)
    moves = compare_replacement(kind, None, None, boundaries, before, after).moves
    features = _feature_report(kind, origins_of(shared)[kind], origins_of(replaced)[kind], saved)
    return ReplacementReport(kind, features.features, features.districts, moves)


def _unit_name(ctx: Context, adcode: str) -> str:
    if adcode == CITY_ADCODE:
        return t("whole_city", ctx.lang)
    names = ctx.names.get(adcode)
    return adcode if names is None else names[1 if ctx.lang == "en" else 0]


def _show_features(ctx: Context, report: ReplacementReport) -> None:
    lang = ctx.lang
    change = report.features
    if change is None:
        return
    columns = st.columns(4)
    columns[0].metric(t("review_current_features", lang), f"{change.current:,}")
    columns[1].metric(t("review_new_features", lang), f"{change.new:,}")
    columns[2].metric(t("review_added", lang), f"{change.added:,}")
    columns[3].metric(t("review_removed", lang), f"{change.removed:,}")
    if report.shrinks:
        lost = ", ".join(_unit_name(ctx, adcode) for adcode in report.districts_lost) or "–"
        st.warning(
            t(
                "review_shrinks",
                lang,
                new=f"{change.new:,}",
                current=f"{change.current:,}",
                lost=lost,
            )
        )
    if report.districts:
        rows = [
            {
                t("col_district", lang): _unit_name(ctx, d.adcode),
                t("review_current_features", lang): d.current,
                t("review_new_features", lang): d.new,
            }
            for d in report.districts
        ]
        st.dataframe(
            pd.DataFrame(rows), hide_index=True, width="stretch", key=f"review_districts_{report.kind}"
        )


def _share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _show_coverage(ctx: Context, report: ReplacementReport) -> None:
    """Land cover: the share of each unit with valid data, now and after, and the warning."""
    lang = ctx.lang
    if not report.coverage:
        return
    if report.shrinks:
        city = next((c for c in report.coverage if c.adcode == CITY_ADCODE), None)
        lost = ", ".join(_unit_name(ctx, adcode) for adcode in report.districts_lost)
        before, after = (None, None) if city is None else (city.before, city.after)
        st.warning(t("review_shrinks_landcover", lang, new=_share(after), current=_share(before), lost=lost))
    rows = [
        {
            t("col_district", lang): _unit_name(ctx, c.adcode),
            t("review_coverage_now", lang): _share(c.before),
            t("review_coverage_after", lang): _share(c.after),
        }
        for c in report.coverage
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=f"review_coverage_{report.kind}")


def _show_moves(ctx: Context, report: ReplacementReport) -> None:
    lang = ctx.lang
    if not report.moves:
        st.caption(t("review_no_moves", lang))
        return
    st.caption(t("review_moves", lang, n=len(report.moves)))
    rows = []
    for move in report.moves:
        change = move.change
        sign = "+" if change is not None and change > 0 else ""
        rows.append(
            {
                t("col_indicator", lang): indicator_name(move.indicator, lang),
                t("col_district", lang): _unit_name(ctx, move.adcode),
                t("review_before", lang): format_value(move.before, move.unit, lang),
                t("review_after", lang): format_value(move.after, move.unit, lang),
                t("review_change", lang): "–"
                if change is None
                else sign + format_value(change, move.unit, lang),
                t("col_status", lang): status_text(move.status_after, lang),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=f"review_moves_{report.kind}")


def show_review(ctx: Context, kind: str, saved: StagedLayer, *, may_save: bool = True) -> ReplacementReport:
    """Draw what saving ``saved`` (:func:`saved_layer`) as the city's ``kind`` changes, then the
    confirmation and the note (only when the user ``may_save``); the save button reads them with
    :func:`ready_to_save`. Returns the report."""
    lang = ctx.lang
    report = _report(ctx, kind, saved)
    st.markdown(f"**{t('review_title', lang)}**")
    _show_features(ctx, report)
    _show_coverage(ctx, report)
    _show_moves(ctx, report)
    if not may_save:
        return report
    st.text_input(
        t("save_note", lang),
        key=note_key(kind),
        max_chars=NOTE_MAX_CHARS,
        placeholder=t("save_note_placeholder", lang),
    )
    st.checkbox(t("save_confirm", lang), key=confirm_key(kind))
    return report
