"""The layer catalog: the user's own layers, every version kept, each with where it came from.

The app and the CLI both read layers from a :class:`Catalog`. A file goes in in two steps:
:meth:`Catalog.stage` reads and validates it (with :func:`layers.base.read_vector` or
:func:`~layers.base.read_landcover`) without touching the catalog, so an upload can live in one user's
session; :meth:`Catalog.commit` then stores it as a new version. :meth:`Catalog.add` does both.

Layout on disk (the "embedded default is a GeoPackage, rasters as COG files beside it", one
GeoPackage per layer version so that each import is a single new file)::

    <catalog>/
      manifest.json                 index: each kind's versions, the current one, their provenance
      .lock                         empty; flock()ed around every change
      layers/<kind>/v0001.gpkg      a vector version: one table named <kind>, in EPSG:4326, fields
                                    already renamed and typed; provenance also in the table's metadata
      layers/districts/v0001.geojson  the boundaries, stored as validated (their loader wants GeoJSON)
      rasters/landcover/v0001.tif   a land-cover version, as a Cloud-Optimized GeoTIFF

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
(:mod:`layers.manifest`); a version file must resolve inside the catalog folder; and nothing is written,
swept or removed through a symlink (the sweep works on folder descriptors opened with ``O_NOFOLLOW``).

The catalog lives in ``$GEOPLAN_CATALOG_DIR``, else ``$XDG_DATA_HOME/geoplan/catalog`` (by default
``~/.local/share/geoplan/catalog``); never in the repository's shipped ``data/``.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from analysis.crs import DISPLAY_CRS, crs_label
from analysis.errors import AtlasError, LayerError, LayerReadError, LayerWriteError, printable
from analysis.sources import LAYER_KINDS, LayerKind, RasterSource, VectorSource
from layers.base import (
    _TABULAR_SUFFIXES,
    _choose_layer,
    _local_file,
    _ogr_target,
    _read_only,
    get_spec,
    read_landcover,
    read_vector,
)
from layers.limits import trusted
from layers.manifest import MANIFEST_FORMAT, check_manifest

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

_MANIFEST = "manifest.json"
_LOCK = ".lock"
_TMP_PREFIX = ".tmp-"
_GCJ_METHOD = "analysis.coords.to_wgs84, iterative inverse, < 1 mm"
# Notes that describe a change made to the data (as opposed to a doubt about it).
_CONVERSION_PREFIXES = (
    "mapped columns",
    "converted coordinates",
    "reprojected",
    "repaired",
    "renamed column",
)


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


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------ entries


@dataclass(frozen=True)
class CatalogEntry:
    """One stored version of a layer, with its provenance.

    ``file`` is relative to the catalog directory; ``imported_at`` is ISO 8601 UTC; ``source_crs`` is
    the CRS (or datum) of the original file and ``conversion`` every change made to reach the stored
    EPSG:4326 data (datum shift, reprojection, repairs, column mapping). ``feature_count`` is None for a
    raster. ``options`` are the read options the import used (``lonlat_crs``, ``column_map`` …).
    ``current`` says whether it is the kind's current version when it was listed.
    """

    kind: LayerKind
    version: int
    file: str
    original_name: str
    sha256: str
    size_bytes: int
    imported_at: str
    source_crs: str
    conversion: tuple[str, ...]
    feature_count: int | None
    notes: tuple[str, ...]
    synthetic: bool
    vintage: str = ""
    scheme: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    current: bool = False

    @property
    def warnings(self) -> tuple[str, ...]:
        """The notes that are warnings (features outside Wuxi, a misnamed file …)."""
        return tuple(note for note in self.notes if note.startswith("warning"))

    @property
    def remarks(self) -> tuple[str, ...]:
        """The notes that are neither conversions nor warnings (assumptions, drops, encodings …)."""
        return _remarks(self.notes)

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict (the manifest's form, plus ``current``)."""
        record = dataclasses.asdict(self)
        record["conversion"] = list(self.conversion)
        record["notes"] = list(self.notes)
        record["options"] = dict(self.options)
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any], current: bool = False) -> CatalogEntry:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {key: value for key, value in record.items() if key in names}
        values["conversion"] = tuple(values.get("conversion", ()))
        values["notes"] = tuple(values.get("notes", ()))
        values["options"] = dict(values.get("options") or {})
        values["current"] = current
        return cls(**values)


@dataclass(frozen=True)
class StagedLayer:
    """A file read and validated as a layer kind, not yet in any catalog.

    ``source`` is ready to draw and to compute with (an upload can stay in one session as this);
    :meth:`Catalog.commit` stores it. ``fields_found`` are the kind's fields present after mapping,
    ``fields_missing`` its optional fields absent (a required one missing is an error), and
    ``extra_columns`` the file's other columns, kept as they are.
    """

    kind: LayerKind
    source: VectorSource | RasterSource
    path: Path
    original_name: str
    sha256: str
    size_bytes: int
    source_crs: str
    conversion: tuple[str, ...]
    notes: tuple[str, ...]
    feature_count: int | None
    fields_found: tuple[str, ...] = ()
    fields_missing: tuple[str, ...] = ()
    extra_columns: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    staged_at: str = ""

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(note for note in self.notes if note.startswith("warning"))

    @property
    def remarks(self) -> tuple[str, ...]:
        return _remarks(self.notes)

    @property
    def synthetic(self) -> bool:
        return self.source.synthetic


def _options(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, {}, ())}


def _probe_source_crs(local: Path, kind: str, layer: str | None, lonlat_crs: str | None) -> str:
    """The CRS the original file declares, for provenance (the reader has already checked it)."""
    if local.suffix.lower() in _TABULAR_SUFFIXES:
        from layers.base import _DATUM_LABELS

        datum = _DATUM_LABELS[lonlat_crs or "wgs84"]
        return f"{datum} longitude/latitude ({'declared' if lonlat_crs else 'assumed: not declared'})"
    import pyogrio

    try:
        with _read_only(local) as readable:
            target = _ogr_target(readable)
            chosen = _choose_layer(local, target, get_spec(kind), layer)
            declared = pyogrio.read_info(target, layer=chosen).get("crs")
    except Exception:  # provenance only: the file has been read successfully already
        return "unknown"
    if not declared:
        return f"none declared; taken as {lonlat_crs} as told" if lonlat_crs else "none declared"
    return crs_label(declared)


def _storable_columns(frame: Any, notes: list[str]) -> Any:
    """Column names a GeoPackage can hold: ``fid`` is its key, and SQLite names ignore case."""
    geometry_name = frame.geometry.name
    renames: dict[str, str] = {}
    seen: set[str] = {geometry_name.lower()}
    for column in frame.columns:
        if column == geometry_name:
            continue
        name = str(column)
        candidate = f"{name}_original" if name.lower() == "fid" else name
        counter = 2
        while candidate.lower() in seen:
            candidate, counter = f"{name}_{counter}", counter + 1
        seen.add(candidate.lower())
        if candidate != column:
            renames[column] = candidate
    if renames:
        shown = ", ".join(f"{old!s} → {new}" for old, new in renames.items())
        notes.append(f"renamed column(s) the GeoPackage cannot hold as they are: {shown}")
        frame = frame.rename(columns=renames)
    return frame


def _remarks(notes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in notes if not n.startswith(_CONVERSION_PREFIXES) and not n.startswith("warning"))


def _conversion(notes: tuple[str, ...]) -> tuple[str, ...]:
    steps = []
    for note in notes:
        if not note.startswith(_CONVERSION_PREFIXES):
            continue
        if note.startswith("converted coordinates"):
            note = f"{note} ({_GCJ_METHOD})"
        steps.append(note)
    return tuple(steps)


def stage_layer(
    kind: str,
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
    scheme: str | None = None,
) -> StagedLayer:
    """Read and validate ``path`` as a layer of ``kind``, touching no catalog.

    The options are those of :func:`layers.base.read_vector` (vector kinds) or ``scheme`` of
    :func:`layers.base.read_landcover` (``landcover``). ``districts`` must be a boundaries GeoJSON
    that :func:`analysis.boundaries.load_boundaries` accepts.

    Raises
    ------
    LayerReadError, LayerError, CRSError, BoundaryError
        The file is not usable as ``kind``; the message says why and how to fix it.
    """
    spec = get_spec(kind)
    if spec.raster:
        if any(option is not None for option in (layer, column_map, lonlat_crs, encoding)):
            raise LayerError(
                "land-cover rasters take only scheme=…; layer, column_map, lonlat_crs and "
                "encoding are for vector layers"
            )
        return _stage_raster(path, scheme)
    if scheme is not None:
        raise LayerError(f"scheme=… is for land-cover rasters, not {spec.kind} layers")
    if spec.kind == "districts":
        if any(option is not None for option in (layer, column_map, lonlat_crs, encoding)):
            raise LayerError(
                "district boundaries are read as they are: no layer, column_map, lonlat_crs or encoding"
            )
        return _stage_districts(path)
    source = read_vector(
        spec.kind, path, layer=layer, column_map=column_map, lonlat_crs=lonlat_crs, encoding=encoding
    )
    local = source.path if source.path is not None else Path(path)
    notes = list(source.notes)
    frame = _storable_columns(source.frame, notes)
    source = dataclasses.replace(source, frame=frame, notes=tuple(notes))
    present = set(frame.columns)
    known = {f.name for f in spec.fields}
    return StagedLayer(
        kind=spec.kind,
        source=source,
        path=local,
        original_name=local.name,
        sha256=_sha256(local),
        size_bytes=local.stat().st_size,
        source_crs=_probe_source_crs(local, spec.kind, layer, lonlat_crs),
        conversion=_conversion(source.notes),
        notes=source.notes,
        feature_count=len(frame),
        fields_found=tuple(f.name for f in spec.fields if f.name in present),
        fields_missing=tuple(f.name for f in spec.optional_fields if f.name not in present),
        extra_columns=tuple(str(c) for c in frame.columns if c not in known and c != frame.geometry.name),
        options=_options(
            layer=layer, column_map=dict(column_map or {}), lonlat_crs=lonlat_crs, encoding=encoding
        ),
        staged_at=_utc_now(),
    )


def _stage_districts(path: str | Path) -> StagedLayer:
    from analysis.boundaries import load_boundaries

    local = _local_file(path, (".geojson", ".json"), "a boundaries GeoJSON")
    frame = load_boundaries(local)
    source = VectorSource(
        kind="districts", frame=frame, source=local.name, vintage="", synthetic=False, path=local
    )
    return StagedLayer(
        kind="districts",
        source=source,
        path=local,
        original_name=local.name,
        sha256=_sha256(local),
        size_bytes=local.stat().st_size,
        source_crs=crs_label(DISPLAY_CRS),
        conversion=(),
        notes=(),
        feature_count=len(frame),
        fields_found=tuple(str(c) for c in frame.columns if c != frame.geometry.name),
        staged_at=_utc_now(),
    )


def _stage_raster(path: str | Path, scheme: str | None) -> StagedLayer:
    import rasterio

    source = read_landcover(path, scheme=scheme)
    notes: list[str] = []
    try:
        with rasterio.open(source.path) as dataset:
            source_crs = crs_label(dataset.crs)
            shape = (
                f"{dataset.width} × {dataset.height} pixels, {dataset.count} band(s) of {dataset.dtypes[0]}"
            )
            cog_ready = bool(dataset.profile.get("tiled")) and dataset.compression is not None
    except Exception as exc:  # read_landcover has just opened it; anything here is the disk changing
        raise LayerReadError(f"{source.path.name}: cannot re-open it ({exc})") from exc
    notes.append(shape)
    if scheme is None:
        notes.append(
            f"land-cover scheme {source.scheme!r} taken from the file's tag or guessed from its codes; "
            "pass scheme=… if it is wrong"
        )
    conversion = (
        ("copied as it is (already tiled and compressed)",)
        if cog_ready
        else ("rewritten as a Cloud-Optimized GeoTIFF (DEFLATE, nearest-neighbour overviews)",)
    )
    return StagedLayer(
        kind="landcover",
        source=source,
        path=source.path,
        original_name=source.path.name,
        sha256=_sha256(source.path),
        size_bytes=source.path.stat().st_size,
        source_crs=source_crs,
        conversion=conversion,
        notes=tuple(notes),
        feature_count=None,
        options=_options(scheme=scheme),
        staged_at=_utc_now(),
    )


# ----------------------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class CheckReport:
    """What :func:`check_layer` found: usable or not, and everything the user should know."""

    kind: str
    file_name: str
    usable: bool
    error: str | None = None
    staged: StagedLayer | None = None

    def lines(self) -> list[str]:
        """The report as lines of plain text (values from the file are shown as text, never opened;
        control codes in its names are made visible, one line stays one line: :func:`printable`)."""
        verdict = "usable" if self.usable else "NOT usable"
        out = [f"{self.file_name}: {verdict} as a {self.kind} layer"]
        if self.error is not None:
            out.append(f"  error: {self.error}")
        staged = self.staged
        if staged is not None:
            out.append(f"  source CRS: {staged.source_crs}")
            if staged.feature_count is not None:
                out.append(f"  features: {staged.feature_count}")
            if staged.fields_found:
                out.append(f"  fields found: {', '.join(staged.fields_found)}")
            if staged.fields_missing:
                out.append(f"  optional fields missing: {', '.join(staged.fields_missing)}")
            if staged.extra_columns:
                out.append(f"  other columns (kept as text/numbers): {', '.join(staged.extra_columns)}")
            if isinstance(staged.source, RasterSource):
                out.append(f"  scheme: {staged.source.scheme}")
            out.append(f"  synthetic: {'yes' if staged.synthetic else 'no'}")
            out.extend(f"  conversion: {step}" for step in staged.conversion)
            out.extend(f"  warning: {note.removeprefix('warning: ')}" for note in staged.warnings)
            out.extend(f"  note: {note}" for note in staged.remarks)
        return [printable(line) for line in out]

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "kind": self.kind,
            "file": self.file_name,
            "usable": self.usable,
            "error": self.error,
        }
        if self.staged is not None:
            staged = self.staged
            record.update(
                source_crs=staged.source_crs,
                feature_count=staged.feature_count,
                fields_found=list(staged.fields_found),
                fields_missing=list(staged.fields_missing),
                extra_columns=list(staged.extra_columns),
                conversion=list(staged.conversion),
                warnings=list(staged.warnings),
                notes=list(staged.notes),
                synthetic=staged.synthetic,
                sha256=staged.sha256,
            )
        return record


def check_layer(kind: str, path: str | Path, **read_options: Any) -> CheckReport:
    """Validate ``path`` as a layer of ``kind`` and report; never raises for a bad file.

    The readers already turn third-party failures into atlas errors; anything else that still escapes
    (a bug, an exotic file) is reported as unusable with its type and message, not as a traceback.
    """
    file_name = Path(str(path)).name
    try:
        staged = stage_layer(kind, path, **read_options)
    except AtlasError as exc:
        return CheckReport(kind=kind, file_name=file_name, usable=False, error=str(exc))
    except Exception as exc:  # the checker's promise: a report, never a traceback
        return CheckReport(
            kind=kind,
            file_name=file_name,
            usable=False,
            error=f"unexpected {type(exc).__name__} while reading it: {exc}",
        )
    return CheckReport(kind=kind, file_name=file_name, usable=True, staged=staged)


# ---------------------------------------------------------------------------------------- the catalog


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsync()ed
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _fsync_file(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _writer_alive(name: str) -> bool:
    """Whether the process whose pid a temporary file's name carries (``.tmp-<pid>-…``) still runs."""
    pid_text = name[len(_TMP_PREFIX) :].split("-", 1)[0]
    if not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _publish(temporary: Path, final: Path) -> None:
    """Move a written, checked file into place: one atomic rename in one directory."""
    os.replace(temporary, final)
    _fsync_dir(final.parent)


def _write_json(path: Path, document: Mapping[str, Any]) -> None:
    temporary = path.with_name(f"{_TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}-{path.name}")
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
    _fsync_file(temporary)


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
    _fsync_file(temporary)


def _check_written(staged: StagedLayer, temporary: Path) -> None:
    """Re-open and re-read what was written; anything short of the staged layer fails the import."""
    with trusted():
        _reread(staged, temporary)


def _reread(staged: StagedLayer, temporary: Path) -> None:
    if isinstance(staged.source, RasterSource):
        import rasterio

        stored = read_landcover(temporary, scheme=staged.source.scheme)
        with rasterio.open(staged.path) as original, rasterio.open(stored.path) as copy:
            same = (original.width, original.height, original.crs) == (copy.width, copy.height, copy.crs)
            if not same:
                raise LayerReadError(f"{staged.original_name}: the stored copy does not match the original")
        return
    if staged.kind == "districts":
        from analysis.boundaries import load_boundaries

        count = len(load_boundaries(temporary))
    else:
        count = len(read_vector(staged.kind, temporary, layer=staged.kind).frame)
    if count != staged.feature_count:
        raise LayerReadError(
            f"{staged.original_name}: the stored copy has {count} features, the file {staged.feature_count}"
        )


def _inside(root: Path, path: Path) -> bool:
    """Whether ``path``, its symlinks resolved, is ``root`` (resolved already) or below it."""
    resolved = path.resolve()
    return resolved == root or resolved.is_relative_to(root)


def _write_failures() -> tuple[type[BaseException], ...]:
    """What a write that the disk refuses raises: OSError, or GDAL's errors through pyogrio and rasterio."""
    import pyogrio.errors
    import rasterio.errors
    from rasterio._err import CPLE_BaseError

    return (
        OSError,
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        rasterio.errors.RasterioError,
        CPLE_BaseError,
    )


def _refusal(folder: Path, exc: BaseException) -> int | None:
    """The errno behind a failed write: the exception's own, else that of creating a file in ``folder``
    (GDAL reports "unable to open database file" without one)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.errno
    try:
        handle, name = tempfile.mkstemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-probe-", dir=folder)
    except OSError as probe:
        return probe.errno
    os.close(handle)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return None


_WHY_NOT_WRITTEN = {
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "its folder is read-only (or not yours to write)",
    errno.EPERM: "its folder is read-only (or not yours to write)",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk is full (your quota is used up)",
}
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)


def _open_folder(name: str, parent: int | None = None) -> int | None:
    """A descriptor of the real folder ``name`` (relative to ``parent``); None for a symlink or nothing."""
    try:
        return os.open(name, _FOLDER_FLAGS, dir_fd=parent)
    except OSError:  # ELOOP: a symlink; ENOTDIR, ENOENT: not a folder
        return None


def _remove_orphans(
    folder: int, relative: PurePosixPath, keep: set[PurePosixPath], only_temporary: bool
) -> None:
    """Unlink the regular files of an open folder that ``keep`` does not name; never a symlink, never
    through one (everything is relative to the folder's descriptor)."""
    for name in os.listdir(folder):
        if only_temporary and not name.startswith(_TMP_PREFIX):
            continue
        with contextlib.suppress(OSError):
            if not stat.S_ISREG(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode):
                continue
            if relative / name in keep or (name.startswith(_TMP_PREFIX) and _writer_alive(name)):
                continue
            os.unlink(name, dir_fd=folder)


class Catalog:
    """A directory of layer versions with their provenance; see the module docstring for its layout.

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
        if not _inside(self.root.resolve(), path):
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
        except _write_failures() as exc:
            probe = folder if folder.is_dir() else self.root
            reason = _WHY_NOT_WRITTEN.get(_refusal(probe, exc) or 0)
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

    def get(self, kind: str, version: int | None = None) -> VectorSource | RasterSource:
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
            if entry.kind == "landcover":
                raster = read_landcover(stored, scheme=entry.scheme)
                year = int(entry.vintage) if entry.vintage.isdigit() else raster.year
                return dataclasses.replace(raster, source=label, synthetic=entry.synthetic, year=year)
            if entry.kind == "districts":
                from analysis.boundaries import load_boundaries

                frame = load_boundaries(stored)
                return VectorSource("districts", frame, label, entry.vintage, False, stored, entry.notes)
            source = read_vector(entry.kind, stored, layer=entry.kind)
        return dataclasses.replace(
            source, source=label, vintage=entry.vintage, synthetic=entry.synthetic, notes=entry.notes
        )

    # -- changing

    def stage(self, kind: str, path: str | Path, **read_options: Any) -> StagedLayer:
        """Read and validate a file as ``kind`` without touching the catalog (see :func:`stage_layer`)."""
        return stage_layer(kind, path, **read_options)

    def add(self, kind: str, path: str | Path, **read_options: Any) -> CatalogEntry:
        """Import a file as the new current version of ``kind``; the previous version is kept."""
        return self.commit(self.stage(kind, path, **read_options))

    def commit(self, staged: StagedLayer) -> CatalogEntry:
        """Store a staged layer as the new current version of its kind, atomically.

        The new file is written under a temporary name in its final directory and re-opened and re-read
        (without the lock: a long raster conversion does not hold up other users); then, under the
        exclusive lock, it is renamed into place and the manifest replaced. On any failure everything
        this call wrote is removed, so the catalog stays exactly as it was: a read-only folder or a full
        disk is a :class:`LayerWriteError` saying so. A version folder that leads outside the catalog
        (a symlink) is refused before anything is written.
        """
        if staged.kind == "landcover":
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
            imported_at=_utc_now(),
            source_crs=staged.source_crs,
            conversion=staged.conversion,
            feature_count=staged.feature_count,
            notes=staged.notes,
            synthetic=staged.synthetic,
            vintage=str(source.year or "") if isinstance(source, RasterSource) else source.vintage,
            scheme=source.scheme if isinstance(source, RasterSource) else None,
            options=dict(staged.options),
        )
        target = self.root / folder
        if not _inside(self.root.resolve(), target):
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
                temporary = self.root / folder / f"{_TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex}{suffix}"
                created.append(temporary)
                if isinstance(source, RasterSource):
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
                    self._undo(created)
                raise
        return dataclasses.replace(entry, current=True)

    def _undo(self, created: builtins.list[Path]) -> None:
        for path in reversed(created):
            with contextlib.suppress(OSError):
                if path.is_dir():
                    path.rmdir()  # only if empty: another import may be using it
                else:
                    path.unlink(missing_ok=True)
                    for sidecar in path.parent.glob(f"{path.name}-*"):  # SQLite journals
                        sidecar.unlink(missing_ok=True)

    def _sweep(self, manifest: Mapping[str, Any]) -> None:
        """Remove files no version refers to, left by an import that was killed outright.

        Runs under the exclusive lock, so a version file the manifest does not name is an orphan; a
        temporary file is removed only when the process named in it is gone. Only regular files in the
        catalog's own folders go: a symlink is never followed (a ``rasters/landcover`` linked to another
        folder is left alone, and so is everything in it) and never removed.
        """
        keep = {
            PurePosixPath(version["file"])
            for record in manifest["kinds"].values()
            for version in record["versions"]
        }
        try:  # the root itself may be a symlink: the user chose it
            root = os.open(self.root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            return
        try:
            _remove_orphans(root, PurePosixPath(), keep, only_temporary=True)
            for top in ("layers", "rasters"):
                folder = _open_folder(top, root)
                if folder is None:
                    continue
                try:
                    for kind in os.listdir(folder):
                        kind_folder = _open_folder(kind, folder)
                        if kind_folder is None:
                            continue
                        try:
                            _remove_orphans(kind_folder, PurePosixPath(top, kind), keep, only_temporary=False)
                        finally:
                            os.close(kind_folder)
                finally:
                    os.close(folder)
        finally:
            os.close(root)

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
            manifest["updated"] = _utc_now()
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
            manifest["updated"] = _utc_now()
            _write_json(self.root / _MANIFEST, manifest)
        return dataclasses.replace(older[-1], current=True)
