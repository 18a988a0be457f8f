"""The contract every layer kind answers: its spec, and the two readers that build its source.

Each kind (``districts``, ``landcover``, ``wetlands`` …) has one :class:`LayerSpec` in
:data:`LAYER_SPECS`: its labels, the geometry it must have and the fields it needs, with the column
and value aliases that real Chinese files use (``经度``, ``桩数``, ``公共`` …). The readers turn a user's
file into the types the analysis takes:

- :func:`read_vector` reads GeoPackage, GeoJSON, zipped or plain Shapefile, KML, and CSV/XLSX with
  coordinate columns into a :class:`~analysis.sources.VectorSource` in EPSG:4326, with fields renamed,
  typed and normalised, geometry repaired, and everything it changed or doubts listed in ``notes``;
- :func:`read_landcover` checks a land-cover GeoTIFF and returns a
  :class:`~analysis.sources.RasterSource` naming its class scheme.

Bad input raises :class:`~analysis.errors.LayerReadError` (cannot read the file),
:class:`~analysis.errors.LayerError` (read it, but it is not a usable layer of that kind) or
:class:`~analysis.errors.CRSError`, each naming the file, the problem and the fix. Paths are local
files only: GDAL virtual paths (``/vsicurl/`` …) and URLs are refused before anything is opened, and
the limits of :mod:`layers.limits` (file size, raster pixels, zip bombs, zip slip) are checked before
anything large is read. Whatever a third-party reader raises on a broken file comes out as
:class:`~analysis.errors.LayerReadError`.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import glob
import importlib
import inspect
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, ParamSpec, TypeVar, cast, get_args

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.crs import DISPLAY_CRS, crs_label
from analysis.errors import AtlasError, CRSError, LayerError, LayerReadError, printable
from analysis.sources import LAYER_KINDS, LayerKind, RasterSource, VectorSource
from layers.limits import check_block_size, check_file_size, check_raster_size, check_zip_members, is_trusted
from layers.offline import check_json_crs, check_json_crs_stream
from layers.raster_checks import check_crs_on_earth, check_overlaps_wuxi, scan_codes

__all__ = [
    "LAT_ALIASES",
    "LAYER_SPECS",
    "LONLAT_CRSS",
    "LON_ALIASES",
    "RASTER_SUFFIXES",
    "VECTOR_SUFFIXES",
    "WUXI_BBOX",
    "FieldSpec",
    "LayerSpec",
    "LonLatCRS",
    "get_spec",
    "layer_module",
    "read_landcover",
    "read_vector",
]

LonLatCRS = Literal["wgs84", "cgcs2000", "gcj02", "bd09"]
LONLAT_CRSS: tuple[LonLatCRS, ...] = get_args(LonLatCRS)
_DATUM_LABELS: dict[str, str] = {"wgs84": "WGS84", "cgcs2000": "CGCS2000", "gcj02": "GCJ-02", "bd09": "BD-09"}

#: Wuxi's extent (119.53–120.63°E, 31.12–32.03°N) with a margin of about 20 km, (west, south, east, north).
WUXI_BBOX: tuple[float, float, float, float] = (119.3, 30.9, 120.9, 32.3)

LON_ALIASES: tuple[str, ...] = ("lon", "经度", "longitude", "lng", "long", "x", "东经", "wgs84_lon")
LAT_ALIASES: tuple[str, ...] = ("lat", "纬度", "latitude", "y", "北纬", "wgs84_lat")

VECTOR_SUFFIXES: tuple[str, ...] = (
    ".gpkg",
    ".geojson",
    ".json",
    ".zip",
    ".shp",
    ".kml",
    ".csv",
    ".txt",
    ".xlsx",
)
RASTER_SUFFIXES: tuple[str, ...] = (".tif", ".tiff")

_TABULAR_SUFFIXES = (".csv", ".txt", ".xlsx")
_POLYGONAL = ("Polygon", "MultiPolygon")
_PUNCTUAL = ("Point", "MultiPoint")
_MAX_LISTED = 8


@dataclass(frozen=True)
class FieldSpec:
    """One attribute a layer kind needs or understands.

    ``aliases`` are other column names accepted for it (matched without regard to case or surrounding
    spaces); ``allowed`` restricts text values (empty: any text) and ``value_aliases`` maps other
    spellings to them (``("公共", "public")``); ``minimum`` bounds numbers.
    """

    name: str
    dtype: Literal["str", "int", "float"]
    label_zh: str
    label_en: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    value_aliases: tuple[tuple[str, str], ...] = ()
    minimum: float | None = None
    minimum_exclusive: bool = False
    unit: str = ""

    def describe(self) -> str:
        """``"piles (int ≥ 0)"``, ``"type (one of charging, swap, hydrogen)"``: for messages."""
        if self.allowed:
            return f"{self.name} (one of {', '.join(self.allowed)})"
        bound = ""
        if self.minimum is not None:
            bound = f" {'>' if self.minimum_exclusive else '≥'} {self.minimum:g}"
        return f"{self.name} ({self.dtype}{bound}{', ' + self.unit if self.unit else ''})"

    def normalise(self, value: str) -> str | None:
        """The allowed value that ``value`` spells, or None when it spells none of them.

        Examples
        --------
        >>> LAYER_SPECS["stations"].field("access").normalise(" 公共 ")
        'public'
        >>> LAYER_SPECS["stations"].field("type").normalise("V2G") is None
        True
        """
        key = _value_key(value)
        for allowed in self.allowed:
            if key == _value_key(allowed):
                return allowed
        for alias, canonical in self.value_aliases:
            if key == _value_key(alias):
                return canonical
        return None if self.allowed else value.strip()


@dataclass(frozen=True)
class LayerSpec:
    """What a layer kind is: labels, geometry, fields and where to find it in a multi-layer file.

    ``layer_names`` are the layer names tried, in order, in a GeoPackage (or other multi-layer file)
    when the caller names none. ``raster`` kinds have no fields and are read by :func:`read_landcover`.
    """

    kind: LayerKind
    label_zh: str
    label_en: str
    geometry_types: tuple[str, ...]
    fields: tuple[FieldSpec, ...] = ()
    layer_names: tuple[str, ...] = ()
    raster: bool = False

    @property
    def required_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(spec for spec in self.fields if spec.required)

    @property
    def optional_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(spec for spec in self.fields if not spec.required)

    @property
    def accepts_points(self) -> bool:
        """Whether the kind may come as a table of coordinates (CSV/XLSX)."""
        return "Point" in self.geometry_types

    @property
    def polygonal(self) -> bool:
        return bool(self.geometry_types) and set(self.geometry_types) <= set(_POLYGONAL)

    def field(self, name: str) -> FieldSpec:
        """The field called ``name``; :class:`LayerError` when the kind has none."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        names = ", ".join(spec.name for spec in self.fields) or "none"
        raise LayerError(f"{self.kind} layers have no field {name!r}; their fields are: {names}")


def _text(name: str, zh: str, en: str, *aliases: str, required: bool = False) -> FieldSpec:
    return FieldSpec(name, "str", zh, en, required=required, aliases=aliases)


def _choice(
    name: str,
    zh: str,
    en: str,
    allowed: tuple[str, ...],
    value_aliases: Mapping[str, str],
    *aliases: str,
    required: bool = True,
) -> FieldSpec:
    return FieldSpec(
        name,
        "str",
        zh,
        en,
        required=required,
        aliases=aliases,
        allowed=allowed,
        value_aliases=tuple(value_aliases.items()),
    )


def _open_choice(
    name: str, zh: str, en: str, value_aliases: Mapping[str, str], *aliases: str, required: bool = False
) -> FieldSpec:
    """A text field whose common spellings are normalised but whose values are not restricted."""
    return FieldSpec(
        name, "str", zh, en, required=required, aliases=aliases, value_aliases=tuple(value_aliases.items())
    )


_NAME = _text("name", "名称", "name", "名称", "名字", "站名", "name_zh", "名称_zh")
_YEAR = FieldSpec(
    "year", "int", "年份", "year", aliases=("年份", "年度", "建成年份", "投运年份"), minimum=1900
)

_STATION_TYPES = {
    "充电站": "charging",
    "充电": "charging",
    "充电桩": "charging",
    "换电站": "swap",
    "换电": "swap",
    "battery_swap": "swap",
    "加氢站": "hydrogen",
    "加氢": "hydrogen",
    "h2": "hydrogen",
}
_ACCESS = {
    "公共": "public",
    "公用": "public",
    "对外开放": "public",
    "开放": "public",
    "专用": "dedicated",
    "私人": "private",
    "个人": "private",
    "私有": "private",
    "自用": "private",
}
_BUILDING_TYPES = {
    "政府": "government",
    "党政机关": "government",
    "机关": "government",
    "公共建筑": "government",
    "学校医院": "school_hospital",
    "学校": "school_hospital",
    "医院": "school_hospital",
    "school": "school_hospital",
    "hospital": "school_hospital",
    "工商业": "industrial_commercial",
    "工业": "industrial_commercial",
    "商业": "industrial_commercial",
    "厂房": "industrial_commercial",
    "industrial": "industrial_commercial",
    "commercial": "industrial_commercial",
    "城镇住宅": "urban_residential",
    "城市住宅": "urban_residential",
    "住宅": "urban_residential",
    "residential": "urban_residential",
    "农村住宅": "rural_home",
    "农房": "rural_home",
    "农村居民": "rural_home",
    "农户": "rural_home",
    "农村": "rural_home",
}
_WETLAND_TYPES = {
    "河流": "river",
    "河道": "river",
    "湖泊": "lake",
    "湖": "lake",
    "水库": "reservoir",
    "坑塘": "pond",
    "坑塘水面": "pond",
    "池塘": "pond",
    "沼泽": "marsh",
    "沼泽地": "marsh",
    "滩涂": "tidal_flat",
    "沿海滩涂": "tidal_flat",
    "内陆滩涂": "tidal_flat",
    "mudflat": "tidal_flat",
}
_PROTECTION_TYPES = {
    "自然保护区": "nature_reserve",
    "湿地公园": "wetland_park",
    "湿地保护小区": "protection_plot",
    "wetland_plot": "protection_plot",
    "其他": "other",
    "森林公园": "forest_park",
    "风景名胜区": "scenic_area",
    "饮用水水源保护区": "water_source",
    "生态红线": "ecological_redline",
}
_LEVELS = {
    "国家级": "national",
    "国家": "national",
    "省级": "provincial",
    "省": "provincial",
    "市级": "municipal",
    "市": "municipal",
    "县级": "county",
    "区级": "county",
    "县": "county",
}
_PV_KINDS = {
    "屋顶": "rooftop",
    "分布式": "rooftop",
    "屋顶分布式": "rooftop",
    "地面": "ground",
    "集中式": "ground",
    "地面电站": "ground",
    "水面": "floating",
    "渔光互补": "floating",
    "漂浮": "floating",
    "农光互补": "agrivoltaic",
    "车棚": "carport",
}

LAYER_SPECS: dict[LayerKind, LayerSpec] = {
    "landcover": LayerSpec("landcover", "土地覆盖", "land cover", (), raster=True),
    "districts": LayerSpec(
        "districts",
        "行政区划",
        "districts",
        _POLYGONAL,
        (
            _text("adcode", "行政区划代码", "adcode", "行政代码", "区划代码", "code", required=True),
            _text("name_zh", "名称", "name", "名称", "name", "区县", "区县名称", required=True),
            _text("name_en", "英文名", "English name", "英文名称", "name_en"),
            _text("kind", "类别", "kind", "级别", "level"),
            FieldSpec(
                "official_area_km2",
                "float",
                "官方面积",
                "official area",
                aliases=("面积", "官方面积", "area_km2"),
                minimum=0,
                minimum_exclusive=True,
                unit="km²",
            ),
        ),
        ("districts", "boundaries", "wuxi_districts"),
    ),
    "wetlands": LayerSpec(
        "wetlands",
        "湿地",
        "wetlands",
        _POLYGONAL,
        (
            _text("name", "名称", "name", "名称", "湿地名称", required=True),
            _choice(
                "wetland_type",
                "湿地类型",
                "wetland type",
                ("river", "lake", "reservoir", "pond", "marsh", "tidal_flat"),
                _WETLAND_TYPES,
                "湿地类型",
                "类型",
                "type",
            ),
        ),
        ("wetlands",),
    ),
    "protected": LayerSpec(
        "protected",
        "自然保护地",
        "protected areas",
        _POLYGONAL,
        (
            _text("name", "名称", "name", "名称", "保护地名称", required=True),
            _open_choice(
                "protection_type",
                "保护类型",
                "protection type",
                _PROTECTION_TYPES,
                "保护类型",
                "保护地类型",
                "类型",
                "type",
                required=True,
            ),
            _open_choice("level", "级别", "level", _LEVELS, "级别", "保护级别"),
        ),
        ("protected", "protected_areas"),
    ),
    "builtup": LayerSpec(
        "builtup",
        "建成区",
        "built-up area",
        _POLYGONAL,
        (_NAME, _YEAR),
        ("builtup", "built_up", "builtup_area"),
    ),
    "buildings": LayerSpec(
        "buildings",
        "建筑屋顶",
        "buildings",
        (*_POLYGONAL, "Point"),
        (
            _choice(
                "building_type",
                "建筑类型",
                "building type",
                ("government", "school_hospital", "industrial_commercial", "urban_residential", "rural_home"),
                _BUILDING_TYPES,
                "类型",
                "建筑类型",
                "type",
            ),
            FieldSpec(
                "roof_area_m2",
                "float",
                "屋顶面积",
                "roof area",
                required=True,
                aliases=("屋顶面积", "屋面面积", "roof_area", "roof_m2"),
                minimum=0,
                minimum_exclusive=True,
                unit="m²",
            ),
            _NAME,
        ),
        ("buildings", "roofs"),
    ),
    "pv_sites": LayerSpec(
        "pv_sites",
        "光伏项目",
        "PV sites",
        (*_PUNCTUAL, *_POLYGONAL),
        (
            FieldSpec(
                "capacity_kw",
                "float",
                "装机容量",
                "capacity",
                required=True,
                aliases=("装机容量", "装机容量kw", "容量", "capacity", "capacity_kwp", "kwp"),
                minimum=0,
                minimum_exclusive=True,
                unit="kW",
            ),
            _NAME,
            _open_choice("kind", "类型", "kind", _PV_KINDS, "类型", "项目类型", "type"),
            _YEAR,
        ),
        ("pv_sites", "pv", "photovoltaics"),
    ),
    "stations": LayerSpec(
        "stations",
        "充换电站",
        "charging stations",
        _PUNCTUAL,
        (
            _choice(
                "type",
                "类型",
                "type",
                ("charging", "swap", "hydrogen"),
                _STATION_TYPES,
                "类型",
                "站点类型",
                "station_type",
            ),
            FieldSpec(
                "piles",
                "int",
                "桩数",
                "piles",
                required=True,
                aliases=("桩数", "充电桩数", "充电桩数量", "枪数", "pile_count", "chargers"),
                minimum=0,
            ),
            _choice(
                "access",
                "开放类型",
                "access",
                ("public", "dedicated", "private"),
                _ACCESS,
                "开放类型",
                "开放属性",
                "服务类型",
            ),
            _NAME,
            _text("operator", "运营商", "operator", "运营商", "运营单位"),
        ),
        ("stations", "charging_stations"),
    ),
}


def get_spec(kind: str) -> LayerSpec:
    """The spec of ``kind``; :class:`LayerError` listing the valid kinds when it is unknown.

    Examples
    --------
    >>> get_spec("stations").label_zh
    '充换电站'
    """
    try:
        return LAYER_SPECS[cast(LayerKind, kind)]
    except KeyError:
        raise LayerError(f"unknown layer kind {kind!r}; valid kinds are: {', '.join(LAYER_KINDS)}") from None


def layer_module(kind: str) -> ModuleType:
    """The module of ``kind`` (``layers.kinds.stations`` …), which answers ``SPEC`` and ``read``;
    imported on demand. How a kind is drawn is :func:`maps.kinds.drawer`.

    Examples
    --------
    >>> layer_module("wetlands").SPEC.label_en
    'wetlands'
    """
    return importlib.import_module(f"layers.kinds.{get_spec(kind).kind}")


# ---------------------------------------------------------------------------------------------- paths


def _value_key(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(value).strip().lower())


def _column_key(name: object) -> str:
    return str(name).strip().lower()


# A GDAL virtual file system as a path component (/vsicurl/, /vsizip/, /vsis3_streaming/ …); a local
# name that merely starts with "vsi" (vsi_values.geojson) is not one.
_VIRTUAL = re.compile(
    r"(^|[/\\])vsi(curl|zip|gzip|tar|stdin|stdout|mem|s3|gs|az|adls|oss|swift|hdfs|webhdfs|sparse|"
    r"subfile|crypt|7z|rar|cached)(_streaming)?([/\\?]|$)",
    re.IGNORECASE,
)


def _reject_virtual(text: str, what: str) -> None:
    lowered = text.lower()
    if _VIRTUAL.search(lowered):
        raise LayerError(
            f"{what} {text!r} is a GDAL virtual path; give the path of a local file instead "
            "(download it first if it is remote)"
        )
    if re.match(r"^[a-z][a-z0-9+.\-]*://", lowered):
        raise LayerError(f"{what} {text!r} is a URL; download it and give the path of the local file")


def _local_file(path: str | Path, suffixes: Sequence[str], what: str) -> Path:
    """Check that ``path`` names an existing local file with one of ``suffixes``, before GDAL sees it."""
    _reject_virtual(str(path), "path")
    local = Path(path).expanduser()
    if not local.exists():
        raise LayerReadError(f"{local}: no such file; check the path")
    if not local.is_file():
        raise LayerReadError(f"{local}: is a directory, not a file; give the path of the {what} file itself")
    if local.suffix.lower() not in suffixes:
        raise LayerReadError(
            f"{local.name}: '{local.suffix or '(no extension)'}' files cannot be read as {what}; "
            f"supported: {', '.join(suffixes)}"
        )
    if local.stat().st_size == 0:
        raise LayerReadError(f"{local.name}: the file is empty (0 bytes)")
    check_file_size(local)
    return local


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _reader_boundary(reader: Callable[_P, _R]) -> Callable[_P, _R]:
    """Let the atlas's own errors through and turn anything a third-party reader raises (GDAL, openpyxl,
    pandas, shapely, a MemoryError …) into :class:`LayerReadError` naming the file, so that no front-end
    ever shows a traceback for a bad file."""
    signature = inspect.signature(reader)

    @functools.wraps(reader)
    def read(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return reader(*args, **kwargs)
        except AtlasError:
            raise
        except Exception as exc:
            path = signature.bind(*args, **kwargs).arguments.get("path", "the file")
            raise LayerReadError(
                f"{Path(str(path)).name}: cannot be read ({type(exc).__name__}: {exc}); the file may be "
                "damaged or not what its name says"
            ) from exc

    return read


def _listing(values: Iterable[object], limit: int = _MAX_LISTED) -> str:
    """Names from a file (columns, layers, sheets, members), shown safely: see :func:`printable`."""
    items = [printable(value) for value in values]
    shown = ", ".join(items[:limit])
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


# ------------------------------------------------------------------------------------------ provenance


def _truthy(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "1", "yes", "y", "是"}


def _lower_keys(mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    return {str(key).lower(): value for key, value in (mapping or {}).items()}


def _manifest(path: Path, notes: list[str]) -> dict[str, Any]:
    manifest_path = path.parent / "MANIFEST.json"
    if not manifest_path.is_file():
        return {}
    try:
        content = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        notes.append(f"{manifest_path.name} next to the file could not be read ({exc}); ignored")
        return {}
    return _lower_keys(content) if isinstance(content, dict) else {}


def _year_of(value: object) -> int | None:
    match = re.search(r"(19|20)\d{2}", str(value))
    return int(match.group(0)) if match else None


def _source_text(name: str, synthetic: bool, seed: object) -> str:
    if not synthetic:
        return name
    return f"{name}, synthetic demo" + (f" (seed {seed})" if seed not in (None, "") else "")


# ----------------------------------------------------------------------------------------- reading


class _Rows:
    """Names rows the way the user sees them: CSV lines, spreadsheet rows or features."""

    def __init__(self, word: str, offset: int) -> None:
        self.word = word
        self.offset = offset

    def __call__(self, index: Iterable[Any]) -> str:
        numbers = [int(position) + self.offset for position in index]
        return f"{self.word}{'s' if len(numbers) > 1 else ''} {_listing(numbers)}"


def _read_text_table(path: Path, encoding: str | None) -> tuple[pd.DataFrame, str]:
    raw = path.read_bytes()
    encodings = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    text: str | None = None
    used = ""
    for candidate in encodings:
        try:
            text = raw.decode(candidate)
            used = candidate
            break
        except (UnicodeDecodeError, LookupError) as exc:
            if encoding:
                raise LayerReadError(
                    f"{path.name}: cannot decode the file as {encoding} ({exc}); "
                    "try encoding='utf-8' or encoding='gbk'"
                ) from exc
    if text is None:
        raise LayerReadError(f"{path.name}: the file is neither UTF-8 nor GBK text; pass encoding=…")
    if not text.strip():
        raise LayerReadError(f"{path.name}: the file has no rows")
    try:
        delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    from io import StringIO

    try:
        frame = pd.read_csv(StringIO(text), sep=delimiter, dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LayerReadError(f"{path.name}: not a readable CSV table ({exc})") from exc
    return frame, used


def _read_table(path: Path, layer: str | None, encoding: str | None, notes: list[str]) -> pd.DataFrame:
    if path.suffix.lower() == ".xlsx":
        try:
            with pd.ExcelFile(path, engine="openpyxl") as workbook:
                sheets = [str(name) for name in workbook.sheet_names]
                if layer is not None and layer not in sheets:
                    raise LayerError(
                        f"{path.name} has no sheet {layer!r}; its sheets are: {_listing(sheets)}"
                    )
                sheet = layer if layer is not None else sheets[0]
                if layer is None and len(sheets) > 1:
                    notes.append(f"read the first sheet {sheet!r} of {len(sheets)}; pass layer=… for another")
                frame = pd.read_excel(workbook, sheet_name=sheet, dtype=str)
        except LayerError:
            raise
        except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors on bad files
            raise LayerReadError(f"{path.name}: not a readable .xlsx workbook ({exc})") from exc
    else:
        frame, used = _read_text_table(path, encoding)
        if used == "gb18030":
            notes.append(f"{path.name} is not UTF-8; read it as GBK (GB18030)")
    frame.columns = [str(column).strip() for column in frame.columns]
    if frame.empty:
        raise LayerReadError(f"{path.name}: the table has a header but no data rows")
    return frame


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; the end record of an empty zip
_SQLITE_MAGIC = b"SQLite format 3\x00"


def _header(path: Path, size: int = 16) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def _check_container(path: Path) -> None:
    """Judge a zip by its central directory before any reader decompresses it, whatever its suffix.

    An .xlsx is a zip, and so is a KMZ named .kml; a sheet of a few kilobytes can unpack to gigabytes.
    The zip limits of :mod:`layers.limits` (total size, ratio, members, member names) apply to all.
    """
    if not _header(path, 4).startswith(_ZIP_MAGIC):
        return
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise LayerReadError(f"{path.name}: not a readable zip archive ({exc})") from exc
    check_zip_members(path.name, infos)


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[Path]:
    """The path to give GDAL for reading a user's file, which must come out unchanged.

    Most formats are opened read-only as they are. SQLite (a GeoPackage) is not so simple: a reader of
    a WAL-mode database creates ``-wal`` and ``-shm`` files beside it, and the last one to close
    checkpoints the WAL into the file, rewriting it; a hot ``-journal`` is rolled back into it. Such a
    file is read from a private copy (with its ``-wal`` or ``-journal``, so that what an editor has
    committed is read too), in a temporary folder removed afterwards.
    """
    header = _header(path, 20)
    wal_mode = header.startswith(_SQLITE_MAGIC) and len(header) == 20 and 2 in header[18:20]
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-journal")]
    if not header.startswith(_SQLITE_MAGIC) or not (wal_mode or any(p.exists() for p in sidecars)):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="geoplan-read-") as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        for sidecar in sidecars:
            if sidecar.is_file():
                shutil.copyfile(sidecar, copy.with_name(sidecar.name))
        yield copy


def _zip_target(path: Path) -> str:
    """The GDAL path of the vector data inside a local zip: its root, or the one folder holding it."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise LayerReadError(f"{path.name}: not a readable zip archive ({exc})") from exc
    # Judged on the central directory alone, before GDAL decompresses anything.
    check_zip_members(path.name, infos)
    members = [info.filename for info in infos if not info.filename.startswith("__MACOSX/")]
    vector_members = [
        name for name in members if Path(name).suffix.lower() in (".shp", ".gpkg", ".geojson", ".kml")
    ]
    if not vector_members:
        raise LayerReadError(
            f"{path.name}: the archive holds no Shapefile (.shp with its .dbf/.shx/.prj); "
            f"its files are: {_listing(members)}"
        )
    for name in vector_members:
        _reject_virtual(name, "zip member")
    _check_members_json_crs(path, vector_members)
    _check_shapefile_parts(
        path.name, [name for name in vector_members if name.lower().endswith(".shp")], members
    )
    folders = sorted({str(Path(name).parent) for name in vector_members})
    root = f"zip://{path.resolve()}"
    if len(folders) > 1:
        raise LayerError(
            f"{path.name}: the archive holds vector files in several folders ({_listing(folders)}); "
            "zip one folder's files only"
        )
    if len(vector_members) == 1:
        return f"{root}!{vector_members[0]}"
    return root if folders[0] == "." else f"{root}!{folders[0]}"


def _check_members_json_crs(path: Path, names: Sequence[str]) -> None:
    """Refuse a zipped JSON member that links to its CRS (see :mod:`layers.offline`) before GDAL opens it."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        for name in names:
            with archive.open(name) as member:
                check_json_crs_stream(member, f"{path.name}:{name}")


def _check_shapefile_parts(file_name: str, shapefiles: Sequence[str], members: Sequence[str]) -> None:
    """A Shapefile is its .shp with a .shx (index) and a .dbf (attributes); name the part that is missing."""
    present = {name.lower() for name in members}
    for shp in shapefiles:
        stem = shp[: -len(".shp")]
        missing = [part for part in (".shx", ".dbf") if (stem + part).lower() not in present]
        if missing:
            raise LayerReadError(
                f"{file_name}: the Shapefile {Path(shp).name} has no {' and no '.join(missing)} next to it; "
                "a Shapefile is several files (.shp, .shx, .dbf, .prj, .cpg): give them all, zipped together"
            )


def _ogr_target(path: Path) -> str:
    # Built here from a checked local path; the user's text never reaches GDAL as a /vsi path.
    if path.suffix.lower() == ".shp":
        siblings = [sibling.name for sibling in path.parent.glob(f"{glob.escape(path.stem)}.*")]
        _check_shapefile_parts(path.name, [path.name], siblings)
    if path.suffix.lower() == ".zip":
        return _zip_target(path)
    # GDAL sniffs content, not names: any file that starts like JSON is scanned for CRS links.
    check_json_crs(path)
    return str(path)


def _choose_layer(path: Path, target: str, spec: LayerSpec, layer: str | None) -> str | None:
    import pyogrio

    try:
        available = [str(row[0]) for row in pyogrio.list_layers(target)]
    except Exception as exc:  # pyogrio.errors.DataSourceError and friends
        raise LayerReadError(f"{path.name}: GDAL cannot open it as vector data ({exc})") from exc
    if not available:
        raise LayerReadError(f"{path.name}: the file holds no vector layers")
    if layer is not None:
        if layer not in available:
            raise LayerError(f"{path.name} has no layer {layer!r}; its layers are: {_listing(available)}")
        return layer
    if len(available) == 1:
        return available[0]
    lowered = {name.lower(): name for name in available}
    for name in (spec.kind, *spec.layer_names):
        if name.lower() in lowered:
            return lowered[name.lower()]
    raise LayerError(
        f"{path.name} holds {len(available)} layers ({_listing(available)}) and none is called "
        f"{spec.kind!r}; pass layer=… to choose one"
    )


def _read_ogr(
    path: Path, spec: LayerSpec, layer: str | None, encoding: str | None, notes: list[str]
) -> tuple[gpd.GeoDataFrame, str | None, dict[str, Any]]:
    """Read a GDAL vector file; returns the frame, the layer read and its metadata (lower-case keys)."""
    with _read_only(path) as readable:
        return _read_ogr_file(path, readable, spec, layer, encoding, notes)


def _read_ogr_file(
    path: Path, readable: Path, spec: LayerSpec, layer: str | None, encoding: str | None, notes: list[str]
) -> tuple[gpd.GeoDataFrame, str | None, dict[str, Any]]:
    import pyogrio

    target = _ogr_target(readable)
    chosen = _choose_layer(path, target, spec, layer)
    metadata: dict[str, Any] = {}
    try:
        info = pyogrio.read_info(target, layer=chosen)
        metadata = {**_lower_keys(info.get("dataset_metadata")), **_lower_keys(info.get("layer_metadata"))}
        if (
            encoding is None
            and info.get("driver") == "ESRI Shapefile"
            and info.get("encoding") == "ISO-8859-1"
        ):
            # No .cpg and no code page in the .dbf: GDAL would read Chinese text as Latin-1 mojibake.
            frame = _read_undeclared_shapefile(path, target, chosen, notes)
        else:
            frame = pyogrio.read_dataframe(target, layer=chosen, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise LayerReadError(
            f"{path.name}: text attributes are not in the declared encoding ({exc}); "
            "pass encoding='gbk' (or the file's real encoding)"
        ) from exc
    except Exception as exc:  # pyogrio.errors.DataSourceError, DataLayerError, FieldTypeError …
        raise LayerReadError(f"{path.name}: cannot read layer {chosen!r} ({exc})") from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise LayerError(f"{path.name}: layer {chosen!r} has no geometry; a {spec.kind} layer needs one")
    expected = _DRIVERS.get(path.suffix.lower())
    if expected and info.get("driver") not in expected:
        notes.append(
            f"warning: {path.name} is named {path.suffix} but holds {info.get('driver')} data; read as such "
            "(rename it to match its content)"
        )
    return frame, chosen, metadata


_DRIVERS: dict[str, tuple[str, ...]] = {
    ".gpkg": ("GPKG",),
    ".geojson": ("GeoJSON", "GeoJSONSeq"),
    ".json": ("GeoJSON", "GeoJSONSeq", "ESRIJSON", "TopoJSON"),
    ".shp": ("ESRI Shapefile",),
    ".kml": ("KML", "LIBKML"),
}


def _read_undeclared_shapefile(
    path: Path, target: str, layer: str | None, notes: list[str]
) -> gpd.GeoDataFrame:
    import pyogrio

    for candidate, label in (("utf-8", "UTF-8"), ("gb18030", "GBK (GB18030)")):
        try:
            frame = pyogrio.read_dataframe(target, layer=layer, encoding=candidate)
        except UnicodeDecodeError:
            continue
        if candidate != "utf-8":
            notes.append(
                f"{path.name} does not declare its text encoding (no .cpg); read it as {label}. Pass "
                "encoding=… if the text looks wrong"
            )
        return frame
    notes.append(f"{path.name} declares no text encoding and is neither UTF-8 nor GBK; read it as Latin-1")
    return pyogrio.read_dataframe(target, layer=layer)


def _resolve_columns(
    frame: pd.DataFrame,
    spec: LayerSpec,
    column_map: Mapping[str, str] | None,
    coordinate_targets: Mapping[str, tuple[str, ...]],
    file_name: str,
) -> pd.DataFrame:
    """Rename the file's columns to the spec's field names (``column_map`` first, then aliases)."""
    geometry_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    columns = [column for column in frame.columns if column != geometry_name]
    targets: dict[str, tuple[str, ...]] = {f.name: (f.name, *f.aliases) for f in spec.fields}
    targets.update(coordinate_targets)
    renames: dict[str, str] = {}
    for source_column, target in (column_map or {}).items():
        if source_column not in columns:
            raise LayerError(
                f"{file_name}: column_map names column {source_column!r}, which the file does not have; "
                f"its columns are: {_listing(columns, 50)}"
            )
        if target not in targets:
            raise LayerError(
                f"{file_name}: column_map maps {source_column!r} to {target!r}, which is not a field of "
                f"{spec.kind} layers; map to one of: {', '.join(targets)}"
            )
        renames[source_column] = target
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(_column_key(column), column)
    for target, names in targets.items():
        if target in renames.values():
            continue
        for name in names:
            found = by_key.get(_column_key(name))
            if found is not None and found not in renames:
                renames[found] = target
                break
    # A column already called like a target but not chosen for it must step aside.
    for column in columns:
        if column in renames.values() and column not in renames:
            renames[column] = f"{column}_original"
    return frame.rename(columns=renames)


def _note_renames(before: Sequence[object], after: Sequence[object], notes: list[str]) -> None:
    renamed = [f"{old!s} → {new!s}" for old, new in zip(before, after, strict=True) if old != new]
    if renamed:
        notes.append(f"mapped columns to fields: {_listing(renamed, 50)}")


def _missing_fields_message(
    file_name: str, spec: LayerSpec, missing: Sequence[FieldSpec], columns: Sequence[str]
) -> str:
    accepted = "; ".join(f"{f.name}: {', '.join(dict.fromkeys((f.name, *f.aliases)))}" for f in missing)
    example = ", ".join(f"'<your column>': '{f.name}'" for f in missing)
    return (
        f"{file_name}: a {spec.kind} layer needs field(s) {', '.join(f.describe() for f in missing)}, "
        f"which are missing; the file has columns: {_listing(columns, 50) or 'none'}. "
        f"Rename the columns or pass column_map={{{example}}} (accepted names: {accepted})"
    )


def _as_text(series: pd.Series) -> pd.Series:
    def one(value: object) -> object:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            return None
        if isinstance(value, float | np.floating) and float(value).is_integer():
            return str(int(value))
        text = str(value).strip()
        return text or None

    return series.map(one).astype(object)


def _parse_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers from a column of text or numbers; also the mask of non-empty values that are not numbers."""
    if pd.api.types.is_numeric_dtype(series):
        numbers = pd.to_numeric(series, errors="coerce").astype(float)
        return numbers, pd.Series(False, index=series.index)
    text = _as_text(series)
    cleaned = text.map(lambda value: None if value is None else re.sub(r"[,\s，]", "", str(value)))
    numbers = pd.to_numeric(cleaned, errors="coerce").astype(float)
    bad = text.notna() & numbers.isna()
    return numbers, bad


def _coerce_fields(
    frame: pd.DataFrame, spec: LayerSpec, rows: _Rows, file_name: str, notes: list[str]
) -> pd.DataFrame:
    frame = frame.copy()
    for field_spec in spec.fields:
        if field_spec.name not in frame:
            continue
        column = frame[field_spec.name]
        if field_spec.dtype == "str":
            text = _as_text(column)
            if field_spec.value_aliases or field_spec.allowed:
                normalised = text.map(
                    lambda value, f=field_spec: None if value is None else f.normalise(value)
                )
                unknown = text.notna() & normalised.isna()
                if unknown.any():
                    counts = text[unknown].value_counts()
                    shown = _listing(f"{value!r} ({count})" for value, count in counts.items())
                    notes.append(
                        f"{int(unknown.sum())} {spec.kind} feature(s) have {field_spec.name} values that are "
                        f"none of {', '.join(field_spec.allowed)}: {shown} ({rows(text.index[unknown])}); "
                        "they are kept as given and are left out of anything counted by "
                        f"{field_spec.name}"
                    )
                    normalised = normalised.where(~unknown, text)
                text = normalised
            frame[field_spec.name] = text
        else:
            numbers, bad = _parse_numbers(column)
            if bad.any():
                samples = _listing(repr(value) for value in column[bad].head(_MAX_LISTED))
                raise LayerError(
                    f"{file_name}: {field_spec.name} must be a number; text found in "
                    f"{rows(column.index[bad])}: {samples}; fix those cells"
                )
            if field_spec.dtype == "int":
                fractional = numbers.notna() & (numbers % 1 != 0)
                if fractional.any():
                    raise LayerError(
                        f"{file_name}: {field_spec.name} must be a whole number; fractions found in "
                        f"{rows(numbers.index[fractional])}"
                    )
            if field_spec.minimum is not None:
                low = (
                    numbers <= field_spec.minimum
                    if field_spec.minimum_exclusive
                    else numbers < field_spec.minimum
                )
                if low.any():
                    notes.append(
                        f"{int(low.sum())} {spec.kind} feature(s) have {field_spec.describe()} out of range "
                        f"({rows(numbers.index[low])}); their {field_spec.name} is treated as missing"
                    )
                    numbers = numbers.mask(low)
            frame[field_spec.name] = numbers.astype("Int64") if field_spec.dtype == "int" else numbers
        if field_spec.required:
            empty = frame[field_spec.name].isna()
            if empty.any():
                notes.append(
                    f"{int(empty.sum())} {spec.kind} feature(s) have no {field_spec.name} "
                    f"({rows(frame.index[empty])})"
                )
    return frame


def _points_from_table(
    frame: pd.DataFrame,
    spec: LayerSpec,
    rows: _Rows,
    file_name: str,
    lonlat_crs: LonLatCRS | None,
    notes: list[str],
) -> gpd.GeoDataFrame:
    if not spec.accepts_points:
        raise LayerError(
            f"{file_name}: {spec.kind} layers are {'/'.join(spec.geometry_types) or 'rasters'} and cannot "
            "come from a table of coordinates; give a GeoPackage, GeoJSON or zipped Shapefile"
        )
    if "lon" not in frame or "lat" not in frame:
        missing = [name for name in ("lon", "lat") if name not in frame]
        raise LayerError(
            f"{file_name}: a table of {spec.kind} needs coordinate columns; cannot find "
            f"{' and '.join(missing)} among the columns: {_listing(frame.columns, 50)}. Name them "
            f"{'/'.join(LON_ALIASES[:4])} and {'/'.join(LAT_ALIASES[:4])}, or pass "
            "column_map={'<x column>': 'lon', '<y column>': 'lat'}"
        )
    lon, lon_bad = _parse_numbers(frame["lon"])
    lat, lat_bad = _parse_numbers(frame["lat"])
    for name, bad, column in (("longitude", lon_bad, frame["lon"]), ("latitude", lat_bad, frame["lat"])):
        if bad.any():
            samples = _listing(repr(value) for value in column[bad].head(_MAX_LISTED))
            raise LayerError(
                f"{file_name}: the {name} column holds text instead of decimal degrees in "
                f"{rows(column.index[bad])}: {samples}; fix those cells (degrees-minutes-seconds must be "
                "converted to decimal degrees)"
            )
    known = lon.notna() & lat.notna()
    lon_range = (lon.abs() <= 180) | ~known
    lat_range = (lat.abs() <= 90) | ~known
    if not lat_range.all() and (lon[known].abs() <= 90).all() and (lat[known].abs() <= 180).all():
        raise LayerError(
            f"{file_name}: longitude and latitude look swapped: the latitude column holds values up to "
            f"{lat[known].abs().max():g} and the longitude column values of at most "
            f"{lon[known].abs().max():g} (Wuxi is near 120.3°E, 31.5°N); swap them with column_map"
        )
    out_of_range = ~(lon_range & lat_range)
    if out_of_range.any():
        raise LayerError(
            f"{file_name}: coordinates out of range for degrees in {rows(frame.index[out_of_range])}; the "
            "columns must hold longitude and latitude in decimal degrees, not projected metres"
        )
    unplaced = ~known
    if unplaced.any():
        notes.append(
            f"{int(unplaced.sum())} row(s) have no coordinates ({rows(frame.index[unplaced])}); "
            "they are dropped"
        )
    if lonlat_crs is None:
        lonlat_crs = "wgs84"
        notes.append(
            f"{file_name} does not say which datum its coordinates use; assumed WGS84. Points from Amap/高德 "
            "or Tencent are GCJ-02 and from Baidu BD-09 (about 500 m off): pass lonlat_crs='gcj02' or 'bd09'"
        )
    x, y = lon.to_numpy(dtype=float), lat.to_numpy(dtype=float)
    if lonlat_crs in ("gcj02", "bd09"):
        x, y = _to_wgs84(x, y, lonlat_crs)
        notes.append(f"converted coordinates from {_DATUM_LABELS[lonlat_crs]} to WGS84")
    geometry = gpd.points_from_xy(x, y)
    geometry[unplaced.to_numpy()] = None
    attributes = frame.drop(columns=["lon", "lat"])
    return gpd.GeoDataFrame(attributes, geometry=geometry, crs=DISPLAY_CRS)


def _to_wgs84(x: np.ndarray, y: np.ndarray, datum: str) -> tuple[np.ndarray, np.ndarray]:
    from analysis.coords import to_wgs84

    finite = np.isfinite(x) & np.isfinite(y)
    out_x, out_y = x.copy(), y.copy()
    if finite.any():
        converted_x, converted_y = to_wgs84(x[finite], y[finite], datum)
        out_x[finite] = np.asarray(converted_x, dtype=float)
        out_y[finite] = np.asarray(converted_y, dtype=float)
    return out_x, out_y


def _to_display_crs(
    frame: gpd.GeoDataFrame, file_name: str, lonlat_crs: LonLatCRS | None, notes: list[str]
) -> gpd.GeoDataFrame:
    if frame.crs is None:
        bounds = frame.total_bounds if len(frame) else np.array([np.nan] * 4)
        looks_geographic = bool(
            np.all(np.abs(bounds[[0, 2]]) <= 180) and np.all(np.abs(bounds[[1, 3]]) <= 90)
        )
        if lonlat_crs is None or not looks_geographic:
            hint = (
                "its coordinates look like longitude/latitude: pass lonlat_crs='wgs84' (or 'cgcs2000', "
                "'gcj02', 'bd09') to say which datum"
                if looks_geographic
                else "its coordinates are projected; Wuxi data is usually EPSG:4549 (CGCS2000 / GK CM 120E)"
            )
            raise CRSError(
                f"{file_name} has no CRS, so its coordinates cannot be placed on the map; {hint}. Add the "
                "CRS to the file (a .prj next to a Shapefile, or 'Assign projection' in QGIS) and load it "
                "again"
            )
        frame = frame.set_crs("EPSG:4490" if lonlat_crs == "cgcs2000" else DISPLAY_CRS)
        notes.append(
            f"{file_name} has no CRS; taken as {_DATUM_LABELS[lonlat_crs]} longitude/latitude as told"
        )
    source_crs = frame.crs
    try:
        frame = frame.to_crs(DISPLAY_CRS)
    except Exception as exc:  # pyproj.exceptions.CRSError, ProjError
        raise CRSError(f"{file_name}: cannot reproject from {frame.crs} to {DISPLAY_CRS} ({exc})") from exc
    if not source_crs.equals(DISPLAY_CRS, ignore_axis_order=True):
        notes.append(f"reprojected from {crs_label(source_crs)} to {crs_label(DISPLAY_CRS)} with pyproj")
    if lonlat_crs in ("gcj02", "bd09") and len(frame):
        from analysis.coords import to_wgs84, transform_geometry

        datum = lonlat_crs
        frame = transform_geometry(frame, lambda lon, lat: to_wgs84(lon, lat, datum))
        notes.append(f"converted coordinates from {_DATUM_LABELS[datum]} to WGS84")
    return frame


def _polygonal_part(geometry: Any) -> Any:
    if geometry is None or geometry.geom_type in _POLYGONAL:
        return geometry
    parts = [part for part in getattr(geometry, "geoms", []) if part.geom_type in _POLYGONAL]
    polygons = [poly for part in parts for poly in getattr(part, "geoms", [part])]
    return shapely.MultiPolygon(polygons) if polygons else None


def _clean_geometry(
    frame: gpd.GeoDataFrame, spec: LayerSpec, rows: _Rows, file_name: str, notes: list[str]
) -> gpd.GeoDataFrame:
    geometry = shapely.force_2d(frame.geometry.array)
    frame = frame.set_geometry(geometry)
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        notes.append(
            f"dropped {int(empty.sum())} feature(s) with empty or missing geometry "
            f"({rows(frame.index[empty])})"
        )
        frame = frame[~empty]
    if frame.empty:
        raise LayerError(f"{file_name}: no feature has a geometry; the {spec.kind} layer would be empty")
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        repaired = shapely.make_valid(frame.geometry[invalid].array, method="structure", keep_collapsed=False)
        if spec.polygonal:
            repaired = np.array([_polygonal_part(geom) for geom in repaired], dtype=object)
        frame = frame.copy()
        frame.loc[invalid, frame.geometry.name] = gpd.GeoSeries(
            repaired, index=frame.index[invalid], crs=frame.crs
        )
        notes.append(
            f"repaired {int(invalid.sum())} invalid geometr{'y' if invalid.sum() == 1 else 'ies'} with "
            f"shapely.make_valid ({rows(frame.index[invalid])})"
        )
        collapsed = frame.geometry.isna() | frame.geometry.is_empty
        if collapsed.any():
            notes.append(f"dropped {int(collapsed.sum())} feature(s) that collapsed to nothing when repaired")
            frame = frame[~collapsed]
    types = frame.geometry.geom_type
    wrong = ~types.isin(spec.geometry_types)
    if wrong.all():
        found = _listing(sorted(set(types)))
        raise LayerError(
            f"{file_name}: a {spec.kind} layer needs {'/'.join(spec.geometry_types)} geometry, but the file "
            f"has {found}"
        )
    if wrong.any():
        notes.append(
            f"dropped {int(wrong.sum())} feature(s) whose geometry is not {'/'.join(spec.geometry_types)} "
            f"({rows(frame.index[wrong])})"
        )
        frame = frame[~wrong]
    duplicated = frame.geometry.to_wkb().duplicated(keep="first")
    if duplicated.any():
        notes.append(
            f"{int(duplicated.sum())} feature(s) repeat an earlier feature's geometry exactly "
            f"({rows(frame.index[duplicated])}); they are kept, check for double counting"
        )
    west, south, east, north = WUXI_BBOX
    outside = ~frame.geometry.intersects(shapely.box(west, south, east, north))
    if outside.any():
        notes.append(
            f"warning: {int(outside.sum())} feature(s) lie outside Wuxi ({rows(frame.index[outside])}); "
            "check the file's CRS, or its datum (GCJ-02/BD-09 shift points by about 500 m)"
        )
    return frame


def _vintage(
    frame: pd.DataFrame,
    metadata: Mapping[str, Any],
    manifest: Mapping[str, Any],
    path: Path,
    notes: list[str],
) -> str:
    for key in ("vintage", "year"):
        for source in (metadata, manifest):
            if source.get(key) not in (None, ""):
                return str(source[key])
    if "year" in frame and pd.api.types.is_numeric_dtype(frame["year"]) and frame["year"].notna().any():
        years = frame["year"].dropna().astype(int)
        if years.min() != years.max():
            notes.append(f"features span {years.min()}–{years.max()}; vintage taken as the latest year")
        return str(int(years.max()))
    year = dt.datetime.fromtimestamp(path.stat().st_mtime).year
    notes.append(f"the file states no year; vintage taken from its modification time ({year})")
    return str(year)


@_reader_boundary
def read_vector(
    kind: str,
    path: str | Path,
    *,
    layer: str | None = None,
    column_map: Mapping[str, str] | None = None,
    lonlat_crs: str | None = None,
    encoding: str | None = None,
) -> VectorSource:
    """Read a vector file as a layer of ``kind``, checked, typed and in EPSG:4326.

    Parameters
    ----------
    kind : str
        A vector kind of :data:`LAYER_SPECS` (``"stations"``, ``"wetlands"`` …).
    path : str or Path
        A local ``.gpkg``, ``.geojson``/``.json``, ``.zip`` (zipped Shapefile), ``.shp``, ``.kml``,
        ``.csv``/``.txt`` or ``.xlsx`` file. Tables need longitude and latitude columns.
    layer : str, optional
        The layer (or spreadsheet sheet) to read. By default the only layer, else the one named like the
        kind (``stations``; ``protected_areas`` for ``protected``).
    column_map : mapping, optional
        ``{file column: field name}``, for columns the aliases do not catch; ``"lon"``/``"lat"`` name the
        coordinate columns of a table.
    lonlat_crs : {"wgs84", "cgcs2000", "gcj02", "bd09"}, optional
        The datum of longitude/latitude coordinates. Tables (and files with no CRS) are taken as WGS84
        when None, with a note; GCJ-02 and BD-09 are converted with :func:`analysis.coords.to_wgs84`.
    encoding : str, optional
        Text encoding of a CSV or of a Shapefile's attributes. CSV is tried as UTF-8, then GBK.

    Returns
    -------
    VectorSource
        Fields renamed to the spec's names and typed; text choices normalised (``公共`` → ``public``);
        ``notes`` lists every repair, drop, assumption and warning.

    Raises
    ------
    LayerReadError
        The file cannot be read (missing, empty, wrong format, broken).
    LayerError
        It is read but is not a usable layer of ``kind`` (missing fields, text in number columns, swapped
        coordinates, wrong geometry type), or ``path``/``layer`` is a GDAL virtual path or URL.
    CRSError
        A vector file has no CRS.

    Examples
    --------
    >>> stations = read_vector("stations", "stations.csv", lonlat_crs="gcj02")  # doctest: +SKIP
    >>> stations.frame[["type", "piles", "access"]].head()  # doctest: +SKIP
    """
    spec = get_spec(kind)
    if spec.raster:
        raise LayerError(f"{kind} layers are rasters; read them with read_landcover(path)")
    if layer is not None:
        _reject_virtual(layer, "layer name")
    if lonlat_crs is not None and lonlat_crs not in LONLAT_CRSS:
        raise LayerError(f"lonlat_crs {lonlat_crs!r} is not one of: {', '.join(LONLAT_CRSS)}")
    datum = cast("LonLatCRS | None", lonlat_crs)
    local = _local_file(path, VECTOR_SUFFIXES, f"a {spec.kind} layer")
    _check_container(local)
    notes: list[str] = []
    manifest = _manifest(local, notes)
    metadata: dict[str, Any] = {}
    chosen: str | None = None
    if local.suffix.lower() in _TABULAR_SUFFIXES:
        table = _read_table(local, layer, encoding, notes)
        rows = _Rows("line" if local.suffix.lower() != ".xlsx" else "row", 2)
        before = list(table.columns)
        table = _resolve_columns(
            table, spec, column_map, {"lon": LON_ALIASES, "lat": LAT_ALIASES}, local.name
        )
        _note_renames(before, list(table.columns), notes)
        frame = _points_from_table(table, spec, rows, local.name, datum, notes)
    else:
        frame, chosen, metadata = _read_ogr(local, spec, layer, encoding, notes)
        if frame.empty:
            raise LayerReadError(f"{local.name}: layer {chosen!r} has no features")
        frame = frame.reset_index(drop=True)
        rows = _Rows("feature", 1)
        frame = _to_display_crs(frame, local.name, datum, notes)
        before = list(frame.columns)
        frame = _resolve_columns(frame, spec, column_map, {}, local.name)
        _note_renames(before, list(frame.columns), notes)
    missing = [f for f in spec.required_fields if f.name not in frame]
    if missing:
        columns = [column for column in frame.columns if column != frame.geometry.name]
        raise LayerError(_missing_fields_message(local.name, spec, missing, columns))
    frame = _coerce_fields(frame, spec, rows, local.name, notes)
    frame = _clean_geometry(frame, spec, rows, local.name, notes)
    frame = frame.reset_index(drop=True)
    synthetic = _truthy(metadata.get("synthetic", False)) or _truthy(manifest.get("synthetic", False))
    name = local.name if chosen is None or chosen == local.stem else f"{local.name}:{chosen}"
    return VectorSource(
        kind=spec.kind,
        frame=frame,
        source=_source_text(name, synthetic, metadata.get("seed", manifest.get("seed"))),
        vintage=_vintage(frame, metadata, manifest, local, notes),
        synthetic=synthetic,
        path=local,
        notes=tuple(notes),
    )


# -------------------------------------------------------------------------------------------- rasters


def _tagged_scheme(file_name: str, tag: str) -> str:
    """The built-in scheme a ``SCHEME`` tag names; a tag never names a file (see :func:`read_landcover`)."""
    from analysis.schemes import BUILTIN_SCHEMES

    name = tag.strip().lower()
    if name in BUILTIN_SCHEMES:
        return name
    raise LayerError(
        f"{file_name}: its SCHEME tag {tag!r} is not a known scheme; a tag may only name one of "
        f"{', '.join(BUILTIN_SCHEMES)}. A scheme file is accepted only from the command line "
        "(--scheme PATH, scheme=… in Python): pass the scheme there"
    )


def _caller_scheme(scheme: str | Path) -> str:
    """A scheme the caller chose: a built-in name as it is, a scheme file as its absolute path."""
    from analysis.schemes import BUILTIN_SCHEMES, load_scheme

    loaded = load_scheme(scheme)
    return str(scheme) if str(scheme) in BUILTIN_SCHEMES else str(Path(loaded.path).resolve())


@_reader_boundary
def read_landcover(path: str | Path, scheme: str | None = None) -> RasterSource:
    """Check a land-cover GeoTIFF and say which class scheme it uses.

    Parameters
    ----------
    path : str or Path
        A local GeoTIFF (Cloud-Optimized or not) with one band of class codes and a CRS.
    scheme : str, optional
        The class scheme's name or file (see :mod:`analysis.schemes`), chosen by the caller (the
        command line's ``--scheme``, the catalog). By default the file's ``SCHEME`` tag, which may only
        name a built-in scheme (never a file: the raster is data), else the scheme whose codes best
        match the codes found in the raster.

    Returns
    -------
    RasterSource
        ``scheme`` is a built-in name, or the absolute path of the caller's scheme file. ``year`` comes
        from the ``YEAR`` tag (or a year in the file name) and ``synthetic`` from the ``SYNTHETIC`` tag
        or a ``MANIFEST.json`` next to the file.

    Raises
    ------
    LayerReadError
        The file cannot be opened, a block cannot be decoded (truncated or damaged), or one internal
        block would decode to more than the limit (:mod:`layers.limits`).
    CRSError
        The raster has no georeference, or a CRS not tied to the earth (local/engineering).
    LayerError
        ``path`` is a GDAL virtual path or URL, the raster lies outside Wuxi, its values are not
        whole-number class codes, its ``SCHEME`` tag names no built-in scheme, or the scheme cannot be
        told from the codes.

    Notes
    -----
    Every block is decoded once (see :mod:`layers.raster_checks`), so that a file the indicators
    could not read is refused here. Files the atlas wrote itself (read inside
    :func:`layers.limits.trusted`) skip that pass and the overlap test, which were done at import.
    """
    import rasterio
    from rasterio.errors import RasterioError

    local = _local_file(path, RASTER_SUFFIXES, "a land-cover raster")
    notes: list[str] = []
    manifest = _manifest(local, notes)
    try:
        with rasterio.open(local) as dataset:
            # Opening reads only the header; refuse a huge (or lying) one before any pixel is read.
            check_raster_size(local.name, dataset.width, dataset.height, dataset.count)
            block_h, block_w = dataset.block_shapes[0]
            interleaved = dataset.count if dataset.profile.get("interleave") == "pixel" else 1
            check_block_size(local.name, block_h, block_w, interleaved, np.dtype(dataset.dtypes[0]).itemsize)
            if dataset.crs is None or dataset.transform.is_identity:
                raise CRSError(
                    f"{local.name}: raster has no georeference; its cells cannot be placed on the map. "
                    "Assign its CRS and transform (e.g. gdal_edit.py -a_srs EPSG:4549, or re-export it "
                    "from the source with them) and load it again"
                )
            check_crs_on_earth(local.name, dataset.crs)
            tags = _lower_keys(dataset.tags())
            tag = str(tags.get("scheme") or "").strip()
            scheme_name = (
                _caller_scheme(scheme)
                if scheme is not None
                else _tagged_scheme(local.name, tag)
                if tag
                else None
            )
            codes = None
            if not is_trusted() or scheme_name is None:
                check_overlaps_wuxi(local.name, dataset)
                codes = scan_codes(local.name, dataset)
    except RasterioError as exc:
        # rasterio's "Read failed. See previous exception" keeps GDAL's reason in the cause.
        reason = str(exc.__cause__ if exc.__cause__ is not None else exc)
        raise LayerReadError(f"{local.name}: cannot read it as a raster ({reason})") from exc
    from analysis.schemes import guess_scheme

    found = np.asarray(codes if codes is not None else [], dtype=int)
    if codes is not None and found.size == 0:
        raise LayerError(f"{local.name}: the raster holds no class codes (all nodata)")
    if scheme_name is None:
        guessed = guess_scheme({int(code) for code in found.tolist()})
        if guessed is None:
            raise LayerError(
                f"{local.name}: cannot tell the land-cover scheme from its codes "
                f"{_listing(found.tolist(), 20)}; pass scheme=… (a scheme name or a scheme file)"
            )
        scheme_name = guessed
    year_tag = tags.get("year")
    year = _year_of(year_tag) if year_tag else _year_of(manifest.get("year", "")) or _year_of(local.stem)
    synthetic = _truthy(tags.get("synthetic", False)) or _truthy(manifest.get("synthetic", False))
    return RasterSource(
        path=local,
        scheme=scheme_name,
        year=year,
        source=_source_text(local.name, synthetic, tags.get("seed", manifest.get("seed"))),
        synthetic=synthetic,
    )
