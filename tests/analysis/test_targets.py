"""The plan's targets: the shipped data/targets.toml, the schema checks, and ``geoplan targets``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from wuxi_atlas.analysis.errors import TargetsError
from wuxi_atlas.analysis.targets import (
    SPATIAL_INDICATORS,
    load_targets,
    parse_targets,
    select_targets,
    target_for,
    targets_for,
    targets_table,
    validate_targets,
)
from wuxi_atlas.analysis.text_table import display_width

# ---- the shipped file ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> dict[str, Any]:
    return {target.id: target for target in load_targets()}


def test_shipped_file_loads_with_every_quantified_target(shipped):
    # The plan has about 60 numbered targets; fewer than 55 means some were dropped.
    assert len(shipped) >= 55
    assert validate_targets() == list(shipped.values())


def test_shipped_ids_are_unique():
    ids = [target.id for target in load_targets()]
    assert len(ids) == len(set(ids))


def test_every_spatial_indicator_has_a_target_except_rooftop_potential(shipped):
    used = {target.measure for target in shipped.values()}
    # The plan sets no rooftop-potential number; that indicator is read against the PV targets.
    assert set(SPATIAL_INDICATORS) - used <= {"pv_rooftop_potential"}


def test_forest_coverage_is_one_entry_citing_both_clauses(shipped):
    forest = [t for t in shipped.values() if t.name_zh == "林木覆盖率"]
    assert len(forest) == 1
    assert forest[0].clauses == ("一", "二(七)3")
    assert (forest[0].baseline_value, forest[0].baseline_year) == (27.71, 2019)
    assert forest[0].baseline_source and "DOMAIN.md" in forest[0].baseline_source


@pytest.mark.parametrize(
    ("measure", "year", "value", "unit", "clause"),
    [
        ("pv_installed_capacity", 2025, 2.53, "GW", "二(二)1"),
        ("pv_installed_capacity", 2030, 3.10, "GW", "二(二)1"),
        ("charging_piles", 2025, 200000, "count", "二(四)2"),
        ("battery_swap_stations", 2025, 60, "count", "二(四)2"),
        ("hydrogen_stations", 2025, 5, "count", "二(二)1"),
        ("wetland_protection_rate", 2025, 52.7, "%", "二(七)3"),
        ("builtup_green_coverage", 2025, 43.5, "%", "二(三)1"),
        ("forest_coverage", 2025, 27.8, "%", "二(七)3"),
    ],
)
def test_spatial_targets_match_the_plan(measure, year, value, unit, clause):
    target = target_for(measure, year)
    assert target is not None
    assert (target.value, target.unit, target.comparison, target.change) == (value, unit, "at_least", "level")
    assert clause in target.clauses


@pytest.mark.parametrize(
    ("target_id", "value", "change", "comparison", "baseline_year"),
    [
        ("gdp_energy_intensity_reduction_2025", 14, "reduction_pct", "at_least", 2020),
        ("gdp_co2_intensity_reduction_2030", 65, "reduction_pct", "at_least", 2005),
        ("coal_consumption_share_2025", 41.2, "level", "about", None),
        ("industrial_energy_intensity_reduction_2025", 18, "reduction_pct", "at_least", 2020),
        ("new_energy_industry_revenue_growth_2025", 25, "annual_growth_pct", "at_least", 2022),
        ("railway_freight_turnover_increase_2025", 30, "increase_pct", "about", 2020),
        ("container_multimodal_volume_2025", 98000, "level", "at_least", 2020),
    ],
)
def test_statistic_targets_match_the_plan(shipped, target_id, value, change, comparison, baseline_year):
    target = shipped[target_id]
    assert (target.value, target.change, target.comparison, target.baseline_year) == (
        value,
        change,
        comparison,
        baseline_year,
    )
    assert target.measure == "statistic"


def test_non_fossil_share_cites_both_clauses(shipped):
    assert shipped["non_fossil_energy_share_2025"].clauses == ("一", "二(二)1")


def test_targets_for_and_target_for():
    assert [t.year for t in targets_for("pv_installed_capacity")] == [2025, 2030]
    assert target_for("forest_coverage", 2030) is None  # 2030: 持续提升, no number
    assert {t.id for t in select_targets(year=2030)} == {
        "gdp_co2_intensity_reduction_2030",
        "pv_installed_capacity_2030",
    }
    with pytest.raises(TargetsError, match="unknown measure 'tree_cover'"):
        targets_for("tree_cover")


def test_table_aligns_chinese_names(shipped):
    chosen = [
        shipped["forest_coverage_2025"],
        shipped["charging_piles_2025"],
        shipped["pv_installed_capacity_2030"],
    ]
    lines = targets_table(chosen).splitlines()
    assert lines[0].split() == ["id", "clauses", "name_zh", "target", "year", "baseline", "measure"]
    cells = [">= 27.8%", ">= 200000 count", ">= 3.1 GW"]
    # The target column starts at the same terminal column on every row despite 2-column characters.
    starts = {display_width(line[: line.index(cell)]) for line, cell in zip(lines[2:], cells, strict=True)}
    assert len(starts) == 1
    assert "27.71 (2019)" in lines[2]


# ---- malformed files ---------------------------------------------------------------------------------


def _entry(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "piles_2025",
        "name_zh": "充电桩",
        "name_en": "Charging piles",
        "value": 200000,
        "unit": "count",
        "change": "level",
        "comparison": "at_least",
        "year": 2025,
        "clauses": ["二(四)2"],
        "measure": "charging_piles",
        "sector": "transport",
    }
    entry.update(overrides)
    return {key: item for key, item in entry.items() if item is not None}


def _toml_value(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int | float):
        return repr(item)
    return json.dumps(item, ensure_ascii=False)  # JSON strings and string lists are valid TOML


def _write(tmp_path: Path, *entries: dict[str, Any]) -> Path:
    blocks = [
        "[[target]]\n" + "".join(f"{key} = {_toml_value(item)}\n" for key, item in e.items()) for e in entries
    ]
    path = tmp_path / "targets.toml"
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def test_minimal_fixture_loads_and_normalises_full_width_parentheses(tmp_path):
    (target,) = load_targets(_write(tmp_path, _entry(clauses=["二（四）2"])))
    assert target.clauses == ("二(四)2",)
    assert target.value == 200000.0 and isinstance(target.value, float)


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"unit": None}, "unit", "missing"),
        ({"year": "2025"}, "year", "expected an integer"),
        ({"value": True}, "value", "expected a number"),
        ({"clauses": "二(四)2"}, "clauses", "expected a list"),
        ({"comparison": "more"}, "comparison", "must be one of at_least, at_most, about"),
        ({"measure": "tree_cover"}, "measure", "must be one of"),
        ({"sector": "power"}, "sector", "must be one of"),
        ({"unit": "万千瓦"}, "unit", "must be one of"),
        ({"valeu": 3}, "valeu", "unknown field"),
        ({"year": 2070}, "year", "between 2005 and 2060"),
        ({"baseline_year": 2025}, "baseline_year", "before the target year 2025"),
        ({"clauses": []}, "clauses", "at least one clause"),
        ({"clauses": ["二七3"]}, "clauses", "not a clause reference"),
        ({"clauses": ["二(二)9"]}, "clauses", "has 5 numbered items"),
        ({"clauses": ["二(四)2", "二（四）2"]}, "clauses", "listed twice"),
        ({"baseline_value": 18655, "baseline_year": 2022}, "baseline_source", "required"),
        ({"change": "reduction_pct"}, "unit", "must be '%'"),
        ({"unit": "%", "value": 140}, "value", "at most 100"),
        ({"id": "Piles-2025"}, "id", "snake_case"),
    ],
)
def test_bad_entry_names_file_entry_and_field(tmp_path, overrides, field, reason):
    path = _write(tmp_path, _entry(**overrides))
    with pytest.raises(TargetsError) as caught:
        load_targets(path)
    message = str(caught.value)
    assert str(path) in message
    entry_id = overrides.get("id", "piles_2025")
    assert f"'{entry_id}' (#1)" in message
    assert f"field '{field}'" in message
    assert reason in message


def test_entry_without_id_is_named_by_index(tmp_path):
    path = _write(tmp_path, _entry(id="a_2025"), _entry(id=None, measure="statistic"))
    with pytest.raises(TargetsError, match=r"target #2 \(no id\), field 'id': missing"):
        load_targets(path)


def test_missing_fields_of_one_entry_are_listed_on_one_line(tmp_path):
    path = _write(tmp_path, {"id": "sparse_2025", "value": 1})
    with pytest.raises(TargetsError) as caught:
        load_targets(path)
    message = str(caught.value)
    assert "target 'sparse_2025' (#1), fields 'name_zh', 'name_en', 'unit'" in message
    assert message.count("\n") == 0


def test_duplicate_id(tmp_path):
    path = _write(tmp_path, _entry(), _entry(measure="statistic"))
    with pytest.raises(TargetsError, match=r"target 'piles_2025' \(#2\), field 'id': duplicate of entry #1"):
        load_targets(path)


def test_second_target_for_the_same_indicator_and_year(tmp_path):
    path = _write(tmp_path, _entry(), _entry(id="piles_again_2025"))
    with pytest.raises(
        TargetsError, match=r"'piles_again_2025' \(#2\), field 'year': a second 'charging_piles'"
    ):
        load_targets(path)


def test_every_problem_is_reported_at_once(tmp_path):
    path = _write(tmp_path, _entry(comparison="more"), _entry(id="b_2025", measure="statistic", unit=None))
    with pytest.raises(TargetsError) as caught:
        load_targets(path)
    message = str(caught.value)
    assert "2 problems" in message
    assert "'piles_2025' (#1), field 'comparison'" in message
    assert "'b_2025' (#2), field 'unit': missing" in message


def test_toml_syntax_error_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[[target]]\nid = "x_2025"\nvalue = \n', encoding="utf-8")
    with pytest.raises(TargetsError, match=r"broken\.toml: line 3, column \d+: not valid TOML"):
        load_targets(path)


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(TargetsError, match=r"nowhere\.toml: targets file not found"):
        load_targets(path)


def test_document_shape():
    with pytest.raises(TargetsError, match="no \\[\\[target\\]\\] entries"):
        parse_targets({}, "t.toml")
    with pytest.raises(TargetsError, match="unknown top-level key 'targets'"):
        parse_targets({"targets": []}, "t.toml")
    with pytest.raises(TargetsError, match="array of tables"):
        parse_targets({"target": {"id": "x"}}, "t.toml")


# ---- geoplan targets -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_module() -> ModuleType:
    # Imported here so the library tests above do not depend on the front-end importing.
    from wuxi_atlas import cli

    return cli


def test_cli_list_table(cli_module):
    result = CliRunner().invoke(cli_module.geoplan, ["targets", "list"])
    assert result.exit_code == 0, result.output
    assert "forest_coverage_2025" in result.output
    assert "一, 二(七)3" in result.output
    assert len(result.output.splitlines()) == len(load_targets()) + 2


def test_cli_list_json_with_filters(cli_module):
    result = CliRunner().invoke(
        cli_module.geoplan, ["targets", "list", "--format", "json", "--measure", "pv_installed_capacity"]
    )
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert [(r["id"], r["value"], r["unit"], r["clauses"]) for r in records] == [
        ("pv_installed_capacity_2025", 2.53, "GW", ["二(二)1"]),
        ("pv_installed_capacity_2030", 3.1, "GW", ["二(二)1"]),
    ]
    result = CliRunner().invoke(cli_module.geoplan, ["targets", "list", "-f", "json", "--year", "2030"])
    assert {r["id"] for r in json.loads(result.output)} == {
        "gdp_co2_intensity_reduction_2030",
        "pv_installed_capacity_2030",
    }


def test_cli_list_other_file(cli_module, tmp_path):
    path = _write(tmp_path, _entry())
    result = CliRunner().invoke(cli_module.geoplan, ["targets", "list", "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert "piles_2025" in result.output and "forest_coverage_2025" not in result.output


def test_cli_validate_ok(cli_module, tmp_path):
    result = CliRunner().invoke(cli_module.geoplan, ["targets", "validate"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK: {len(load_targets())} targets in ")
    path = _write(tmp_path, _entry())
    result = CliRunner().invoke(cli_module.geoplan, ["targets", "validate", str(path)])
    assert result.output == f"OK: 1 targets in {path}\n"


def test_cli_validate_bad_file_exits_2_with_the_message(cli_module, tmp_path, monkeypatch, capsys):
    path = _write(tmp_path, _entry(comparison="more"))
    # CliRunner bypasses main(), where atlas errors become exit code 2; call main() itself.
    monkeypatch.setattr(sys, "argv", ["geoplan", "targets", "validate", str(path)])
    with pytest.raises(SystemExit) as exited:
        cli_module.main()
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Error: {path}: target 'piles_2025' (#1), field 'comparison'")


def test_cli_validate_missing_file_exits_2(cli_module, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["geoplan", "targets", "validate", str(tmp_path / "none.toml")])
    with pytest.raises(SystemExit) as exited:
        cli_module.main()
    assert exited.value.code == 2
    assert "none.toml: targets file not found" in capsys.readouterr().err
