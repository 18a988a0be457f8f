"""The Data page's layer catalog: the current layers, each kind's versions and its audit trail (who,
when, which file and its sha256, why), and rollback, remove and restore for a data steward.

The catalog enforces the roles (:mod:`layers.catalog.roles`); this view only hides the buttons a user's
role would be refused, asking the same check (:func:`~layers.catalog.roles.require_steward`). Every text
that comes from a file or a user (file names, notes, names) is shown in tables, never as markdown.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from wuxi_atlas.app.upload_flow import CHANGE_NOTE, on_catalog_change, on_restore
from wuxi_atlas.layers.catalog import (
    AuditEvent,
    CatalogBackend,
    CatalogEntry,
    CatalogPermissionError,
    User,
    open_catalog,
)
from wuxi_atlas.layers.catalog.roles import require_steward
from wuxi_atlas.layers.spec import get_spec
from wuxi_atlas.maps.text import t

__all__ = ["audit_frame", "entries_frame", "kind_label", "show_catalog"]


def kind_label(kind: str, lang: str) -> str:
    """A layer kind in the language, with its name: ``充电站 (stations)``."""
    spec = get_spec(kind)
    return f"{spec.label_en if lang == 'en' else spec.label_zh} ({kind})"


def entries_frame(entries: Sequence[CatalogEntry], lang: str) -> pd.DataFrame:
    """Versions as a table: kind, version, current, year, file, when, who, why, CRS, features."""
    return pd.DataFrame(
        {
            t("col_kind", lang): [e.kind for e in entries],
            t("col_version", lang): [e.version for e in entries],
            t("col_current_version", lang): ["✓" if e.current else "" for e in entries],
            t("col_removed", lang): ["✓" if e.removed else "" for e in entries],
            t("col_data_year", lang): [
                t("year_unknown", lang) if e.year is None else str(e.year) for e in entries
            ],
            t("col_file", lang): [e.original_name for e in entries],
            t("col_imported", lang): [e.imported_at for e in entries],
            t("col_who", lang): [e.committed_by for e in entries],
            t("col_why", lang): [e.note for e in entries],
            t("col_crs", lang): [e.source_crs for e in entries],
            t("col_features", lang): [
                "" if e.feature_count is None else str(e.feature_count) for e in entries
            ],
            t("synthetic_tag", lang): ["✓" if e.synthetic else "" for e in entries],
        }
    )


def audit_frame(events: Sequence[AuditEvent], lang: str) -> pd.DataFrame:
    """Audit events as a table, newest first: when, kind, change, version, the districts a save replaced
    (else the whole city), who (and role), file, sha256, why."""
    ordered = list(reversed(events))
    return pd.DataFrame(
        {
            t("col_when", lang): [e.at for e in ordered],
            t("col_kind", lang): [e.kind for e in ordered],
            t("col_action", lang): [t(f"action_{e.action}", lang) for e in ordered],
            t("col_version", lang): [e.version for e in ordered],
            t("col_scope", lang): [", ".join(e.scope) or t("whole_city", lang) for e in ordered],
            t("col_who", lang): [e.who for e in ordered],
            t("col_file", lang): [e.original_name for e in ordered],
            t("col_sha256", lang): [e.sha256 for e in ordered],
            t("col_why", lang): [e.note for e in ordered],
        }
    )


def _may_change(user: User) -> bool:
    try:
        require_steward(user, "change the catalog")
    except CatalogPermissionError:
        return False
    return True


def _steward_controls(kind: str, history: Sequence[CatalogEntry], lang: str) -> None:
    """Rollback, remove and restore of ``kind``, behind a note (why) and a confirmation."""
    current = next((e for e in history if e.current), None)
    st.text_input(t("catalog_change_note", lang), key=f"{CHANGE_NOTE}{kind}", max_chars=500)
    confirmed = st.checkbox(t("confirm", lang), key=f"confirm_{kind}")
    noted = bool((st.session_state.get(f"{CHANGE_NOTE}{kind}") or "").strip())
    ready = confirmed and noted
    older = current is not None and any(e.version < current.version and not e.removed for e in history)
    left, right = st.columns(2)
    left.button(
        t("rollback", lang),
        key=f"rollback_{kind}",
        disabled=not ready or not older,
        on_click=on_catalog_change,
        args=(kind, "rollback"),
    )
    right.button(
        t("remove_layer", lang),
        key=f"remove_{kind}",
        disabled=not ready or current is None,
        on_click=on_catalog_change,
        args=(kind, "remove"),
    )
    removed = [e.version for e in history if e.removed]
    if removed:
        left.selectbox(t("restore_version", lang), removed, key=f"restore_version_{kind}")
        right.button(
            t("restore_layer", lang),
            key=f"restore_{kind}",
            disabled=not ready,
            on_click=on_restore,
            args=(kind,),
        )


def _kinds_ever(catalog: CatalogBackend, trail: Sequence[AuditEvent]) -> list[str]:
    """Kinds with a current version, then kinds whose every version is removed (still restorable)."""
    kinds: list[str] = list(catalog.kinds())
    kinds += [e.kind for e in trail if e.kind not in kinds]
    return list(dict.fromkeys(kinds))


def show_catalog(lang: str, user: User) -> None:
    """The catalog section of the Data page, for ``user``."""
    catalog = open_catalog()
    st.subheader(t("catalog", lang))
    st.caption(t("catalog_where", lang, path=catalog.location))
    entries = catalog.list()
    trail = catalog.trail()
    if not entries and not trail:
        st.info(t("catalog_empty", lang))
        return
    if entries:
        st.dataframe(entries_frame(entries, lang), hide_index=True, width="stretch", key="catalog_table")
    steward = _may_change(user)
    if not steward:
        st.caption(t("steward_only", lang))
    for kind in _kinds_ever(catalog, trail):
        history = catalog.history(kind)
        with st.expander(t("history", lang, kind=kind_label(kind, lang))):
            st.dataframe(
                entries_frame(history, lang), hide_index=True, width="stretch", key=f"history_{kind}"
            )
            events = [e for e in trail if e.kind == kind]
            if events:
                st.caption(t("audit_trail", lang))
                st.dataframe(audit_frame(events, lang), hide_index=True, width="stretch", key=f"trail_{kind}")
            if steward:
                _steward_controls(kind, history, lang)
    with st.expander(t("audit_trail", lang)):
        if trail:
            st.dataframe(audit_frame(trail, lang), hide_index=True, width="stretch", key="audit_trail")
        else:
            st.caption(t("audit_empty", lang))
