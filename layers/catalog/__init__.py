"""The layer catalog: the user's own layers, every version kept, each with where it came from.

The app and the CLI both read layers from a :class:`Catalog`. A file goes in in two steps:
:meth:`Catalog.stage` reads and validates it (:func:`stage_layer`, with :func:`layers.read.read_vector`
or :func:`~layers.formats.raster.read_landcover`) without touching the catalog, so an upload can live in
one user's session; :meth:`Catalog.commit` then stores it as a new version. :meth:`Catalog.add` does
both; :func:`check_layer` stages a file only to report on it.

- :mod:`~layers.catalog.entries`: :class:`CatalogEntry` (a stored version and its provenance) and
  :class:`StagedLayer`, the same for any backend;
- :mod:`~layers.catalog.staging` and :mod:`~layers.catalog.check`: reading and validating a file, with
  no catalog involved;
- :mod:`~layers.catalog.folder`: :class:`Catalog`, the GeoPackage-folder backend, standing on
  :mod:`~layers.catalog.version_files` (one version's file written, checked, read back),
  :mod:`~layers.catalog.disk` (atomic writes, symlink-safe sweep) and :mod:`~layers.catalog.manifest`
  (the index's schema, the audit trail included).

The interface every front-end uses is :class:`~layers.catalog.protocol.CatalogBackend` (``kinds``,
``list``, ``history``, ``trail``, ``entry``, ``path``, ``get``, ``stage``, ``add``, ``commit``,
``rollback``, ``remove``, ``restore``); :func:`open_catalog` picks the backend from the location (a
folder, or a ``postgresql://`` URL for the shared PostGIS backend). Every backend reuses staging, the
entries, and the backend-independent rules of a change:

- :mod:`~layers.catalog.roles`: :class:`User`, :class:`Role`, :data:`ANONYMOUS` and the checks that
  raise :class:`CatalogPermissionError` (changes take the acting user, and the catalog enforces the role);
- :mod:`~layers.catalog.audit`: :class:`AuditEvent`, one per change, never erased;
- :mod:`~layers.catalog.changes`: a new version's record, and what a rollback, removal (soft) or
  restore acts on;
- :mod:`~layers.catalog.district_scope`: a district officer's save, clipped to their districts and
  merged into the city layer;
- :mod:`~layers.catalog.accounts`: the local accounts file (Argon2id hashes) the CLI and the app's local
  sign-in verify against.

Why files and a manifest rather than one ``catalog.gpkg`` with a table per version: a GeoPackage is one
SQLite file, so adding a table rewrites pages of the file every reader has open, and an interrupted
write needs SQLite's journal to undo it. A new file per version is written beside the catalog under a
temporary name, re-opened and re-read, then renamed into place (``os.replace``, atomic on POSIX); the
manifest is replaced the same way last. Readers only follow the manifest, so they see the catalog
before or after an import, never during it. Every change holds an exclusive ``fcntl.flock`` on
``.lock``, so concurrent imports (several processes, several app sessions) queue instead of racing.
A failed import removes what it wrote, leaving the catalog byte for byte as it was; one killed
outright (power cut, ``kill -9``) leaves at worst an unreferenced file, swept by the next change. A
read-only folder or a full disk is a :class:`~analysis.errors.LayerWriteError` saying so.

The catalog trusts nothing it reads: the manifest is checked against its schema on every load
(:mod:`layers.catalog.manifest`); a version file must resolve inside the catalog folder; and nothing is
written, swept or removed through a symlink (the sweep works on folder descriptors opened with
``O_NOFOLLOW``).

The catalog lives in ``$GEOPLAN_CATALOG_DIR``, else ``$XDG_DATA_HOME/geoplan/catalog`` (by default
``~/.local/share/geoplan/catalog``); never in the repository's shipped ``data/``.
"""

from __future__ import annotations

from wuxi_atlas.layers.catalog.audit import AuditEvent
from wuxi_atlas.layers.catalog.check import CheckReport, check_layer
from wuxi_atlas.layers.catalog.entries import CatalogEntry, StagedLayer
from wuxi_atlas.layers.catalog.folder import Catalog, catalog_dir
from wuxi_atlas.layers.catalog.manifest import MANIFEST_FORMAT
from wuxi_atlas.layers.catalog.protocol import CatalogBackend, open_catalog
from wuxi_atlas.layers.catalog.roles import ANONYMOUS, CatalogPermissionError, Role, User
from wuxi_atlas.layers.catalog.staging import stage_layer

__all__ = [
    "ANONYMOUS",
    "MANIFEST_FORMAT",
    "AuditEvent",
    "Catalog",
    "CatalogBackend",
    "CatalogEntry",
    "CatalogPermissionError",
    "CheckReport",
    "Role",
    "StagedLayer",
    "User",
    "catalog_dir",
    "check_layer",
    "open_catalog",
    "stage_layer",
]
