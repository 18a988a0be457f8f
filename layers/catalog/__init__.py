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
  :mod:`~layers.catalog.disk` (atomic writes, symlink-safe sweep) and :mod:`~layers.catalog.manifest`
  (the index's schema).

:class:`Catalog`'s public methods (``kinds``, ``list``, ``history``, ``entry``, ``path``, ``get``,
``stage``, ``add``, ``commit``, ``remove``, ``rollback``) are the interface every front-end uses; a
second backend (PostGIS) answers the same methods and reuses staging and the entries as they are.

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

from wuxi_atlas.layers.catalog.check import CheckReport, check_layer
from wuxi_atlas.layers.catalog.entries import CatalogEntry, StagedLayer
from wuxi_atlas.layers.catalog.folder import Catalog, catalog_dir
from wuxi_atlas.layers.catalog.manifest import MANIFEST_FORMAT
from wuxi_atlas.layers.catalog.staging import stage_layer

__all__ = [
    "MANIFEST_FORMAT",
    "Catalog",
    "CatalogEntry",
    "CheckReport",
    "StagedLayer",
    "catalog_dir",
    "check_layer",
    "stage_layer",
]
