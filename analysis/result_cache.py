"""A persistent on-disk cache of indicator results, shared by processes (a restarted app, the CLI).

An entry's key is a hash of everything the results depend on: the identity of every input file (path,
size, mtime and a cheap content hash of its first and last 64 KiB), the method choices, the indicators
asked for and :data:`CACHE_VERSION`, which changes whenever the computation does. A changed file, option
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
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from analysis.results import IndicatorResult

__all__ = ["CACHE_VERSION", "cache_dir", "file_identity", "load_results", "results_key", "store_results"]

#: Bump when any indicator's computation or IndicatorResult's fields change.
CACHE_VERSION = "indicators-1"
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


def results_key(indicators: Sequence[str], files: Iterable[str | os.PathLike[str]], options: Any) -> str:
    """The key of the results of ``indicators`` computed from ``files`` with ``options`` (any value with a
    stable ``repr``: plain tuples, numbers and strings)."""
    parts = {
        "version": CACHE_VERSION,
        "indicators": list(indicators),
        "files": [file_identity(path) for path in files],
        "options": repr(options),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _entry(key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / "indicators" / f"{key}.json"


def load_results(key: str) -> list[IndicatorResult] | None:
    """The results stored under ``key``, or None (no entry, or one that cannot be read)."""
    entry = _entry(key)
    if entry is None:
        return None
    try:
        records = json.loads(entry.read_text(encoding="utf-8"))
        return [IndicatorResult(**record) for record in records]
    except (OSError, ValueError, TypeError):
        return None


def store_results(key: str, results: Sequence[IndicatorResult]) -> bool:
    """Store ``results`` under ``key`` atomically; False (nothing written) when the folder is not
    writable or a result does not survive a JSON round trip unchanged."""
    entry = _entry(key)
    if entry is None:
        return False
    try:
        text = json.dumps([dataclasses.asdict(r) for r in results], ensure_ascii=False)
    except (TypeError, ValueError):
        return False
    if (
        json.dumps([dataclasses.asdict(IndicatorResult(**r)) for r in json.loads(text)], ensure_ascii=False)
        != text
    ):
        return False
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=entry.parent, prefix=".tmp-", suffix=".json", delete=False
        ) as handle:
            handle.write(text)
        os.replace(handle.name, entry)
    except OSError:
        return False
    return True
