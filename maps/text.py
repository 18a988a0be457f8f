"""Interface text in Chinese (the default) and English, and the formatting of board rows as text.

The text itself is data: one TOML catalogue per language in ``maps/i18n/`` (``zh.toml``, ``en.toml``),
which a translator can edit without reading Python; ``tests/maps/test_text.py`` checks that both hold the
same keys with the same ``{placeholders}``. Indicator names in Chinese are the plan's official terms
(林木覆盖率, 湿地保护率, 城市建成区绿化覆盖率 …). Numbers are formatted here, not in
:mod:`analysis.board`, so the analysis stays language-free.
"""

from __future__ import annotations

import functools
import math
import tomllib
from importlib import resources
from typing import Any, Literal

from wuxi_atlas.analysis.board import BoardRow
from wuxi_atlas.analysis.targets import Target

__all__ = [
    "LANGS",
    "METHOD_ROLES",
    "Lang",
    "catalogue",
    "comparison_text",
    "count_unit",
    "format_gap",
    "format_statistic",
    "format_target",
    "format_value",
    "indicator_axis_title",
    "indicator_name",
    "method_text",
    "status_text",
    "t",
    "target_text",
    "unit_word",
]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

#: The land-cover roles each indicator counts (language-free, so not in the catalogues).
METHOD_ROLES: dict[str, tuple[str, ...]] = {
    "forest_coverage": ("tree", "shrub", "orchard"),
    "wetland_protection_rate": ("wetland", "water"),
    "builtup_green_coverage": ("tree", "shrub", "orchard", "grass"),
    "pv_installed_capacity": (),
    "pv_rooftop_potential": (),
    "charging_piles": (),
    "battery_swap_stations": (),
    "hydrogen_stations": (),
    "charging_service_coverage": (),
}


@functools.cache
def catalogue(lang: str) -> dict[str, Any]:
    """The parsed catalogue of ``lang`` ("zh" or "en"; anything else is Chinese, the default)."""
    name = "en.toml" if lang == "en" else "zh.toml"
    text = resources.files("wuxi_atlas.maps").joinpath("i18n", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def t(key: str, lang: str, **values: object) -> str:
    """The text ``key`` in ``lang`` ("zh" or "en"), with ``{name}`` fields filled from ``values``."""
    text: str = catalogue(lang)["strings"][key]
    return text.format(**values) if values else text


def indicator_name(indicator: str, lang: str) -> str:
    """The indicator's name: the plan's Chinese term, or its English rendering."""
    name: str = catalogue(lang)["indicator_names"].get(indicator, indicator)
    return name


def status_text(status: str | None, lang: str) -> str:
    """The word for a status ("已达标"). Its colour is :mod:`maps.status_style`'s: never an emoji, which
    shows as an empty box where no emoji font is installed."""
    if status is None:
        return "–"
    word: str = catalogue(lang)["status"].get(status, status)
    return word


def _number(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def format_value(value: float | None, unit: str, lang: str, *, indicator: str | None = None) -> str:
    """A value with its unit: ``27.60%``, ``2,214.5 兆瓦``; a count with the word that counts the
    ``indicator``'s things (``161,000 个`` charging piles, ``40 座`` stations; ``[count_units]``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "%":
        return f"{value:.2f}%"
    if unit == "count":
        word = count_unit(indicator, lang)
        if lang == "en" and value == 1:
            word = word.removesuffix("s")  # "1 station", "1 pile"
        return _number(value, 0) + word
    suffix = catalogue(lang)["units"].get(unit, f" {unit}")
    return f"{_number(value, 1)}{suffix}"


def format_target(row: BoardRow, lang: str) -> str:
    """The row's target with its year, ``27.80% (2025)``; "" for a row without one."""
    if row.target is None:
        return ""
    return f"{format_value(row.target, row.unit, lang, indicator=row.indicator)} ({row.target_year})"


def unit_word(unit: str, lang: str, indicator: str | None = None) -> str:
    """A unit as the interface writes it, alone (an axis title, a table's unit column): ``公顷``/``ha``,
    ``兆瓦``/``MW``, ``%``; for a count (``count``, and the gap units ``piles``/``stations``) what it counts:
    ``个``, ``座`` / ``piles``, ``stations``."""
    if unit in ("count", "piles", "stations"):
        return count_unit(indicator, lang).strip() or (unit if unit != "count" else "")
    word: str = catalogue(lang)["units"].get(unit, unit)
    return word.strip()


def indicator_axis_title(indicator: str, unit: str, lang: str) -> str:
    """An axis title: the indicator's name and its unit, ``林木覆盖率 (%)``, ``充电桩数量 (个)``."""
    word = unit_word(unit, lang, indicator)
    return indicator_name(indicator, lang) + (f" ({word})" if word else "")


def count_unit(indicator: str | None, lang: str) -> str:
    """What a count of ``indicator`` counts, as a suffix: " 个" (charging piles), " 座" (stations); ""
    for an indicator the catalogue does not name."""
    word: str = catalogue(lang)["count_units"].get(indicator or "", "")
    return word


def format_statistic(value: float, unit: str, lang: str) -> str:
    """A statistical target's figure in the interface's unit: ``1,600 亿元`` / ``1,600 × CNY 100 million``,
    ``10 万平方米``, ``5 个``, ``14%`` (units of ``data/targets.toml``, shown through ``[target_units]``)."""
    suffix = catalogue(lang)["target_units"].get(unit, f" {unit}")
    return f"{value:,g}{suffix}"


def target_text(target: Target, lang: str) -> str:
    """A target of the plan in words and the interface's units: "不低于 1,600 亿元 (2025)" /
    "at least 1,600 × CNY 100 million (2025)"."""
    value = format_statistic(target.value, target.unit, lang)
    return f"{comparison_text(target.comparison, lang)} {value} ({target.year})"


def comparison_text(comparison: str, lang: str) -> str:
    """How a target is compared, in words: "不低于" / "at least" for ``at_least``."""
    word: str = catalogue(lang)["comparisons"].get(comparison, comparison)
    return word


def format_gap(row: BoardRow, lang: str) -> str:
    """The gap as an action: "需增加林木 312 公顷" / "needs +312 ha of tree cover"; "" without one. For a
    unit the raster covers too little of (``insufficient_data``), what is missing is data: "有效数据仅覆盖
    该单元面积的 42.0%,至少需 99% 才能评判" / "valid data cover 42.0% of the unit's area; …"."""
    if row.status == "insufficient_data" and row.valid_share is not None:
        needed = row.min_valid_share if row.min_valid_share is not None else 0.0
        return t(
            "insufficient_note", lang, share=f"{100 * row.valid_share:.1f}%", needed=f"{100 * needed:g}%"
        )
    gaps = catalogue(lang)["gaps"]
    if row.gap is None or row.indicator not in gaps:
        return ""
    if row.gap <= 0:
        return t("gap_met", lang)
    digits = 1 if row.gap_unit == "MW" else 0
    text: str = gaps[row.indicator]
    return text.format(n=_number(row.gap, digits))


def method_text(indicator: str, lang: str) -> tuple[str, str, tuple[str, ...]]:
    """(definition, denominator, land-cover roles counted) of an indicator in ``lang``."""
    method = catalogue(lang)["methods"][indicator]
    return method["definition"], method["denominator"], METHOD_ROLES[indicator]
