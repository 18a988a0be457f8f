"""The Data page's actions, as widget callbacks: an upload is staged for this session only
(:func:`on_upload`), then saved to the layer catalog (:func:`on_save`) or discarded (:func:`on_discard`);
a catalog layer is rolled back or removed (:func:`on_catalog_change`). A callback's outcome is shown once,
on the next run, as a flash message (:data:`FLASH`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import streamlit as st

from wuxi_atlas.analysis.errors import AtlasError
from wuxi_atlas.app.save_review import confirm_key, note_key, ready_to_save
from wuxi_atlas.app.signin import current_user
from wuxi_atlas.app.widgets import plain
from wuxi_atlas.layers.catalog import StagedLayer, open_catalog
from wuxi_atlas.layers.upload_folders import UploadFolder, sweep_stale_upload_folders
from wuxi_atlas.layers.uploads import UploadOptions, parse_column_map, stage_upload
from wuxi_atlas.maps.text import t

__all__ = [
    "CHANGE_NOTE",
    "FLASH",
    "STAGED",
    "UPLOAD_ERRORS",
    "on_catalog_change",
    "on_discard",
    "on_restore",
    "on_save",
    "on_upload",
    "staged_layers",
    "upload_layer",
]


STAGED = "_staged_layers"  # session_state: kind -> StagedLayer, this session's unsaved uploads
UPLOAD_ERRORS = "_upload_errors"  # session_state: kind -> message of the last failed upload
FLASH = "_flash"  # session_state: (level, text) shown once, after a button's callback
CHANGE_NOTE = "catalog_note_"  # session_state prefix: the note (why) of a rollback, removal or restore
_UPLOAD_FOLDER = "_upload_folder"  # session_state: this session's UploadFolder


def staged_layers() -> dict[str, StagedLayer]:
    """This session's staged (uploaded, unsaved) layers by kind."""
    staged: dict[str, StagedLayer] = st.session_state.setdefault(STAGED, {})
    return staged


def _session_dir() -> Path:
    """This session's upload folder, removed with the session (:class:`UploadFolder`); a staged layer's
    own folder in it goes when the layer is saved or discarded. A new folder first sweeps away the
    folders of sessions that ended without a trace (a killed server), by age."""
    folder = st.session_state.get(_UPLOAD_FOLDER)
    if not isinstance(folder, UploadFolder) or not folder.exists:
        sweep_stale_upload_folders()
        folder = UploadFolder()
        st.session_state[_UPLOAD_FOLDER] = folder
    folder.touch()
    return folder.path


def _forget_staged(kind: str) -> None:
    layer = staged_layers().pop(kind, None)
    if layer is not None and Path(layer.path).parent.parent.parent == _session_dir():
        shutil.rmtree(layer.path.parent, ignore_errors=True)


def _flash(level: str, text: str) -> None:
    st.session_state[FLASH] = (level, text)


def _upload_options() -> UploadOptions:
    return UploadOptions(
        lonlat_crs=st.session_state.get("upload_datum") or None,
        encoding=st.session_state.get("upload_encoding") or None,
        scheme=st.session_state.get("upload_scheme") or None,
        layer=(st.session_state.get("upload_layer_name") or "").strip() or None,
        column_map=parse_column_map(st.session_state.get("upload_column_map") or ""),
        year=st.session_state.get("upload_year"),
    )


def upload_layer(
    kind: str, filename: str, content: bytes, options: UploadOptions, *, folder: Path
) -> StagedLayer:
    """Stage an uploaded file as ``kind`` (the catalog is left as it is); raises AtlasError."""
    return stage_upload(kind, filename, content, options, folder=folder, catalog=open_catalog())


def on_upload(kind: str) -> None:
    """Callback of the uploader and of the read options: (re)stage the file now in the uploader."""
    errors: dict[str, str] = st.session_state.setdefault(UPLOAD_ERRORS, {})
    errors.pop(kind, None)
    upload = st.session_state.get(f"upload_{kind}")
    if upload is None:
        return
    try:
        staged = upload_layer(kind, upload.name, upload.getvalue(), _upload_options(), folder=_session_dir())
    except AtlasError as exc:
        errors[kind] = str(exc)
        return
    _forget_staged(kind)
    staged_layers()[kind] = staged


def on_save(kind: str) -> None:
    """Commit this session's staged ``kind`` as the signed-in user, with the note the review asked for.
    A district officer's file is cut to their districts and merged into the city layer by the catalog."""
    lang = st.session_state.get("lang", "zh")
    staged = staged_layers().get(kind)
    if staged is None or not ready_to_save(kind):  # the button is disabled until then; a stale click
        return
    note = str(st.session_state.get(note_key(kind)) or "")
    try:
        entry = open_catalog().commit(staged, user=current_user(), note=note)
    except AtlasError as exc:
        _flash("error", t("error", lang, message=plain(str(exc))))
        return
    _forget_staged(kind)
    st.session_state[confirm_key(kind)] = False
    st.session_state[note_key(kind)] = ""
    _flash("success", t("saved", lang, kind=kind, version=entry.version))


def on_discard(kind: str) -> None:
    _forget_staged(kind)
    st.session_state.get(UPLOAD_ERRORS, {}).pop(kind, None)
    _flash("info", t("discarded", st.session_state.get("lang", "zh"), kind=kind))


def _change_note(kind: str) -> str:
    """The note of a rollback, removal or restore of ``kind``; the form is reset for the next change."""
    note = str(st.session_state.get(f"{CHANGE_NOTE}{kind}") or "")
    st.session_state[f"{CHANGE_NOTE}{kind}"] = ""
    st.session_state[f"confirm_{kind}"] = False
    return note


def on_catalog_change(kind: str, action: str) -> None:
    """Roll back or remove (soft) ``kind`` as the signed-in user; the catalog checks the role."""
    lang = st.session_state.get("lang", "zh")
    note = _change_note(kind)
    catalog = open_catalog()
    try:
        if action == "rollback":
            entry = catalog.rollback(kind, user=current_user(), note=note)
            _flash("success", t("rolled_back", lang, kind=kind, version=entry.version))
        else:
            removed = catalog.remove(kind, user=current_user(), note=note)
            _flash("success", t("removed", lang, kind=kind, n=len(removed)))
    except AtlasError as exc:
        _flash("error", t("error", lang, message=plain(str(exc))))


def on_restore(kind: str) -> None:
    """Bring back the removed version of ``kind`` chosen on the page, as the signed-in user."""
    lang = st.session_state.get("lang", "zh")
    version = st.session_state.get(f"restore_version_{kind}")
    note = _change_note(kind)
    if version is None:
        return
    try:
        entry = open_catalog().restore(kind, int(version), user=current_user(), note=note)
    except AtlasError as exc:
        _flash("error", t("error", lang, message=plain(str(exc))))
        return
    _flash("success", t("restored", lang, kind=kind, version=entry.version))
