"""A GeoPackage folder catalog moved into a PostGIS catalog, keeping everything: every version of every
kind under its own number (removed ones too, still removed), its provenance (who saved it, when, from
which file, why), the current version of each kind, and the audit trail, event for event.

``geoplan layers migrate --from FOLDER --to postgresql://…`` runs :func:`migrate`. The whole migration
is one transaction: land-cover rasters are copied into the target's raster folder first (and removed
again if anything fails), then every table, version row and audit event is written and committed at
once, so the target holds the whole catalog or nothing. Kinds the target already holds are refused
before anything is written (a migration never merges two histories). The folder is only read.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from wuxi_atlas.analysis.errors import LayerError, LayerWriteError
from wuxi_atlas.analysis.sources import LAYER_KINDS, LandSurveySource, VectorSource
from wuxi_atlas.layers.catalog import postgis_sql as sql_steps
from wuxi_atlas.layers.catalog.disk import TMP_PREFIX, fsync_file, undo
from wuxi_atlas.layers.catalog.entries import CatalogEntry
from wuxi_atlas.layers.catalog.folder import Catalog
from wuxi_atlas.layers.catalog.postgis import PostgisCatalog, publish_raster
from wuxi_atlas.layers.catalog.postgis_store import connected, ensure_tables, set_setting, setting
from wuxi_atlas.layers.catalog.postgis_tables import column_map, write_table

__all__ = ["MigrationReport", "migrate"]


@dataclass(frozen=True)
class MigrationReport:
    """What a migration moved: per kind, its versions, how many of them are removed, its current
    version, and how many audit events came with it."""

    kinds: tuple[tuple[str, int, int, int | None, int], ...]

    def lines(self) -> list[str]:
        return [
            f"{kind}: {versions} version(s)"
            + (f", {removed} removed" if removed else "")
            + (f", current v{current}" if current is not None else ", none current")
            + f", {events} audit event(s)"
            for kind, versions, removed, current, events in self.kinds
        ]


def _copy_raster(source: Path, root: Path, kind: str, version: int, created: list[Path]) -> tuple[Path, Path]:
    """Copy a version's COG into the target's raster folder under a temporary name (every folder and
    file made is added to ``created``, to be undone on failure)."""
    folder = root / "rasters" / kind
    for directory in (root, root / "rasters", folder):
        if not directory.exists():
            directory.mkdir()
            created.append(directory)
    temporary = folder / f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}.tif"
    shutil.copyfile(source, temporary)
    fsync_file(temporary)
    return temporary, folder / f"v{version:04d}.tif"


def migrate(
    source: Catalog, target: PostgisCatalog, progress: Callable[[str], None] = lambda _line: None
) -> MigrationReport:
    """Copy every version and event of the folder catalog ``source`` into ``target`` (see the module
    docstring); ``progress`` hears one line per version copied."""
    kinds = [kind for kind in LAYER_KINDS if source.history(kind)]
    if not kinds:
        raise LayerError(f"catalog {source.location} holds no layer to migrate")
    taken = [kind for kind in kinds if target.history(kind)]
    if taken:
        raise LayerError(
            f"catalog {target.location} already holds {', '.join(taken)}; a migration goes into a catalog "
            "that holds none of the kinds it brings (histories are never merged)"
        )
    created: list[Path] = []
    report: list[tuple[str, int, int, int | None, int]] = []
    schema = target.schema
    try:
        with connected(target.address, writing=True) as connection:
            ensure_tables(connection, schema)
            root = target._raster_root(connection)
            for kind in kinds:
                entries = source.history(kind)
                for entry in entries:
                    progress(f"{kind} v{entry.version}: {entry.original_name}")
                    sql_steps.lock_kind(connection, schema, kind)
                    if entry.file.endswith((".tif", ".tiff")):
                        if root is None:
                            raise LayerWriteError(
                                f"catalog {target.location}: land-cover rasters go to a shared folder; give "
                                "it with ?rasters=/shared/folder in the address"
                            )
                        if setting(connection, schema, "rasters") is None:
                            set_setting(connection, schema, "rasters", str(root))
                        temporary, final = _copy_raster(
                            source.path(kind, entry.version), root, kind, entry.version, created
                        )
                        created += [temporary, final]
                        publish_raster(temporary, final)
                        stored = dataclasses.replace(entry, file=final.relative_to(root).as_posix())
                        sql_steps.record_version(connection, schema, stored, "raster", stored.file, {})
                        continue
                    layer = cast(VectorSource | LandSurveySource, source.get(kind, entry.version))
                    srid = 4549 if isinstance(layer, LandSurveySource) else 4326
                    columns = column_map(layer.frame)
                    table = f"{kind}_v{entry.version:04d}"
                    stored = dataclasses.replace(entry, file=f"{schema}.{table}")
                    write_table(connection, schema, table, layer.frame, srid, columns)
                    sql_steps.protect_table(connection, schema, table, stored)
                    sql_steps.record_version(
                        connection, schema, stored, "table", table, {"columns": columns, "srid": srid}
                    )
                _finish_kind(connection, schema, kind, entries, source, report)
            set_setting(connection, schema, "migrated_from", source.location)
    except BaseException:
        undo(created)
        raise
    return MigrationReport(tuple(report))


def _finish_kind(
    connection: object,
    schema: str,
    kind: str,
    entries: list[CatalogEntry],
    source: Catalog,
    report: list[tuple[str, int, int, int | None, int]],
) -> None:
    """The kind's removed versions marked, its current version set, its audit trail copied."""
    events = source.trail(kind)
    removed = [e.version for e in entries if e.removed]
    for version in removed:  # marked by whoever removed it last, as the trail says
        by = [event.user for event in events if event.action == "remove" and event.version == version]
        sql_steps.mark_removed(connection, schema, kind, [version], by[-1] if by else "")
    current = next((e.version for e in entries if e.current), None)
    sql_steps.set_current(connection, schema, kind, current)
    for event in events:
        sql_steps.append_event(connection, schema, event)
    report.append((kind, len(entries), len(removed), current, len(events)))
