"""The words of each language that must not show in the other's interface, and how to find them: in a
page's text, and inside the map (the string literals of its script, its legend's HTML). Shared by the
localisation test (every page, headless) and the browser tests (the map as Chromium shows it)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

#: Words that must not appear in the Chinese interface (whole words, case as written).
NOT_IN_ZH = (
    "met", "behind", "on track", "no target", "not computable", "at_least", "at least", "count", "Upload",
    "upload", "Layer", "Download", "Target", "Status", "Progress", "Indicator", "usable", "features",
    "source CRS", "CNY", "10k m2", "Gained", "Lost", "Whole city", "Drag", "error", "ha",
)  # fmt: skip
#: Words that must not appear in the English interface.
NOT_IN_EN = (
    "达标", "滞后", "进度正常", "无目标", "无法计算", "图层", "下载", "上传", "目标", "状态", "指标", "公顷",
    "亿元", "万平方米", "增加", "减少", "全市", "合成", "不低于", "数据来源", "要素数", "完成度",
)  # fmt: skip


#: Words of the map (layer names, legend, popups, tooltips) that must not appear in the Chinese map.
MAP_NOT_IN_ZH = (
    *NOT_IN_ZH, "name", "type", "status", "level", "kind", "year", "value", "Legend", "synthetic",
    "potential", "buildings", "roof", "capacity", "piles", "access", "operator", "charging", "hydrogen",
    "battery swap", "public", "dedicated", "private", "protected", "unprotected", "wetland", "wetlands",
    "lake", "river", "pond", "reservoir", "marsh", "national", "provincial", "municipal", "rooftop",
    "floating", "ground-mounted", "woody", "land cover", "district boundary", "city boundary", "stations",
    "districts", "built-up area", "Tree cover", "Cropland", "labels", "other",
)  # fmt: skip
#: Words that must not appear in the English map.
MAP_NOT_IN_EN = (
    *NOT_IN_EN, "名称", "类型", "图例", "合成示例", "建成区", "湿地", "保护", "充电", "光伏", "潜力", "林木",
    "土地覆盖", "区县界线", "市界", "国家级", "省级", "年份", "数值", "面积", "桩数", "运营商", "开放",
    "注记",
    "林地", "耕地", "行政区划", "盲区",
)  # fmt: skip
_JS_STRING = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`""")
_JS_LINE_COMMENT = re.compile(r"^\s*//.*$", re.M)
_TAG = re.compile(r"<[^>]*>")
#: Strings of the map's code, not of its reader: GeoJSON types, CSS classes, colours, URLs.
_CODE = re.compile(
    r"^(#[0-9a-fA-F]{3,8}|data:.*|https?:.*|\$\{.*|[A-Za-z]+Polygon|Feature(Collection)?|Point)$", re.S
)


def map_texts(script: str, page_html: str) -> Iterator[str]:
    """Every text the map can show: the string literals of its script (object keys only when they read
    as words: the layer control's names), tags stripped and entities decoded, and its HTML's text
    (the legend). Data values from the shipped files (station and place names) come along: they are
    Chinese in both languages, which the word lists allow for (no list word is a name)."""
    script = _JS_LINE_COMMENT.sub("", script)
    for match in _JS_STRING.finditer(script):
        raw = match.group(0)[1:-1]
        is_key = script[match.end() : match.end() + 3].lstrip().startswith(":")
        if is_key and not re.search(r"\s|[^\x00-\x7f]", raw):
            continue
        try:
            text = json.loads('"' + raw.replace("\\'", "'") + '"')
        except json.JSONDecodeError:
            text = raw
        text = html.unescape(_TAG.sub(" ", text)).strip()
        if text and not _CODE.match(text):
            yield text
    yield html.unescape(_TAG.sub(" ", page_html))


def names_in_files() -> set[str]:
    """The free text of the shipped layers (names, operators): a file's words, not the interface's."""
    from wuxi_atlas.layers.defaults import load_default

    texts: set[str] = set()
    for kind in ("stations", "wetlands", "protected", "pv_sites", "builtup", "buildings", "districts"):
        frame = load_default(kind).frame
        for column in ("name", "operator", "name_zh", "name_en"):
            if column in frame:
                texts.update(str(v) for v in frame[column].dropna())
    return texts


def words_in(text: str, words: tuple[str, ...]) -> set[str]:
    found = set()
    for word in words:
        pattern = re.escape(word) if not word.isascii() else rf"(?<![A-Za-z_]){re.escape(word)}(?![A-Za-z_])"
        if re.search(pattern, text):
            found.add(word)
    return found
