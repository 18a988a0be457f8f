"""A persistent on-disk cache of indicator results, shared by processes (a restarted app, the CLI).

An entry's key is a hash of everything the results depend on: the identity of every input file (path,
size, mtime and a cheap content hash of its first and last 64 KiB), the method choices, the indicators
asked for, the source of the project's own modules and :data:`CACHE_VERSION`. A changed file, option
or version is a new key, so nothing is ever invalidated in place; stale entries are only unused. Entries
are JSON, written to a temporary file and renamed, so a reader never sees half an entry.

The folder is ``$GEOPLAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/geoplan``, else ``~/.cache/geoplan``;
``GEOPLAN_CACHE_DIR=off`` disables the cache.

Example
-------
>>> key = results_key(("forest_coverage",), [], ("official", "linmu"))  # doctest: +SKIP
>>> load_results(key) is None  # doctest: +SKIP
True
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from wuxi_atlas.analysis.results import IndicatorResult

__all__ = [
    "CACHE_VERSION",
    "cache_dir",
    "entry_key",
    "file_identity",
    "load_entry",
    "load_results",
    "results_key",
    "store_entry",
    "store_results",
]

#: Bump when any indicator's computation or IndicatorResult's fields change.
CACHE_VERSION = "indicators-2"
_SAMPLE_BYTES = 64 * 1024

FileIdentity = tuple[str, int, int, str]


def cache_dir() -> Path | None:
    """The cache folder, or None when ``GEOPLAN_CACHE_DIR`` is ``off``."""
    configured = os.environ.get("GEOPLAN_CACHE_DIR")
    if configured:
        return None if configured.lower() == "off" else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "geoplan"


def file_identity(path: str | os.PathLike[str]) -> FileIdentity:
    """(absolute path, size in bytes, mtime in ns, blake2b of the first and last 64 KiB): a cheap identity
    that changes when a file is replaced, even by one of the same size and mtime. A missing file is
    (path, 0, 0, "")."""
    resolved = Path(path).resolve()
    try:
        stat = resolved.stat()
        digest = hashlib.blake2b(digest_size=16)
        with resolved.open("rb") as handle:
            digest.update(handle.read(_SAMPLE_BYTES))
            if stat.st_size > 2 * _SAMPLE_BYTES:
                handle.seek(-_SAMPLE_BYTES, os.SEEK_END)
                digest.update(handle.read(_SAMPLE_BYTES))
    except OSError:
        return (str(resolved), 0, 0, "")
    return (str(resolved), stat.st_size, stat.st_mtime_ns, digest.hexdigest())


@functools.cache
def _code_identity() -> str:
    """A hash of the project's own modules (``analysis/``, ``layers/`` and their subpackages: the readers
    and the zonal engine too), so an edited module is a new key even where :data:`CACHE_VERSION` was not
    bumped."""
    root = Path(__file__).resolve().parent.parent
    modules = sorted([*root.glob("analysis/**/*.py"), *root.glob("layers/**/*.py")])
    digest = hashlib.blake2b(digest_size=16)
    for module in modules:
        digest.update(str(module.relative_to(root)).encode())
        digest.update(module.read_bytes())
    return digest.hexdigest()


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


def _entry(namespace: str, key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / namespace / f"{key}.json"


def load_entry(namespace: str, key: str) -> Any | None:
    """The JSON value stored under ``namespace``/``key``, or None (no entry, or an unreadable one)."""
    entry = _entry(namespace, key)
    if entry is None:
        return None
    try:
        return json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


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
            handle.write(text)
        os.replace(temporary, entry)
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        return False
    return True


def load_results(key: str) -> list[IndicatorResult] | None:
    """The results stored under ``key``, or None (no entry, or one that cannot be read)."""
    records = load_entry("indicators", key)
    if not isinstance(records, list):
        return None
    try:
        return [IndicatorResult(**record) for record in records]
    except TypeError:
        return None


def store_results(key: str, results: Sequence[IndicatorResult]) -> bool:
    """Store ``results`` under ``key`` atomically; False (nothing written) when the folder is not
    writable or a result does not survive a JSON round trip unchanged."""
    entry = _entry("indicators", key)
    if entry is None:
        return False
    try:
        text = json.dumps([dataclasses.asdict(r) for r in results], ensure_ascii=False)
        again = [dataclasses.asdict(IndicatorResult(**r)) for r in json.loads(text)]
    except (TypeError, ValueError):
        return False
    if json.dumps(again, ensure_ascii=False) != text:
        return False
    return _write_atomically(entry, text)
