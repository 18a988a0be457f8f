"""Indicator maps: districts coloured by an indicator, and the built-up area a public charger does not serve.

:func:`choropleth_frame` joins the indicator results to the district polygons (one row per district: its
value, the value's label, status and colour); :func:`draw_choropleth` draws it with the value written on
each district and a legend that states the target. Two colourings: ``"ramp"`` (five equal steps between
the lowest and the highest district value) and ``"status"`` (the one status palette,
:mod:`maps.status_style`). :func:`draw_charging_gaps` shades the gaps of
:func:`analysis.charging.charging_gaps`. Every name from a file is escaped (:func:`maps.draw.escape`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import folium
import geopandas as gpd

from wuxi_atlas.analysis.crs import DISPLAY_CRS
from wuxi_atlas.analysis.results import CITY_ADCODE, IndicatorResult
from wuxi_atlas.maps.draw import LegendEntry, Parent, escape, feature_group, geojson_layer, localised_fields
from wuxi_atlas.maps.status_style import status_colour
from wuxi_atlas.maps.text import catalogue, format_value, indicator_name, t

__all__ = [
    "CHOROPLETH_MODES",
    "GAP_COLOUR",
    "RAMP",
    "add_choropleth",
    "choropleth_frame",
    "choropleth_legend",
    "draw_charging_gaps",
    "draw_choropleth",
]

Mode = Literal["ramp", "status"]
CHOROPLETH_MODES: tuple[Mode, ...] = ("ramp", "status")
#: Five sequential steps, light (low) to dark (high).
RAMP: tuple[str, ...] = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
_NO_VALUE = "#bdbdbd"
GAP_COLOUR = "#e65100"


def _ramp_steps(values: Sequence[float]) -> list[tuple[float, float]]:
    low, high = min(values), max(values)
    if high <= low:
        return [(low, high)]
    step = (high - low) / len(RAMP)
    return [(low + i * step, low + (i + 1) * step) for i in range(len(RAMP))]


def _ramp_colour(value: float, steps: Sequence[tuple[float, float]]) -> str:
    if len(steps) == 1:
        return RAMP[-1]
    index = next((i for i, (_, upper) in enumerate(steps) if value < upper), len(steps) - 1)
    return RAMP[index]


def choropleth_frame(
    boundaries: gpd.GeoDataFrame,
    results: Sequence[IndicatorResult],
    indicator: str,
    *,
    lang: str = "zh",
    mode: Mode = "ramp",
) -> gpd.GeoDataFrame:
    """One row per district of ``boundaries`` (EPSG:4326): ``adcode``, ``name``, ``value``, ``label``
    (the formatted value), ``status`` (the word), ``status_key`` and ``colour``. A district without a
    result or a value gets grey and the label "–"."""
    if mode not in CHOROPLETH_MODES:
        raise ValueError(f"unknown choropleth colouring {mode!r}; choose from {', '.join(CHOROPLETH_MODES)}")
    districts = boundaries[boundaries["adcode"].astype(str) != CITY_ADCODE].to_crs(DISPLAY_CRS)
    by_unit = {r.adcode: r for r in results if r.indicator == indicator}
    values = [r.value for a, r in by_unit.items() if a != CITY_ADCODE and r.value is not None]
    steps = _ramp_steps(values) if values else []
    name_column = "name_en" if lang == "en" and "name_en" in districts else "name_zh"
    words = catalogue(lang)["status"]
    rows = []
    for adcode, name in zip(districts["adcode"].astype(str), districts[name_column], strict=True):
        result = by_unit.get(adcode)
        value = None if result is None else result.value
        status = "not_computable" if result is None else result.status
        if value is None:
            colour = _NO_VALUE
        elif mode == "status":
            colour = status_colour(status)
        else:
            colour = _ramp_colour(value, steps)
        unit = "" if result is None else result.unit
        rows.append(
            {
                "adcode": adcode,
                "name": name,
                "value": value,
                "label": format_value(value, unit, lang, indicator=indicator),
                "status_key": status,
                "status": words.get(status, status),
                "colour": colour,
            }
        )
    return gpd.GeoDataFrame(rows, geometry=districts.geometry.to_numpy(), crs=DISPLAY_CRS)


def _target_text(results: Sequence[IndicatorResult], indicator: str, lang: str) -> str | None:
    city = next((r for r in results if r.indicator == indicator and r.adcode == CITY_ADCODE), None)
    target = city if city is not None and city.target is not None else None
    if target is None:
        target = next((r for r in results if r.indicator == indicator and r.target is not None), None)
    if target is None or target.target is None:
        return None
    return t(
        "map_target",
        lang,
        target=format_value(target.target, target.unit, lang, indicator=indicator),
        year=target.target_year or "",
    )


def choropleth_legend(
    frame: gpd.GeoDataFrame, results: Sequence[IndicatorResult], indicator: str, *, lang: str, mode: Mode
) -> tuple[str, list[LegendEntry]]:
    """The legend title (the indicator and its target, or "no target") and its entries."""
    target = _target_text(results, indicator, lang) or t("map_no_target", lang)
    title = f"{indicator_name(indicator, lang)} · {target}"
    entries: list[LegendEntry] = []
    if mode == "status":
        for key in dict.fromkeys(frame["status_key"]):
            word = catalogue(lang)["status"].get(key, key)
            entries.append(LegendEntry(word, "", status_colour(key)))
    else:
        values = [float(v) for v in frame["value"] if v is not None and v == v]
        unit = next((r.unit for r in results if r.indicator == indicator), "")
        for (low, high), colour in zip(_ramp_steps(values) if values else [], RAMP, strict=False):
            text = format_value(low, unit, lang, indicator=indicator)
            if high > low:
                text += f" – {format_value(high, unit, lang, indicator=indicator)}"
            entries.append(LegendEntry(text, "", colour))
    if (frame["colour"] == _NO_VALUE).any():
        entries.append(LegendEntry(t("map_no_value", lang), "", _NO_VALUE))
    return title, entries


def draw_choropleth(
    parent: Parent,
    frame: gpd.GeoDataFrame,
    *,
    title: str,
    opacity: float = 0.75,
    lang: str = "zh",
) -> folium.FeatureGroup:
    """The districts of ``frame`` (:func:`choropleth_frame`) filled with their colour, each labelled with
    its name and value; returns the group (named ``title``)."""
    group = feature_group(parent, title)
    geojson_layer(
        frame,
        fields=localised_fields(
            (("name", "名称", "Name"), ("label", "数值", "Value"), ("status", "状态", "Status")), lang
        ),
        colour=lambda row: str(row["colour"]),
        opacity=opacity,
        weight=1.2,
        fill_opacity=opacity,
        name=title,
    ).add_to(group)
    for _, row in frame.iterrows():
        point = row.geometry.representative_point()
        folium.Marker(
            [round(point.y, 5), round(point.x, 5)],
            icon=folium.DivIcon(
                html=(
                    "<div class='choropleth-label' style='font:600 12px sans-serif;color:#212121;"
                    "white-space:nowrap;width:max-content;text-align:center;"
                    "text-shadow:0 0 3px #fff,0 0 3px #fff;"
                    f"transform:translate(-50%,-50%)'>{escape(row['name'])}<br>{escape(row['label'])}</div>"
                ),
                icon_size=(0, 0),
            ),
            interactive=False,
        ).add_to(group)
    return group


def add_choropleth(
    parent: Parent,
    boundaries: gpd.GeoDataFrame,
    results: Sequence[IndicatorResult],
    indicator: str,
    *,
    lang: str,
    mode: Mode = "ramp",
    opacity: float = 0.75,
) -> tuple[str, list[LegendEntry]]:
    """The choropleth of ``indicator`` drawn on ``parent``; its legend section (title, entries)."""
    frame = choropleth_frame(boundaries, results, indicator, lang=lang, mode=mode)
    title, entries = choropleth_legend(frame, results, indicator, lang=lang, mode=mode)
    draw_choropleth(parent, frame, title=title, opacity=opacity, lang=lang)
    return title, entries


def draw_charging_gaps(
    parent: Parent, gaps: gpd.GeoDataFrame, *, radius_m: float, lang: str, opacity: float = 0.6
) -> tuple[str, list[LegendEntry]]:
    """The charging service gaps (EPSG:4326 polygons with ``area_m2``), shaded; the legend section."""
    name = t("map_charging_gaps", lang, radius=f"{radius_m:g}")
    group = feature_group(parent, name)
    shown = gaps.assign(area_ha=(gaps["area_m2"] / 1e4).round(1)) if len(gaps) else gaps
    geojson_layer(
        shown,
        fields=localised_fields(
            (("adcode", "行政区划代码", "Adcode"), ("area_ha", "面积（公顷）", "Area (ha)")), lang
        ),
        colour=GAP_COLOUR,
        opacity=opacity,
        weight=0.8,
        fill_opacity=opacity * 0.7,
    ).add_to(group)
    return name, [LegendEntry(t("layer_charging_gaps", lang), "", GAP_COLOUR)]
