"""A persistent on-disk cache of indicator results, shared by processes (a restarted app, the CLI).

An entry's key is a hash of everything the results depend on: the identity of every input file
(:func:`file_identity`: its path, size, mtime and content, with a GeoPackage's ``-wal`` or ``-journal``,
which its readers read too), the method choices, the indicators asked for, the source of the project's
own modules and :data:`CACHE_VERSION`. A changed file, option or version is a new key, so nothing is
ever invalidated in place; stale entries are only unused. Entries are JSON after a line with the SHA-256
of that JSON, written to a temporary file and renamed, so a reader never sees half an entry, and one
damaged on disk is a miss, not a wrong number.

The folder is ``$GEOPLAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/geoplan``, else ``~/.cache/geoplan``;
``GEOPLAN_CACHE_DIR=off`` disables the cache. Its entries are bounded (``$GEOPLAN_CACHE_MAX_MB``, default
:data:`DEFAULT_MAX_MB`): each store that takes them past the bound removes the least recently used
entries (a read marks an entry used), since every upgrade or changed file leaves old keys behind.

Example
-------
>>> key = results_key(("forest_coverage",), [], ("official", "linmu"))  # doctest: +SKIP
>>> load_results(key) is None  # doctest: +SKIP
True
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from wuxi_atlas.analysis.results import IndicatorResult

__all__ = [
    "CACHE_VERSION",
    "DEFAULT_MAX_MB",
    "EntryKeys",
    "cache_dir",
    "code_identity",
    "content_key",
    "entry_key",
    "entry_keys",
    "file_identity",
    "load_entry",
    "load_results",
    "prune",
    "results_key",
    "results_keys",
    "results_of",
    "store_entry",
    "store_results",
]

#: Bump when any indicator's computation or IndicatorResult's fields change.
CACHE_VERSION = "indicators-3"
#: The entries' size bound in MB when ``GEOPLAN_CACHE_MAX_MB`` is not set.
DEFAULT_MAX_MB = 1024
#: An entry's file name: the key (a SHA-256 in hex), ``.json``. Nothing else in the folder is pruned
#: (the PostGIS catalog's local copies live there too, under their own rules).
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.json")
#: A file up to this size is identified by a hash of all of it (about 20 ms for the 12 MB demo
#: GeoPackage, once per process); a larger one by its first and last 64 KiB, its inode and its change
#: time, which every write updates on POSIX and no user can set back (unlike the mtime).
_WHOLE_FILE_BYTES = 64 * 1024 * 1024
_SAMPLE_BYTES = 64 * 1024
#: What SQLite (a GeoPackage) reads beside the file: an edit committed in WAL mode (QGIS edits so)
#: can sit in ``-wal`` for as long as the editor keeps the file open, the file itself unchanged.
_SQLITE_SIDECARS = ("-wal", "-journal")
_LIBRARY_METADATA = re.compile(
    r"(numpy|pandas|geopandas|shapely|pyogrio|pyproj|rasterio)-.+\.(dist|egg)-info$", re.IGNORECASE
)

FileIdentity = tuple[str, int, int, str]


def cache_dir() -> Path | None:
    """The cache folder, or None when ``GEOPLAN_CACHE_DIR`` is ``off`` (or no folder is named and the
    user has no home folder, as a container's user without a passwd entry)."""
    configured = os.environ.get("GEOPLAN_CACHE_DIR")
    if configured:
        return None if configured.lower() == "off" else Path(configured)
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except RuntimeError:  # Path.home(): "Could not determine home directory."
        return None
    return Path(base) / "geoplan"


def file_identity(path: str | os.PathLike[str]) -> FileIdentity:
    """(absolute path, size in bytes, mtime in ns, content digest): an identity that changes when the
    file's content changes, even to one of the same size and mtime, or when its SQLite ``-wal`` or
    ``-journal`` appears or changes. A missing file is (path, 0, 0, "").

    The path is the one given, made absolute but not resolved: a symbolic link and its target are two
    identities, as the results name the file they were read from (``link.csv:stations``)."""
    given = Path(os.path.abspath(path))
    try:
        stat = given.stat()
        digest = _content_digest(given, stat)
        for suffix in _SQLITE_SIDECARS:
            sidecar = given.with_name(given.name + suffix)
            if sidecar.exists():
                digest += f" {suffix}:{_content_digest(sidecar, sidecar.stat())}"
    except OSError:
        return (str(given), 0, 0, "")
    return (str(given), stat.st_size, stat.st_mtime_ns, digest)


def _content_digest(path: Path, stat: os.stat_result) -> str:
    state = (str(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    if os.name != "posix":  # st_ctime is the creation time there, not the last change: hash again
        return _hash_content(*state)
    return _remembered_digest(*state)


def _hash_content(path: str, _dev: int, ino: int, size: int, _mtime_ns: int, ctime_ns: int) -> str:
    with open(path, "rb") as handle:
        if size <= _WHOLE_FILE_BYTES:
            return hashlib.file_digest(handle, "sha256").hexdigest()
        digest = hashlib.sha256(f"{ino} {ctime_ns}".encode())
        digest.update(handle.read(_SAMPLE_BYTES))
        handle.seek(-_SAMPLE_BYTES, os.SEEK_END)
        digest.update(handle.read(_SAMPLE_BYTES))
    return digest.hexdigest()


#: A file's digest, kept for this process while its inode, size, mtime and change time stay the same:
#: on POSIX no write leaves all of them as they were, so a run's keys hash each file once.
_remembered_digest = functools.lru_cache(maxsize=256)(_hash_content)


@functools.cache
def _code_identity() -> str:
    """A hash of the project's own modules (``analysis/``, ``layers/`` and their subpackages: the readers
    and the zonal engine too), so an edited module is a new key even where :data:`CACHE_VERSION` was not
    bumped; and the versions of the libraries the results are computed with (GEOS, PROJ and GDAL come in
    their wheels), so an upgrade is a new key too."""
    root = Path(__file__).resolve().parent.parent
    modules = sorted([*root.glob("analysis/**/*.py"), *root.glob("layers/**/*.py")])
    digest = hashlib.blake2b(digest_size=16)
    for module in modules:
        digest.update(str(module.relative_to(root)).encode())
        digest.update(module.read_bytes())
    digest.update(repr(_library_versions()).encode())
    return digest.hexdigest()


def code_identity() -> str:
    """The identity of this code and its libraries (as in every :func:`entry_key`): what results written
    outside this machine's cache (:mod:`analysis.shipped_results`) are stamped with."""
    return _code_identity()


def _library_versions() -> list[str]:
    """The installed distributions of the libraries that compute, as their metadata folders are named
    (``shapely-2.0.6.dist-info``): a listing of the import folders, not importlib.metadata (~0.1 s to
    import) nor the libraries themselves (a run from the cache imports neither pandas nor geopandas)."""
    found: list[str] = []
    for folder in dict.fromkeys(filter(None, sys.path)):  # not "" (the working folder)
        try:
            with os.scandir(folder) as entries:
                found += [e.name for e in entries if _LIBRARY_METADATA.match(e.name)]
        except OSError:
            continue
    return sorted(found)


def entry_key(files: Iterable[str | os.PathLike[str]], parts: Any) -> str:
    """The key of a value computed from ``files`` and ``parts`` (any value with a stable ``repr``: plain
    tuples, numbers and strings), under :data:`CACHE_VERSION`."""
    record = {
        "version": CACHE_VERSION,
        "code": _code_identity(),
        "files": [file_identity(path) for path in files],
        "parts": repr(parts),
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def results_key(indicators: Sequence[str], files: Iterable[str | os.PathLike[str]], options: Any) -> str:
    """The key of the results of ``indicators`` computed from ``files`` with ``options``."""
    return entry_key(files, ("indicators", tuple(indicators), options))


def content_key(files: Iterable[str | os.PathLike[str]], parts: Any) -> str:
    """The key of a value computed from ``files`` and ``parts`` that holds wherever files of the same names
    and contents are: neither their folders, their times nor the code are in it (unlike
    :func:`entry_key`). The key of the results written with the shipped data
    (:mod:`analysis.shipped_results`), whose test recomputes them, as the code is not in the key."""
    identities = []
    for path in files:
        _, size, _, digest = file_identity(path)
        identities.append((Path(path).name, size, digest))
    record = {"version": CACHE_VERSION, "files": identities, "parts": repr(parts)}
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


class EntryKeys(NamedTuple):
    """A value's two keys: ``local``, its entry in this machine's cache (:func:`entry_key`), and
    ``content``, its entry among the results written with the shipped data (:func:`content_key`)."""

    local: str
    content: str


def entry_keys(files: Iterable[str | os.PathLike[str]], parts: Any) -> EntryKeys:
    """Both keys of a value computed from ``files`` and ``parts``."""
    files = list(files)
    return EntryKeys(entry_key(files, parts), content_key(files, parts))


def results_keys(
    indicators: Sequence[str], files: Iterable[str | os.PathLike[str]], options: Any
) -> EntryKeys:
    """Both keys of the results of ``indicators`` computed from ``files`` with ``options``."""
    return entry_keys(files, ("indicators", tuple(indicators), options))


def _entry(namespace: str, key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / namespace / f"{key}.json"


def load_entry(namespace: str, key: str) -> Any | None:
    """The JSON value stored under ``namespace``/``key``, or None (no entry, or one that is not as it
    was written: damaged, cut short, or from a version that wrote no checksum)."""
    entry = _entry(namespace, key)
    if entry is None:
        return None
    try:
        checksum, _, text = entry.read_text(encoding="utf-8").partition("\n")
        if checksum != _checksum(text):
            return None
        value = json.loads(text)
    except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested deeper than json parses
        return None
    with contextlib.suppress(OSError):
        os.utime(entry)  # used now: the last to go when the cache is pruned
    return value


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def store_entry(namespace: str, key: str, value: Any) -> bool:
    """Store the JSON ``value`` under ``namespace``/``key`` atomically (a temporary file renamed over the
    entry); False, and nothing written, when it is not JSON or the folder is not writable."""
    entry = _entry(namespace, key)
    if entry is None:
        return False
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return False
    return _write_atomically(entry, text)


def _write_atomically(entry: Path, text: str) -> bool:
    temporary: str | None = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=entry.parent, prefix=".tmp-", suffix=".json", delete=False
        ) as handle:
            temporary = handle.name
            handle.write(f"{_checksum(text)}\n{text}")
        os.replace(temporary, entry)
    except (OSError, UnicodeError):  # UnicodeError: a lone surrogate (a file name not in UTF-8)
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        return False
    prune(entry.parent.parent, keep=entry)
    return True


def _max_bytes() -> int:
    """``GEOPLAN_CACHE_MAX_MB`` in bytes; :data:`DEFAULT_MAX_MB` when unset or not a number."""
    try:
        megabytes = float(os.environ.get("GEOPLAN_CACHE_MAX_MB") or DEFAULT_MAX_MB)
    except ValueError:
        megabytes = DEFAULT_MAX_MB
    return int(max(megabytes, 0.0) * 1024 * 1024)


def prune(folder: Path | None = None, max_bytes: int | None = None, keep: Path | None = None) -> int:
    """Remove the least recently used entries of the cache in ``folder`` (default :func:`cache_dir`)
    until they take at most ``max_bytes`` (default ``GEOPLAN_CACHE_MAX_MB``); ``keep`` (the entry just
    written) stays. Returns how many went. Another process may be reading an entry that goes: its read
    fails, which is a miss, so it computes again."""
    folder = cache_dir() if folder is None else folder
    if folder is None:
        return 0
    limit = _max_bytes() if max_bytes is None else max_bytes
    entries: list[tuple[int, int, Path]] = []
    try:
        for namespace in folder.iterdir():
            if namespace.is_dir():
                for entry in namespace.iterdir():
                    if _ENTRY_NAME.fullmatch(entry.name):
                        stat = entry.stat()
                        entries.append((stat.st_mtime_ns, stat.st_size, entry))
    except OSError:
        return 0
    total = sum(size for _, size, _ in entries)
    removed = 0
    for _, size, entry in sorted(entries, key=lambda e: e[0]):
        if total <= limit:
            break
        if entry == keep:
            continue
        try:
            entry.unlink()
        except OSError:
            continue
        total -= size
        removed += 1
    return removed


def load_results(key: str) -> list[IndicatorResult] | None:
    """The results stored under ``key``, or None (no entry, or one that cannot be read)."""
    return results_of(load_entry("indicators", key))


def results_of(records: Any) -> list[IndicatorResult] | None:
    """The results a stored JSON value holds, or None when it does not hold results."""
    if not isinstance(records, list):
        return None
    try:
        return [IndicatorResult(**record) for record in records]
    except TypeError:
        return None


def store_results(key: str, results: Sequence[IndicatorResult]) -> bool:
    """Store ``results`` under ``key`` atomically; False (nothing written) when the folder is not
    writable or a result does not survive a JSON round trip unchanged (its ``repr``, which tells a
    tuple from a list, a whole-number key from a text one and a numpy float from a float)."""
    entry = _entry("indicators", key)
    if entry is None:
        return False
    try:
        text = json.dumps([dataclasses.asdict(r) for r in results], ensure_ascii=False)
        again = [IndicatorResult(**r) for r in json.loads(text)]
    except (TypeError, ValueError):
        return False
    if repr(again) != repr(list(results)):
        return False
    return _write_atomically(entry, text)
