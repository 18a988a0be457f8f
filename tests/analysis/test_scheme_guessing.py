"""The land-cover scheme is guessed right from a raster's codes, or not at all (issue #11).

Codes all within WorldCover's {10, 20, …, 100} (and 95) are WorldCover; codes that several schemes define
are refused with the candidates named and ``--scheme`` to choose; codes no scheme defines are refused with
what the closest one lacks. Nothing is picked silently.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.schemes import closest_scheme, guess_scheme, scheme_candidates
from wuxi_atlas.layers.formats import read_landcover

# Inside 梁溪/新吴, in EPSG:4549.
X0, Y0 = 528_000, 3_494_000


def _raster(path: Path, codes: tuple[int, ...]) -> Path:
    """A 4×4 raster in EPSG:4549 inside Wuxi holding exactly ``codes`` (repeated), no tag, no nodata."""
    values = np.resize(np.array(codes, dtype=np.uint8), (4, 4))
    profile = {
        "driver": "GTiff",
        "width": 4,
        "height": 4,
        "count": 1,
        "dtype": "uint8",
        "crs": "EPSG:4549",
        "transform": from_origin(X0, Y0, 30, 30),
    }
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(values, 1)
    return path


@pytest.mark.parametrize(
    "codes",
    [{10}, {10, 40}, {0, 10, 40}, {10, 95}, {20, 30, 60, 70, 100}, {10, 20, 30, 40, 50, 60, 80, 90}],
)
def test_codes_within_worldcover_are_worldcover(codes: set[int]) -> None:
    # {10} alone was Esri's (10 = clouds), and a WorldCover tile of forest read as 0% tree cover.
    assert scheme_candidates(codes) == ("worldcover",)
    assert guess_scheme(codes) == "worldcover"


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ({1, 2, 3, 4, 5, 8, 9}, "clcd"),  # 3 (shrub) and 9 (wetland) are CLCD's alone
        ({1, 2, 4, 5, 7, 11}, "esri_lulc"),  # 11 (rangeland)
        ({12, 52, 120, 190, 210}, "glc_fcs30d"),
    ],
)
def test_codes_only_one_scheme_defines_are_that_scheme(codes: set[int], expected: str) -> None:
    assert scheme_candidates(codes) == (expected,)
    assert guess_scheme(codes) == expected


@pytest.mark.parametrize(
    ("codes", "candidates"),
    [
        ({1, 2, 4, 5, 8}, ("clcd", "dynamic_world", "esri_lulc")),
        ({0, 1, 2, 3, 4, 5, 6, 7}, ("clcd", "dynamic_world")),  # 0: Dynamic World water, CLCD nodata
    ],
)
def test_codes_that_fit_several_schemes_are_not_guessed(codes: set[int], candidates: tuple[str, ...]) -> None:
    assert scheme_candidates(codes) == candidates
    assert guess_scheme(codes) is None


def test_a_stray_code_no_scheme_defines_is_not_guessed() -> None:
    # Two thirds WorldCover used to be enough; 255 (an undeclared nodata, say) means we cannot be sure.
    assert scheme_candidates({10, 20, 255}) == ()
    assert guess_scheme({10, 20, 255}) is None
    assert closest_scheme({10, 20, 255}) == ("worldcover", (255,))
    assert closest_scheme({1000, 2000}) is None


def test_raster_of_tree_and_crop_reads_as_worldcover(tmp_path: Path) -> None:
    assert read_landcover(_raster(tmp_path / "forest.tif", (10,))).scheme == "worldcover"
    assert read_landcover(_raster(tmp_path / "tree_crop.tif", (10, 40))).scheme == "worldcover"


def test_ambiguous_raster_asks_for_scheme_naming_the_candidates(tmp_path: Path) -> None:
    path = _raster(tmp_path / "ambiguous.tif", (1, 2, 4, 5, 8))
    with pytest.raises(LayerError) as caught:
        read_landcover(path)
    message = str(caught.value)
    assert "ambiguous.tif" in message and "1, 2, 4, 5, 8" in message
    assert "clcd, dynamic_world, esri_lulc" in message and "--scheme" in message
    assert read_landcover(path, scheme="clcd").scheme == "clcd"


def test_raster_with_a_code_no_scheme_defines_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(LayerError, match=r"no built-in scheme defines all of them \(worldcover lacks 255\)"):
        read_landcover(_raster(tmp_path / "stray.tif", (10, 20, 255)))


def test_cli_ambiguous_raster_is_a_message_with_the_option_not_a_traceback(tmp_path: Path) -> None:
    path = _raster(tmp_path / "ambiguous.tif", (1, 2, 4, 5, 8))
    command = [sys.executable, "-m", "wuxi_atlas.cli", "indicators", "--landcover", str(path)]
    command += ["--indicator", "forest_coverage"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert "clcd, dynamic_world, esri_lulc" in run.stderr and "--scheme" in run.stderr
