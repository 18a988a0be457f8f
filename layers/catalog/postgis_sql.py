"""The PostGIS catalog's statements, each run inside the caller's transaction: a kind's row locked and
its next version reserved, a version recorded, made current (with the kind's view moved to its table),
marked removed or restored, an audit event appended, and a version's table made read-only.

:class:`~layers.catalog.postgis.PostgisCatalog` decides what to do (with :mod:`layers.catalog.changes`
and :mod:`layers.catalog.roles`); these functions only say it in SQL. Schema names come from
:func:`~layers.catalog.postgis_store.parse_address` (checked) and table names are built from a kind,
and both are passed as identifiers, never pasted into text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from wuxi_atlas.layers.catalog.audit import AuditEvent
from wuxi_atlas.layers.catalog.entries import CatalogEntry

__all__ = [
    "VERSION_COLUMNS",
    "append_event",
    "lock_kind",
    "mark_removed",
    "protect_table",
    "record_version",
    "set_current",
]

#: What a version row is read as: (record, version, storage, location, removed, current version).
VERSION_COLUMNS = "v.record, v.version, v.storage, v.location, v.removed_at IS NOT NULL, k.current_version"


def _name(schema: str, name: str) -> Any:
    from psycopg import sql

    return sql.Identifier(schema, name)


def _timestamp(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))


def lock_kind(connection: Any, schema: str, kind: str) -> tuple[int, int | None]:
    """Lock the kind's row until the transaction ends (changes to one kind queue; readers are never
    blocked) and return its next version number and its current version."""
    from psycopg import sql

    kinds = _name(schema, "catalog_kinds")
    connection.execute(
        sql.SQL("INSERT INTO {} (kind) VALUES (%s) ON CONFLICT (kind) DO NOTHING").format(kinds), (kind,)
    )
    row = connection.execute(
        sql.SQL("SELECT next_version, current_version FROM {} WHERE kind = %s FOR UPDATE").format(kinds),
        (kind,),
    ).fetchone()
    return int(row[0]), row[1]


def record_version(
    connection: Any, schema: str, entry: CatalogEntry, storage: str, location: str, extra: Mapping[str, Any]
) -> None:
    """Insert a version's row (its provenance as the entry's record, plus how it is stored) and move
    the kind's next version number past it."""
    from psycopg import sql

    record = {k: v for k, v in entry.to_record().items() if k not in ("current", "removed")} | dict(extra)
    connection.execute(
        sql.SQL(
            "INSERT INTO {} (kind, version, storage, location, record, imported_at, imported_by, note) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        ).format(_name(schema, "catalog_versions")),
        (
            entry.kind,
            entry.version,
            storage,
            location,
            json.dumps(record, ensure_ascii=False),
            _timestamp(entry.imported_at),
            entry.committed_by,
            entry.note,
        ),
    )
    connection.execute(
        sql.SQL("UPDATE {} SET next_version = %s WHERE kind = %s").format(_name(schema, "catalog_kinds")),
        (entry.version + 1, entry.kind),
    )


def set_current(connection: Any, schema: str, kind: str, version: int | None) -> None:
    """Make ``version`` (None: none) the kind's current one, and point the kind's view (what QGIS opens
    as ``<schema>.<kind>``) at its table; a raster or no version leaves no view."""
    from psycopg import sql

    connection.execute(
        sql.SQL("UPDATE {} SET current_version = %s WHERE kind = %s").format(_name(schema, "catalog_kinds")),
        (version, kind),
    )
    connection.execute(sql.SQL("DROP VIEW IF EXISTS {}").format(_name(schema, kind)))
    if version is None:
        return
    row = connection.execute(
        sql.SQL("SELECT storage, location FROM {} WHERE kind = %s AND version = %s").format(
            _name(schema, "catalog_versions")
        ),
        (kind, version),
    ).fetchone()
    if row is None or row[0] != "table":
        return
    connection.execute(
        sql.SQL("CREATE VIEW {} AS SELECT * FROM {}").format(_name(schema, kind), _name(schema, row[1]))
    )
    connection.execute(
        sql.SQL("COMMENT ON VIEW {} IS {}").format(
            _name(schema, kind),
            sql.Literal(f"geoplan: the current version of {kind} (v{version}, table {row[1]})"),
        )
    )


def mark_removed(connection: Any, schema: str, kind: str, versions: list[int], by: str | None) -> None:
    """Mark versions removed (``by``: who) or, with ``by`` None, restore them; nothing is deleted."""
    from psycopg import sql

    if by is None:
        statement = "UPDATE {} SET removed_at = NULL, removed_by = NULL WHERE kind = %s AND version = ANY(%s)"
        connection.execute(sql.SQL(statement).format(_name(schema, "catalog_versions")), (kind, versions))
        return
    statement = "UPDATE {} SET removed_at = now(), removed_by = %s WHERE kind = %s AND version = ANY(%s)"
    connection.execute(sql.SQL(statement).format(_name(schema, "catalog_versions")), (by, kind, versions))


def append_event(connection: Any, schema: str, event: AuditEvent) -> None:
    """Append one event to the audit trail, in the change's own transaction."""
    from psycopg import sql

    connection.execute(
        sql.SQL(
            "INSERT INTO {} (at, actor, role, action, kind, version, original_name, sha256, note, event) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        ).format(_name(schema, "catalog_audit")),
        (
            _timestamp(event.at),
            event.user,
            event.role,
            event.action,
            event.kind,
            event.version,
            event.original_name,
            event.sha256,
            event.note,
            json.dumps(event.to_record(), ensure_ascii=False),
        ),
    )


def protect_table(connection: Any, schema: str, table: str, entry: CatalogEntry) -> None:
    """Make a version's table refuse edits (a version never changes; QGIS users edit nothing by
    mistake) and describe it, for QGIS's browser, with its provenance."""
    from psycopg import sql

    refuse = _name(schema, "refuse_version_edit")
    connection.execute(
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'a geoplan catalog version is never edited: import a new version instead'; "
            "END $$"
        ).format(refuse)
    )
    connection.execute(
        sql.SQL(
            "CREATE TRIGGER refuse_edit BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {} "
            "FOR EACH STATEMENT EXECUTE FUNCTION {}()"
        ).format(_name(schema, table), refuse)
    )
    year = entry.year if entry.year is not None else "unknown"
    text = (
        f"geoplan: {entry.kind} v{entry.version} from {entry.original_name} (sha256 {entry.sha256[:12]}, "
        f"saved {entry.imported_at} by {entry.committed_by or 'unknown'}, year {year}"
        + (", synthetic" if entry.synthetic else "")
        + ")"
    )
    connection.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(_name(schema, table), sql.Literal(text)))
