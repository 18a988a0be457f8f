"""Where a layer came from: the year it describes, whether it is synthetic, and the text naming its
source, from the file's own metadata or a ``MANIFEST.json`` next to it (what the demo generator and
many data deliveries ship), or from what the atlas's own export writes into the file.

A file may always make itself synthetic, never real: a layer is synthetic when any of these says so,
and nothing a file says unmarks it. The GeoJSON export (:func:`analysis.export.layer_to_geojson`) marks
synthetic data twice: a top-level ``synthetic`` member (GDAL drops foreign members, so it is read here
from the head of the file, :func:`json_declarations`) and a ``synthetic`` property on every feature,
which also survives as a column when the export is turned into a table (:func:`marks_synthetic`).

The year a layer describes (its vintage) is read from what the file says, never from when it was
written to disk: a file's modification time changes when it is copied, unzipped or downloaded, so a
layer that states no year has an unknown vintage until the user gives one (``geoplan layers add …
--year``, the Data page's year field).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuxi_atlas.analysis.sources import LayerKind, VectorSource

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "RASTER_YEAR_TAGS",
    "check_year",
    "json_declarations",
    "lower_keys",
    "manifest_beside",
    "manifest_path",
    "marks_synthetic",
    "raster_year",
    "shown_name",
    "source_text",
    "truthy",
    "vector_source",
    "vintage",
    "year_of",
]

#: GeoTIFF metadata items that state the year a raster describes, most specific first (lower case). The
#: last, ``tifftag_datetime``, is when the file was made, so a year taken from it says so.
RASTER_YEAR_TAGS: tuple[str, ...] = (
    "year",
    "vintage",
    "date",
    "acquisition_date",
    "acquisitiondatetime",
    "time_coverage_start",
    "tifftag_datetime",
)
#: Metadata values that say yes, in lower case.
_YES = frozenset({"true", "1", "yes", "y", "是"})
#: Years a vintage may have.
_YEARS = range(1900, 2101)
#: How much of a JSON file is searched for top-level members: the export writes them before "features".
_JSON_HEAD_BYTES = 64 * 1024
_JSON_SPACE = frozenset(" \t\r\n")
_JSON_SUFFIXES = (".geojson", ".json")


def truthy(value: object) -> bool:
    """Whether a metadata value says yes (``true``, ``1``, ``yes``, ``是`` …)."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _YES


def lower_keys(mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    """The mapping with its keys in lower case (metadata keys are matched without regard to case)."""
    return {str(key).lower(): value for key, value in (mapping or {}).items()}


def manifest_path(path: Path) -> Path:
    """Where the ``MANIFEST.json`` of ``path`` would be: next to it."""
    return path.parent / "MANIFEST.json"


def manifest_beside(path: Path, notes: list[str]) -> dict[str, Any]:
    """The ``MANIFEST.json`` next to ``path`` (lower-case keys); empty when there is none, with a note
    when it cannot be read."""
    manifest = manifest_path(path)
    if not manifest.is_file():
        return {}
    try:
        content = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        notes.append(f"{manifest.name} next to the file could not be read ({exc}); ignored")
        return {}
    return lower_keys(content) if isinstance(content, dict) else {}


def year_of(value: object) -> int | None:
    """The first year (1900–2099) written in ``value``, or None."""
    match = re.search(r"(19|20)\d{2}", str(value))
    return int(match.group(0)) if match else None


def check_year(year: object, what: str = "--year") -> int:
    """``year`` as a whole year from 1900 to 2100, else :class:`LayerError` naming ``what``."""
    from wuxi_atlas.analysis.errors import LayerError

    if isinstance(year, bool) or not isinstance(year, int) or year not in _YEARS:
        raise LayerError(f"{what} must be a year from 1900 to 2100, not {year!r}")
    return year


def raster_year(tags: Mapping[str, Any], manifest: Mapping[str, Any], name: str) -> tuple[int | None, str]:
    """The year a raster describes and where it was found: its metadata tags (:data:`RASTER_YEAR_TAGS`,
    lower-case keys), else the ``MANIFEST.json`` beside it, else a year in its file name; ``(None, "")``
    when none says.

    Examples
    --------
    >>> raster_year({"tifftag_datetime": "2021:06:30 12:00:00"}, {}, "lc.tif")
    (2021, 'TIFFTAG_DATETIME tag (when the file was made)')
    >>> raster_year({}, {}, "landcover.tif")
    (None, '')
    """
    for tag in RASTER_YEAR_TAGS:
        year = year_of(tags.get(tag, ""))
        if year is not None:
            made = " (when the file was made)" if tag == "tifftag_datetime" else ""
            return year, f"{tag.upper()} tag{made}"
    for key in ("year", "vintage"):
        year = year_of(manifest.get(key, ""))
        if year is not None:
            return year, f"{key} in MANIFEST.json"
    year = year_of(name)
    return (year, "the file name") if year is not None else (None, "")


def shown_name(name: str) -> str:
    r"""``name`` as it can be printed, written to a file and cached: a file name whose bytes are not
    UTF-8 (a GBK name on a Linux disk) reaches Python with lone surrogates, which no UTF-8 output
    accepts; its undecodable bytes are shown as ``\xNN`` escapes, the rest as it is.

    Examples
    --------
    >>> print(shown_name("充电站.csv"), shown_name(os.fsdecode(b"\xb3\xe4.csv")))
    充电站.csv \xb3\xe4.csv
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", errors="backslashreplace")
    return name


def source_text(name: str, synthetic: bool, seed: object) -> str:
    """How a source is named to the user: the file, marked as synthetic demo data (with its seed)."""
    name = shown_name(name)
    if not synthetic:
        return name
    return f"{name}, synthetic demo" + (f" (seed {seed})" if seed not in (None, "") else "")


def json_declarations(path: Path) -> dict[str, Any]:
    """What the top level of a GeoJSON file says of its provenance, as the atlas's export writes it
    before ``features``: ``{"synthetic": True}`` when its ``synthetic`` member is true or it carries a
    ``synthetic_notice``; ``vintage``, the year its ``vintage`` member names. Empty for other files
    and for members that come after ``features`` (only the head of the file is read)."""
    if path.suffix.lower() not in _JSON_SUFFIXES:
        return {}
    try:
        with path.open("rb") as stream:
            head = stream.read(_JSON_HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return {}
    members = _top_level_members(head.lstrip("\ufeff \t\r\n"))
    declared: dict[str, Any] = {}
    if truthy(members.get("synthetic", False)) or members.get("synthetic_notice"):
        declared["synthetic"] = True
    year = year_of(members.get("vintage", "")) if isinstance(members.get("vintage"), str | int) else None
    if year is not None:
        declared["vintage"] = str(year)
    return declared


def _top_level_members(text: str) -> dict[str, Any]:
    """The scalar members (lower-case keys) of the JSON object ``text`` starts, up to ``features`` or
    as far as ``text`` goes."""
    decoder = json.JSONDecoder()
    members: dict[str, Any] = {}
    if not text.startswith("{"):
        return members
    position = 1
    try:
        while True:
            key, position = decoder.raw_decode(text, _after_space(text, position))
            position = _after_space(text, position)
            if not isinstance(key, str) or text[position : position + 1] != ":" or key.lower() == "features":
                return members
            value, position = decoder.raw_decode(text, _after_space(text, position + 1))
            if isinstance(value, str | int | float | bool):
                members[key.lower()] = value
            position = _after_space(text, position)
            if text[position : position + 1] != ",":
                return members
            position += 1
    except ValueError:  # the head ends inside a value, or the file is not JSON: what was read so far
        return members


def _after_space(text: str, position: int) -> int:
    """Where the JSON whitespace at ``position`` of ``text`` ends."""
    while text[position : position + 1] in _JSON_SPACE:
        position += 1
    return position


def marks_synthetic(frame: pd.DataFrame) -> bool:
    """Whether a feature of ``frame`` says it is synthetic: a true value in a ``synthetic`` column (any
    case), as every feature of a synthetic layer exported by the atlas has."""
    marked = [column for column in frame.columns if str(column).strip().lower() == "synthetic"]
    # As text, value by value: a hostile file's cell may hold a list or an object (not hashable).
    return any(
        frame[column].dropna().astype(str).str.strip().str.lower().isin(_YES).any() for column in marked
    )


def vintage(
    frame: pd.DataFrame,
    metadata: Mapping[str, Any],
    manifest: Mapping[str, Any],
    path: Path,
    notes: list[str],
) -> str:
    """The year a vector layer describes: stated in its metadata or manifest, else its features' latest
    ``year``; "" when the file states none (noted: the vintage is unknown). The file's modification
    time is never used (see the module docstring); ``path`` names the file in the note."""
    import pandas as pd  # here, not above: a raster's provenance is read without pandas

    for key in ("vintage", "year"):
        for source in (metadata, manifest):
            if source.get(key) not in (None, ""):
                return str(source[key])
    if "year" in frame and pd.api.types.is_numeric_dtype(frame["year"]) and frame["year"].notna().any():
        years = frame["year"].dropna().astype(int)
        if years.min() != years.max():
            notes.append(f"features span {years.min()}–{years.max()}; vintage taken as the latest year")
        return str(int(years.max()))
    notes.append(
        f"{shown_name(path.name)} states no year (no vintage or year in its metadata, no year field); its "
        "vintage is unknown: give it with --year when adding it to the catalog"
    )
    return ""


def vector_source(
    kind: LayerKind,
    frame: gpd.GeoDataFrame,
    path: Path,
    layer: str | None,
    metadata: Mapping[str, Any],
    manifest: Mapping[str, Any],
    notes: list[str],
) -> VectorSource:
    """The :class:`VectorSource` of ``frame``, read from ``layer`` of the file ``path``, with its provenance
    from the layer's ``metadata`` (lower-case keys), the ``manifest`` beside the file and the marks of
    the atlas's export (:func:`json_declarations`, :func:`marks_synthetic`)."""
    declared = json_declarations(path)
    synthetic = (
        truthy(metadata.get("synthetic", False))
        or truthy(manifest.get("synthetic", False))
        or declared.get("synthetic", False)
        or marks_synthetic(frame)
    )
    name = path.name if layer is None or layer == path.stem else f"{path.name}:{layer}"
    stated = {**declared, **metadata}  # the layer's own metadata first, then the export's members
    return VectorSource(
        kind=kind,
        frame=frame,
        source=source_text(name, synthetic, metadata.get("seed", manifest.get("seed"))),
        vintage=vintage(frame, stated, manifest, path, notes),
        synthetic=synthetic,
        path=path,
        notes=tuple(shown_name(note) for note in notes),  # a format reader's note may quote the name
    )
