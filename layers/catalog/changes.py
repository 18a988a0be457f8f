"""The rules of a change, the same for every backend: the new version's record, and which version a
rollback, a removal or a restore acts on and which one is current after it.

Each function takes a kind's versions as :class:`~layers.catalog.entries.CatalogEntry` records (oldest
first, ``current`` and ``removed`` set) and returns what to do, or raises :class:`LayerError` saying why
nothing can be done; the backend then applies it in one atomic step with its
:class:`~layers.catalog.audit.AuditEvent`. The role checks come first, in
:mod:`layers.catalog.roles`.
"""

from __future__ import annotations

import dataclasses

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.sources import LandSurveySource, RasterSource
from wuxi_atlas.layers.catalog.entries import CatalogEntry, StagedLayer, utc_now
from wuxi_atlas.layers.catalog.roles import User
from wuxi_atlas.layers.catalog.staging import with_year

__all__ = [
    "current_after_removal",
    "new_entry",
    "pick_version",
    "removal_targets",
    "restore_target",
    "rollback_target",
]


def new_entry(staged: StagedLayer, user: User, note: str, scope: tuple[str, ...]) -> CatalogEntry:
    """The record of ``staged`` as a new version made by ``user`` (``version`` and ``file`` are the
    backend's to fill): its provenance, its year, who saved it, why and for which districts."""
    source = staged.source
    entry = CatalogEntry(
        kind=staged.kind,
        version=0,
        file="",
        original_name=staged.original_name,
        sha256=staged.sha256,
        size_bytes=staged.size_bytes,
        imported_at=utc_now(),
        source_crs=staged.source_crs,
        conversion=staged.conversion,
        feature_count=staged.feature_count,
        notes=staged.notes,
        synthetic=staged.synthetic,
        vintage=str(source.year or "")
        if isinstance(source, RasterSource | LandSurveySource)
        else source.vintage,
        scheme=source.scheme if isinstance(source, RasterSource | LandSurveySource) else None,
        options=dict(staged.options),
        committed_by=user.name,
        committed_role=user.role.value,
        note=note.strip(),
        scope=tuple(scope),
    )
    if not staged.year_source:  # staged without the catalog (stage_layer): the year the file states
        staged = with_year(staged)
    if staged.year is not None or staged.year_source:
        entry = dataclasses.replace(
            entry, vintage=str(staged.year or ""), year=staged.year, year_source=staged.year_source
        )
    return entry


def _missing(entries: list[CatalogEntry], kind: str, version: int, where: str) -> LayerError:
    known = ", ".join(f"v{e.version}" + (" (removed)" if e.removed else "") for e in entries) or "none"
    return LayerError(f"catalog {where} has no version {version} of {kind} (stored versions: {known})")


def rollback_target(entries: list[CatalogEntry], kind: str, where: str) -> tuple[CatalogEntry, CatalogEntry]:
    """The current version and the one a rollback makes current: the latest version before it that is
    not removed."""
    current = next((e for e in entries if e.current), None)
    if current is None:
        raise LayerError(
            f"catalog {where}: {kind} has no current version to roll back from"
            + ("; restore a removed one with 'geoplan layers restore'" if entries else "")
        )
    older = [e for e in entries if e.version < current.version and not e.removed]
    if not older:
        raise LayerError(f"catalog {where}: {kind} has no version before v{current.version} to roll back to")
    return current, older[-1]


def removal_targets(
    entries: list[CatalogEntry], kind: str, version: int | None, where: str
) -> list[CatalogEntry]:
    """The versions a removal marks removed: every live one, or ``version`` (refused when it is removed
    already: the first removal's record stays the one that says who removed it and why)."""
    if version is None:
        live = [e for e in entries if not e.removed]
        if not live:
            raise LayerError(f"catalog {where} has no {kind} layer to remove")
        return live
    chosen = [e for e in entries if e.version == version]
    if not chosen:
        raise _missing(entries, kind, version, where)
    if chosen[0].removed:
        raise LayerError(
            f"catalog {where}: {kind} v{version} is removed already; 'geoplan layers restore {kind} "
            f"{version}' brings it back"
        )
    return chosen


def current_after_removal(entries: list[CatalogEntry], removed: list[CatalogEntry]) -> int | None:
    """The current version once ``removed`` are: the same one if it stays, else the latest live one
    left (None when none is)."""
    gone = {e.version for e in removed}
    current = next((e.version for e in entries if e.current), None)
    if current is not None and current not in gone:
        return current
    live = [e.version for e in entries if not e.removed and e.version not in gone]
    return live[-1] if live else None


def restore_target(
    entries: list[CatalogEntry], kind: str, version: int, where: str
) -> tuple[CatalogEntry, bool]:
    """The removed version to restore, and whether it becomes current: when the kind has no current
    version, or it is newer than the current one (restoring the version just removed undoes the
    removal; an older one comes back without replacing what is in use)."""
    chosen = [e for e in entries if e.version == version]
    if not chosen:
        raise _missing(entries, kind, version, where)
    if not chosen[0].removed:
        raise LayerError(f"catalog {where}: {kind} v{version} is not removed; there is nothing to restore")
    current = next((e for e in entries if e.current), None)
    return chosen[0], current is None or version > current.version


def pick_version(
    entries: list[CatalogEntry], kind: str, version: int | None, location: object
) -> CatalogEntry:
    """The current version of ``kind`` among ``entries`` (or ``version``, even a removed one); a
    :class:`LayerError` naming the catalog at ``location`` and the versions it holds when there is none."""
    chosen = [e for e in entries if (e.version == version if version is not None else e.current)]
    if not chosen:
        what = f"version {version} of {kind}" if version is not None else f"a {kind} layer"
        known = ", ".join(f"{e.version}" + (" (removed)" if e.removed else "") for e in entries) or "none"
        raise LayerError(
            f"catalog {location} has no {what} (stored versions: {known}); add one with "
            f"'geoplan layers add {kind} FILE'"
        )
    return chosen[0]
