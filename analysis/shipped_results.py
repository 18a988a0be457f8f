"""The results of the vector indicators on the shipped layers, written with the shipped data.

A run on the shipped demo layers spends most of its time, once the raster is read, on the indicators
that read only vector layers (:mod:`analysis.indicator_cache`) and on the zones of the raster pass
(:mod:`analysis.cached_run`). Both depend only on the layer files, the targets and the method choices,
so ``geoplan demo-data`` computes them when it writes the layers, with the default choices, and keeps
them in ``demo/vector_results.json`` of the data directory (:func:`shipped_results_path`). A run whose
layers are those files then computes only the raster indicators, even with an empty result cache (a
fresh install, a cold server).

The entries are keyed by :func:`analysis.result_cache.content_key`: the files' names, sizes and
SHA-256, the parts of the entry and :data:`~analysis.result_cache.CACHE_VERSION`, not where the files
lie (a wheel installs them anywhere) nor the code. So nothing in the key notices a change of method:
``tests/analysis/test_shipped_results.py`` recomputes every entry from the shipped layers and fails
when one differs (then run ``geoplan demo-data --overwrite``). Only the data directory's own file is
read (the shipped one, or ``$GEOPLAN_DATA_DIR``'s), never one beside a user's file, which could say
anything; a user's own layers are computed and kept in the local result cache as before. No test
recomputes the file of another data directory (``demo-data --out DIR``, a copy of the shipped data),
which an upgrade leaves as its day's code wrote it: that one is written with the code's identity
(:func:`analysis.result_cache.code_identity`, as in the local cache's keys) and believed only by the
same code.
``GEOPLAN_CACHE_DIR=off`` turns these results off too: every indicator is then computed.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from stat import S_ISREG
from typing import Any

from wuxi_atlas.analysis.paths import data_dir, shipped_data_dir
from wuxi_atlas.analysis.result_cache import EntryKeys, cache_dir, code_identity, load_entry

__all__ = [
    "FILE_NAME",
    "MAX_BYTES",
    "computed_afresh",
    "format_shipped_results",
    "is_shipped_data_dir",
    "load_keyed",
    "shipped_entry",
    "shipped_results_path",
]

FILE_NAME = "vector_results.json"
_FORMAT = "wuxi-atlas shipped results 1"
#: A larger file is not read: every process would read and parse all of it (the shipped one is under 1 MB).
MAX_BYTES = 64 * 1024 * 1024
#: Set while the shipped results are being computed, so that none of the old ones is read back.
_AFRESH: contextvars.ContextVar[bool] = contextvars.ContextVar("shipped_results_afresh", default=False)


def shipped_results_path() -> Path:
    """Where the data directory keeps the results computed with its layers."""
    return data_dir() / "demo" / FILE_NAME


@contextlib.contextmanager
def computed_afresh() -> Iterator[None]:
    """Within: no shipped result is read (while ``geoplan demo-data`` computes new ones)."""
    token = _AFRESH.set(True)
    try:
        yield
    finally:
        _AFRESH.reset(token)


def format_shipped_results(entries: Mapping[str, Mapping[str, Any]], code: str | None = None) -> str:
    """The file's text for ``entries`` (namespace -> content key -> JSON value): a line with the SHA-256
    of the JSON that follows, as in the result cache, so a damaged file is ignored, not believed. The
    same entries give the same bytes: the entries in the order of their keys, each value's members in
    their own order (a result's ``extra`` is printed in it). ``code``: the identity of the code that
    computed them, for any data directory but the shipped one (see the module's docstring)."""
    ordered = {namespace: dict(sorted(entries[namespace].items())) for namespace in sorted(entries)}
    record: dict[str, Any] = {"format": _FORMAT}
    if code is not None:
        record["code"] = code
    text = json.dumps({**record, "entries": ordered}, ensure_ascii=False)
    return f"{_checksum(text)}\n{text}\n"


def is_shipped_data_dir(folder: Path) -> bool:
    """Whether ``folder`` is the shipped data directory, whose results the tests recompute."""
    try:
        return folder.resolve() == shipped_data_dir().resolve()
    except OSError:
        return False


def shipped_entry(namespace: str, key: str) -> Any | None:
    """The value under ``namespace``/``key`` (a content key) in the data directory's results, or None."""
    if _AFRESH.get() or cache_dir() is None:
        return None
    path = shipped_results_path()
    try:
        stat = path.stat()
    except OSError:
        return None
    if not S_ISREG(stat.st_mode) or stat.st_size > MAX_BYTES:
        return None  # a pipe or a device (/dev/zero) would block or never end when read
    code, entries = _read(str(path), stat.st_size, stat.st_mtime_ns)
    if not is_shipped_data_dir(path.parent.parent) and code != code_identity():
        return None  # computed by other code, as far as anyone knows: an upgrade may have changed it
    value = entries.get(namespace, {}).get(key)
    return None if value is None else json.loads(value)  # a fresh copy: callers may change it


def load_keyed(namespace: str, keys: EntryKeys) -> Any | None:
    """The value under ``keys``: this machine's cache entry, else the data directory's shipped result."""
    value = load_entry(namespace, keys.local)
    return value if value is not None else shipped_entry(namespace, keys.content)


@functools.lru_cache(maxsize=4)
def _read(path: str, _size: int, _mtime_ns: int) -> tuple[str | None, dict[str, dict[str, str]]]:
    """The code stamp and the entries of the file at ``path`` (as it is at that size and mtime), each
    value kept as JSON text; no entries when the file is damaged or not this format."""
    try:
        with open(path, encoding="utf-8") as handle:
            checksum, _, text = handle.read(MAX_BYTES + 1).partition("\n")  # it may have grown
        if checksum != _checksum(text.rstrip("\n")):
            return None, {}
        record = json.loads(text)
        if record.get("format") != _FORMAT:
            return None, {}
        code = record.get("code")
        return code if isinstance(code, str) else None, {
            str(namespace): {str(key): json.dumps(value, ensure_ascii=False) for key, value in values.items()}
            for namespace, values in record["entries"].items()
        }
    except (OSError, ValueError, AttributeError, KeyError, TypeError, RecursionError):
        return None, {}  # RecursionError: JSON nested deeper than json parses


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
