"""``geoplan change --district`` takes what ``map`` and ``export`` take (issue #14): an adcode, the Chinese
name with or without 区, or the English name, all meaning the same district."""

from __future__ import annotations

import json

from click.testing import CliRunner

from wuxi_atlas.cli import geoplan


def _rows(district: str) -> list[dict]:
    result = CliRunner().invoke(geoplan, ["change", "--quiet", "--district", district, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_change_district_by_chinese_name_pinyin_and_adcode_agree():
    by_adcode = _rows("320211")
    assert by_adcode and {row["adcode"] for row in by_adcode} == {"320211"}
    assert {row["district"] for row in by_adcode} == {"滨湖区"}
    for name in ("滨湖", "滨湖区", "binhu"):
        assert _rows(name) == by_adcode, name


def test_change_district_city_keeps_only_the_city_rows():
    rows = _rows("无锡市")
    assert rows and {row["adcode"] for row in rows} == {"320200"}
