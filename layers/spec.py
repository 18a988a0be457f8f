"""What a layer kind is: its :class:`LayerSpec`, the :class:`FieldSpec` of each attribute it needs or
understands, and the registry :data:`LAYER_SPECS` with :func:`get_spec`.

Each kind (``districts``, ``landcover``, ``wetlands`` …) has one spec: its labels, the geometry it must
have and the fields it needs, with the column and value aliases that real Chinese files use (``经度``,
``桩数``, ``公共`` …). The readers (:func:`layers.read.read_vector`,
:func:`layers.formats.raster.read_landcover`) and the kind modules (:mod:`layers.kinds`) all start here.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Literal, cast

from analysis.errors import LayerError
from analysis.sources import LAYER_KINDS, LayerKind

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
        POLYGONAL,
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
            _open_choice("kind", "类型", "kind", _PV_KINDS, "类型", "项目类型", "type"),
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


def _value_key(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(value).strip().lower())
