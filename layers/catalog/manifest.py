"""The layer catalog's ``manifest.json``: its schema, checked every time the catalog reads it.

A manifest may be edited by hand, restored from an old backup or damaged, and the catalog reads it on
every call. :func:`check_manifest` holds it against the schema below before anything uses it, so a bad
one is a single clear error naming the file and the key (``kinds.stations.versions[0].file``), never a
traceback from deep inside the catalog. It also keeps every version's ``file`` a relative path inside
the catalog folder: a manifest cannot send the catalog to read (or keep) a file elsewhere.

::

    {
      "format": "geoplan-catalog/1",
      "updated": "2025-03-01T08:00:00Z",            optional, ISO 8601 UTC
      "kinds": {
        "stations": {                                a kind of analysis.sources.LAYER_KINDS
          "current": 2,                              a stored version, or null
          "next_version": 3,                         above every stored version
          "versions": [
            {"version": 1, "file": "layers/stations/v0001.gpkg", "kind": "stations", ...}
          ]
        }
      }
    }

A kind may also hold ``events``, its audit trail: :class:`layers.catalog.audit.AuditEvent` records (see
:data:`EVENT_FIELDS`), appended in the same write as the change they record; a version marked
``removed`` stays listed (soft delete) and is never ``current``.

A version holds the fields of :class:`layers.catalog.CatalogEntry` (see :data:`VERSION_FIELDS`);
keys the schema does not know are ignored, so a newer atlas may add some. ``year`` (the year the data
describe, 1900–2100, or null when unknown) and ``year_source`` are optional: catalogs written before they
existed still load.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from wuxi_atlas.analysis.errors import LayerReadError, printable
from wuxi_atlas.analysis.sources import LAYER_KINDS
from wuxi_atlas.layers.catalog.audit import ACTIONS

__all__ = ["EVENT_FIELDS", "MANIFEST_FORMAT", "VERSION_FIELDS", "check_manifest"]

MANIFEST_FORMAT = "geoplan-catalog/1"

_NULL = type(None)
#: A version record's keys: the JSON types each may have, and whether it must be there.
VERSION_FIELDS: Mapping[str, tuple[tuple[type, ...], bool]] = {
    "version": ((int,), True),
    "file": ((str,), True),
    "kind": ((str,), True),
    "original_name": ((str,), True),
    "sha256": ((str,), True),
    "size_bytes": ((int,), True),
    "imported_at": ((str,), True),
    "source_crs": ((str,), True),
    "conversion": ((list,), True),
    "feature_count": ((int, _NULL), True),
    "notes": ((list,), True),
    "synthetic": ((bool,), True),
    "vintage": ((str,), False),
    "scheme": ((str, _NULL), False),
    "options": ((dict,), False),
    "year": ((int, _NULL), False),
    "year_source": ((str,), False),
    "committed_by": ((str,), False),
    "committed_role": ((str,), False),
    "note": ((str,), False),
    "scope": ((list,), False),
    "removed": ((bool,), False),
}
#: An audit event's keys (:class:`layers.catalog.audit.AuditEvent`), as :data:`VERSION_FIELDS`.
EVENT_FIELDS: Mapping[str, tuple[tuple[type, ...], bool]] = {
    "at": ((str,), True),
    "action": ((str,), True),
    "kind": ((str,), True),
    "version": ((int,), True),
    "user": ((str,), True),
    "role": ((str,), True),
    "note": ((str,), False),
    "original_name": ((str,), False),
    "sha256": ((str,), False),
    "previous": ((int, _NULL), False),
    "scope": ((list,), False),
    "adcodes": ((list,), False),
    "local": ((bool,), False),
}
#: Years a version's ``year`` may have.
_YEARS = range(1900, 2101)
_TEXT_LISTS = ("conversion", "notes")
_JSON_NAMES: Mapping[type, str] = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "an object",
    _NULL: "null",
}


class _Bad(Exception):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(key, problem)
        self.key, self.problem = key, problem


def _json_type(value: object) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _is(value: object, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):  # JSON true is not the integer 1 here
        return bool in types
    return isinstance(value, types)


def _expect(value: object, types: tuple[type, ...], key: str) -> None:
    if not _is(value, types):
        wanted = " or ".join(_JSON_NAMES[t] for t in types)
        raise _Bad(key, f"must be {wanted}, not {_json_type(value)} ({printable(repr(value)[:40])})")


def _outside(file: str) -> bool:
    """Whether a manifest's ``file`` could name anything outside the catalog folder."""
    if not file or "\x00" in file or "\\" in file or PureWindowsPath(file).drive:
        return True
    path = PurePosixPath(file)
    return path.is_absolute() or ".." in path.parts or path == PurePosixPath(".")


def _check_version(record: object, kind: str, key: str) -> int:
    _expect(record, (dict,), key)
    assert isinstance(record, dict)
    for name, (types, required) in VERSION_FIELDS.items():
        if name not in record:
            if required:
                raise _Bad(f"{key}.{name}", "is missing")
            continue
        _expect(record[name], types, f"{key}.{name}")
    for name in (*_TEXT_LISTS, "scope"):
        for index, item in enumerate(record.get(name, ())):
            _expect(item, (str,), f"{key}.{name}[{index}]")
    for name in ("version", "size_bytes", "feature_count"):
        value = record[name]
        if value is not None and value < (1 if name == "version" else 0):
            raise _Bad(f"{key}.{name}", f"is {value}; it must be {'1' if name == 'version' else '0'} or more")
    year = record.get("year")
    if year is not None and year not in _YEARS:
        raise _Bad(f"{key}.year", f"is {year}; a version's year is from 1900 to 2100, or null when unknown")
    if record["kind"] != kind:
        raise _Bad(f"{key}.kind", f"is {printable(repr(record['kind']))} in the list of {kind} versions")
    if _outside(record["file"]):
        raise _Bad(
            f"{key}.file",
            f"is {printable(repr(record['file']))}, a path outside the catalog; a version's file is a "
            f"relative path inside it (layers/{kind}/v0001.gpkg)",
        )
    return int(record["version"])


def _check_event(record: object, kind: str, key: str) -> None:
    _expect(record, (dict,), key)
    assert isinstance(record, dict)
    for name, (types, required) in EVENT_FIELDS.items():
        if name in record:
            _expect(record[name], types, f"{key}.{name}")
        elif required:
            raise _Bad(f"{key}.{name}", "is missing")
    if record["action"] not in ACTIONS:
        raise _Bad(
            f"{key}.action", f"is {printable(repr(record['action']))}; it is one of {', '.join(ACTIONS)}"
        )
    if record["kind"] != kind:
        raise _Bad(f"{key}.kind", f"is {printable(repr(record['kind']))} in the trail of {kind}")


def _check_kind(record: object, kind: str, key: str) -> None:
    _expect(record, (dict,), key)
    assert isinstance(record, dict)
    for name, types in (("current", (int, _NULL)), ("next_version", (int,)), ("versions", (list,))):
        if name not in record:
            raise _Bad(f"{key}.{name}", "is missing")
        _expect(record[name], types, f"{key}.{name}")
    stored: list[int] = []
    for index, version in enumerate(record["versions"]):
        number = _check_version(version, kind, f"{key}.versions[{index}]")
        if number in stored:
            raise _Bad(f"{key}.versions[{index}].version", f"is {number}, a version already listed")
        stored.append(number)
    shown = ", ".join(map(str, stored)) or "none"
    if record["current"] is not None and record["current"] not in stored:
        raise _Bad(
            f"{key}.current", f"is {record['current']}, which is not a stored version (stored: {shown})"
        )
    removed = {v["version"] for v in record["versions"] if v.get("removed")}
    if record["current"] in removed:
        raise _Bad(
            f"{key}.current", f"is {record['current']}, a removed version; a removed version is never current"
        )
    _expect(record.get("events", []), (list,), f"{key}.events")
    for index, event in enumerate(record.get("events", [])):
        _check_event(event, kind, f"{key}.events[{index}]")
    if stored and record["next_version"] <= max(stored):
        raise _Bad(
            f"{key}.next_version",
            f"is {record['next_version']}, but version {max(stored)} is stored; it must be above every "
            "stored version (a new import would overwrite one)",
        )


def check_manifest(document: Mapping[str, Any], where: Path) -> None:
    """Check a parsed manifest against the schema; :class:`LayerReadError` naming ``where`` and the key.

    ``document`` is a JSON object whose ``format`` has been checked already.

    Examples
    --------
    >>> check_manifest({"format": MANIFEST_FORMAT, "kinds": []}, Path("manifest.json"))
    Traceback (most recent call last):
    ...
    analysis.errors.LayerReadError: manifest.json: kinds must be an object, not a list ([]); ...
    """
    try:
        if "updated" in document:
            _expect(document["updated"], (str,), "updated")
        if "kinds" not in document:
            raise _Bad("kinds", "is missing")
        _expect(document["kinds"], (dict,), "kinds")
        for kind, record in document["kinds"].items():
            if kind not in LAYER_KINDS:
                raise _Bad(f"kinds.{kind}", f"is not a layer kind (the kinds are {', '.join(LAYER_KINDS)})")
            _check_kind(record, kind, f"kinds.{kind}")
    except _Bad as bad:
        raise LayerReadError(
            f"{where}: {printable(bad.key)} {bad.problem}; correct it, or restore the file from a backup "
            "(the layer files themselves are untouched)"
        ) from None
