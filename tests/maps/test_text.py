"""The interface text catalogues (maps/i18n/*.toml): complete in both languages, placeholders alike."""

from __future__ import annotations

import string

import pytest

from wuxi_atlas.analysis.board import BoardRow
from wuxi_atlas.maps.text import (
    LANGS,
    METHOD_ROLES,
    catalogue,
    format_gap,
    format_value,
    indicator_axis_title,
    method_text,
    status_text,
    t,
    unit_word,
)


def _keys(tree: dict, prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in tree.items():
        path = f"{prefix}{key}"
        keys |= _keys(value, f"{path}.") if isinstance(value, dict) else {path}
    return keys


def _lookup(tree: dict, path: str) -> str:
    for part in path.split("."):
        tree = tree[part]
    assert isinstance(tree, str)
    return tree


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogues_hold_the_same_keys() -> None:
    zh, en = (_keys(catalogue(lang)) for lang in LANGS)
    assert zh - en == set(), "keys missing from en.toml"
    assert en - zh == set(), "keys missing from zh.toml"
    assert len(zh) > 150


@pytest.mark.parametrize("path", sorted(_keys(catalogue("zh"))))
def test_placeholders_match_and_text_is_not_empty(path: str) -> None:
    zh, en = (_lookup(catalogue(lang), path) for lang in LANGS)
    assert _placeholders(zh) == _placeholders(en)
    if not path.startswith(("units.", "target_units.")):
        assert zh.strip() and en.strip()


def test_every_indicator_with_roles_has_a_method_in_both_languages() -> None:
    for indicator in METHOD_ROLES:
        zh_definition, _, roles = method_text(indicator, "zh")
        en_definition, _, _ = method_text(indicator, "en")
        assert zh_definition != en_definition
        assert roles == METHOD_ROLES[indicator]


def test_lookups_fill_placeholders_and_pick_the_language() -> None:
    assert t("selected", "zh", name="滨湖区") == "已选中:滨湖区"
    assert t("selected", "en", name="Binhu") == "Selected: Binhu"
    assert status_text("behind", "zh") == "滞后"  # the colour is maps.status_style's, never an emoji
    assert status_text("met", "en") == "met"
    row = BoardRow("forest_coverage", "320211", "滨湖区", 25.0, "%", 27.8, 2025, "behind", 312.4, "ha",
                   0.9, None, True, False)  # fmt: skip
    assert format_gap(row, "zh") == "需增加林木 312 公顷"
    assert format_gap(row, "en") == "needs +312 ha of tree cover"


@pytest.mark.parametrize(
    ("indicator", "zh", "en"),
    [
        ("charging_piles", "161,000 个", "161,000 piles"),
        ("battery_swap_stations", "161,000 座", "161,000 stations"),
        ("hydrogen_stations", "161,000 座", "161,000 stations"),
        (None, "161,000", "161,000"),
    ],
)
def test_a_count_says_what_it_counts(indicator: str | None, zh: str, en: str) -> None:
    assert format_value(161_000.0, "count", "zh", indicator=indicator) == zh
    assert format_value(161_000.0, "count", "en", indicator=indicator) == en


def test_one_thing_is_singular_in_english() -> None:
    assert format_value(1.0, "count", "en", indicator="hydrogen_stations") == "1 station"
    assert format_value(1.0, "count", "zh", indicator="hydrogen_stations") == "1 座"


def test_units_alone_are_in_the_language() -> None:
    assert unit_word("count", "zh", "charging_piles") == "个"
    assert unit_word("stations", "zh", "hydrogen_stations") == "座"
    assert unit_word("ha", "zh") == "公顷" and unit_word("MW", "zh") == "兆瓦"
    assert unit_word("ha", "en") == "ha"
    assert indicator_axis_title("battery_swap_stations", "count", "zh").endswith("(座)")
    assert indicator_axis_title("forest_coverage", "%", "en") == "Tree and woody cover rate (%)"
