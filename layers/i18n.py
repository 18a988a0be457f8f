"""Interface text in Chinese (the default) and English, and the formatting of board rows as text.

Indicator names in Chinese are the plan's official terms (林木覆盖率, 湿地保护率, 城市建成区绿化覆盖率 …).
Numbers are formatted here, not in :mod:`analysis.board`, so the analysis stays language-free.
"""

from __future__ import annotations

import math
from typing import Literal

from analysis.board import BoardRow

__all__ = [
    "INDICATOR_METHODS",
    "INDICATOR_NAMES",
    "LANGS",
    "STATUS_ICONS",
    "Lang",
    "format_gap",
    "format_value",
    "indicator_name",
    "method_text",
    "status_text",
    "t",
]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

INDICATOR_NAMES: dict[str, tuple[str, str]] = {
    "forest_coverage": ("林木覆盖率", "Tree and woody cover rate"),
    "wetland_protection_rate": ("湿地保护率", "Wetland protection rate"),
    "builtup_green_coverage": ("城市建成区绿化覆盖率", "Built-up area green coverage"),
    "pv_installed_capacity": ("光伏装机容量", "Installed PV capacity"),
    "pv_rooftop_potential": ("屋顶光伏潜力", "Rooftop PV potential"),
    "charging_piles": ("充电桩数量", "Charging piles"),
    "battery_swap_stations": ("公共换电站", "Public battery-swap stations"),
    "hydrogen_stations": ("加氢站", "Hydrogen stations"),
    "charging_service_coverage": ("充电服务覆盖率", "Charging service coverage"),
}

STATUS_ICONS: dict[str, str] = {
    "met": "🟢",
    "on_track": "🟡",
    "behind": "🔴",
    "no_target": "⚪",
    "not_computable": "⚪",
}
_STATUS_TEXT: dict[str, tuple[str, str]] = {
    "met": ("已达标", "met"),
    "on_track": ("进度正常", "on track"),
    "behind": ("滞后", "behind"),
    "no_target": ("无目标", "no target"),
    "not_computable": ("无法计算", "not computable"),
}

# Gap texts: {n} is the formatted amount.
_GAPS: dict[str, tuple[str, str]] = {
    "forest_coverage": ("需增加林木 {n} 公顷", "needs +{n} ha of tree cover"),
    "wetland_protection_rate": ("需新增受保护湿地 {n} 公顷", "needs +{n} ha of protected wetland"),
    "builtup_green_coverage": ("建成区需增加绿化 {n} 公顷", "needs +{n} ha of green in the built-up area"),
    "pv_installed_capacity": ("需新增光伏装机 {n} 兆瓦", "needs +{n} MW of PV"),
    "charging_piles": ("需新增充电桩 {n} 个", "needs +{n} piles"),
    "battery_swap_stations": ("需新增换电站 {n} 座", "needs +{n} swap stations"),
    "hydrogen_stations": ("需新增加氢站 {n} 座", "needs +{n} hydrogen stations"),
}

_UNITS: dict[str, tuple[str, str]] = {
    "count": ("", ""),
    "MW": (" 兆瓦", " MW"),
    "%": ("%", "%"),
    "ha": (" 公顷", " ha"),
}

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("无锡碳达峰空间监测", "Wuxi Carbon-Peak Atlas"),
    "app_subtitle": (
        "《无锡市碳达峰实施方案》(2024) 空间指标监测",
        "Spatial indicators toward Wuxi's 2024 carbon-peak plan",
    ),
    "synthetic_banner": (
        "⚠️ 本页展示的是**合成示例数据**(由固定随机种子生成,仅用于演示方法),不是实测数据。"
        "只有行政区划边界是真实的。",
        "⚠️ This page shows **synthetic demo data** (generated with a fixed seed to illustrate the method), "
        "not measurements. Only the district boundaries are real.",
    ),
    "language": ("语言 Language", "Language 语言"),
    "page": ("页面", "Page"),
    "page_map": ("地图", "Map"),
    "page_board": ("目标看板", "Target board"),
    "page_district": ("区县详情", "District"),
    "page_export": ("数据导出", "Exports"),
    "page_methods": ("方法说明", "Methods"),
    "district": ("区县", "District"),
    "whole_city": ("全市", "Whole city"),
    "layers": ("图层", "Layers"),
    "opacity": ("透明度", "Opacity"),
    "basemap": ("底图", "Basemap"),
    "year": ("土地覆盖年份", "Land-cover year"),
    "layer_districts": ("行政区划", "District boundaries"),
    "layer_landcover": ("土地覆盖", "Land cover"),
    "layer_forest": ("林木覆盖", "Tree and woody cover"),
    "layer_pv": ("屋顶光伏潜力", "Rooftop PV potential"),
    "layer_pv_sites": ("光伏项目", "PV sites"),
    "layer_wetlands": ("湿地(按保护状态)", "Wetlands (by protection)"),
    "layer_protected": ("自然保护地", "Protected areas"),
    "layer_builtup": ("建成区", "Built-up area"),
    "layer_stations": ("充换电站", "Charging stations"),
    "click_hint": ("点击地图上的区县可选中该区县。", "Click a district on the map to select it."),
    "selected": ("已选中:{name}", "Selected: {name}"),
    "col_district": ("区县", "District"),
    "col_indicator": ("指标", "Indicator"),
    "col_status": ("状态", "Status"),
    "col_value": ("现值", "Value"),
    "col_target": ("目标", "Target"),
    "col_year": ("目标年", "Target year"),
    "col_progress": ("完成度", "Progress"),
    "col_gap": ("差距", "Gap"),
    "col_note": ("说明", "Note"),
    "headline": ("全市概览", "City-wide headline"),
    "compare": ("区县对比", "Districts compared"),
    "compare_indicator": ("对比指标", "Indicator to compare"),
    "board_caption": (
        "🟢 已达标 · 🟡 进度正常 · 🔴 滞后 · ⚪ 无目标或无法计算(见说明)。差距以实物量表示。",
        "🟢 met · 🟡 on track · 🔴 behind · ⚪ no target or not computable (see note). "
        "Gaps are in physical units.",
    ),
    "city_only_target": ("目标为全市总量", "target is city-wide"),
    "statistics": ("统计类目标", "Statistical targets"),
    "statistics_help": (
        "以下目标无法由地图数据计算。可上传 CSV(列:id,value[,year])填入统计数值,按同一规则判定状态。"
        "数值按目标本身的口径填写(如“下降14%”填已下降的百分数)。",
        "These targets cannot be computed from map layers. Upload a CSV (columns id,value[,year]) with "
        "reported figures to judge them by the same rule. Give values in the target's own terms "
        "(for 'reduce by 14%', the reduction achieved, in %).",
    ),
    "upload_statistics": ("上传统计数值 CSV", "Upload statistics CSV"),
    "upload_ok": ("已读取 {n} 条统计数值。", "Read {n} figures."),
    "col_id": ("编号", "id"),
    "col_name": ("目标", "Target"),
    "col_clauses": ("条款", "Clause"),
    "col_reported": ("填报值", "Reported"),
    "district_indicators": ("指标", "Indicators"),
    "landcover_change": ("土地覆盖变化", "Land-cover change"),
    "change_caption": (
        "{a}–{b} 年各地类的增加、减少与净变化(公顷),按像元转移计算。",
        "Gross gain, loss and net change per class, {a}–{b}, in hectares, from pixel transitions.",
    ),
    "change_unavailable": (
        "只有一个年份的土地覆盖,无法计算变化。",
        "Only one land-cover year; no change to show.",
    ),
    "col_class": ("地类", "Class"),
    "col_gained": ("增加 公顷", "Gained ha"),
    "col_lost": ("减少 公顷", "Lost ha"),
    "col_net": ("净变化 公顷", "Net ha"),
    "fact_sheet": ("下载区县简报 (HTML)", "Download fact sheet (HTML)"),
    "fact_sheet_title": ("{name} 碳达峰空间指标简报", "{name}: carbon-peak spatial indicators"),
    "generated": ("生成时间", "Generated"),
    "export_layer": ("导出图层 (GeoJSON)", "Export a layer (GeoJSON)"),
    "export_layer_kind": ("图层", "Layer"),
    "export_indicators": ("导出指标", "Export indicators"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_json": ("下载 JSON", "Download JSON"),
    "download_metadata": ("下载元数据 JSON", "Download metadata JSON"),
    "download_zip": ("下载 ZIP(CSV + JSON + 元数据)", "Download ZIP (CSV + JSON + metadata)"),
    "download_geojson": ("下载 GeoJSON", "Download GeoJSON"),
    "download_map": ("下载当前地图 (HTML,可离线打开)", "Download current map (HTML, works offline)"),
    "export_scope": ("范围:{name}", "Scope: {name}"),
    "methods_intro": (
        "每个指标的定义、地类映射、分母、数据来源及对应的方案条款。",
        "Each indicator's definition, class mapping, denominator, data provenance and plan clauses.",
    ),
    "definition": ("定义", "Definition"),
    "class_mapping": ("地类映射", "Class mapping"),
    "denominator": ("分母", "Denominator"),
    "targets": ("目标与条款", "Targets and clauses"),
    "provenance": ("数据来源", "Data provenance"),
    "no_layer": ("缺少图层", "missing layer"),
    "error": ("出错了:{message}", "Something went wrong: {message}"),
    "legend": ("图例", "Legend"),
    "map_payload": ("地图数据量 {kb} KB", "Map payload {kb} KB"),
    "none": ("无", "none"),
    "synthetic_tag": ("合成", "synthetic"),
    "page_data": ("数据", "Data"),
    "data_intro": (
        "上传自己的图层替换示例数据。文件先经检查并只在本会话中预览;保存到图层库后,所有用户的指标都会使用它。",
        "Upload your own layer to replace the demo data. The file is checked and previewed in this session "
        "only; once saved to the catalog, everyone's indicators use it.",
    ),
    "upload_layer": ("上传图层", "Upload a layer"),
    "upload_kind": ("图层类型", "Layer kind"),
    "upload_file": ("选择文件", "Choose a file"),
    "upload_fields": ("字段:{fields}(* 为必填)", "Fields: {fields} (* required)"),
    "upload_datum": ("经纬度坐标系(表格)", "Lon/lat datum (tables)"),
    "upload_datum_auto": ("文件声明,或按 WGS84", "as declared, else WGS84"),
    "upload_encoding": ("文字编码", "Text encoding"),
    "upload_encoding_auto": ("自动(UTF-8,再试 GBK)", "automatic (UTF-8, then GBK)"),
    "upload_scheme": ("土地覆盖分类体系", "Land-cover scheme"),
    "upload_scheme_guess": ("自动识别", "guess"),
    "upload_limit": ("单个文件上限 {mb} MB。", "Files up to {mb} MB."),
    "check_report": ("检查结果", "Check report"),
    "staged_layers": ("本会话预览中的图层", "Layers previewed in this session"),
    "staged_banner": (
        "本会话正在预览未保存的图层:{kinds}。其他用户看不到,保存到图层库后才生效。",
        "This session previews unsaved layers: {kinds}. Nobody else sees them until they are saved to "
        "the catalog.",
    ),
    "preview": ("指标预览(全市)", "Indicator preview (whole city)"),
    "col_current": ("当前(共享)", "Current (shared)"),
    "col_preview": ("预览(本会话)", "Preview (this session)"),
    "save_to_catalog": ("保存到图层库", "Save to catalog"),
    "discard": ("放弃", "Discard"),
    "saved": ("已保存:{kind} 第 {version} 版。", "Saved: {kind} version {version}."),
    "discarded": ("已放弃预览的 {kind} 图层。", "Discarded the previewed {kind} layer."),
    "catalog": ("图层库", "Layer catalog"),
    "catalog_where": ("位置:{path}", "Location: {path}"),
    "catalog_empty": ("图层库为空:所有图层均为示例数据。", "The catalog is empty: every layer is demo data."),
    "history": ("{kind} 的版本历史", "{kind}: version history"),
    "rollback": ("回退到上一版", "Roll back to the previous version"),
    "remove_layer": ("删除该图层的所有版本", "Remove every version of this layer"),
    "confirm": ("我确认此操作", "I confirm"),
    "rolled_back": ("{kind} 已回退到第 {version} 版。", "{kind} rolled back to version {version}."),
    "removed": ("已删除 {kind}({n} 个版本)。", "Removed {kind} ({n} version(s))."),
    "col_kind": ("类型", "Kind"),
    "col_version": ("版本", "Version"),
    "col_file": ("原文件", "Original file"),
    "col_imported": ("导入时间", "Imported"),
    "col_crs": ("原坐标系", "Source CRS"),
    "col_features": ("要素数", "Features"),
    "col_current_version": ("当前", "Current"),
    "method": ("方法", "Method"),
    "forest_denominator": ("林木覆盖率分母", "Tree-cover denominator"),
    "denominator_official": ("行政区面积(官方)", "official area"),
    "denominator_polygon": ("多边形面积", "polygon area"),
    "denominator_land": ("仅陆地", "land only"),
    "forest_variant": ("口径", "Variant"),
    "variant_linmu": ("林木覆盖率", "tree and woody cover (林木)"),
    "variant_senlin": ("森林覆盖率", "forest cover (森林)"),
    "pv_yield": ("光伏年等效利用小时 (kWh/kWp)", "PV specific yield (kWh/kWp/yr)"),
    "pv_shares": ("屋顶可用比例", "Usable roof share"),
    "service_radius": ("充电服务半径 (米)", "Charging service radius (m)"),
    "share_government": ("党政机关", "government"),
    "share_school_hospital": ("学校、医院等公共建筑", "schools, hospitals"),
    "share_industrial_commercial": ("工商业厂房", "industrial and commercial"),
    "share_urban_residential": ("城镇住宅(假设)", "urban residential (assumed)"),
    "share_rural_home": ("农村居民屋顶", "rural homes"),
}


def t(key: str, lang: str, **values: object) -> str:
    """The text ``key`` in ``lang`` ("zh" or "en"), with ``{name}`` fields filled from ``values``."""
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def indicator_name(indicator: str, lang: str) -> str:
    """The indicator's name: the plan's Chinese term, or its English rendering."""
    zh, en = INDICATOR_NAMES.get(indicator, (indicator, indicator))
    return en if lang == "en" else zh


def status_text(status: str | None, lang: str) -> str:
    """Traffic light and word for a status ("🟢 已达标")."""
    if status is None:
        return "–"
    zh, en = _STATUS_TEXT.get(status, (status, status))
    return f"{STATUS_ICONS.get(status, '⚪')} {en if lang == 'en' else zh}"


def _number(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def format_value(value: float | None, unit: str, lang: str) -> str:
    """A value with its unit: ``27.60%``, ``2,214.5 MW``, ``161,000``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "%":
        return f"{value:.2f}%"
    if unit == "count":
        return _number(value, 0)
    suffix = _UNITS.get(unit, (f" {unit}", f" {unit}"))[1 if lang == "en" else 0]
    return f"{_number(value, 1)}{suffix}"


def format_gap(row: BoardRow, lang: str) -> str:
    """The gap as an action: "需增加林木 312 公顷" / "needs +312 ha of tree cover"; "" without one."""
    if row.gap is None or row.indicator not in _GAPS:
        return ""
    if row.gap <= 0:
        return "已达标" if lang == "zh" else "target met"
    digits = 1 if row.gap_unit == "MW" else 0
    zh, en = _GAPS[row.indicator]
    return (en if lang == "en" else zh).format(n=_number(row.gap, digits))


#: Per indicator: (definition zh, definition en, denominator zh, denominator en, class roles counted).
INDICATOR_METHODS: dict[str, tuple[str, str, str, str, tuple[str, ...]]] = {
    "forest_coverage": (
        "(乔木林地 + 灌木林地 + 经济林/果园)面积 ÷ 区域总面积。"
        "由土地覆盖栅格估算,是林木覆盖率的代理指标;森林覆盖率口径更窄(只计特别规定灌木林)。",
        "(tree + shrub + orchard) area ÷ total area of the unit; a land-cover proxy for 林木覆盖率. "
        "森林覆盖率 (forest cover) is narrower: only designated shrubland counts.",
        "官方行政面积(默认);可选图斑面积或仅陆地面积。是否扣除太湖水面尚未核实。",
        "official administrative area (default); polygon area or land only as variants. Whether Jiangsu "
        "removes Taihu from the denominator is unverified.",
        ("tree", "shrub", "orchard"),
    ),
    "wetland_protection_rate": (
        "纳入保护体系(湿地自然保护区、湿地公园、湿地保护小区等)的湿地面积 ÷ 湿地总面积。"
        "按三调口径,河流、湖泊、水库和非养殖坑塘水面计入湿地。",
        "wetland area inside the protection system (reserves, wetland parks, protection plots) ÷ total "
        "wetland area; third land survey (三调) scope, so river, lake, reservoir and pond surfaces count.",
        "湿地总面积(湿地图层;无湿地图层时用栅格的水体 + 湿地类)。",
        "total wetland area (wetland polygons; the raster's water + wetland classes without them).",
        ("wetland", "water"),
    ),
    "builtup_green_coverage": (
        "建成区内全部植被垂直投影面积 ÷ 建成区面积(GB/T 50563-2010),树冠下灌草不重复计算。",
        "vertical projection of all vegetation inside the built-up area ÷ built-up area (GB/T 50563-2010); "
        "shrubs under tree crowns are not counted twice.",
        "建成区面积(其中水面仍计入分母)。",
        "built-up area (water inside it stays in the denominator).",
        ("tree", "shrub", "orchard", "grass"),
    ),
    "pv_installed_capacity": (
        "光伏项目装机容量(capacity_kw)之和,单位兆瓦。"
        "方案目标为全市总量:2025 年 253 万千瓦、2030 年 310 万千瓦。",
        "sum of the PV sites' capacity_kw, in MW. The plan's targets are city-wide: 2.53 GW in 2025 and "
        "3.10 GW in 2030.",
        "无(总量指标)。",
        "none (a total).",
        (),
    ),
    "pv_rooftop_potential": (
        "屋顶面积 × 可利用比例(党政机关 50%、学校医院 40%、工商业 30%、农村居民 20%、"
        "城镇住宅 25% 为本项目假设) × 0.2 千瓦/平方米;年发电量 = 潜力 × 约 1,100 千瓦时/千瓦(未核实)。",
        "roof area × usable share (government 50%, schools and hospitals 40%, industrial and commercial "
        "30%, rural homes 20%; urban residential 25% is this project's assumption) × 0.2 kWp/m²; energy = "
        "potential × about 1,100 kWh/kWp/yr (unverified).",
        "无(潜力指标,无目标)。",
        "none (informational, no target).",
        (),
    ),
    "charging_piles": (
        "各类充电站(公共、专用、私人)充电桩数量之和。",
        "piles of all charging stations (public, dedicated, private).",
        "无(总量;密度按官方面积)。",
        "none (a total; density per km² of official area).",
        (),
    ),
    "battery_swap_stations": (
        "公共换电站数量。",
        "number of public battery-swap stations.",
        "无(总量)。",
        "none (a count).",
        (),
    ),
    "hydrogen_stations": (
        "加氢站数量。",
        "number of hydrogen stations.",
        "无(总量)。",
        "none (a count).",
        (),
    ),
    "charging_service_coverage": (
        "建成区内距公共充电站 1 公里(可调)范围内的面积 ÷ 建成区面积。方案未设目标。",
        "built-up area within 1 km (adjustable) of a public charger ÷ built-up area. No target in the plan.",
        "建成区面积。",
        "built-up area.",
        (),
    ),
}


def method_text(indicator: str, lang: str) -> tuple[str, str, tuple[str, ...]]:
    """(definition, denominator, land-cover roles counted) of an indicator in ``lang``."""
    zh_def, en_def, zh_den, en_den, roles = INDICATOR_METHODS[indicator]
    if lang == "en":
        return en_def, en_den, roles
    return zh_def, zh_den, roles
