"""Amap (高德) POI exports, read as they come: recognised by their columns, their datum taken as GCJ-02,
and, for a station layer, their type, access and pile columns filled from what the export holds.

An export (from Amap's place search, or a tool that saves it as CSV/Excel) has the columns ``名称``
(``name``), ``经度``/``纬度`` (or ``location`` as ``"lon,lat"``), ``类型`` (``type``: ``大类;中类;小类``, e.g.
``汽车服务;充电站;充电站``), ``typecode`` (six digits, e.g. ``011100``) and ``地址``, with coordinates in
GCJ-02, Amap's obfuscated datum.

**Recognition.** A table is an Amap export when it has a typecode column (``typecode``, ``类型编码``,
``类型代码``, ``分类编码``) whose every value is six digits (several joined by ``|``; Excel's lost leading
zero restored), or a type column (``类型``, ``type``) whose every value has Amap's three levels
``大类;中类;小类``. Baidu's exports (BD-09) write two-level tags (``美食;中餐厅``) and no typecode, so they
are not taken for Amap's.

**Stations.** Without a ``type`` column of its own, a station's type is read from the last level of its
``类型`` (``充电站``, ``换电站``, ``加氢站``, ``充换电站`` …), else from its typecode, both through the value
alias table (:mod:`layers.aliases`, so users can add codes). Without an access column, a station is
``public`` (it is listed on a public map) unless its ``类型`` says ``专用`` (``dedicated``). An export has no
pile counts: ``piles`` is left unknown, never guessed, with a note; the station counts and the charging
service coverage use the layer, and ``charging_piles`` is reported as not computable from it until pile
counts are given (``--map '<column>=piles'``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from wuxi_atlas.layers.aliases import map_distinct, normalise_values
from wuxi_atlas.layers.geometry import DATUM_LABELS, LAT_ALIASES, LON_ALIASES, LonLatCRS
from wuxi_atlas.layers.messages import listing
from wuxi_atlas.layers.spec import LayerSpec

__all__ = ["AmapExport", "as_amap_export", "prepare_amap_table", "recognise_amap"]

_CODE_COLUMNS = ("typecode", "type_code", "类型编码", "类型代码", "分类编码", "分类代码")
_TYPE_COLUMNS = ("类型", "type", "poi类型", "分类")
_LOCATION_COLUMNS = ("location", "坐标", "经纬度")
_CODES = re.compile(r"^\d{6}(?:\|\d{6})*$")
_LEVELS = re.compile(r"^[^;|]+;[^;|]+;[^;|]+(?:\|[^;|]+;[^;|]+;[^;|]+)*$")
_LOCATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class AmapExport:
    """What made a table an Amap export: its type column (``大类;中类;小类``) and its typecode column,
    either of which may be None, and the rule that matched, for the note."""

    type_column: str | None
    code_column: str | None
    reason: str


def _find(columns: Sequence[str], names: Sequence[str]) -> str | None:
    by_key = {str(column).strip().lower(): column for column in columns}
    for name in names:
        if name.lower() in by_key:
            return by_key[name.lower()]
    return None


def _values(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].dropna().astype(str).str.strip().loc[lambda text: text != ""]


def _padded(code: str) -> str:
    """A typecode that Excel stored as a number has lost its leading zero: ``11100`` → ``011100``."""
    return "|".join(part.zfill(6) if part.isdigit() and len(part) == 5 else part for part in code.split("|"))


def _codes(series: pd.Series) -> pd.Series:
    """Non-empty typecodes as text of six digits (several joined by ``|``)."""
    return map_distinct(series, _padded)


def _first_codes(series: pd.Series) -> pd.Series:
    """Each row's first typecode, padded to six digits; None where there is none."""
    return map_distinct(series, lambda value: _padded(str(value).strip()).split("|")[0] or None)


def recognise_amap(frame: pd.DataFrame) -> AmapExport | None:
    """The Amap export ``frame`` is (see the module docstring), or None.

    Examples
    --------
    >>> table = pd.DataFrame({"名称": ["A站"], "类型": ["汽车服务;充电站;充电站"], "typecode": ["011100"]})
    >>> recognise_amap(table).reason
    "typecode column 'typecode' of six-digit codes"
    >>> recognise_amap(pd.DataFrame({"tag": ["美食;中餐厅"]})) is None
    True
    """
    columns = [str(column) for column in frame.columns]
    code_column = _find(columns, _CODE_COLUMNS)
    type_column = _find(columns, _TYPE_COLUMNS)
    if code_column is not None:
        codes = _codes(_values(frame, code_column))
        if len(codes) and codes.str.fullmatch(_CODES).all():
            return AmapExport(type_column, code_column, f"typecode column {code_column!r} of six-digit codes")
    if type_column is not None:
        types = _values(frame, type_column)
        if len(types) and types.str.fullmatch(_LEVELS).all():
            reason = f"{type_column!r} column of Amap's 大类;中类;小类 types"
            return AmapExport(type_column, None, reason)
    return None


def as_amap_export(
    table: pd.DataFrame,
    spec: LayerSpec,
    column_map: Mapping[str, str] | None,
    lonlat_crs: LonLatCRS | None,
    file_name: str,
    notes: list[str],
) -> tuple[pd.DataFrame, LonLatCRS | None]:
    """``table`` and the datum of its coordinates: as they are for a table that is not an Amap export;
    for one that is, prepared (:func:`prepare_amap_table`) and in GCJ-02 unless ``lonlat_crs`` says
    otherwise, with a note either way."""
    export = recognise_amap(table)
    if export is None:
        return table, lonlat_crs
    if lonlat_crs is None:
        lonlat_crs = "gcj02"
        notes.append(
            f"{file_name} is an Amap (高德) POI export ({export.reason}): its coordinates are taken as "
            "GCJ-02 and converted to WGS84; if they are not GCJ-02, give --lonlat-crs wgs84 (or bd09)"
        )
    else:
        told = DATUM_LABELS[lonlat_crs]
        notes.append(f"{file_name} is an Amap (高德) POI export; its coordinates are {told} as told")
    return prepare_amap_table(table, export, spec, column_map, notes), lonlat_crs


def prepare_amap_table(
    frame: pd.DataFrame,
    export: AmapExport,
    spec: LayerSpec,
    column_map: Mapping[str, str] | None,
    notes: list[str],
) -> pd.DataFrame:
    """``frame`` with its ``location`` split into ``经度``/``纬度`` when it has no coordinate columns, and,
    for a station layer, the ``type``, ``access`` and ``piles`` the export lacks (see the module
    docstring). Columns ``column_map`` (``--map``) fills, or the file already has, are left alone."""
    frame = _split_location(frame, notes)
    if spec.kind != "stations":
        return frame
    frame = frame.copy()
    mapped = set((column_map or {}).values())
    columns = [str(column) for column in frame.columns]

    def present(field_name: str) -> bool:
        if field_name in mapped:
            return True
        names = {name.lower() for name in spec.field(field_name).column_names}
        ignored = {export.type_column, export.code_column}
        return any(column.strip().lower() in names and column not in ignored for column in columns)

    last_level: pd.Series | None = None
    if export.type_column is not None:
        last_level = _last_level(frame[export.type_column])
    if not present("type"):
        frame = _station_types(frame, export, spec, last_level, notes)
    if not present("access"):
        frame = _station_access(frame, last_level, notes)
    if not present("piles"):
        frame["piles"] = pd.array([pd.NA] * len(frame), dtype="Int64")
        notes.append(
            "the file has no pile counts (an Amap POI export lists stations, not piles): piles are left "
            "unknown, not guessed. The station counts and the charging service coverage use this layer; "
            "charging_piles is not computed from it until pile counts are given, with "
            "--map '<column>=piles' for a column of counts"
        )
    return frame


def _last_level(types: pd.Series) -> pd.Series:
    """``汽车服务;充电站;充换电站`` → ``充换电站``: the 小类 of the first type a POI lists."""
    return map_distinct(types, lambda value: str(value).split("|")[0].split(";")[-1].strip() or None)


def _station_types(
    frame: pd.DataFrame, export: AmapExport, spec: LayerSpec, last_level: pd.Series | None, notes: list[str]
) -> pd.DataFrame:
    type_field = spec.field("type")
    empty = pd.Series(None, index=frame.index, dtype=object)
    text = last_level if last_level is not None else empty
    codes = _first_codes(frame[export.code_column]) if export.code_column is not None else empty
    by_text = normalise_values(text, spec, type_field)
    by_code = normalise_values(codes, spec, type_field)
    types = by_text.values.where(by_text.values.notna(), by_code.values)
    # What neither the text nor the code explains stays as the file writes it, for the note on unknowns.
    types = types.where(types.notna(), text.where(text.notna(), codes))
    # Amap's own English column name is "type": it keeps its 大类;中类;小类 text under another name.
    frame = frame.rename(columns={c: "amap_type" for c in frame.columns if str(c).strip().lower() == "type"})
    frame["type"] = types.astype(object)
    from_code = int((by_text.values.isna() & by_code.values.notna()).sum())
    source = " and ".join(
        part
        for part, used in (
            (f"the last level of {export.type_column!r}", export.type_column is not None),
            (f"typecode ({from_code} station(s))", from_code > 0),
        )
        if used
    )
    notes.append(f"station type read from {source} (Amap POI export)")
    return frame


def _station_access(frame: pd.DataFrame, last_level: pd.Series | None, notes: list[str]) -> pd.DataFrame:
    dedicated = (
        last_level.fillna("").astype(str).str.contains("专用", regex=False)
        if last_level is not None
        else pd.Series(False, index=frame.index)
    )
    frame["access"] = pd.Series("public", index=frame.index, dtype=object).where(~dedicated, "dedicated")
    notes.append(
        f"the file has no access level (an Amap POI export has none): {int((~dedicated).sum())} station(s) "
        "taken as public, being listed on a public map"
        + (f", and {int(dedicated.sum())} whose type says 专用 as dedicated" if dedicated.any() else "")
        + "; give an access column with --map '<column>=access' if the file has one"
    )
    return frame


def _split_location(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """An Amap ``location`` (``"120.30,31.57"``) as ``经度`` and ``纬度`` columns, when the table has no
    longitude/latitude columns of its own."""
    columns = [str(column) for column in frame.columns]
    location = _find(columns, _LOCATION_COLUMNS)
    if location is None or _find(columns, LON_ALIASES) or _find(columns, LAT_ALIASES):
        return frame
    parts = frame[location].astype(str).str.extract(_LOCATION)
    frame = frame.copy()
    frame["经度"], frame["纬度"] = parts[0], parts[1]
    unparsed = frame[location].notna() & parts[0].isna()
    bad = f"; {int(unparsed.sum())} value(s) are not of that form: {listing(frame[location][unparsed])}"
    shown = bad if unparsed.any() else ""
    notes.append(f"coordinates read from the {location!r} column (longitude,latitude){shown}")
    return frame
