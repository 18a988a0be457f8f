"""What the catalog holds and hands out: a stored version with its provenance (:class:`CatalogEntry`)
and a file read and validated but not yet stored (:class:`StagedLayer`). Both are plain frozen records,
the same whichever backend stores the versions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wuxi_atlas.analysis.sources import LandSurveySource, LayerKind, RasterSource, VectorSource

__all__ = ["CONVERSION_PREFIXES", "CatalogEntry", "StagedLayer", "utc_now"]

#: Notes that describe a change made to the data (as opposed to a doubt about it).
CONVERSION_PREFIXES = (
    "mapped columns",
    "converted coordinates",
    "reprojected",
    "repaired",
    "renamed column",
)


def utc_now() -> str:
    """Now, as ISO 8601 UTC to the second (``2025-03-01T08:00:00Z``): when a layer was staged or stored."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class CatalogEntry:
    """One stored version of a layer, with its provenance.

    ``file`` is relative to the catalog directory; ``imported_at`` is ISO 8601 UTC; ``source_crs`` is
    the CRS (or datum) of the original file and ``conversion`` every change made to reach the stored
    EPSG:4326 data (datum shift, reprojection, repairs, column mapping). ``feature_count`` is None for a
    raster. ``options`` are the read options the import used (``lonlat_crs``, ``column_map`` …).
    ``current`` says whether it is the kind's current version when it was listed.

    ``committed_by`` and ``committed_role`` are who saved the version (empty for versions saved before
    catalogs kept an audit trail), ``note`` why, and ``scope`` the district adcodes the save replaced
    (empty: the whole city; see :mod:`layers.catalog.district_scope`). ``removed`` marks a version
    soft-deleted: kept, readable by its number, restorable, never current (see
    :mod:`layers.catalog.audit`).

    ``year`` is the year the data describe (the version's vintage; None: unknown) and ``year_source``
    where it was found: ``--year`` (given at import), or the file's metadata (``YEAR tag``, ``vintage in
    the layer metadata`` …). Every kind holds versions of several years; ``geoplan history`` computes
    the indicators for each. ``vintage`` is the same year as text (older catalogs kept only that).
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
    year: int | None = None
    year_source: str = ""
    committed_by: str = ""
    committed_role: str = ""
    note: str = ""
    scope: tuple[str, ...] = ()
    removed: bool = False
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
        record["scope"] = list(self.scope)
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any], current: bool = False) -> CatalogEntry:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {key: value for key, value in record.items() if key in names}
        values["conversion"] = tuple(values.get("conversion", ()))
        values["notes"] = tuple(values.get("notes", ()))
        values["options"] = dict(values.get("options") or {})
        values["scope"] = tuple(values.get("scope") or ())
        values["current"] = current
        if "year" not in values:
            values["year"], values["year_source"] = _year_of_old_record(values)
        return cls(**values)


@dataclass(frozen=True)
class StagedLayer:
    """A file read and validated as a layer kind, not yet in any catalog.

    ``source`` is ready to draw and to compute with (an upload can stay in one session as this);
    :meth:`Catalog.commit` stores it. ``fields_found`` are the kind's fields present after mapping,
    ``fields_missing`` its optional fields absent (a required one missing is an error), and
    ``extra_columns`` the file's other columns, kept as they are. ``year`` is the year the data describe
    (None: unknown) and ``year_source`` where it comes from (see :class:`CatalogEntry`).
    """

    kind: LayerKind
    source: VectorSource | RasterSource | LandSurveySource
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
    year: int | None = None
    year_source: str = ""

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(note for note in self.notes if note.startswith("warning"))

    @property
    def remarks(self) -> tuple[str, ...]:
        return _remarks(self.notes)

    @property
    def synthetic(self) -> bool:
        return self.source.synthetic


def _year_of_old_record(values: Mapping[str, Any]) -> tuple[int | None, str]:
    """The year of a version stored before catalogs kept one: its ``vintage`` when that is a year the
    file stated. Older imports took an unstated year from the file's modification time (and noted it);
    such a year is not the data's, so the vintage is unknown."""
    vintage = str(values.get("vintage") or "")
    guessed = any("modification time" in str(note) for note in values.get("notes", ()))
    if guessed or not (len(vintage) == 4 and vintage.isdigit()):
        return None, ""
    return int(vintage), "the file's metadata (recorded before catalogs kept a year)"


def _remarks(notes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in notes if not n.startswith(CONVERSION_PREFIXES) and not n.startswith("warning"))
