"""Chinese categorical values wherever English ones are accepted, from a data table users can extend
(data/aliases.toml, then the file $GEOPLAN_ALIASES names), converted one distinct value at a time."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

import wuxi_atlas.layers.aliases as aliases
from wuxi_atlas.analysis.errors import AliasError, AtlasError
from wuxi_atlas.layers.aliases import (
    ALIASES_ENV,
    alias_table,
    normalise_values,
    read_alias_file,
    shipped_aliases_path,
)
from wuxi_atlas.layers.read import read_vector
from wuxi_atlas.layers.spec import LAYER_SPECS, get_spec


@pytest.fixture(autouse=True)
def _no_user_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALIASES_ENV, raising=False)


def _stations_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["lon,lat,类型,桩数,开放类型"] + [f"120.3,31.57,{t},{p},{a}" for t, p, a in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_chinese_station_types_and_access_are_read(tmp_path: Path):
    path = _stations_csv(
        tmp_path / "stations.csv",
        [
            ("充电站", "4", "公用"),
            ("换电站", "0", "公共"),
            ("加氢站", "1", "专用"),
            ("充电站", "2", "私人"),
            ("充换电站", "3", "社会公用"),
        ],
    )
    frame = read_vector("stations", path).frame
    assert frame["type"].tolist() == ["charging", "swap", "hydrogen", "charging", "swap"]
    assert frame["access"].tolist() == ["public", "public", "dedicated", "private", "public"]


def test_land_survey_wetland_names_and_codes_are_read(tmp_path: Path):
    names = ["河流水面", "湖泊水面", "水库水面", "坑塘水面", "内陆滩涂", "沼泽地"]
    codes = ["1101", "1102", "1103", "1104", "1106", "1108"]
    expected = ["river", "lake", "reservoir", "pond", "tidal_flat", "marsh"]
    squares = [box(120.0 + i / 100, 31.5, 120.005 + i / 100, 31.505) for i in range(6)]
    by_name = gpd.GeoDataFrame({"湿地名称": names, "DLMC": names}, geometry=squares, crs="EPSG:4326")
    by_name.to_file(tmp_path / "by_name.geojson")
    by_code = gpd.GeoDataFrame({"名称": names, "DLBM": codes}, geometry=squares, crs="EPSG:4326")
    by_code.to_file(tmp_path / "by_code.geojson")
    assert read_vector("wetlands", tmp_path / "by_name.geojson").frame["wetland_type"].tolist() == expected
    assert read_vector("wetlands", tmp_path / "by_code.geojson").frame["wetland_type"].tolist() == expected


def test_aquaculture_ponds_are_left_unknown_with_a_note_on_how_to_map_them(tmp_path: Path):
    frame = gpd.GeoDataFrame(
        {"name": ["塘"], "DLBM": ["1104A"]}, geometry=[box(120.3, 31.5, 120.31, 31.51)], crs="EPSG:4326"
    )
    frame.to_file(tmp_path / "ponds.geojson")
    source = read_vector("wetlands", tmp_path / "ponds.geojson")
    assert source.frame["wetland_type"].tolist() == ["1104A"]
    assert any("'1104A' (1)" in note and ALIASES_ENV in note for note in source.notes)


def test_a_user_alias_file_extends_a_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = _stations_csv(tmp_path / "stations.csv", [("超充站", "8", "社会开放"), ("充电站", "2", "公用")])
    before = read_vector("stations", path)
    assert before.frame["type"].tolist() == ["超充站", "charging"]
    user = tmp_path / "my_aliases.toml"
    user.write_text(
        '[stations.type]\ncharging = ["超充站"]\n\n[stations.access]\npublic = ["社会开放"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv(ALIASES_ENV, str(user))
    after = read_vector("stations", path)
    assert after.frame["type"].tolist() == ["charging", "charging"]
    assert after.frame["access"].tolist() == ["public", "public"]
    assert any("my_aliases.toml" in note and ALIASES_ENV in note for note in after.notes)
    # The shipped spellings still hold, and the user's file wins where both give one.
    user.write_text('[stations.access]\ndedicated = ["公用"]\n', encoding="utf-8")
    assert read_vector("stations", path).frame["access"].tolist() == ["社会开放", "dedicated"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[roads.type]\nx = ["y"]\n', r"\[roads\]: 'roads' is not a vector layer kind"),
        ('[stations.colour]\nred = ["红"]\n', r"\[stations.colour\]: stations layers have no text field"),
        ('[stations.piles]\nmany = ["多"]\n', r"piles is a int field, not text"),
        ('[stations.type]\nelectric = ["电"]\n', r"'electric' is not a value of type; use one of charging"),
        ('[stations.type]\ncharging = "充电"\n', r"expected a list of spellings"),
        ('[stations.type]\ncharging = [""]\n', r"charging\[0\]: an alias must be non-empty text"),
        ('[stations.type]\ncharging = ["swap"]\n', r"'swap' is the value 'swap' itself"),
        (
            '[stations.type]\ncharging = ["站"]\nswap = ["站 "]\n',
            r"swap\[0\]: '站 ' is already an alias of 'charging'",
        ),
        ("[stations.type\n", r"is not valid TOML"),
    ],
)
def test_a_malformed_alias_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
):
    user = tmp_path / "bad.toml"
    user.write_text(text, encoding="utf-8")
    with pytest.raises(AliasError, match=message) as caught:
        read_alias_file(user)
    assert str(user) in str(caught.value)
    # Reading a layer with it set fails the same way, as an atlas error (a message, not a traceback).
    monkeypatch.setenv(ALIASES_ENV, str(user))
    with pytest.raises(AtlasError, match=message):
        read_vector("stations", _stations_csv(tmp_path / "s.csv", [("充电站", "1", "公共")]))


def test_a_missing_user_alias_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(ALIASES_ENV, str(tmp_path / "nope.toml"))
    with pytest.raises(AliasError, match=rf"{ALIASES_ENV} names .*nope.toml"):
        alias_table()


def test_the_shipped_table_is_valid_and_covers_every_choice_field():
    entries = read_alias_file(shipped_aliases_path())
    restricted = {(kind, f.name) for kind, spec in LAYER_SPECS.items() for f in spec.fields if f.allowed}
    assert restricted <= set(entries)


def test_values_are_converted_once_per_distinct_value(monkeypatch: pytest.MonkeyPatch):
    calls: list[object] = []
    real_key = aliases.value_key

    def counting_key(value: object) -> str:
        calls.append(value)
        return real_key(value)

    monkeypatch.setattr(aliases, "value_key", counting_key)
    spec = get_spec("stations")
    text = pd.Series(["充电站", "换电站", "加氢站"] * 20_000)
    alias_table()  # the table itself is read (and cached) before counting
    calls.clear()
    out = normalise_values(text, spec, spec.field("type"))
    assert out.values.value_counts().to_dict() == {"charging": 20_000, "swap": 20_000, "hydrogen": 20_000}
    # One look-up per distinct value (plus the field's three allowed values), not one per row.
    assert len(calls) <= 3 + 3 * 2


def test_full_width_and_spaced_spellings_match():
    spec = get_spec("wetlands")
    text = pd.Series(["１１０２", " Tidal - Flat ", None, "ＲＩＶＥＲ"])
    out = normalise_values(text, spec, spec.field("wetland_type"))
    assert out.values.tolist() == ["lake", "tidal_flat", None, "river"]
    assert not out.unknown.any()


def test_points_in_a_geojson_keep_working(tmp_path: Path):
    frame = gpd.GeoDataFrame(
        {"type": ["充电站"], "piles": [3], "access": ["公用"]},
        geometry=[Point(120.3, 31.57)],
        crs="EPSG:4326",
    )
    frame.to_file(tmp_path / "stations.geojson")
    assert read_vector("stations", tmp_path / "stations.geojson").frame["access"].tolist() == ["public"]
