"""What a layer kind is: its :class:`LayerSpec`, the :class:`FieldSpec` of each attribute it needs or
understands, and the registry :data:`LAYER_SPECS` with :func:`get_spec`.

Each kind (``districts``, ``landcover``, ``wetlands`` …) has one spec: its labels, the geometry it must
have and the fields it needs, with the column names that real Chinese files use (``经度``, ``桩数``,
``DLMC`` …). The other spellings of a field's values (``公共`` → ``public``) are data, in
``data/aliases.toml`` (:mod:`layers.aliases`). The readers (:func:`layers.read.read_vector`,
:func:`layers.formats.raster.read_landcover`) and the kind modules (:mod:`layers.kinds`) all start here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Literal, cast

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.sources import LAYER_KINDS, LayerKind

__all__ = [
    "LAYER_SPECS",
    "POLYGONAL",
    "PUNCTUAL",
    "FieldSpec",
    "LayerSpec",
    "get_spec",
    "layer_module",
]

#: The geometry types of polygon kinds and of point kinds.
POLYGONAL = ("Polygon", "MultiPolygon")
PUNCTUAL = ("Point", "MultiPoint")


@dataclass(frozen=True)
class FieldSpec:
    """One attribute a layer kind needs or understands.

    ``aliases`` are other column names accepted for it (matched without regard to case or surrounding
    spaces; see :attr:`column_names`); ``allowed`` restricts text values (empty: any text), whose other
    spellings are in the value alias table (:mod:`layers.aliases`); ``minimum`` bounds numbers.
    """

    name: str
    dtype: Literal["str", "int", "float"]
    label_zh: str
    label_en: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
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

    @property
    def column_names(self) -> tuple[str, ...]:
        """The column names read as this field: its name, its aliases, and each of them cut to the 10
        bytes a Shapefile's attribute table allows (``wetland_type`` → ``wetland_ty``, ``roof_area_m2`` →
        ``roof_area_``), in that order.

        Examples
        --------
        >>> LAYER_SPECS["wetlands"].field("wetland_type").column_names[-1]
        'wetland_ty'
        """
        names = (self.name, *self.aliases)
        return tuple(dict.fromkeys((*names, *(cut for name in names for cut in _dbf_cuts(name)))))


@dataclass(frozen=True)
class LayerSpec:
    """What a layer kind is: labels, geometry, fields and where to find it in a multi-layer file.

    ``layer_names`` are the layer names tried, in order, in a GeoPackage (or other multi-layer file)
    when the caller names none. ``raster`` kinds have no fields and are read by
    :func:`~layers.formats.raster.read_landcover`.
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
        return bool(self.geometry_types) and set(self.geometry_types) <= set(POLYGONAL)

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
    name: str, zh: str, en: str, allowed: tuple[str, ...], *aliases: str, required: bool = True
) -> FieldSpec:
    """A text field restricted to ``allowed`` values (their other spellings: data/aliases.toml)."""
    return FieldSpec(name, "str", zh, en, required=required, aliases=aliases, allowed=allowed)


_NAME = _text("name", "名称", "name", "名称", "名字", "站名", "name_zh", "名称_zh")
_YEAR = FieldSpec(
    "year", "int", "年份", "year", aliases=("年份", "年度", "建成年份", "投运年份"), minimum=1900
)

LAYER_SPECS: dict[LayerKind, LayerSpec] = {
    "landcover": LayerSpec("landcover", "土地覆盖", "land cover", (), raster=True),
    "districts": LayerSpec(
        "districts",
        "行政区划",
        "districts",
        POLYGONAL,
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
        POLYGONAL,
        (
            _text("name", "名称", "name", "名称", "湿地名称", required=True),
            _choice(
                "wetland_type",
                "湿地类型",
                "wetland type",
                ("river", "lake", "reservoir", "pond", "marsh", "tidal_flat"),
                "湿地类型",
                "类型",
                "type",
                # A wetland layer cut from the land survey's DLTB: its class name, else its class code.
                "地类名称",
                "DLMC",
                "地类编码",
                "DLBM",
            ),
        ),
        ("wetlands",),
    ),
    "protected": LayerSpec(
        "protected",
        "自然保护地",
        "protected areas",
        POLYGONAL,
        (
            _text("name", "名称", "name", "名称", "保护地名称", required=True),
            _text(
                "protection_type",
                "保护类型",
                "protection type",
                "保护类型",
                "保护地类型",
                "类型",
                "type",
                required=True,
            ),
            _text("level", "级别", "level", "级别", "保护级别"),
        ),
        ("protected", "protected_areas"),
    ),
    "builtup": LayerSpec(
        "builtup",
        "建成区",
        "built-up area",
        POLYGONAL,
        (_NAME, _YEAR),
        ("builtup", "built_up", "builtup_area"),
    ),
    "buildings": LayerSpec(
        "buildings",
        "建筑屋顶",
        "buildings",
        (*POLYGONAL, "Point"),
        (
            _choice(
                "building_type",
                "建筑类型",
                "building type",
                ("government", "school_hospital", "industrial_commercial", "urban_residential", "rural_home"),
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
        (*PUNCTUAL, *POLYGONAL),
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
            _text("kind", "类型", "kind", "类型", "项目类型", "type"),
            _YEAR,
        ),
        ("pv_sites", "pv", "photovoltaics"),
    ),
    "stations": LayerSpec(
        "stations",
        "充换电站",
        "charging stations",
        PUNCTUAL,
        (
            _choice(
                "type",
                "类型",
                "type",
                ("charging", "swap", "hydrogen"),
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
    return importlib.import_module(f"wuxi_atlas.layers.kinds.{get_spec(kind).kind}")


#: A Shapefile's attribute table (dBASE) holds field names of at most 10 bytes; GDAL cuts longer ones.
_DBF_NAME_BYTES = 10


def _dbf_cuts(name: str) -> tuple[str, ...]:
    """``name`` as GDAL writes it into a Shapefile when it is longer than 10 bytes: its first 10 bytes in
    GBK (which covers ASCII), without a broken last character. (A Chinese name cut in UTF-8 ends in half a
    character, and GDAL cannot read such a file back, so there is nothing to recognise.)"""
    try:
        encoded = name.encode("gbk")
    except UnicodeEncodeError:
        return ()
    if len(encoded) <= _DBF_NAME_BYTES:
        return ()
    cut = encoded[:_DBF_NAME_BYTES].decode("gbk", errors="ignore").strip()
    return (cut,) if cut else ()
