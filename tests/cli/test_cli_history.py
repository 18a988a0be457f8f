"""``geoplan history``: the shipped demo's vintages out of the box (three land-survey years, three station
snapshots, with projections and 预警), a catalog's versions by their year, and refusals before any work."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wuxi_atlas.cli import geoplan

CITY = "320200"


def _run(*args: str) -> str:
    done = CliRunner().invoke(geoplan, ["history", *args], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return done.stdout


@pytest.fixture(scope="module")
def shipped() -> dict:
    return json.loads(_run("-f", "json"))


def _outlook(document: dict, indicator: str, adcode: str = CITY, series: str = "") -> dict:
    return next(
        o
        for o in document["outlooks"]
        if (o["indicator"], o["adcode"], o["series"]) == (indicator, adcode, series)
    )


def test_the_shipped_demo_has_three_land_survey_years_with_projection_and_warning(shipped: dict) -> None:
    forest = _outlook(shipped, "forest_coverage", series="land_survey")
    assert list(forest["values"]) == ["2019", "2021", "2023"]
    assert forest["baseline"] == {"year": 2019, "value": 27.71, "source": "plan"}
    assert 27.0 < forest["values"]["2019"] < forest["values"]["2023"] < 27.8
    [target] = forest["targets"]
    assert target["year"] == 2025 and target["projected_year"] > 2025 and target["warning"] is True
    wetland = _outlook(shipped, "wetland_protection_rate", series="land_survey")
    assert list(wetland["values"]) == ["2019", "2021", "2023"] and wetland["warning"] is not None
    # The raster series stays apart from the survey's: two vintages, its own trend.
    assert list(_outlook(shipped, "forest_coverage", series="raster")["values"]) == ["2020", "2024"]
    # Every district has the survey's three years too.
    districts = {o["adcode"] for o in shipped["outlooks"] if o["indicator"] == "forest_coverage"}
    assert len(districts) == 8


def test_the_shipped_station_snapshots_give_three_years_of_counts(shipped: dict) -> None:
    piles = _outlook(shipped, "charging_piles")
    assert list(piles["values"]) == ["2022", "2023", "2024"]
    values = list(piles["values"].values())
    assert values == sorted(values) and values[-1] == 161_000
    [target] = piles["targets"]
    assert target["value"] == 200_000 and target["projected_year"] == pytest.approx(2025.3, abs=0.1)
    assert piles["warning"] is True  # 2025.3: late for 2025
    hydrogen = _outlook(shipped, "hydrogen_stations")
    assert list(hydrogen["values"].values()) == [2, 3, 4] and hydrogen["warning"] is False  # 5 in 2025.0
    # Records say which vintage of each layer they used.
    record = next(
        r
        for r in shipped["records"]
        if (r["indicator"], r["adcode"], r["year"]) == ("charging_service_coverage", CITY, 2022)
    )
    assert record["layers"]["stations"]["label"].startswith("stations_2022")
    assert record["layers"]["builtup"] == {
        "year": 2024,
        "label": "builtup in wuxi_demo.gpkg",
        "rule": "nearest_after",
    }
    for record in shipped["records"]:
        assert {"year", "adcode", "indicator", "value", "status", "layers"} <= set(record)


def test_the_table_shows_years_line_projection_and_warning() -> None:
    text = _run("--indicator", "charging_piles", "--district", "无锡市")
    header = text.splitlines()[0].split()
    assert header[:3] == ["indicator", "unit", "series"]
    assert header[3:] == ["2022", "2023", "2024", "line", "status", "target", "reaches", "预警"]
    row = text.splitlines()[2]
    assert "charging_piles" in row and "161,000" in row and "200,000 (2025)" in row and "预警 warning" in row
    assert "stations 2022 (stations_2022 in wuxi_history_demo.gpkg)" in text


def test_csv_has_one_row_per_record_with_its_projection(tmp_path: Path) -> None:
    out = tmp_path / "history.csv"
    _run("--indicator", "hydrogen_stations", "--district", "320200", "-f", "csv", "-o", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [(r["year"], r["value"], r["warning"]) for r in rows] == [
        ("2022", "2.0", "false"),
        ("2023", "3.0", "false"),
        ("2024", "4.0", "false"),
    ]
    assert rows[0]["projected_year"] == "2025.0" and "stations: 2022 (stations_2022" in rows[0]["layers"]
    refused = CliRunner().invoke(geoplan, ["history", "-f", "csv", "-o", str(out)])
    assert refused.exit_code == 2 and "--overwrite" in refused.output


def _stations(folder: Path, name: str, piles: int) -> Path:
    path = folder / name
    path.write_text(
        f"name,type,piles,access,lon,lat\n站,charging,{piles},public,120.30,31.57\n", encoding="utf-8"
    )
    return path


def test_a_catalogs_versions_are_its_vintages(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    runner = CliRunner()
    for year, piles in ((2021, 100), (2022, 150), (2022, 170), (2023, 250)):  # 2022 imported twice
        path = _stations(tmp_path, f"s{year}_{piles}.csv", piles)
        done = runner.invoke(
            geoplan, ["layers", "add", "stations", str(path), "--year", str(year), "--catalog", str(catalog)]
        )
        assert done.exit_code == 0, done.output
    undated = _stations(tmp_path, "undated.csv", 999)
    runner.invoke(geoplan, ["layers", "add", "stations", str(undated), "--catalog", str(catalog)])
    done = runner.invoke(
        geoplan, ["history", "--catalog", str(catalog), "--indicator", "charging_piles", "-f", "json"]
    )
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    piles = _outlook(document, "charging_piles")
    assert piles["values"] == {"2021": 100.0, "2022": 170.0, "2023": 250.0}  # the later 2022 import wins
    assert piles["slope_per_year"] == pytest.approx(75.0)
    assert document["left_out"] == [{"kind": "stations", "label": "catalog v5, undated.csv"}]
    assert "left out, their year is unknown" in done.stderr
    table = runner.invoke(geoplan, ["history", "--catalog", str(catalog), "--indicator", "charging_piles"])
    assert "left out, their year is unknown: stations (catalog v5, undated.csv)" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--indicator", "nope"], "unknown indicator(s) nope"),
        (["--district", "Atlantis"], "no district called 'Atlantis'"),
    ],
)
def test_bad_options_are_refused_before_any_work(args: list[str], message: str) -> None:
    done = CliRunner().invoke(geoplan, ["history", *args])
    assert done.exit_code == 2 and message in done.output and "Traceback" not in done.output
