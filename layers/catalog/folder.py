"""The GeoPackage-folder catalog: :class:`Catalog`, the embedded default backend of
:class:`~layers.catalog.protocol.CatalogBackend`.

Layout on disk (one file per layer version, so that each import is a single new file)::

    <catalog>/
      manifest.json                 index: each kind's versions, the current one, their provenance,
                                    and the kind's audit trail (``events``)
      .lock                         empty; flock()ed around every change
      layers/<kind>/v0001.gpkg      a vector version: one table named <kind>, in EPSG:4326, fields
                                    already renamed and typed; provenance also in the table's metadata
      layers/districts/v0001.geojson  the boundaries, stored as validated (their loader wants GeoJSON)
      rasters/landcover/v0001.tif   a land-cover version, as a Cloud-Optimized GeoTIFF

A version is written beside the catalog under a temporary name, re-opened and re-read, then published
(:mod:`layers.catalog.version_files`, :mod:`layers.catalog.disk`); the manifest, which holds the version
and its audit event together, is replaced the same way last, and checked against its schema
(:mod:`layers.catalog.manifest`) whenever it is read. Every change holds an exclusive ``fcntl.flock``
on ``.lock``; readers take it shared. A removed version stays in the manifest (marked ``removed``) and
its file on disk, so a reader holding it keeps working and ``restore`` can bring it back.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import json
import os
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import IO, Any

from wuxi_atlas.analysis.errors import AtlasError, LayerReadError, LayerWriteError, printable
from wuxi_atlas.analysis.sources import LAYER_KINDS, LandSurveySource, LayerKind, RasterSource, VectorSource
from wuxi_atlas.layers.catalog.audit import Action, AuditEvent, event_for
from wuxi_atlas.layers.catalog.changes import (
    current_after_removal,
    new_entry,
    pick_version,
    removal_targets,
    restore_target,
    rollback_target,
)
from wuxi_atlas.layers.catalog.disk import (
    TMP_PREFIX,
    resolves_inside,
    sweep,
    undo,
    why_not_written,
    write_failures,
)
from wuxi_atlas.layers.catalog.district_scope import merge_into_city
from wuxi_atlas.layers.catalog.entries import CatalogEntry, StagedLayer, utc_now
from wuxi_atlas.layers.catalog.manifest import MANIFEST_FORMAT, check_manifest
from wuxi_atlas.layers.catalog.roles import User, require_steward, scope_of_commit
from wuxi_atlas.layers.catalog.staging import stage_layer, with_year
from wuxi_atlas.layers.catalog.stored import read_stored
from wuxi_atlas.layers.catalog.version_files import (
    publish,
    storage_of,
    write_checked,
    write_json,
)
from wuxi_atlas.layers.spec import get_spec

__all__ = ["Catalog", "catalog_dir"]

_MANIFEST = "manifest.json"
_LOCK = ".lock"


def catalog_dir() -> Path:
    """The default catalog directory: ``$GEOPLAN_CATALOG_DIR``, else the user's data directory.

    ``$XDG_DATA_HOME/geoplan/catalog`` (``~/.local/share/geoplan/catalog``) on Linux, and the platform's
    usual place elsewhere; never the repository's ``data/``.
    """
    configured = os.environ.get("GEOPLAN_CATALOG_DIR", "").strip()
    if configured:
        return Path(configured).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", "").strip() or Path.home() / ".local" / "share")
    return base / "geoplan" / "catalog"


class Catalog:
    """A directory of layer versions with their provenance and audit trail; see :mod:`layers.catalog`
    and :mod:`layers.catalog.protocol` for what it promises and the module docstring for its layout.

    Parameters
    ----------
    path : str or Path, optional
        The catalog directory (created on the first import). Default: :func:`catalog_dir`.

    Examples
    --------
    >>> catalog = Catalog(tmp_path)  # doctest: +SKIP
    >>> steward = User("wang", Role.DATA_STEWARD)  # doctest: +SKIP
    >>> entry = catalog.add("stations", "stations.csv", user=steward, note="2024 survey")  # doctest: +SKIP
    >>> catalog.get("stations").frame.shape  # doctest: +SKIP
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.root = Path(path).expanduser() if path is not None else catalog_dir()

    def __repr__(self) -> str:
        return f"Catalog({str(self.root)!r})"

    @property
    def location(self) -> str:
        return str(self.root)

    # -- reading

    def _manifest(self) -> dict[str, Any]:
        path = self.root / _MANIFEST
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"format": MANIFEST_FORMAT, "kinds": {}}
        except OSError as exc:
            raise LayerReadError(f"catalog {self.root}: cannot read {_MANIFEST} ({exc})") from exc
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise LayerReadError(f"catalog {self.root}: {_MANIFEST} is not valid JSON ({exc})") from exc
        if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
            raise LayerReadError(
                f"catalog {self.root}: {_MANIFEST} is not a {MANIFEST_FORMAT} manifest; is this the right "
                "directory?"
            )
        check_manifest(document, path)
        return document

    def _stored(self, entry: CatalogEntry) -> Path:
        """The file of a version, refused when it leads (through a symlink) outside the catalog."""
        path = self.root / entry.file
        if not resolves_inside(self.root.resolve(), path):
            raise LayerReadError(
                f"catalog {self.root}: {entry.kind} v{entry.version} is stored as {printable(entry.file)}, "
                f"which leads to {printable(path.resolve())}, outside the catalog; refused (a catalog reads "
                "only its own files)"
            )
        return path

    @contextlib.contextmanager
    def _writing(self, folder: Path) -> Iterator[None]:
        """Turn a write the disk refuses (read-only, full, GDAL unable to create a file in ``folder``)
        into :class:`LayerWriteError` naming the catalog and why; the caller has undone its part."""
        try:
            yield
        except AtlasError:
            raise
        except write_failures() as exc:
            reason = why_not_written(folder if folder.is_dir() else self.root, exc)
            raise LayerWriteError(
                f"cannot write to the catalog {self.root}"
                + (f": {reason}" if reason else "")
                + f" ({type(exc).__name__}: {exc}); the catalog is as it was"
            ) from exc

    @contextlib.contextmanager
    def _lock(self, exclusive: bool) -> Iterator[None]:
        import fcntl  # POSIX only; imported here so that merely importing the module works anywhere

        handle: IO[bytes]
        if exclusive:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = (self.root / _LOCK).open("a+b")
        else:
            # Readers take the shared lock when they can; a read-only or new catalog has nothing to race.
            try:
                handle = (self.root / _LOCK).open("rb")
            except OSError:
                yield
                return
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _entries(self, manifest: Mapping[str, Any], kind: str) -> builtins.list[CatalogEntry]:
        record = manifest["kinds"].get(kind)
        if not record:
            return []
        current = record.get("current")
        return [CatalogEntry.from_record(v, current=v["version"] == current) for v in record["versions"]]

    def kinds(self) -> builtins.list[LayerKind]:
        """The kinds that have a current version, in :data:`~analysis.sources.LAYER_KINDS` order."""
        return [entry.kind for entry in self.list()]

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds()

    def list(self) -> builtins.list[CatalogEntry]:
        """The current version of every kind in the catalog."""
        with self._lock(exclusive=False):
            manifest = self._manifest()
        return [entry for kind in LAYER_KINDS for entry in self._entries(manifest, kind) if entry.current]

    def history(self, kind: str) -> builtins.list[CatalogEntry]:
        """Every stored version of ``kind``, oldest first; ``current`` marks the one in use, ``removed``
        the ones removed (kept, and restorable)."""
        spec = get_spec(kind)
        with self._lock(exclusive=False):
            return self._entries(self._manifest(), spec.kind)

    def trail(self, kind: str | None = None) -> builtins.list[AuditEvent]:
        """Every change to ``kind`` (or to every kind), oldest first: see :mod:`layers.catalog.audit`."""
        kinds = [get_spec(kind).kind] if kind is not None else builtins.list(LAYER_KINDS)
        with self._lock(exclusive=False):
            manifest = self._manifest()
        events = [
            AuditEvent.from_record(event)
            for name in kinds
            for event in manifest["kinds"].get(name, {}).get("events", [])
        ]
        return sorted(events, key=lambda event: event.at)  # stable: one kind's events keep their order

    def entry(self, kind: str, version: int | None = None) -> CatalogEntry:
        """The current version of ``kind`` (or ``version``, even a removed one); :class:`LayerError`
        when there is none."""
        return pick_version(self.history(kind), kind, version, self.root)

    def path(self, kind: str, version: int | None = None) -> Path:
        """The stored file of the current version of ``kind`` (or of ``version``)."""
        return self._stored(self.entry(kind, version))

    def get(self, kind: str, version: int | None = None) -> VectorSource | RasterSource | LandSurveySource:
        """The current version of ``kind`` (or ``version``, even a removed one), read back with its
        provenance (:func:`~layers.catalog.stored.read_stored`)."""
        spec = get_spec(kind)
        with self._lock(exclusive=False):
            entry = pick_version(self._entries(self._manifest(), spec.kind), spec.kind, version, self.root)
            return read_stored(entry, self._stored(entry))

    # -- changing

    def stage(
        self, kind: str, path: str | Path, *, year: int | None = None, **read_options: Any
    ) -> StagedLayer:
        """Read and validate a file as ``kind`` without touching the catalog (see :func:`stage_layer`).

        ``year`` is the year the data describe (``--year``); without it, the year the file states
        (:func:`~layers.catalog.staging.with_year`), else unknown.
        """
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
        """Import a file as the new current version of ``kind`` as ``user`` (see :meth:`commit`); the
        role is checked before the file is read."""
        scope_of_commit(user, get_spec(kind).kind, districts, self.location)
        staged = self.stage(kind, path, year=year, **read_options)
        return self.commit(staged, user=user, note=note, districts=districts)

    def commit(
        self, staged: StagedLayer, *, user: User, note: str = "", districts: Iterable[str] | None = None
    ) -> CatalogEntry:
        """Store a staged layer as the new current version of its kind, as ``user``, atomically.

        A data steward replaces the city layer; a district officer (or a steward naming ``districts``)
        replaces only those districts' part of it (:func:`~layers.catalog.district_scope.
        merge_into_city`); anyone else is refused (:class:`~layers.catalog.roles.CatalogPermissionError`)
        before anything is written. The version records who saved it, when, from which file (name and
        sha256) and ``note`` (why), and the audit trail gets the event in the same manifest write.

        A city-wide file is written under a temporary name in its final directory and re-read without
        the lock (a long raster conversion does not hold up other users); a district-scoped one is merged
        with the current version under the exclusive lock, so concurrent saves never lose each other's
        change. Then the file is renamed into place and the manifest replaced. On any failure everything
        this call wrote is removed: the catalog stays as it was (a read-only folder or a full disk is a
        :class:`LayerWriteError` saying so).
        """
        scope = scope_of_commit(user, staged.kind, districts, self.location)
        folder, suffix = storage_of(staged)
        entry = new_entry(staged, user, note, scope)
        target = self.root / folder
        if not resolves_inside(self.root.resolve(), target):
            raise LayerWriteError(
                f"catalog {self.root}: {folder.as_posix()} leads to {printable(target.resolve())}, outside "
                "the catalog (a symlink); refused: a catalog writes only inside its own folder"
            )
        created: builtins.list[Path] = []
        published = False
        with self._writing(target):
            try:
                for directory in [*reversed(target.parents), target]:
                    inside = directory == self.root or directory.is_relative_to(self.root)
                    if inside and not directory.exists():
                        directory.mkdir(exist_ok=True)
                        created.append(directory)
                # The pid in the name tells a later sweep whether the writer is still alive.
                temporary = target / f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}{suffix}"
                created.append(temporary)
                if not scope:
                    write_checked(staged, temporary, entry)
                with self._lock(exclusive=True):
                    manifest = self._manifest()
                    record = manifest["kinds"].setdefault(
                        staged.kind, {"current": None, "next_version": 1, "versions": []}
                    )
                    previous = record["current"]
                    if scope:
                        merged = self._merged(manifest, staged, scope, user)
                        entry = dataclasses.replace(
                            entry,
                            feature_count=merged.feature_count,
                            notes=merged.notes,
                            options=merged.options,
                        )
                        write_checked(merged, temporary, entry)
                    version = int(record["next_version"])
                    relative = folder / f"v{version:04d}{suffix}"
                    entry = dataclasses.replace(entry, version=version, file=relative.as_posix())
                    final = self.root / relative
                    created.append(final)
                    publish(temporary, final)
                    record["versions"].append(_version_record(entry))
                    record["current"] = version
                    record["next_version"] = version + 1
                    event = event_for(
                        user,
                        "commit",
                        staged.kind,
                        version,
                        entry.imported_at,
                        note=note,
                        original_name=entry.original_name,
                        sha256=entry.sha256,
                        previous=previous,
                        scope=scope,
                    )
                    self._save(manifest, staged.kind, [event])
                    published = True
                    self._sweep(manifest)
            except BaseException:
                if not published:
                    undo(created)
                raise
        return dataclasses.replace(entry, current=True)

    def _merged(
        self, manifest: Mapping[str, Any], staged: StagedLayer, scope: tuple[str, ...], user: User
    ) -> StagedLayer:
        """``staged`` merged into the current city layer for the districts ``scope``; called under the
        exclusive lock, so it reads the manifest it was given rather than taking the lock again."""
        current = next((e for e in self._entries(manifest, staged.kind) if e.current), None)
        layer = read_stored(current, self._stored(current)) if current is not None else None
        districts = next((e for e in self._entries(manifest, "districts") if e.current), None)
        if districts is not None:
            boundaries = read_stored(districts, self._stored(districts))
            assert isinstance(boundaries, VectorSource)
            frame = boundaries.frame
        else:
            from wuxi_atlas.analysis.boundaries import load_boundaries

            frame = load_boundaries()
        assert layer is None or isinstance(layer, VectorSource)
        return merge_into_city(staged, layer, current.version if current else None, frame, scope, user)

    def _save(self, manifest: dict[str, Any], kind: str, events: Iterable[AuditEvent]) -> None:
        """Append ``events`` to ``kind``'s trail and replace the manifest; under the exclusive lock."""
        trail = manifest["kinds"][kind].setdefault("events", [])
        trail.extend(event.to_record() for event in events)
        manifest["updated"] = utc_now()
        write_json(self.root / _MANIFEST, manifest)

    def _sweep(self, manifest: Mapping[str, Any]) -> None:
        """Remove files no version refers to (see :func:`layers.catalog.disk.sweep`); under the lock.
        A removed version is still in the manifest, so its file stays."""
        keep = {
            PurePosixPath(version["file"])
            for record in manifest["kinds"].values()
            for version in record["versions"]
        }
        sweep(self.root, keep)

    @contextlib.contextmanager
    def _changing(self, kind: str) -> Iterator[tuple[dict[str, Any], builtins.list[CatalogEntry]]]:
        """The manifest and ``kind``'s versions, under the exclusive lock, with write errors explained."""
        with self._writing(self.root), self._lock(exclusive=True):
            manifest = self._manifest()
            yield manifest, self._entries(manifest, kind)

    def _event(
        self, user: User, action: Action, entry: CatalogEntry, previous: int | None, note: str
    ) -> AuditEvent:
        return event_for(
            user,
            action,
            entry.kind,
            entry.version,
            utc_now(),
            note=note,
            original_name=entry.original_name,
            sha256=entry.sha256,
            previous=previous,
        )

    def remove(
        self, kind: str, version: int | None = None, *, user: User, note: str = ""
    ) -> builtins.list[CatalogEntry]:
        """Remove every version of ``kind`` (or only ``version``) as ``user`` (a data steward); returns
        what was removed.

        Nothing is deleted: each version is marked removed, with an audit event, and its file kept, so a
        reader holding it keeps working and :meth:`restore` brings it back. Removing the current version
        makes the latest live one current (or none).
        """
        spec = get_spec(kind)
        require_steward(user, f"remove {spec.kind}", self.location)
        with self._changing(spec.kind) as (manifest, entries):
            removed = removal_targets(entries, spec.kind, version, self.location)
            record = manifest["kinds"][spec.kind]
            previous = record["current"]
            gone = {entry.version for entry in removed}
            for stored in record["versions"]:
                if stored["version"] in gone:
                    stored["removed"] = True
            record["current"] = current_after_removal(entries, removed)
            self._save(manifest, spec.kind, [self._event(user, "remove", e, previous, note) for e in removed])
        return [dataclasses.replace(entry, removed=True, current=False) for entry in removed]

    def restore(self, kind: str, version: int, *, user: User, note: str = "") -> CatalogEntry:
        """Bring the removed ``version`` of ``kind`` back, as ``user`` (a data steward); it is current
        again when the kind has no current version or it is newer than the current one."""
        spec = get_spec(kind)
        require_steward(user, f"restore {spec.kind}", self.location)
        with self._changing(spec.kind) as (manifest, entries):
            chosen, becomes_current = restore_target(entries, spec.kind, version, self.location)
            record = manifest["kinds"][spec.kind]
            previous = record["current"]
            for stored in record["versions"]:
                if stored["version"] == version:
                    stored["removed"] = False
            if becomes_current:
                record["current"] = version
            self._save(manifest, spec.kind, [self._event(user, "restore", chosen, previous, note)])
        return dataclasses.replace(chosen, removed=False, current=becomes_current or chosen.current)

    def rollback(self, kind: str, *, user: User, note: str = "") -> CatalogEntry:
        """Make the latest live version before the current one current again, as ``user`` (a data
        steward); the newer one is kept."""
        spec = get_spec(kind)
        require_steward(user, f"roll back {spec.kind}", self.location)
        with self._changing(spec.kind) as (manifest, entries):
            current, older = rollback_target(entries, spec.kind, self.location)
            manifest["kinds"][spec.kind]["current"] = older.version
            self._save(manifest, spec.kind, [self._event(user, "rollback", older, current.version, note)])
        return dataclasses.replace(older, current=True)


def _version_record(entry: CatalogEntry) -> dict[str, Any]:
    """A version as the manifest holds it (``current`` is the kind's, not the version's)."""
    return {k: v for k, v in entry.to_record().items() if k != "current"}
