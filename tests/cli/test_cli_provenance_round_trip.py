"""``geoplan export`` then ``geoplan indicators`` on the exported file: the synthetic label comes back, with
the result cache and without. And ``geoplan indicators`` on a station table whose file name is not
valid UTF-8 runs, with the cache and without, the name escaped in what it writes."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from click.testing import CliRunner

from wuxi_atlas.cli import geoplan

SYNTHETIC_NOTE = "note: results include SYNTHETIC demo data"
#: Only a run with 林木覆盖率 is served from the cache; the shipped land cover is synthetic, so a run with
#: it says SYNTHETIC whatever the stations are: the station rows' own label is what is checked.
_SERVED = ("--indicator", "forest_coverage", "--indicator", "charging_piles")
STATIONS_CSV = (
    "name,type,piles,access,lon,lat\n"
    "站甲,charging,10,public,120.3,31.5\n"
    "站乙,charging,4,public,120.25,31.55\n"
)


def _run(args: list[str], cache: Path | str) -> tuple[str, str]:
    result = CliRunner().invoke(geoplan, args, env={"GEOPLAN_CACHE_DIR": str(cache)})
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.stdout, result.stderr


def _charging_rows(stdout: str) -> list[dict[str, str]]:
    rows = csv.DictReader(io.StringIO(stdout.lstrip("\ufeff")))
    return [row for row in rows if row["indicator"] == "charging_piles"]


def test_an_exported_synthetic_layer_keeps_its_label_through_indicators(tmp_path, full_runs) -> None:
    exported = tmp_path / "s.geojson"
    _run(["export", "stations", "-o", str(exported)], "off")
    args = ["indicators", "-q", "-f", "csv", *_SERVED, "--stations", str(exported)]
    cache = tmp_path / "cache"
    for where in ("off", cache, cache):
        stdout, _ = _run(args, where)
        rows = _charging_rows(stdout)
        assert rows and all(row["synthetic"] == "True" for row in rows), where
        assert all("synthetic demo" in row["source"] and row["vintage"] for row in rows), where
    assert len(full_runs) == 2, "the third run was not served from the cache"
    only_stations = ["indicators", "-q", "--indicator", "charging_piles", "--stations", str(exported)]
    assert SYNTHETIC_NOTE in _run(only_stations, "off")[1]


def test_a_station_table_named_in_gbk_is_read(tmp_path, full_runs) -> None:
    raw = os.path.join(os.fsencode(tmp_path), b"\xb3\xe4\xb5\xe7\xd5\xbe.csv")
    with open(raw, "w", encoding="utf-8") as handle:
        handle.write(STATIONS_CSV)
    stations = os.fsdecode(raw)
    args = ["indicators", "-q", "-f", "csv", *_SERVED, "--stations", stations]
    cache = tmp_path / "cache"
    outputs = [_run(args, where) for where in ("off", cache, cache)]
    assert outputs[0] == outputs[1] == outputs[2]
    rows = _charging_rows(outputs[0][0])
    assert {row["source"] for row in rows} == {r"\xb3\xe4\xb5\xe7վ.csv"}
    assert sum(float(row["value"]) for row in rows if row["adcode"] != "320200") == 14
    assert all(row["synthetic"] == "False" for row in rows)
    assert len(full_runs) == 2, "the third run was not served from the cache"
    written = tmp_path / "out.csv"
    _run([*args, "-o", str(written)], "off")
    assert r"\xb3\xe4\xb5\xe7" in written.read_text(encoding="utf-8")
