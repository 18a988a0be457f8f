"""Every page in each language, rendered headless: no word of the other language (place names, clause
numbers of the plan and text from files aside), status colours from the one palette, the statistical
targets with their name column and Chinese units, progress bars that stop at 100%, and the widgets whose
options are words redrawn after a language switch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from language_words import (
    MAP_NOT_IN_EN,
    MAP_NOT_IN_ZH,
    NOT_IN_EN,
    NOT_IN_ZH,
    map_texts,
    names_in_files,
    words_in,
)
from streamlit.testing.v1 import AppTest

from wuxi_atlas.app import progressive
from wuxi_atlas.maps.status_style import CHANGE_COLOURS, STATUS_STYLES

APP = str(Path(__file__).resolve().parents[2] / "geo_app.py")
PAGES = ("map", "board", "district", "export", "methods", "data")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")

_FIELDS = ("label", "help", "body", "placeholder", "options", "delta")


@pytest.fixture(autouse=True)
def _empty_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOPLAN_CATALOG_DIR", str(tmp_path / "catalog"))


def _app(lang: str, page: str, district: str = "320211") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"lang": lang, "page": page, "district": district})
    at.run()
    progressive.settle()  # a cold map page's board follows its first paint (app.progressive)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _from_file(text: str) -> bool:
    """Text that shows a file's own words: the data sources and file names on the methods page."""
    return text.startswith("- `") or text.endswith(("PROVENANCE.md", "MANIFEST.json"))


def _texts(node: Any) -> Iterator[str]:
    """Every piece of text a reader sees under ``node``: labels, options, help, markdown, headings,
    messages, metrics, table headers and cells, chart titles and legends (the map, an iframe, aside)."""
    if getattr(node, "key", None) == "lang" or getattr(node, "type", "") == "component_instance":
        return  # the language switch speaks both languages on purpose; the map is tested in the browser
    proto = getattr(node, "proto", None)
    label = getattr(proto, "label", "")
    if isinstance(label, str) and _from_file(label):
        return
    if getattr(node, "type", "") == "dataframe":
        frame = node.value
        yield from (str(c) for c in frame.columns)
        for column in frame.columns:
            yield from (str(v) for v in frame[column].tolist())
    elif getattr(node, "type", "") == "vega_lite_chart":
        yield from _chart_texts(json.loads(proto.spec))
    elif proto is not None and hasattr(proto, "DESCRIPTOR"):
        for field in _FIELDS:
            if field in proto.DESCRIPTOR.fields_by_name:
                value = getattr(proto, field)
                values = [value] if isinstance(value, str) else list(value)
                yield from (v for v in values if isinstance(v, str) and not _from_file(v))
    for child in getattr(node, "children", {}).values():
        yield from _texts(child)


def _chart_texts(spec: Any) -> Iterator[str]:
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("title", "domain") and isinstance(value, str | list):
                yield from ([value] if isinstance(value, str) else [str(v) for v in value])
            elif key not in ("datasets", "data", "$schema"):
                yield from _chart_texts(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from _chart_texts(item)


def _leaks(at: AppTest, words: tuple[str, ...]) -> set[str]:
    return words_in("\n".join(_texts(at._tree)), words)


@pytest.mark.parametrize("page", PAGES)
def test_the_chinese_interface_has_no_english_words(page: str) -> None:
    assert _leaks(_app("zh", page), NOT_IN_ZH) == set()


@pytest.mark.parametrize("page", PAGES)
def test_the_english_interface_has_no_chinese_words(page: str) -> None:
    assert _leaks(_app("en", page), NOT_IN_EN) == set()


def test_the_word_lists_catch_a_leak() -> None:
    """The lists are not vacuous: the Chinese board holds Chinese words and a table cell is read."""
    at = _app("zh", "board")
    assert {"达标", "目标", "状态"} <= _leaks(at, NOT_IN_EN)


@pytest.mark.parametrize(
    ("lang", "name", "units"),
    [("zh", "目标名称", ("亿元", "万平方米", "个")), ("en", "Name", ("CNY 100 million", "10,000 m²"))],
)
def test_statistical_targets_table_keeps_its_name_column_and_reads_units_in_the_language(
    lang: str, name: str, units: tuple[str, ...]
) -> None:
    at = _app(lang, "board")
    table = next(df.value for df in at.dataframe if name in df.value.columns)
    assert len(set(table.columns)) == len(table.columns) == 6
    assert table[name].str.len().min() > 0  # the names, not the targets written over them
    target = table.columns[2]
    assert all(table[target].str.contains(unit, regex=False).any() for unit in units)
    if lang == "zh":
        assert table[name].str.contains("单位地区生产总值能耗降低").any()
        assert not table[target].str.contains("CNY|10k m2|count|at_least").any()


@pytest.mark.parametrize(
    ("lang", "piles", "stations"),
    [("zh", (" 个",), (" 座",)), ("en", (" piles", " pile"), (" stations", " station"))],
)
def test_board_counts_say_what_they_count(
    lang: str, piles: tuple[str, ...], stations: tuple[str, ...]
) -> None:
    """Charging piles are counted in 个, swap and hydrogen stations in 座 (pile(s), station(s) in English:
    "1 station", "0 stations")."""
    from wuxi_atlas.maps.text import indicator_name, t

    board = _app(lang, "board").dataframe[0].value
    names, values = board[t("col_indicator", lang)], board[t("col_value", lang)]
    for indicators, unit in (
        (("charging_piles",), piles),
        (("battery_swap_stations", "hydrogen_stations"), stations),
    ):
        shown = values[names.isin([indicator_name(i, lang) for i in indicators])]
        counted = shown.str.endswith(unit)
        assert counted.sum() >= 1, shown.tolist()
        assert (counted | (shown == "–")).all(), shown.tolist()
        if lang == "en":  # the singular for one, the plural otherwise
            number = shown[counted].str.split().str[0].str.replace(",", "").astype(float)
            assert (shown[counted].str.endswith("s") == (number != 1)).all(), shown.tolist()


def test_progress_bar_stops_at_100_and_the_overshoot_is_text() -> None:
    board = _app("zh", "board").dataframe[0].value
    bar, text = board["完成度(满 100% 为止)"].dropna(), board["完成度"]
    assert bar.max() == 100 and bar.min() >= 0
    over = text[text.str.rstrip("%").replace("", "0").astype(float) > 100]
    assert len(over) > 0  # the demo has districts past their target: the text says by how much


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_district_chart_colours_come_from_the_status_palette(lang: str) -> None:
    at = _app(lang, "board")
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    bars = spec["layer"][0] if "layer" in spec else spec  # the bars, under the target line
    scale = bars["encoding"]["color"]["scale"]
    assert scale["range"] == [style.colour for style in STATUS_STYLES.values()]
    assert scale["domain"][0] == ("已达标" if lang == "zh" else "met")


def test_land_cover_change_colours_are_the_same_in_both_languages() -> None:
    scales = {}
    for lang in ("zh", "en"):
        at = _app(lang, "district", "320282")
        spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
        scales[lang] = spec["encoding"]["color"]["scale"]
    assert scales["zh"]["domain"] == ["增加 公顷", "减少 公顷"]
    assert scales["en"]["domain"][0].startswith("Gained")
    assert scales["zh"]["range"] == scales["en"]["range"] == list(CHANGE_COLOURS)


def test_after_a_language_switch_the_page_and_district_widgets_are_redrawn_in_the_new_language() -> None:
    at = _app("zh", "board", "320206")
    at.sidebar.radio(key="lang__widget").set_value("en").run()
    district = at.sidebar.selectbox(key="district__en")
    page = at.sidebar.radio(key="page__en")
    assert district.value == "320206" and "Huishan" in district.options
    assert page.value == "board" and "Map" in page.options
    assert not any(w.key in ("district__zh", "page__zh") for w in (*at.sidebar.selectbox, *at.sidebar.radio))


def test_a_malformed_tianditu_key_is_explained_in_the_language_not_an_engine_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TIANDITU_KEY", "not a key!")
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"page": "map", "basemap": "tianditu"})
    at.run()
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    assert any("天地图密钥 TIANDITU_KEY" in w.value for w in at.warning)
    assert "tianditu" not in at.sidebar.selectbox(key="basemap__zh").options


# --- inside the map ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_map_speaks_the_interface_language(lang: str) -> None:
    """The map in the page's iframe (layer names, legend, labels, popup and tooltip tables, with every
    overlay, the choropleth and a district selected): no word of the other language."""
    from wuxi_atlas.maps.atlas import OVERLAYS

    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update(
        {"lang": lang, "page": "map", "district": "320211", "layers": ",".join(OVERLAYS),
         "choropleth": "forest_coverage"}
    )  # fmt: skip
    at.run()
    # The overlays join the mounted map once drawn (app.progressive): run the page again when they are.
    progressive.settle()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    component = next(c for c in at.get("component_instance") if "folium" in c.proto.component_name)
    arguments = json.loads(component.proto.json_args)
    # The base map is the script; the overlays, legend and layer control come as JavaScript beside it.
    script = "\n".join(arguments[k] or "" for k in ("script", "feature_group", "layer_control"))
    names = names_in_files()
    text = "\n".join(t for t in map_texts(script, arguments["html"]) if t not in names)
    assert len(text) > 2000  # the map's texts were read
    assert words_in(text, MAP_NOT_IN_EN if lang == "en" else MAP_NOT_IN_ZH) == set()
    own = ("图例", "名称", "合成示例") if lang == "zh" else ("Legend", "Name", "synthetic")
    assert words_in(text, own) == set(own)  # the lists would catch it: the map holds its own words


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_empty_choice_says_so_in_the_language(lang: str) -> None:
    """A select box with nothing chosen shows its placeholder; left empty, the browser fills in Streamlit's
    English "Choose an option" (the compare-year box did, in the Chinese sidebar)."""
    at = _app(lang, "map")
    empty = [box for box in at.selectbox if box.value is None]
    assert empty, "the compare-year box starts with no year chosen"
    for box in empty:
        assert box.proto.placeholder.strip(), box.label
        assert not (lang == "zh" and words_in(box.proto.placeholder, NOT_IN_ZH)), box.proto.placeholder
