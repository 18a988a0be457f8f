"""What every catalog backend answers: :class:`CatalogBackend`, and :func:`open_catalog` to pick one.

The app and the CLI hold a catalog through this interface only, so the GeoPackage folder
(:class:`layers.catalog.folder.Catalog`, the embedded default) and a shared PostgreSQL/PostGIS database
(``layers.catalog.postgis.PostgisCatalog``, chosen by a ``postgresql://`` location) are interchangeable.

What a backend promises, whichever it is:

- **Reading.** ``list`` gives the current version of each kind, ``history`` every version of a kind
  (removed ones too, with ``removed`` set), ``entry``/``get`` one version (the current one by default).
  ``get`` of an explicit version works even after that version was removed, so a reader holding it (an
  open app session) keeps working; the current version is never a removed one.
- **Staging** (``stage``) reads and validates a file without touching the catalog
  (:func:`layers.catalog.staging.stage_layer`, shared by every backend).
- **Changing** (``commit``, ``add``, ``rollback``, ``remove``, ``restore``) takes the acting
  :class:`~layers.catalog.roles.User` (keyword ``user``, no default) and a ``note`` saying why. Before
  anything is written the backend asks :mod:`layers.catalog.roles` (``scope_of_commit`` for a commit,
  ``require_steward`` for the rest), which raises :class:`~layers.catalog.roles.CatalogPermissionError`.
  A commit scoped to districts (a district officer's, or a steward's with ``districts=``) is clipped and
  merged into the current city layer by :func:`layers.catalog.district_scope.merge_into_city`, under the
  backend's write lock (or transaction), so two officers saving at once never lose each other's change.
- **Auditing.** Every change appends an :class:`~layers.catalog.audit.AuditEvent` in the same atomic step
  as the change (``trail`` reads them back, oldest first); ``remove`` is a soft delete (the version is
  marked removed and its data kept) and ``restore`` undoes it. Nothing erases a version or an event.
- **Atomicity.** A change is all or nothing: a failed commit leaves the catalog as it was, and
  concurrent changes from several processes queue rather than race.

``CatalogEntry`` and ``StagedLayer`` (:mod:`layers.catalog.entries`) are the records both backends hand
out; ``location`` names the catalog in messages (a folder, or a database URL without its password).
"""

from __future__ import annotations

import builtins
import importlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.sources import LandSurveySource, LayerKind, RasterSource, VectorSource
from wuxi_atlas.layers.catalog.audit import AuditEvent
from wuxi_atlas.layers.catalog.entries import CatalogEntry, StagedLayer
from wuxi_atlas.layers.catalog.roles import User

__all__ = ["DATABASE_SCHEMES", "CatalogBackend", "is_database_url", "open_catalog"]

#: URL schemes that name a PostgreSQL/PostGIS catalog rather than a folder.
DATABASE_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


@runtime_checkable
class CatalogBackend(Protocol):
    """A layer catalog: every version of every kind, its provenance, and who changed what (see the
    module docstring for the promises behind each method)."""

    @property
    def location(self) -> str:
        """The catalog as messages name it: its folder, or its database URL without the password."""
        ...

    def kinds(self) -> builtins.list[LayerKind]:
        """The kinds that have a current version, in :data:`~analysis.sources.LAYER_KINDS` order."""
        ...

    def __contains__(self, kind: object) -> bool: ...

    def list(self) -> builtins.list[CatalogEntry]:
        """The current version of every kind."""
        ...

    def history(self, kind: str) -> builtins.list[CatalogEntry]:
        """Every version of ``kind``, oldest first, removed ones included (``removed`` set)."""
        ...

    def trail(self, kind: str | None = None) -> builtins.list[AuditEvent]:
        """Every change to ``kind`` (or to any kind), oldest first."""
        ...

    def entry(self, kind: str, version: int | None = None) -> CatalogEntry:
        """The current version of ``kind`` (or ``version``, even a removed one); :class:`LayerError`
        when there is none."""
        ...

    def path(self, kind: str, version: int | None = None) -> Path:
        """The stored file of a version: a land-cover COG on every backend; a vector version's file
        where the backend keeps files (else :class:`LayerError`)."""
        ...

    def get(self, kind: str, version: int | None = None) -> VectorSource | RasterSource | LandSurveySource:
        """A version (the current one by default, or ``version`` even if removed) read back with its
        provenance."""
        ...

    def stage(
        self, kind: str, path: str | Path, *, year: int | None = None, **read_options: Any
    ) -> StagedLayer:
        """Read and validate a file as ``kind`` without touching the catalog."""
        ...

    def commit(
        self, staged: StagedLayer, *, user: User, note: str = "", districts: Iterable[str] | None = None
    ) -> CatalogEntry:
        """Store ``staged`` as the new current version, as ``user`` (see :func:`~layers.catalog.roles.
        scope_of_commit`); a district-scoped commit is merged into the city layer."""
        ...

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
        """``stage`` then ``commit``."""
        ...

    def rollback(self, kind: str, *, user: User, note: str = "") -> CatalogEntry:
        """Make the latest non-removed version before the current one current again (data steward)."""
        ...

    def remove(
        self, kind: str, version: int | None = None, *, user: User, note: str = ""
    ) -> builtins.list[CatalogEntry]:
        """Soft-delete every live version of ``kind`` (or ``version``) (data steward); the current one
        becomes the latest live version left, or none."""
        ...

    def restore(self, kind: str, version: int, *, user: User, note: str = "") -> CatalogEntry:
        """Bring a removed version back (data steward); it is current again when it was current when
        removed or when the kind has no current version."""
        ...


def is_database_url(location: object) -> bool:
    """Whether ``location`` names a database (``postgresql://…``) rather than a folder."""
    return isinstance(location, str) and location.strip().lower().startswith(DATABASE_SCHEMES)


def open_catalog(location: str | Path | None = None) -> CatalogBackend:
    """The catalog at ``location``: a ``postgresql://`` URL opens the PostGIS backend, anything else is a
    folder. Without a location: ``$GEOPLAN_CATALOG_URL``, else the default folder
    (:func:`layers.catalog.folder.catalog_dir`)."""
    if location is None:
        location = os.environ.get("GEOPLAN_CATALOG_URL", "").strip() or None
    if location is not None and is_database_url(str(location)):
        try:
            postgis = importlib.import_module("wuxi_atlas.layers.catalog.postgis")
        except ImportError as exc:
            raise LayerError(
                f"a PostGIS catalog needs the PostgreSQL driver ({exc}); install the atlas with its "
                "postgis extra"
            ) from exc
        backend: CatalogBackend = postgis.PostgisCatalog(str(location))
        return backend
    from wuxi_atlas.layers.catalog.folder import Catalog

    return Catalog(location)
