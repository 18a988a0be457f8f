"""Status is carried by colour from one palette (maps/status_style.py), with the word beside it, never by
an emoji (which shows as an empty box without an emoji font); targets read in the interface's units."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from wuxi_atlas.analysis.board import BoardRow
from wuxi_atlas.analysis.results import Status
from wuxi_atlas.analysis.targets import load_targets
from wuxi_atlas.maps.factsheet import fact_sheet_html
from wuxi_atlas.maps.status_style import STATUS_STYLES, status_colour
from wuxi_atlas.maps.text import LANGS, catalogue, status_text, target_text

ROOT = Path(__file__).resolve().parents[2]
# Pictographs, dingbats and the coloured circles/squares (U+1F7E0–U+1F7EB) used as traffic lights.
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u26aa\u26ab]")


def _row(status: str, value: float | None = 20.0) -> BoardRow:
    return BoardRow("forest_coverage", "320211", "滨湖区", value, "%", 27.8, 2025, status, 312.0, "ha",
                    None if value is None else value / 27.8, None, True, False)  # type: ignore[arg-type]  # fmt: skip


def test_every_status_has_a_colour_and_the_traffic_light_is_green_amber_red_grey() -> None:
    statuses = {*get_args(Status), "insufficient_data"}
    assert statuses <= set(STATUS_STYLES)
    assert STATUS_STYLES["met"].named == "green" and STATUS_STYLES["behind"].named == "red"
    assert STATUS_STYLES["on_track"].named in ("orange", "yellow", "blue")
    for grey in ("insufficient_data", "no_target", "not_computable"):
        assert STATUS_STYLES[grey].named == "gray"
    strong = {status_colour(s) for s in ("met", "on_track", "behind", "no_target")}
    assert len(strong) == 4  # four colours a reader can tell apart


def test_the_palette_is_defined_once() -> None:
    """No page, chart or sheet spells a status colour itself: they all ask maps.status_style."""
    lights = [STATUS_STYLES[s] for s in ("met", "on_track", "behind")]  # grey is everybody's "other"
    colours = {style.colour.lower() for style in lights} | {style.background.lower() for style in lights}
    for folder in ("app", "maps"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "status_style.py" or "kinds" in path.parts:
                continue
            text = path.read_text(encoding="utf-8").lower()
            assert not any(c in text for c in colours), f"{path} spells a status colour"
    assert "STATUS_ICONS" not in (ROOT / "maps" / "text.py").read_text(encoding="utf-8")


def test_status_words_and_captions_carry_no_emoji() -> None:
    for lang in LANGS:
        for status in STATUS_STYLES:
            assert not EMOJI.search(status_text(status, lang))
        assert not EMOJI.search(catalogue(lang)["strings"]["board_caption"])


def test_fact_sheet_has_coloured_dots_beside_the_words_and_no_emoji() -> None:
    rows = [_row("met", 28.0), _row("behind"), _row("no_target", None)]
    sheet = fact_sheet_html("滨湖区", rows, lang="zh")
    assert not EMOJI.search(sheet)
    for status, word in (("met", "已达标"), ("behind", "滞后"), ("no_target", "无目标")):
        assert re.search(f"background:{status_colour(status)}[^>]*></span>{word}<", sheet), status


def test_statistical_targets_read_in_chinese_units_in_chinese_and_english_units_in_english() -> None:
    targets = {t.id: t for t in load_targets()}
    output = targets["energy_saving_environmental_industry_output_2025"]  # 1600 CNY 100M
    area = targets["ultra_low_energy_buildings_area_2025"]  # 10 10k m2
    parks = targets["hydrogen_storage_industrial_parks_2025"]  # 3 count
    reduction = targets["gdp_energy_intensity_reduction_2025"]
    assert target_text(output, "zh") == "不低于 1,600 亿元 (2025)"
    assert target_text(area, "zh") == "不低于 10 万平方米 (2025)"
    assert target_text(parks, "zh") == "不低于 3 个 (2025)"
    assert target_text(reduction, "zh") == "不低于 14% (2025)"
    assert target_text(output, "en") == "at least 1,600 × CNY 100 million (2025)"
    every_zh = " ".join(target_text(t, "zh") for t in targets.values())
    assert not re.search(r"CNY|10k m2|count|at_least|[A-Za-z]{2,}", every_zh)
