"""A run from the result cache (:mod:`analysis.cached_run`) gives the full run's results, reads no vector
layer, and imports neither geopandas nor pandas; what it lacks in the cache sends it back to the full
run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from wuxi_atlas.analysis.cached_run import cached_indicator_run
from wuxi_atlas.analysis.indicators import IndicatorOptions, compute_indicators
from wuxi_atlas.analysis.names import INDICATOR_IDS
from wuxi_atlas.analysis.paths import shipped_data_dir
from wuxi_atlas.analysis.shipped_results import FILE_NAME as SHIPPED_RESULTS
from wuxi_atlas.analysis.shipped_results import computed_afresh
from wuxi_atlas.analysis.targets import load_targets
from wuxi_atlas.analysis.zonal import ZoneSet, zonal_class_areas
from wuxi_atlas.layers.defaults import default_sources
from wuxi_atlas.layers.formats import read_landcover_tiles
from wuxi_atlas.layers.inputs import load_indicator_inputs
from wuxi_atlas.layers.origins import layer_origins

WORLDCOVER = np.array([10, 20, 30, 40, 50, 60, 80, 90], dtype="uint8")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Iterator[Path]:
    """An empty result cache, and none of the results shipped with the data (tests of their own in
    tests/analysis/test_shipped_results.py): what the local cache holds is what these tests control."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", str(folder))
    with computed_afresh():
        yield folder


@pytest.fixture(scope="module")
def lonlat_raster(tmp_path_factory) -> Path:
    """WorldCover-like classes over Wuxi on a longitude/latitude grid (as WorldCover ships): the cached
    zones (EPSG:4549) are reprojected to it."""
    path = tmp_path_factory.mktemp("lonlat") / "worldcover_4326.tif"
    rng = np.random.default_rng(11)
    height, width = 1100, 1500
    blocks = rng.choice(WORLDCOVER, size=(height // 50 + 1, width // 50 + 1))
    data = np.kron(blocks, np.ones((50, 50), dtype="uint8"))[:height, :width]
    data[rng.random((height, width)) < 0.02] = 80
    profile = {
        "driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "uint8", "nodata": 0,
        "crs": "EPSG:4326", "transform": from_origin(119.5, 32.1, 0.001, 0.001),
        "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "deflate",
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


def _records(results) -> str:
    return json.dumps([asdict(r) for r in results], ensure_ascii=False, sort_keys=True)


def _full(raster: Path, **options):
    inputs = load_indicator_inputs(landcover=[raster], scheme="worldcover", **options)
    return compute_indicators(inputs, load_targets(), cache=True, only=options.get("indicators"))


def _from_cache(raster: Path, **options):
    origins = layer_origins(
        layer_paths=options.get("layer_paths"), without=options.get("without", ()),
        indicators=options.get("indicators"),
    )  # fmt: skip

    def landcover():
        return read_landcover_tiles([raster], scheme="worldcover", decode_blocks=False)

    wanted = options.get("indicators") or INDICATOR_IDS
    return cached_indicator_run(origins, landcover, load_targets(), IndicatorOptions(), wanted)


@pytest.mark.parametrize("raster", ["shipped", "lonlat"])
def test_the_cached_run_gives_the_full_runs_results(cache_dir, raster, lonlat_raster):
    path = default_sources()["landcover"] if raster == "shipped" else lonlat_raster
    assert _from_cache(path) is None  # an empty cache: nothing to serve
    full = _full(path)
    served = _from_cache(path)
    assert served is not None
    assert _records(served) == _records(full)
    # And a second full run, now with the vector results from the cache, is the same too.
    assert _records(_full(path)) == _records(full)


def test_a_changed_builtup_file_sends_the_run_back_to_the_full_run(cache_dir, tmp_path):
    raster = default_sources()["landcover"]
    builtup = tmp_path / "builtup.gpkg"
    shutil.copy(default_sources()["builtup"], builtup)
    options = {
        "layer_paths": {"builtup": builtup},
        "indicators": ["forest_coverage", "builtup_green_coverage"],
    }
    _full(raster, **options)
    assert _from_cache(raster, **options) is not None
    with builtup.open("ab") as handle:
        handle.write(b"\0" * 4096)  # a different file: a new key, whatever it holds
    assert _from_cache(raster, **options) is None


def test_the_wetland_rate_from_the_raster_is_not_served(cache_dir):
    raster = default_sources()["landcover"]
    options = {"without": ("wetlands",)}
    _full(raster, **options)
    assert _from_cache(raster, **options) is None


def test_zone_sets_and_frames_give_the_same_table(lonlat_raster):
    from wuxi_atlas.analysis.boundaries import load_boundaries
    from wuxi_atlas.analysis.study_area import district_frame

    districts = district_frame(load_boundaries())
    frame_table = zonal_class_areas(lonlat_raster, districts, "adcode")
    set_table = zonal_class_areas(lonlat_raster, ZoneSet.of_frame(districts, "adcode"))
    assert set_table == frame_table


_PROBE = """
import json, sys
from click.testing import CliRunner
from wuxi_atlas.cli import geoplan
result = CliRunner().invoke(geoplan, sys.argv[1:])
heavy = sorted(name for name in ("geopandas", "pandas", "pyogrio", "fiona") if name in sys.modules)
print(json.dumps({"code": result.exit_code, "output": result.output[-2000:], "heavy": heavy}))
"""


def test_geoplan_indicators_from_the_cache_imports_no_geopandas(tmp_path):
    """On a dataset without results written with it, the first run reads the vector layers and the
    second is served from the result cache (for the shipped data: tests/analysis/test_shipped_results.py)."""
    raster = default_sources()["landcover"]
    data = tmp_path / "data"
    shutil.copytree(shipped_data_dir(), data, ignore=shutil.ignore_patterns(SHIPPED_RESULTS))
    env = {**os.environ, "GEOPLAN_CACHE_DIR": str(tmp_path / "cache"), "GEOPLAN_DATA_DIR": str(data)}
    runs = []
    for k in range(2):
        out = tmp_path / f"run{k}.json"
        args = ["indicators", "--landcover", str(raster), "-f", "json", "-q", "-o", str(out)]
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=300, env=env
        )
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert report["code"] == 0, report["output"]
        runs.append((report["heavy"], out.read_text(encoding="utf-8")))
    (cold_heavy, cold), (warm_heavy, warm) = runs
    assert "geopandas" in cold_heavy  # the full run reads the vector layers
    assert warm_heavy == []
    assert warm == cold


@pytest.mark.parametrize(
    "damage",
    ['{"units": 1, "ids": [], "wkb": []}', '{"units": [], "ids": ["1"], "wkb": ["zz"]}', "[", '"x"'],
    ids=["units", "wkb", "truncated", "not-an-object"],
)
def test_a_damaged_zone_entry_is_a_miss_not_an_error(cache_dir, damage):
    raster = default_sources()["landcover"]
    full = _full(raster)
    for entry in (cache_dir / "zones").glob("*.json"):
        entry.write_text(damage, encoding="utf-8")
    assert _from_cache(raster) is None
    _full(raster)  # the full run writes the entries again
    served = _from_cache(raster)
    assert served is not None and _records(served) == _records(full)
