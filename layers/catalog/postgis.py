"""The PostGIS catalog: the same catalog as :class:`~layers.catalog.folder.Catalog`, shared by several
app servers, the CLI on analysts' machines and the bureau's QGIS, in a PostgreSQL/PostGIS database.

``--catalog postgresql://user@host/db`` (or ``$GEOPLAN_CATALOG_URL``) selects it; the address and its
``schema``/``rasters`` parameters are described in :mod:`layers.catalog.postgis_store`.

**One table per layer version, and a view per kind on the current one.** ``geoplan.stations_v0003``
holds version 3 of the stations exactly as it was imported: the file's own columns, typed, under their
own names, and the geometry in EPSG:4326 (a land survey's parcels in EPSG:4549); ``geoplan.stations``
is a view on the current version. Chosen over one table per kind with a version column because:

- a version's columns are the file's (extra columns are kept, and differ between imports); one table
  per kind would have to push them into a ``jsonb`` column that QGIS shows as one opaque field;
- QGIS users open the view ``stations`` and always see the current version, with one geometry type and
  a spatial index, or any older version by its table; no filter to set, no other version's rows
  scanned;
- a version is immutable: a trigger refuses edits to its table, so what a board was computed from can
  be read again, and each client may keep a local copy of a version it has read
  (:mod:`layers.catalog.postgis_copies`); a removed version is only marked, its table kept.

**One transaction per change.** An import creates the version's table, copies the rows into it,
counts them, records the version and its provenance, moves the view and writes the audit record in one
transaction: a failure anywhere, a killed client or a lost connection leaves no trace (PostgreSQL's DDL
is transactional). Imports of one kind queue on that kind's row (``SELECT … FOR UPDATE``), so two
processes importing at once get versions n and n+1; readers are never blocked.

**Land-cover rasters stay files**: a COG in ``<rasters>/rasters/landcover/v0001.tif``, the folder named by
the address's ``rasters`` parameter (a shared path), referenced from ``catalog_versions``. The file is
written and checked before the transaction and renamed into place inside it; a failure removes it.
"""

from __future__ import annotations

import builtins
import dataclasses
import os
import uuid
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any, cast

from wuxi_atlas.analysis.errors import LayerReadError, LayerWriteError, printable
from wuxi_atlas.analysis.sources import LAYER_KINDS, LandSurveySource, LayerKind, RasterSource, VectorSource
from wuxi_atlas.layers.catalog import postgis_sql as sql_steps
from wuxi_atlas.layers.catalog.audit import Action, AuditEvent, event_for
from wuxi_atlas.layers.catalog.changes import (
    current_after_removal,
    new_entry,
    pick_version,
    removal_targets,
    restore_target,
    rollback_target,
)
from wuxi_atlas.layers.catalog.disk import TMP_PREFIX, fsync_dir, resolves_inside, sweep, undo
from wuxi_atlas.layers.catalog.district_scope import merge_into_city
from wuxi_atlas.layers.catalog.entries import CatalogEntry, StagedLayer, utc_now
from wuxi_atlas.layers.catalog.postgis_copies import copies_root, copy_name, write_copy
from wuxi_atlas.layers.catalog.postgis_sql import VERSION_COLUMNS
from wuxi_atlas.layers.catalog.postgis_store import (
    check_format,
    connected,
    ensure_tables,
    has_tables,
    parse_address,
    redacted,
    set_setting,
    setting,
)
from wuxi_atlas.layers.catalog.postgis_tables import column_map, read_table, write_table
from wuxi_atlas.layers.catalog.roles import User, require_steward, scope_of_commit
from wuxi_atlas.layers.catalog.staging import stage_layer, with_year
from wuxi_atlas.layers.catalog.stored import read_stored
from wuxi_atlas.layers.spec import get_spec

__all__ = ["PostgisCatalog"]

_MARKER = ".geoplan-catalog-id"

# The steps of a change, module attributes so that the atomicity tests can make any of them fail.
write_table = write_table
record_version = sql_steps.record_version
set_current = sql_steps.set_current
append_event = sql_steps.append_event


def publish_raster(temporary: Path, final: Path) -> None:
    """Move a written, checked raster into place (one rename in one folder)."""
    os.replace(temporary, final)
    fsync_dir(final.parent)


def _claim(root: Path, catalog_id: str, shown: str) -> None:
    """Mark the raster folder as this catalog's, and refuse one that belongs to another catalog (their
    sweeps would remove each other's files)."""
    marker = root / _MARKER
    try:
        found = marker.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        marker.write_text(catalog_id + "\n", encoding="utf-8")
        return
    if found != catalog_id:
        raise LayerWriteError(
            f"catalog {shown}: the raster folder {printable(root)} belongs to another catalog "
            f"(id {found[:8]}…); give each catalog its own raster folder"
        )


class PostgisCatalog:
    """A layer catalog in a PostgreSQL/PostGIS database, answering
    :class:`~layers.catalog.protocol.CatalogBackend` (see :mod:`layers.catalog.postgis` for the storage).

    Parameters
    ----------
    location : str
        ``postgresql://user@host:port/database[?schema=geoplan&rasters=/shared/folder]``.

    Examples
    --------
    >>> catalog = PostgisCatalog("postgresql://atlas@gis.example/atlas?rasters=/srv/atlas")  # doctest: +SKIP
    >>> catalog.add("stations", "stations.csv", user=steward, note="2024 survey").version  # doctest: +SKIP
    1
    """

    def __init__(self, location: str) -> None:
        self._given = location.strip()
        self.address = parse_address(location)
        self.schema = self.address.schema
        self._id: str | None = None

    def __repr__(self) -> str:
        return f"PostgisCatalog({self.location!r})"

    @property
    def location(self) -> str:
        """The catalog's address as given, without its password: what messages show, and what opens the
        catalog again (a password belongs in ``~/.pgpass`` or ``$PGPASSWORD``)."""
        return redacted(self._given)

    @property
    def root(self) -> Path:
        """Where this machine keeps its copies of the catalog's versions."""
        return copies_root(self._catalog_id())

    def _catalog_id(self) -> str:
        if self._id is None:
            with connected(self.address, writing=False) as connection:
                found = (
                    setting(connection, self.schema, "id") if has_tables(connection, self.schema) else None
                )
            self._id = found or "empty"
        return self._id

    # -- reading

    def _rows(self, connection: Any, kind: str) -> builtins.list[tuple[Any, ...]]:
        from psycopg import sql

        if not has_tables(connection, self.schema):
            return []
        check_format(connection, self.schema)
        query = sql.SQL(
            "SELECT " + VERSION_COLUMNS + " FROM {} v JOIN {} k USING (kind) WHERE v.kind = %s "
            "ORDER BY v.version"
        ).format(
            sql.Identifier(self.schema, "catalog_versions"), sql.Identifier(self.schema, "catalog_kinds")
        )
        return cast(builtins.list[tuple[Any, ...]], connection.execute(query, (kind,)).fetchall())

    @staticmethod
    def _entry(row: tuple[Any, ...]) -> CatalogEntry:
        record, version, _storage, _location, removed, current = row
        entry = CatalogEntry.from_record(record, current=version == current and not removed)
        return dataclasses.replace(entry, version=version, removed=bool(removed))

    def _entries(self, connection: Any, kind: str) -> builtins.list[CatalogEntry]:
        return [self._entry(row) for row in self._rows(connection, kind)]

    def kinds(self) -> builtins.list[LayerKind]:
        """The kinds that have a current version, in :data:`~analysis.sources.LAYER_KINDS` order."""
        return [entry.kind for entry in self.list()]

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds()

    def list(self) -> builtins.list[CatalogEntry]:
        """The current version of every kind in the catalog."""
        with connected(self.address, writing=False) as connection:
            found = [entry for kind in LAYER_KINDS for entry in self._entries(connection, kind)]
        return [entry for entry in found if entry.current]

    def history(self, kind: str) -> builtins.list[CatalogEntry]:
        """Every version of ``kind``, oldest first, removed ones included (``removed`` set)."""
        spec = get_spec(kind)
        with connected(self.address, writing=False) as connection:
            return self._entries(connection, spec.kind)

    def trail(self, kind: str | None = None) -> builtins.list[AuditEvent]:
        """Every change to ``kind`` (or to any kind), oldest first."""
        from psycopg import sql

        kind = get_spec(kind).kind if kind is not None else None
        with connected(self.address, writing=False) as connection:
            if not has_tables(connection, self.schema):
                return []
            rows = connection.execute(
                sql.SQL("SELECT event FROM {} WHERE %s::text IS NULL OR kind = %s ORDER BY id").format(
                    sql.Identifier(self.schema, "catalog_audit")
                ),
                (kind, kind),
            ).fetchall()
        return [AuditEvent.from_record(row[0]) for row in rows]

    def entry(self, kind: str, version: int | None = None) -> CatalogEntry:
        """The current version of ``kind`` (or ``version``, even a removed one); :class:`LayerError`
        when there is none."""
        return pick_version(self.history(kind), kind, version, self.location)

    def _raster_root(self, connection: Any) -> Path | None:
        """The raster folder: the address's (this machine's mount), else the one the catalog records."""
        if self.address.rasters is not None:
            return self.address.rasters
        if not has_tables(connection, self.schema):
            return None
        recorded = setting(connection, self.schema, "rasters")
        return Path(recorded) if recorded else None

    def _local(self, connection: Any, kind: str, version: int | None) -> tuple[CatalogEntry, Path]:
        """A version's entry (its ``file`` the local one) and a local file holding it: the raster itself,
        or this machine's copy of the version's table, written on first use."""
        spec = get_spec(kind)
        rows = self._rows(connection, spec.kind)
        entry = pick_version([self._entry(row) for row in rows], spec.kind, version, self.location)
        record, _version, storage, location, _removed, _current = next(
            row for row in rows if row[1] == entry.version
        )
        if storage == "raster":
            root = self._raster_root(connection)
            path = (root or Path(".")) / location
            outside = PurePosixPath(location).is_absolute() or not resolves_inside(
                (root or path).resolve(), path
            )
            if root is None or outside:
                raise LayerReadError(
                    f"catalog {self.location}: {entry.kind} v{entry.version} is the raster file "
                    f"{printable(location)}, not inside the catalog's raster folder "
                    f"{printable(root) if root else '(none recorded: add ?rasters=FOLDER to the address)'}"
                )
            return entry, path
        survey = entry.kind == "landcover"
        name = copy_name(entry, survey)
        copy = copies_root(self._catalog_id()) / name
        if not copy.is_file():
            frame = read_table(connection, self.schema, location, record["columns"], int(record["srid"]))
            write_copy(frame, entry, copy, survey)
        return dataclasses.replace(entry, file=name), copy

    def path(self, kind: str, version: int | None = None) -> Path:
        """A local file of the current version of ``kind`` (or of ``version``): the stored raster, or this
        machine's copy of the version's table."""
        with connected(self.address, writing=False) as connection:
            return self._local(connection, kind, version)[1]

    def get(self, kind: str, version: int | None = None) -> VectorSource | RasterSource | LandSurveySource:
        """A version (the current one by default, or ``version`` even if removed) read back with its
        provenance and checked by the kind's reader, as the folder backend does."""
        with connected(self.address, writing=False) as connection:
            entry, local = self._local(connection, kind, version)
        return read_stored(entry, local)

    # -- changing

    def stage(
        self, kind: str, path: str | Path, *, year: int | None = None, **read_options: Any
    ) -> StagedLayer:
        """Read and validate a file as ``kind`` without touching the catalog (see :func:`stage_layer`)."""
        return with_year(stage_layer(kind, path, **read_options), year)

    def add(
        self,
        kind: str,
        path: str | Path,
        *,
        user: User,
        note: str = "",
        year: int | None = None,
        districts: Iterable[str] | None = None,
        **read_options: Any,
    ) -> CatalogEntry:
        """``stage`` then ``commit``: the file as the new current version of ``kind``."""
        scope_of_commit(user, get_spec(kind).kind, districts, self.location)  # refused before any reading
        return self.commit(
            self.stage(kind, path, year=year, **read_options), user=user, note=note, districts=districts
        )

    def commit(
        self, staged: StagedLayer, *, user: User, note: str = "", districts: Iterable[str] | None = None
    ) -> CatalogEntry:
        """Store ``staged`` as the new current version of its kind, as ``user``, in one transaction (see
        the module docstring); on any failure the catalog is exactly as it was. A save scoped to districts
        (a district officer's) is clipped and merged into the current city layer inside the transaction,
        with the kind's row locked, so two officers saving at once both keep their change."""
        scope = scope_of_commit(user, staged.kind, districts, self.location)
        if isinstance(staged.source, RasterSource):
            return self._commit_raster(staged, new_entry(staged, user, note, scope), user)
        with connected(self.address, writing=True) as connection:
            ensure_tables(connection, self.schema)
            version, previous = sql_steps.lock_kind(connection, self.schema, staged.kind)
            if scope:
                staged = self._merged(connection, staged, previous, scope, user)
            entry = new_entry(staged, user, note, scope)
            source = cast(VectorSource | LandSurveySource, staged.source)
            srid = 4549 if isinstance(source, LandSurveySource) else 4326
            columns = column_map(source.frame)
            table = f"{staged.kind}_v{version:04d}"
            entry = dataclasses.replace(entry, version=version, file=f"{self.schema}.{table}")
            write_table(connection, self.schema, table, source.frame, srid, columns)
            self._check_count(connection, table, len(source.frame), staged.original_name)
            sql_steps.protect_table(connection, self.schema, table, entry)
            record_version(connection, self.schema, entry, "table", table, {"columns": columns, "srid": srid})
            set_current(connection, self.schema, staged.kind, version)
            self._event(connection, user, "commit", entry, note, previous)
        return dataclasses.replace(entry, current=True)

    def _merged(
        self, connection: Any, staged: StagedLayer, previous: int | None, scope: tuple[str, ...], user: User
    ) -> StagedLayer:
        """A district officer's save merged into the current city layer, read in this transaction."""
        from wuxi_atlas.analysis.boundaries import load_boundaries

        current = None
        if previous is not None:
            entry, local = self._local(connection, staged.kind, previous)
            current = cast(VectorSource, read_stored(entry, local))
        in_catalog = any(e.current for e in self._entries(connection, "districts"))
        if in_catalog:
            boundaries = cast(VectorSource, read_stored(*self._local(connection, "districts", None))).frame
        else:
            boundaries = load_boundaries()
        return merge_into_city(staged, current, previous, boundaries, scope, user)

    def _check_count(self, connection: Any, table: str, expected: int, name: str) -> None:
        """Count the rows the table holds: anything short of the staged layer fails the import."""
        from psycopg import sql

        stored = connection.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(self.schema, table))
        ).fetchone()[0]
        if stored != expected:
            raise LayerWriteError(f"{name}: the stored copy has {stored} features, the file {expected}")

    def _event(
        self,
        connection: Any,
        user: User,
        action: Action,
        entry: CatalogEntry,
        note: str,
        previous: int | None,
    ) -> None:
        event = event_for(
            user,
            action,
            entry.kind,
            entry.version,
            entry.imported_at if action == "commit" else utc_now(),
            note=note,
            original_name=entry.original_name,
            sha256=entry.sha256,
            previous=previous,
            scope=entry.scope if action == "commit" else (),
        )
        append_event(connection, self.schema, event)

    def _commit_raster(self, staged: StagedLayer, entry: CatalogEntry, user: User) -> CatalogEntry:
        from wuxi_atlas.layers.catalog.version_files import write_checked

        with connected(self.address, writing=True) as connection:
            ensure_tables(connection, self.schema)
            root = self._raster_root(connection)
            if root is None:
                raise LayerWriteError(
                    f"catalog {self.location}: a PostGIS catalog keeps land-cover rasters as files in a "
                    "shared folder; name it once with ?rasters=/shared/folder in the catalog address (or "
                    "$GEOPLAN_CATALOG_RASTERS)"
                )
            catalog_id = setting(connection, self.schema, "id") or ""
            if setting(connection, self.schema, "rasters") is None:
                set_setting(connection, self.schema, "rasters", str(root))
        kind_folder = root / "rasters" / staged.kind
        created: builtins.list[Path] = []
        try:
            for directory in [root, root / "rasters", kind_folder]:
                if not directory.exists():
                    directory.mkdir()
                    created.append(directory)
            _claim(root, catalog_id, self.location)
            temporary = kind_folder / f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}.tif"
            created.append(temporary)
            # Written and checked before the transaction: a long conversion holds no lock.
            write_checked(staged, temporary, entry)
            with connected(self.address, writing=True) as connection:
                version, previous = sql_steps.lock_kind(connection, self.schema, staged.kind)
                relative = f"rasters/{staged.kind}/v{version:04d}.tif"
                entry = dataclasses.replace(entry, version=version, file=relative)
                final = root / relative
                created.append(final)
                publish_raster(temporary, final)
                record_version(connection, self.schema, entry, "raster", relative, {})
                set_current(connection, self.schema, staged.kind, version)
                self._event(connection, user, "commit", entry, entry.note, previous)
                self._sweep(connection, root)
        except BaseException:
            undo(created)
            raise
        return dataclasses.replace(entry, current=True)

    def _sweep(self, connection: Any, root: Path) -> None:
        """Remove raster files no version refers to (left by a client killed mid-import)."""
        from psycopg import sql

        rows = connection.execute(
            sql.SQL("SELECT location FROM {} WHERE storage = 'raster'").format(
                sql.Identifier(self.schema, "catalog_versions")
            )
        ).fetchall()
        sweep(root, {PurePosixPath(row[0]) for row in rows})

    def _locked(self, connection: Any, kind: str) -> builtins.list[CatalogEntry]:
        """The kind's versions, its row locked for this transaction (a change waits for an import)."""
        if not has_tables(connection, self.schema):
            return []
        sql_steps.lock_kind(connection, self.schema, kind)
        return self._entries(connection, kind)

    def rollback(self, kind: str, *, user: User, note: str = "") -> CatalogEntry:
        """Make the latest live version before the current one current again (data steward)."""
        spec = get_spec(kind)
        require_steward(user, f"roll back {spec.kind}", self.location)
        with connected(self.address, writing=True) as connection:
            current, target = rollback_target(self._locked(connection, spec.kind), spec.kind, self.location)
            set_current(connection, self.schema, spec.kind, target.version)
            self._event(connection, user, "rollback", target, note, current.version)
        return dataclasses.replace(target, current=True)

    def remove(
        self, kind: str, version: int | None = None, *, user: User, note: str = ""
    ) -> builtins.list[CatalogEntry]:
        """Mark every live version of ``kind`` (or ``version``) removed (data steward): its table or
        raster stays, so a reader holding it keeps working and :meth:`restore` brings it back; the
        current version becomes the latest live one left, or none."""
        spec = get_spec(kind)
        require_steward(user, f"remove {spec.kind}", self.location)
        with connected(self.address, writing=True) as connection:
            entries = self._locked(connection, spec.kind)
            targets = removal_targets(entries, spec.kind, version, self.location)
            current = next((e.version for e in entries if e.current), None)
            after = current_after_removal(entries, targets)
            sql_steps.mark_removed(
                connection, self.schema, spec.kind, [e.version for e in targets], user.name
            )
            if after != current:
                set_current(connection, self.schema, spec.kind, after)
            for entry in targets:
                self._event(connection, user, "remove", entry, note, current)
        return [dataclasses.replace(e, removed=True, current=False) for e in targets]

    def restore(self, kind: str, version: int, *, user: User, note: str = "") -> CatalogEntry:
        """Bring a removed version back (data steward); current again when it is newer than the current
        one or the kind has none."""
        spec = get_spec(kind)
        require_steward(user, f"restore {spec.kind}", self.location)
        with connected(self.address, writing=True) as connection:
            entries = self._locked(connection, spec.kind)
            target, make_current = restore_target(entries, spec.kind, version, self.location)
            current = next((e.version for e in entries if e.current), None)
            sql_steps.mark_removed(connection, self.schema, spec.kind, [version], None)
            if make_current:
                set_current(connection, self.schema, spec.kind, version)
            self._event(connection, user, "restore", target, note, current)
        return dataclasses.replace(target, removed=False, current=make_current)
