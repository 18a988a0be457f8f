"""The GeoPackage-folder catalog: :class:`Catalog`, the embedded default backend.

Layout on disk (one file per layer version, so that each import is a single new file)::

    <catalog>/
      manifest.json                 index: each kind's versions, the current one, their provenance
      .lock                         empty; flock()ed around every change
      layers/<kind>/v0001.gpkg      a vector version: one table named <kind>, in EPSG:4326, fields
                                    already renamed and typed; provenance also in the table's metadata
      layers/districts/v0001.geojson  the boundaries, stored as validated (their loader wants GeoJSON)
      rasters/landcover/v0001.tif   a land-cover version, as a Cloud-Optimized GeoTIFF

A version is written beside the catalog under a temporary name, re-opened and re-read, then published
(:mod:`layers.catalog.disk`); the manifest is replaced the same way last, and checked against its schema
(:mod:`layers.catalog.manifest`) whenever it is read. Every change holds an exclusive ``fcntl.flock``
on ``.lock``; readers take it shared.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import json
import os
import shutil
import sys
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from wuxi_atlas.analysis.errors import AtlasError, LayerError, LayerReadError, LayerWriteError, printable
from wuxi_atlas.analysis.sources import LAYER_KINDS, LandSurveySource, LayerKind, RasterSource, VectorSource
from wuxi_atlas.layers.catalog.disk import (
    TMP_PREFIX,
    fsync_dir,
    fsync_file,
    resolves_inside,
    sweep,
    undo,
    why_not_written,
    write_failures,
)
from wuxi_atlas.layers.catalog.entries import CatalogEntry, StagedLayer, utc_now
from wuxi_atlas.layers.catalog.manifest import MANIFEST_FORMAT, check_manifest
from wuxi_atlas.layers.catalog.staging import stage_layer, with_year
from wuxi_atlas.layers.formats import read_landcover
from wuxi_atlas.layers.formats.land_survey import read_land_survey
from wuxi_atlas.layers.limits import trusted
from wuxi_atlas.layers.read import read_vector
from wuxi_atlas.layers.spec import get_spec
from wuxi_atlas.layers.stored import read_stored_vector

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


def _publish(temporary: Path, final: Path) -> None:
    """Move a written, checked file into place: one atomic rename in one directory."""
    os.replace(temporary, final)
    fsync_dir(final.parent)


def _write_json(path: Path, document: Mapping[str, Any]) -> None:
    temporary = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}-{path.name}")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        _publish(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write_vector(staged: StagedLayer, temporary: Path, entry: CatalogEntry) -> None:
    import pyogrio

    source = cast(VectorSource, staged.source)
    if staged.kind == "districts":
        shutil.copyfile(staged.path, temporary)
    else:
        metadata = {
            "vintage": source.vintage,
            "synthetic": "true" if source.synthetic else "false",
            "geoplan_provenance": json.dumps(
                {k: v for k, v in entry.to_record().items() if k not in ("version", "file", "current")},
                ensure_ascii=False,
            ),
        }
        pyogrio.write_dataframe(
            source.frame, temporary, layer=staged.kind, driver="GPKG", layer_metadata=metadata
        )
    fsync_file(temporary)


def _write_land_survey(staged: StagedLayer, temporary: Path, entry: CatalogEntry) -> None:
    import pyogrio

    from wuxi_atlas.layers.catalog.survey import STORED_LAYER

    source = cast(LandSurveySource, staged.source)
    metadata = {
        "year": str(source.year or ""),
        "synthetic": "true" if source.synthetic else "false",
        "geoplan_provenance": json.dumps(
            {k: v for k, v in entry.to_record().items() if k not in ("version", "file", "current")},
            ensure_ascii=False,
        ),
    }
    pyogrio.write_dataframe(
        source.frame, temporary, layer=STORED_LAYER, driver="GPKG", layer_metadata=metadata
    )
    fsync_file(temporary)


def _write_raster(staged: StagedLayer, temporary: Path) -> None:
    import rasterio
    import rasterio.shutil

    if staged.conversion and staged.conversion[0].startswith("copied"):
        shutil.copyfile(staged.path, temporary)
    else:
        with rasterio.open(staged.path) as source:
            rasterio.shutil.copy(
                source, temporary, driver="COG", compress="DEFLATE", resampling="NEAREST", BIGTIFF="IF_SAFER"
            )
    fsync_file(temporary)


def _check_written(staged: StagedLayer, temporary: Path) -> None:
    """Re-open and re-read what was written; anything short of the staged layer fails the import."""
    with trusted():
        _reread(staged, temporary)


def _reread(staged: StagedLayer, temporary: Path) -> None:
    if isinstance(staged.source, LandSurveySource):
        from wuxi_atlas.layers.catalog.survey import STORED_LAYER

        survey = read_land_survey(temporary, layer=STORED_LAYER, scheme=staged.source.scheme)
        if len(survey.frame) != staged.feature_count:
            raise LayerReadError(
                f"{staged.original_name}: the stored copy has {len(survey.frame)} parcels, the file "
                f"{staged.feature_count}"
            )
        return
    if isinstance(staged.source, RasterSource):
        import rasterio

        stored = read_landcover(temporary, scheme=staged.source.scheme)
        with rasterio.open(staged.path) as original, rasterio.open(stored.path) as copy:
            same = (original.width, original.height, original.crs) == (copy.width, copy.height, copy.crs)
            if not same:
                raise LayerReadError(f"{staged.original_name}: the stored copy does not match the original")
        return
    if staged.kind == "districts":
        from wuxi_atlas.analysis.boundaries import load_boundaries

        count = len(load_boundaries(temporary))
    else:
        count = len(read_vector(staged.kind, temporary, layer=staged.kind).frame)
    if count != staged.feature_count:
        raise LayerReadError(
            f"{staged.original_name}: the stored copy has {count} features, the file {staged.feature_count}"
        )


class Catalog:
    """A directory of layer versions with their provenance; see :mod:`layers.catalog` for what it
    promises and the module docstring for its layout.

    Parameters
    ----------
    path : str or Path, optional
        The catalog directory (created on the first import). Default: :func:`catalog_dir`.

    Examples
    --------
    >>> catalog = Catalog(tmp_path)  # doctest: +SKIP
    >>> entry = catalog.add("stations", "stations.csv", lonlat_crs="gcj02")  # doctest: +SKIP
    >>> catalog.get("stations").frame.shape  # doctest: +SKIP
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.root = Path(path).expanduser() if path is not None else catalog_dir()

    def __repr__(self) -> str:
        return f"Catalog({str(self.root)!r})"

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
        """Every stored version of ``kind``, oldest first; ``current`` marks the one in use."""
        spec = get_spec(kind)
        with self._lock(exclusive=False):
            return self._entries(self._manifest(), spec.kind)

    def entry(self, kind: str, version: int | None = None) -> CatalogEntry:
        """The current version of ``kind`` (or ``version``); :class:`LayerError` when there is none."""
        return self._pick(self.history(kind), kind, version)

    def _pick(self, entries: builtins.list[CatalogEntry], kind: str, version: int | None) -> CatalogEntry:
        chosen = [e for e in entries if (e.version == version if version is not None else e.current)]
        if not chosen:
            what = f"version {version} of {kind}" if version is not None else f"a {kind} layer"
            known = ", ".join(str(e.version) for e in entries) or "none"
            raise LayerError(
                f"catalog {self.root} has no {what} (stored versions: {known}); add one with "
                f"'geoplan layers add {kind} FILE'"
            )
        return chosen[0]

    def path(self, kind: str, version: int | None = None) -> Path:
        """The stored file of the current version of ``kind`` (or of ``version``)."""
        return self._stored(self.entry(kind, version))

    def get(self, kind: str, version: int | None = None) -> VectorSource | RasterSource | LandSurveySource:
        """The current version of ``kind`` (or ``version``), read back with its provenance.

        A vector comes back as a :class:`VectorSource` whose ``source`` names the original file and the
        catalog version and whose ``notes`` are the import's; land cover as a :class:`RasterSource`
        on the stored COG with the scheme chosen at import.
        """
        spec = get_spec(kind)
        with self._lock(exclusive=False), trusted():
            entry = self._pick(self._entries(self._manifest(), spec.kind), spec.kind, version)
            stored = self._stored(entry)
            label = f"{entry.original_name} (catalog v{entry.version}, imported {entry.imported_at})"
            if entry.synthetic:
                label += ", synthetic"
            if entry.kind == "landcover" and entry.file.endswith(".gpkg"):
                from wuxi_atlas.layers.catalog.survey import STORED_LAYER

                survey = read_land_survey(stored, layer=STORED_LAYER, scheme=entry.scheme)
                year = int(entry.vintage) if entry.vintage.isdigit() else survey.year
                return dataclasses.replace(
                    survey, source=label, synthetic=entry.synthetic, year=year, notes=entry.notes
                )
            if entry.kind == "landcover":
                raster = read_landcover(stored, scheme=entry.scheme)
                year = int(entry.vintage) if entry.vintage.isdigit() else raster.year
                return dataclasses.replace(raster, source=label, synthetic=entry.synthetic, year=year)
            if entry.kind == "districts":
                from wuxi_atlas.analysis.boundaries import load_boundaries

                frame = load_boundaries(stored)
                return VectorSource("districts", frame, label, entry.vintage, False, stored, entry.notes)
            # Validated when it was imported, stored typed: read back without validating it again.
            source = read_stored_vector(entry.kind, stored, layer=entry.kind)
        return dataclasses.replace(
            source, source=label, vintage=entry.vintage, synthetic=entry.synthetic, notes=entry.notes
        )

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
        self, kind: str, path: str | Path, *, year: int | None = None, **read_options: Any
    ) -> CatalogEntry:
        """Import a file as the new current version of ``kind`` (of ``year``, else the year the file
        states); the previous version is kept, and ``geoplan history`` reads every version."""
        return self.commit(self.stage(kind, path, year=year, **read_options))

    def commit(self, staged: StagedLayer) -> CatalogEntry:
        """Store a staged layer as the new current version of its kind, atomically.

        The new file is written under a temporary name in its final directory and re-opened and re-read
        (without the lock: a long raster conversion does not hold up other users); then, under the
        exclusive lock, it is renamed into place and the manifest replaced. On any failure everything
        this call wrote is removed, so the catalog stays exactly as it was: a read-only folder or a full
        disk is a :class:`LayerWriteError` saying so. A version folder that leads outside the catalog
        (a symlink) is refused before anything is written.
        """
        if isinstance(staged.source, LandSurveySource):
            # A land survey's parcels: a GeoPackage in EPSG:4549, read back as land cover.
            folder, suffix = Path("layers") / staged.kind, ".gpkg"
        elif staged.kind == "landcover":
            folder, suffix = Path("rasters") / staged.kind, ".tif"
        elif staged.kind == "districts":
            folder, suffix = Path("layers") / staged.kind, ".geojson"
        else:
            folder, suffix = Path("layers") / staged.kind, ".gpkg"
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
        )
        if not staged.year_source:  # staged without the catalog (stage_layer): the year the file states
            staged = with_year(staged)
        if staged.year is not None or staged.year_source:
            entry = dataclasses.replace(
                entry, vintage=str(staged.year or ""), year=staged.year, year_source=staged.year_source
            )
        target = self.root / folder
        if not resolves_inside(self.root.resolve(), target):
            raise LayerWriteError(
                f"catalog {self.root}: {folder.as_posix()} leads to {printable(target.resolve())}, outside "
                "the catalog (a symlink); refused: a catalog writes only inside its own folder"
            )
        created: builtins.list[Path] = []
        published = False
        with self._writing(self.root / folder):
            try:
                for directory in [*reversed((self.root / folder).parents), self.root / folder]:
                    inside = directory == self.root or directory.is_relative_to(self.root)
                    if inside and not directory.exists():
                        directory.mkdir(exist_ok=True)
                        created.append(directory)
                # The pid in the name tells a later sweep whether the writer is still alive.
                temporary = self.root / folder / f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}{suffix}"
                created.append(temporary)
                if isinstance(source, LandSurveySource):
                    _write_land_survey(staged, temporary, entry)
                elif isinstance(source, RasterSource):
                    _write_raster(staged, temporary)
                else:
                    _write_vector(staged, temporary, entry)
                _check_written(staged, temporary)
                with self._lock(exclusive=True):
                    manifest = self._manifest()
                    record = manifest["kinds"].setdefault(
                        staged.kind, {"current": None, "next_version": 1, "versions": []}
                    )
                    version = int(record["next_version"])
                    relative = folder / f"v{version:04d}{suffix}"
                    entry = dataclasses.replace(entry, version=version, file=relative.as_posix())
                    final = self.root / relative
                    created.append(final)
                    _publish(temporary, final)
                    record["versions"].append({k: v for k, v in entry.to_record().items() if k != "current"})
                    record["current"] = version
                    record["next_version"] = version + 1
                    manifest["updated"] = entry.imported_at
                    _write_json(self.root / _MANIFEST, manifest)
                    published = True
                    self._sweep(manifest)
            except BaseException:
                if not published:
                    undo(created)
                raise
        return dataclasses.replace(entry, current=True)

    def _sweep(self, manifest: Mapping[str, Any]) -> None:
        """Remove files no version refers to (see :func:`layers.catalog.disk.sweep`); under the lock."""
        keep = {
            PurePosixPath(version["file"])
            for record in manifest["kinds"].values()
            for version in record["versions"]
        }
        sweep(self.root, keep)

    def remove(self, kind: str, version: int | None = None) -> builtins.list[CatalogEntry]:
        """Remove every version of ``kind`` (or only ``version``); returns what was removed.

        Removing the current version makes the latest remaining one current. The manifest is replaced
        first and the files deleted after, so a reader never follows the manifest to a missing file.
        """
        spec = get_spec(kind)
        with self._writing(self.root), self._lock(exclusive=True):
            manifest = self._manifest()
            removed = [
                entry
                for entry in self._entries(manifest, spec.kind)
                if version is None or entry.version == version
            ]
            if not removed:
                self._pick(self._entries(manifest, spec.kind), spec.kind, version)  # raises, naming them
            record = manifest["kinds"][spec.kind]
            gone = {entry.version for entry in removed}
            record["versions"] = [v for v in record["versions"] if v["version"] not in gone]
            if not record["versions"]:
                del manifest["kinds"][spec.kind]
            elif record["current"] in gone:
                record["current"] = record["versions"][-1]["version"]
            manifest["updated"] = utc_now()
            _write_json(self.root / _MANIFEST, manifest)
            self._sweep(manifest)
        return removed

    def rollback(self, kind: str) -> CatalogEntry:
        """Make the version before the current one current again (the newer one is kept)."""
        spec = get_spec(kind)
        with self._writing(self.root), self._lock(exclusive=True):
            manifest = self._manifest()
            entries = self._entries(manifest, spec.kind)
            current = next((e for e in entries if e.current), None)
            older = [e for e in entries if current is not None and e.version < current.version]
            if not older:
                raise LayerError(
                    f"catalog {self.root}: {spec.kind} has no version before "
                    f"{'v' + str(current.version) if current else 'the current one'} to roll back to"
                )
            manifest["kinds"][spec.kind]["current"] = older[-1].version
            manifest["updated"] = utc_now()
            _write_json(self.root / _MANIFEST, manifest)
        return dataclasses.replace(older[-1], current=True)
