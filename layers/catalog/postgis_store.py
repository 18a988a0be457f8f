"""The PostGIS catalog's footing: its address, its connection, its tables, and database errors turned
into the atlas's own.

A catalog address is a libpq URL, ``postgresql://user[:password]@host[:port]/database``, with two
parameters of the atlas's own, removed before libpq sees the URL:

- ``schema`` (default ``geoplan``): the schema holding the catalog's tables and the layers;
- ``rasters``: the folder where land-cover rasters are stored as COGs (a shared path every app server
  and analyst mounts); recorded in the database on first use, so the other clients need not repeat it.

Every other parameter (``sslmode``, ``connect_timeout`` …) goes to libpq as it is; a password is better
kept in ``~/.pgpass`` or ``$PGPASSWORD`` than in the URL. Messages show the address without its password
(:func:`redacted`).

The catalog's own tables, in the schema::

    catalog_settings (key, value)                   format, the raster folder, the catalog's id
    catalog_kinds    (kind, current_version, next_version)          one row per kind; locked per import
    catalog_versions (kind, version, storage, location, record, imported_at, imported_by, note,
                      removed_at, removed_by)       every version; a removed one is only marked
    catalog_audit    (id, at, actor, role, action, kind, version, original_name, sha256, note,
                      event)                        the audit trail; rows are only ever added

and one table per vector version (``stations_v0003``), with a view per kind (``stations``) on the
current version: see :mod:`layers.catalog.postgis`.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wuxi_atlas.analysis.errors import LayerError, LayerReadError, LayerWriteError

__all__ = ["FORMAT", "CatalogAddress", "is_database_url", "parse_address", "redacted"]

FORMAT = "geoplan-catalog/1"
_SCHEMES = ("postgresql://", "postgres://")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
#: Serialises creating the catalog's tables by several first clients at once.
_SCHEMA_LOCK = 0x6765_6F70  # "geop"

_DDL = """
CREATE TABLE IF NOT EXISTS {schema}.catalog_settings (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS {schema}.catalog_kinds (
    kind text PRIMARY KEY,
    current_version integer,
    next_version integer NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS {schema}.catalog_versions (
    kind text NOT NULL REFERENCES {schema}.catalog_kinds (kind),
    version integer NOT NULL CHECK (version >= 1),
    storage text NOT NULL CHECK (storage IN ('table', 'raster')),
    location text NOT NULL,
    record jsonb NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    imported_by text NOT NULL DEFAULT '',
    note text NOT NULL DEFAULT '',
    removed_at timestamptz,
    removed_by text,
    PRIMARY KEY (kind, version)
);
CREATE TABLE IF NOT EXISTS {schema}.catalog_audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    actor text NOT NULL,
    role text NOT NULL,
    action text NOT NULL CHECK (action IN ('commit', 'rollback', 'remove', 'restore')),
    kind text NOT NULL,
    version integer NOT NULL,
    original_name text NOT NULL DEFAULT '',
    sha256 text NOT NULL DEFAULT '',
    note text NOT NULL DEFAULT '',
    event jsonb NOT NULL
);
COMMENT ON TABLE {schema}.catalog_versions IS
    'geoplan layer catalog: every version of every layer kind, with its provenance (record)';
COMMENT ON TABLE {schema}.catalog_audit IS
    'geoplan layer catalog: who changed what, when, from which file and why';
"""


def is_database_url(location: object) -> bool:
    """Whether a ``--catalog`` value names a PostgreSQL database rather than a folder."""
    return isinstance(location, str) and location.strip().lower().startswith(_SCHEMES)


def redacted(url: str) -> str:
    """``url`` without its password, for messages and listings."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class CatalogAddress:
    """A parsed catalog address: the libpq URL, the schema, and the raster folder if given."""

    url: str
    schema: str = "geoplan"
    rasters: Path | None = None

    @property
    def shown(self) -> str:
        return redacted(self.url) + (f" (schema {self.schema})" if self.schema != "geoplan" else "")


def parse_address(location: str) -> CatalogAddress:
    """Split the atlas's own parameters (``schema``, ``rasters``) off a catalog URL."""
    parts = urlsplit(location.strip())
    ours: dict[str, str] = {}
    theirs: list[tuple[str, str]] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        (ours.__setitem__(key, value) if key in ("schema", "rasters") else theirs.append((key, value)))
    schema = ours.get("schema", "geoplan") or "geoplan"
    if not _IDENTIFIER.match(schema):
        raise LayerError(
            f"catalog {redacted(location)}: schema={schema!r} is not a plain lower-case SQL name "
            "(letters, digits and _)"
        )
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(theirs), parts.fragment))
    configured = ours.get("rasters") or os.environ.get("GEOPLAN_CATALOG_RASTERS", "").strip()
    return CatalogAddress(url, schema, Path(configured).expanduser() if configured else None)


def _driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise LayerError(
            "a PostgreSQL catalog needs psycopg: pip install 'wuxi-carbon-peak-atlas[postgis]' "
            '(or pip install "psycopg[binary]>=3.1")'
        ) from None
    return psycopg


@contextlib.contextmanager
def connected(address: CatalogAddress, *, writing: bool) -> Iterator[Any]:
    """A connection in a transaction, committed when the block ends and rolled back when it raises;
    every database error comes out as :class:`LayerReadError` (reading) or :class:`LayerWriteError`
    (changing) naming the catalog, never as a psycopg traceback."""
    psycopg = _driver()
    failure = LayerWriteError if writing else LayerReadError
    try:
        connection = psycopg.connect(address.url, connect_timeout=10, application_name="geoplan")
    except psycopg.Error as exc:
        raise failure(f"cannot connect to the catalog {address.shown}: {_first_line(exc)}") from exc
    try:
        with connection, connection.transaction():
            yield connection
    except psycopg.Error as exc:
        what = "change" if writing else "read"
        raise failure(
            f"cannot {what} the catalog {address.shown}: {_first_line(exc)}"
            + ("; the catalog is as it was" if writing else "")
        ) from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def has_tables(connection: Any, schema: str) -> bool:
    """Whether the catalog's tables exist (a database nobody has imported into yet has none)."""
    found = connection.execute(
        "SELECT to_regclass(%s) IS NOT NULL", (f"{schema}.catalog_versions",)
    ).fetchone()
    return bool(found and found[0])


def ensure_tables(connection: Any, schema: str) -> None:
    """Create the schema and the catalog's tables if missing (PostGIS must be installed), and check the
    format of a catalog that exists; in the caller's transaction."""
    from psycopg import sql

    connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
    if not has_tables(connection, schema):
        postgis = connection.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
        if postgis is None:
            try:
                with connection.transaction():
                    connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            except Exception as exc:
                raise LayerWriteError(
                    "the database has no PostGIS, and this user cannot create it: ask its administrator "
                    f"for CREATE EXTENSION postgis ({_first_line(exc)})"
                ) from exc
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        connection.execute(_DDL.format(schema=schema))  # schema checked by parse_address
        connection.execute(
            sql.SQL(
                "INSERT INTO {} (key, value) VALUES ('format', %s), ('id', gen_random_uuid()::text)"
            ).format(sql.Identifier(schema, "catalog_settings")),
            (FORMAT,),
        )
    check_format(connection, schema)


def check_format(connection: Any, schema: str) -> None:
    """Refuse a schema whose tables some other program (or a newer atlas) wrote."""
    from psycopg import sql

    row = connection.execute(
        sql.SQL("SELECT value FROM {} WHERE key = 'format'").format(
            sql.Identifier(schema, "catalog_settings")
        )
    ).fetchone()
    if row is None or row[0] != FORMAT:
        raise LayerReadError(
            f"schema {schema} holds catalog tables of format {row[0] if row else 'unknown'!r}, not {FORMAT}; "
            "is this the right database and schema?"
        )


def setting(connection: Any, schema: str, key: str) -> str | None:
    from psycopg import sql

    row = connection.execute(
        sql.SQL("SELECT value FROM {} WHERE key = %s").format(sql.Identifier(schema, "catalog_settings")),
        (key,),
    ).fetchone()
    return None if row is None else str(row[0])


def set_setting(connection: Any, schema: str, key: str, value: str) -> None:
    from psycopg import sql

    connection.execute(
        sql.SQL(
            "INSERT INTO {} (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
        ).format(sql.Identifier(schema, "catalog_settings")),
        (key, value),
    )
