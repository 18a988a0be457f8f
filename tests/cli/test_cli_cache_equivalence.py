"""``geoplan indicators`` served from the result cache prints what a run with the cache off prints, for
the same command line: the same rows, numbers, sources, vintages and synthetic labels, the same note on
stderr. Each test makes the cache serve (the run does not fall back to the full run) and then tries to
make it serve something stale: an option, a file changed in place with its size and mtime kept, an edit
a GeoPackage holds in its ``-wal``, the value alias file, a damaged entry."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from click.testing import CliRunner

from wuxi_atlas.analysis.paths import shipped_data_dir
from wuxi_atlas.analysis.shipped_results import computed_afresh
from wuxi_atlas.cli import geoplan
from wuxi_atlas.layers.defaults import default_landcover_series, default_sources

STATIONS_HEADER = "名称,类型,桩数,开放类型,经度,纬度\n"
SYNTHETIC_NOTE = "note: results include SYNTHETIC demo data"


@pytest.fixture(scope="module")
def small_raster(tmp_path_factory) -> Path:
    """The shipped land cover at 300 m (every tenth pixel, same CRS and tags): a fast raster pass."""
    folder = tmp_path_factory.mktemp("raster")
    return _small_copy(default_sources()["landcover"], folder / "landcover_300m.tif")


@pytest.fixture
def cache_dir(tmp_path) -> Iterator[Path]:
    """An empty result cache, and none of the results shipped with the data (their own equivalence test
    is in tests/analysis/test_shipped_results.py): every entry these tests attack is one they made."""
    with computed_afresh():
        yield tmp_path / "cache"


def _geoplan(args: list[str], cache: Path | str, **env: str) -> tuple[str, str]:
    result = CliRunner().invoke(
        geoplan, ["indicators", "-q", *args], env={"GEOPLAN_CACHE_DIR": str(cache), **env}
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.stdout, result.stderr


def _assert_served_as_fresh(args: list[str], cache: Path, full_runs: list[int], **env: str) -> str:
    """Fill the cache, run again from it, and compare both with a run with the cache off."""
    fresh = _geoplan(args, "off", **env)
    filled = _geoplan(args, cache, **env)
    before = len(full_runs)
    served = _geoplan(args, cache, **env)
    assert len(full_runs) == before, "the second run fell back to the full run: nothing was served"
    assert filled == fresh
    assert served == fresh
    return served[0]


@pytest.mark.parametrize(
    "options",
    [
        ["-f", "csv", "--radius", "500", "--min-coverage", "40", "--specific-yield", "900"],
        ["-f", "csv", "--denominator", "land", "--forest-variant", "senlin", "--district", "滨湖"],
        ["-f", "table", "--without", "stations", "--without", "buildings", "--district", "Liangxi"],
        ["-f", "json", "--indicator", "charging_piles", "--indicator", "forest_coverage"],
    ],
    ids=["radius-coverage-yield", "forest-method-district", "without-table", "subset"],
)
def test_every_method_choice_served_as_fresh(small_raster, cache_dir, full_runs, options):
    served = _assert_served_as_fresh(["--landcover", str(small_raster), *options], cache_dir, full_runs)
    assert served.strip()


def test_the_synthetic_note_and_provenance_follow_the_layers(small_raster, tmp_path, cache_dir, full_runs):
    """A run on the user's own stations only: its rows carry the file as their source and are not
    synthetic, whichever run made them; the raster's rows stay synthetic, and so does the note."""
    stations = tmp_path / "stations.csv"
    stations.write_text(STATIONS_HEADER + "甲,充电站,4,公共,120.30,31.57\n", encoding="utf-8")
    args = ["--landcover", str(small_raster), "-f", "csv", "--indicator", "forest_coverage"]
    args += ["--indicator", "charging_piles", "--stations", str(stations)]
    out = _assert_served_as_fresh(args, cache_dir, full_runs)
    piles = [line for line in out.splitlines() if line.startswith("charging_piles,320200,")]
    assert len(piles) == 1 and "stations.csv" in piles[0] and ",False," in piles[0]
    assert SYNTHETIC_NOTE in _geoplan(args, cache_dir)[1]


@pytest.mark.parametrize("crs", ["gcj02", "wgs84"])
def test_the_stations_datum_is_part_of_the_key(small_raster, tmp_path, cache_dir, full_runs, crs):
    stations = tmp_path / "stations.csv"
    # Beside a district border, so the datum shift (~500 m) moves the station across it.
    rows = [f"站{k},充电站,{k + 1},公共,{120.25 + k * 0.004:.3f},31.57\n" for k in range(40)]
    stations.write_text(STATIONS_HEADER + "".join(rows), encoding="utf-8")
    args = ["--landcover", str(small_raster), "-f", "csv", "--indicator", "forest_coverage"]
    args += ["--indicator", "charging_piles", "--stations", str(stations)]
    _assert_served_as_fresh(args, cache_dir, full_runs)
    _assert_served_as_fresh([*args, "--stations-crs", crs], cache_dir, full_runs)


def test_a_link_to_a_file_is_named_as_given(small_raster, tmp_path, cache_dir, full_runs):
    """The results name the file they were read from: a run on a symbolic link is not served the rows
    of a run on its target, which name the target."""
    real = tmp_path / "real.csv"
    real.write_text(STATIONS_HEADER + "甲,充电站,4,公共,120.30,31.57\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    args = ["--landcover", str(small_raster), "-f", "csv", "--indicator", "forest_coverage"]
    args += ["--indicator", "charging_piles", "--stations"]
    assert "real.csv" in _assert_served_as_fresh([*args, str(real)], cache_dir, full_runs)
    assert "link.csv" in _assert_served_as_fresh([*args, str(link)], cache_dir, full_runs)


def _rewrite_in_place(path: Path, old: bytes, new: bytes) -> None:
    """Replace ``old`` with ``new`` (same length) in the middle of ``path``, keeping its size and mtime."""
    assert len(old) == len(new)
    stat = path.stat()
    data = path.read_bytes()
    middle = data.index(old, len(data) // 3)
    with path.open("r+b") as handle:
        handle.seek(middle)
        handle.write(new)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns


def test_a_file_changed_in_the_middle_with_its_size_and_mtime_kept(
    small_raster, tmp_path, cache_dir, full_runs
):
    """The identity once hashed only the first and last 64 KiB: an edit between them was served stale."""
    stations = tmp_path / "stations.csv"
    rows = [
        f"站{k:05d},充电站,{10 + k % 80},公共,{120.2 + (k % 300) * 0.001:.4f},31.57\n" for k in range(9000)
    ]
    stations.write_text(STATIONS_HEADER + "".join(rows), encoding="utf-8")
    assert stations.stat().st_size > 3 * 64 * 1024
    args = ["--landcover", str(small_raster), "-f", "json", "--indicator", "forest_coverage"]
    args += ["--indicator", "charging_piles", "--stations", str(stations)]
    before = _assert_served_as_fresh(args, cache_dir, full_runs)
    _rewrite_in_place(stations, ",充电站,".encode(), ",加氢站,".encode())
    after = _assert_served_as_fresh(args, cache_dir, full_runs)
    assert after != before


def test_an_edit_held_in_a_geopackages_wal(small_raster, tmp_path, cache_dir, full_runs):
    """QGIS edits a GeoPackage in WAL mode: the edit sits in ``-wal`` while the file itself is unchanged
    (size and mtime too). The readers read it; the cache key must see it."""
    stations = tmp_path / "stations.gpkg"
    CliRunner().invoke(geoplan, ["export", "stations", "-o", str(tmp_path / "all.geojson")])
    import pyogrio

    frame = pyogrio.read_dataframe(tmp_path / "all.geojson")
    pyogrio.write_dataframe(frame.iloc[::20], stations, layer="stations", driver="GPKG")
    with sqlite3.connect(stations) as switch:  # the file in WAL mode from now on, as QGIS leaves it
        switch.execute("PRAGMA journal_mode=WAL")
    switch.close()
    args = ["--landcover", str(small_raster), "-f", "csv", "--indicator", "forest_coverage"]
    args += ["--indicator", "charging_piles", "--stations", str(stations)]
    before = _assert_served_as_fresh(args, cache_dir, full_runs)
    unchanged = stations.stat()
    editor = sqlite3.connect(stations)
    try:
        # GeoPackage triggers call SpatiaLite's functions; an attribute edit needs only that they exist.
        for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
            editor.create_function(name, 1, lambda _geometry: 0)
        editor.execute("PRAGMA wal_autocheckpoint=0")
        editor.execute("UPDATE stations SET piles = piles + 100")
        editor.commit()
        assert stations.stat().st_mtime_ns == unchanged.st_mtime_ns  # the edit is all in -wal
        after = _assert_served_as_fresh(args, cache_dir, full_runs)
    finally:
        editor.close()
    assert after != before


def test_the_value_alias_file_is_part_of_the_key(small_raster, tmp_path, cache_dir, full_runs):
    """``$GEOPLAN_ALIASES`` decides which rows are 充电站: a run with it must not be served the results
    of a run without it."""
    stations = tmp_path / "stations.csv"
    stations.write_text(
        STATIONS_HEADER + "甲,超充站,8,公共,120.30,31.57\n乙,充电站,2,公共,120.31,31.58\n", encoding="utf-8"
    )
    aliases = tmp_path / "aliases.toml"
    aliases.write_text('[stations.type]\ncharging = ["超充站"]\n', encoding="utf-8")
    args = ["--landcover", str(small_raster), "-f", "json", "--indicator", "forest_coverage"]
    args += ["--indicator", "charging_piles", "--stations", str(stations)]
    without = _assert_served_as_fresh(args, cache_dir, full_runs)
    with_aliases = _assert_served_as_fresh(args, cache_dir, full_runs, GEOPLAN_ALIASES=str(aliases))
    assert with_aliases != without
    aliases.write_text('[stations.type]\nhydrogen = ["超充站"]\n', encoding="utf-8")
    _assert_served_as_fresh(args, cache_dir, full_runs, GEOPLAN_ALIASES=str(aliases))


def test_a_damaged_entry_that_is_still_json_is_a_miss(small_raster, cache_dir, full_runs):
    """A digit changed on disk leaves valid JSON: the entry's checksum refuses it, so the numbers
    printed are computed ones."""
    args = ["--landcover", str(small_raster), "-f", "json"]
    fresh = _assert_served_as_fresh(args, cache_dir, full_runs)
    entries = sorted((cache_dir / "indicators").glob("*.json")) + sorted((cache_dir / "zones").glob("*.json"))
    assert entries
    for entry in entries:
        text = entry.read_text(encoding="utf-8")
        digits = [k for k, c in enumerate(text) if c.isdigit() and k > text.index("\n")]
        k = digits[len(digits) // 2]
        entry.write_text(text[:k] + str((int(text[k]) + 1) % 10) + text[k + 1 :], encoding="utf-8")
    assert _geoplan(args, cache_dir)[0] == fresh


def test_an_entry_nested_too_deep_to_read_is_a_miss(small_raster, cache_dir, full_runs):
    """An entry of JSON nested deeper than the parser recurses, with its checksum right (the cache folder
    is anyone's with the user's rights): a miss, the numbers computed, no RecursionError."""
    args = ["--landcover", str(small_raster), "-f", "json"]
    fresh = _assert_served_as_fresh(args, cache_dir, full_runs)
    deep = "[" * 100_000 + "]" * 100_000
    checksum = hashlib.sha256(deep.encode()).hexdigest()
    for entry in sorted((cache_dir / "indicators").glob("*.json")):
        entry.write_text(f"{checksum}\n{deep}", encoding="utf-8")
    assert _geoplan(args, cache_dir)[0] == fresh


def test_a_cache_folder_that_cannot_be_written(small_raster, tmp_path, full_runs):
    """The cache folder is a file: every run is a full run, with the same output, and no traceback."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    args = ["--landcover", str(small_raster), "-f", "csv"]
    assert _geoplan(args, blocked) == _geoplan(args, "off")


def test_two_processes_filling_the_cache_at_once(small_raster, tmp_path, cache_dir):
    import subprocess
    import sys

    args = ["indicators", "-q", "--landcover", str(small_raster), "-f", "json"]
    env = {**os.environ, "GEOPLAN_CACHE_DIR": str(cache_dir)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "wuxi_atlas.cli", *args, "-o", str(tmp_path / f"out{k}.json")], env=env
        )
        for k in range(2)
    ]
    assert [run.wait(timeout=300) for run in runs] == [0, 0]
    fresh = _geoplan(args[2:], "off")[0]
    served = _geoplan(args[2:], cache_dir)[0]
    assert served == fresh
    assert {(tmp_path / f"out{k}.json").read_text(encoding="utf-8").strip() for k in range(2)} == {
        fresh.strip()
    }
    assert not list(cache_dir.rglob(".tmp-*"))


def test_a_user_with_no_home_folder_runs_without_the_cache(small_raster, monkeypatch):
    """A container's user with no passwd entry and no $HOME: Path.home() raises, which was a traceback
    of every run; now the cache is off for it."""

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    args = ["--landcover", str(small_raster), "-f", "csv", "--indicator", "forest_coverage"]
    fresh = _geoplan(args, "off")
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    for name in ("HOME", "XDG_CACHE_HOME", "GEOPLAN_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(geoplan, ["indicators", "-q", *args])
    assert result.exit_code == 0, repr(result.exception)
    assert (result.stdout, result.stderr) == fresh


def _small_copy(source: Path, path: Path, crs: str | None = None) -> Path:
    """``source`` at a tenth of its resolution, or warped to the longitude/latitude ``crs``."""
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    with rasterio.open(source) as src:
        profile, tags = dict(src.profile), src.tags()
        if crs is None:
            data = src.read(1)[::10, ::10]
            transform = src.transform @ Affine.scale(10)
        else:
            transform, width, height = calculate_default_transform(
                src.crs, crs, src.width, src.height, *src.bounds, resolution=0.003
            )
            data = np.zeros((height, width), dtype=profile["dtype"])
            reproject(src.read(1), data, src_transform=src.transform, src_crs=src.crs,
                      dst_transform=transform, dst_crs=crs, resampling=Resampling.nearest)  # fmt: skip
    profile.update(height=data.shape[0], width=data.shape[1], transform=transform, tiled=False)
    profile.update(compress="deflate", crs=crs or profile["crs"])
    profile.pop("blockxsize", None), profile.pop("blockysize", None)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
        dst.update_tags(**tags)
    return path


def test_a_cgcs2000_lonlat_raster(small_raster, tmp_path, cache_dir, full_runs):
    """The cached zones (EPSG:4549) are laid on a CGCS2000 longitude/latitude raster as the full run lays
    its own (an EPSG:4326 one: tests/analysis/test_cached_run.py)."""
    raster = _small_copy(small_raster, tmp_path / "lonlat.tif", crs="EPSG:4490")
    args = ["--landcover", str(raster), "-f", "csv", "--indicator", "forest_coverage"]
    args += ["--indicator", "builtup_green_coverage", "--indicator", "charging_piles"]
    _assert_served_as_fresh(args, cache_dir, full_runs)


def test_a_different_raster_under_the_same_name_and_mtime(tmp_path, cache_dir, full_runs):
    """The raster is never served from the cache: another year's land cover written over the file (its
    mtime set back) gives that year's rates."""
    series = default_landcover_series()
    raster = _small_copy(series[max(series)], tmp_path / "landcover.tif")
    args = ["--landcover", str(raster), "-f", "csv", "--indicator", "forest_coverage"]
    args += ["--indicator", "builtup_green_coverage", "--indicator", "charging_piles"]
    latest = _assert_served_as_fresh(args, cache_dir, full_runs)
    mtime = raster.stat().st_mtime_ns
    _small_copy(series[min(series)], raster)
    os.utime(raster, ns=(mtime, mtime))
    assert _assert_served_as_fresh(args, cache_dir, full_runs) != latest


def test_a_changed_targets_file(small_raster, tmp_path, cache_dir, full_runs):
    """A target edited in place (same size, same mtime) in a $GEOPLAN_DATA_DIR dataset is judged anew."""
    data = tmp_path / "data"
    data.mkdir()
    for part in ("boundaries", "rasters", "demo"):
        (data / part).symlink_to(shipped_data_dir() / part)
    targets = data / "targets.toml"
    shutil.copyfile(shipped_data_dir() / "targets.toml", targets)
    args = ["--landcover", str(small_raster), "-f", "csv", "--indicator", "forest_coverage"]
    args += ["--indicator", "charging_piles", "--indicator", "wetland_protection_rate"]
    before = _assert_served_as_fresh(args, cache_dir, full_runs, GEOPLAN_DATA_DIR=str(data))
    assert b"value = 200000" in targets.read_bytes()  # the 2025 charging piles target
    _rewrite_in_place(targets, b"value = 200000", b"value = 300000")
    after = _assert_served_as_fresh(args, cache_dir, full_runs, GEOPLAN_DATA_DIR=str(data))
    assert after != before and ",300000.0," in after


def test_a_shapefiles_side_files_are_read_anew(small_raster, tmp_path, cache_dir, full_runs):
    """A Shapefile's .dbf can change alone (the piles), its .shp unchanged: a Shapefile is never cached."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {"name": ["甲", "乙"], "type": ["charging"] * 2, "piles": [4, 6], "access": ["public"] * 2},
        geometry=gpd.points_from_xy([120.30, 120.31], [31.57, 31.58]),
        crs="EPSG:4326",
    )
    stations = tmp_path / "stations.shp"
    frame.to_file(stations, encoding="utf-8")
    args = ["--landcover", str(small_raster), "-f", "csv", "--indicator", "forest_coverage"]
    args += ["--indicator", "charging_piles", "--stations", str(stations)]
    before = _geoplan(args, cache_dir)
    shp = stations.read_bytes()
    frame.assign(piles=[40, 60]).to_file(stations, encoding="utf-8")
    assert stations.read_bytes() == shp
    after = _geoplan(args, cache_dir)
    assert after == _geoplan(args, "off") != before


def test_a_catalogs_new_version(small_raster, tmp_path, cache_dir):
    """--catalog: the stations of the catalog's current version, never of an earlier one, and the layers
    the catalog does not hold (the shipped ones, served from the cache) as a run without the cache."""
    catalog = tmp_path / "catalog"
    args = ["--landcover", str(small_raster), "-f", "csv", "--catalog", str(catalog)]
    outputs = []
    for version, piles in enumerate((4, 40)):
        stations = tmp_path / f"stations{version}.csv"
        stations.write_text(STATIONS_HEADER + f"甲,充电站,{piles},公共,120.30,31.57\n", encoding="utf-8")
        added = CliRunner().invoke(
            geoplan, ["layers", "add", "stations", str(stations), "--catalog", str(catalog)]
        )
        assert added.exit_code == 0, added.output
        fresh = _geoplan(args, "off")
        assert _geoplan(args, cache_dir) == fresh
        assert _geoplan(args, cache_dir) == fresh
        outputs.append(fresh)
    assert outputs[0] != outputs[1]


def test_a_file_over_a_lower_size_limit_is_refused_not_served(small_raster, tmp_path, cache_dir, full_runs):
    """GEOPLAN_MAX_UPLOAD_MB lowered under a user's file: the run refuses the file, as a run with the
    cache off does, instead of serving what a run under the higher limit computed from it."""
    stations = tmp_path / "stations.csv"
    rows = [f"站{k},充电站,{k % 9 + 1},公共,{120.25 + k * 0.0001:.4f},31.57\n" for k in range(1000)]
    stations.write_text(STATIONS_HEADER + "".join(rows), encoding="utf-8")
    assert stations.stat().st_size > 2 * small_raster.stat().st_size
    args = ["--landcover", str(small_raster), "-f", "csv", "--indicator", "forest_coverage"]
    args += ["--indicator", "charging_piles", "--stations", str(stations)]
    _assert_served_as_fresh(args, cache_dir, full_runs)
    limit = f"{1.5 * small_raster.stat().st_size / 2**20:.4f}"  # the raster under it, the stations over
    for cache in ("off", cache_dir):
        env = {"GEOPLAN_CACHE_DIR": str(cache), "GEOPLAN_MAX_UPLOAD_MB": limit}
        refused = CliRunner().invoke(geoplan, ["indicators", "-q", *args], env=env)
        assert "stations.csv: the file is too large" in str(refused.exception), refused.output


def test_a_file_name_not_in_utf8_fails_as_without_the_cache(small_raster, tmp_path, cache_dir):
    """A name with a byte that is not UTF-8 becomes a lone surrogate in the results' source: writing the
    entry raised a UnicodeEncodeError of its own; now the entry is not written and the run stops where a
    run without the cache stops."""
    real = tmp_path / "real.csv"
    real.write_text(STATIONS_HEADER + "甲,充电站,4,公共,120.30,31.57\n", encoding="utf-8")
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/st\xff.csv"))
    shutil.copyfile(real, odd)
    args = ["indicators", "-q", "--landcover", str(small_raster), "-f", "csv", "--indicator"]
    args += ["forest_coverage", "--indicator", "charging_piles", "--stations", str(odd)]
    errors = []
    for cache in ("off", cache_dir, cache_dir):
        result = CliRunner().invoke(geoplan, args, env={"GEOPLAN_CACHE_DIR": str(cache)})
        errors.append((result.stdout, repr(result.exception)))
    assert errors[1] == errors[0] and errors[2] == errors[0]


def test_the_manifest_beside_a_file_gives_its_provenance(small_raster, tmp_path, cache_dir, full_runs):
    """The MANIFEST.json next to a user's file states its vintage and whether it is synthetic: edited,
    the rows say so, and the synthetic note is printed, as without the cache."""
    (tmp_path / "MANIFEST.json").write_text('{"vintage": "2023"}', encoding="utf-8")
    stations = tmp_path / "stations.csv"
    stations.write_text(STATIONS_HEADER + "甲,充电站,4,公共,120.30,31.57\n", encoding="utf-8")
    args = ["--landcover", str(small_raster), "-f", "json", "--indicator", "charging_piles"]
    args += ["--indicator", "forest_coverage", "--stations", str(stations)]
    before = _assert_served_as_fresh(args, cache_dir, full_runs)
    (tmp_path / "MANIFEST.json").write_text('{"vintage": "2024", "synthetic": true}', encoding="utf-8")
    after = _assert_served_as_fresh(args, cache_dir, full_runs)
    assert '"vintage": "2023"' in before and '"vintage": "2024"' in after
