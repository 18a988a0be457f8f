"""True areas for every CRS: a pixel weighs its area on the ground, not its area in the CRS's units.

The shipped 2024 land cover (EPSG:4549) is warped with nearest neighbour to EPSG:4326, Web Mercator and
UTM zone 51N; the forest coverage of the city and of every district must not move. Before areas came
from the ground, Web Mercator's nominal pixels (1.38× their ground area at 31.5°N) gave the city 38.0%
instead of 27.6%.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import CRS, Geod, Transformer
from rasterio.warp import Resampling, calculate_default_transform, reproject

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.forest import forest_coverage
from wuxi_atlas.analysis.paths import rasters_dir
from wuxi_atlas.analysis.sources import RasterSource
from wuxi_atlas.analysis.study_area import StudyArea
from wuxi_atlas.analysis.zonal import pixel_area_m2, pixel_areas, zonal_class_areas

CRSS = ("EPSG:4326", "EPSG:3857", "EPSG:32651")


def _warped(source: Path, crs: str, folder: Path) -> Path:
    path = folder / f"landcover_2024_{crs.replace(':', '_')}.tif"
    with rasterio.open(source) as src:
        transform, width, height = calculate_default_transform(
            src.crs, crs, src.width, src.height, *src.bounds
        )
        profile = src.profile | {"crs": crs, "transform": transform, "width": width, "height": height}
        with rasterio.open(path, "w", **profile) as dst:
            reproject(rasterio.band(src, 1), rasterio.band(dst, 1), resampling=Resampling.nearest)
    return path


def _coverage(path: Path) -> dict[str, float]:
    source = RasterSource(path=path, scheme="worldcover", year=2024, source=path.name, synthetic=True)
    study_area = StudyArea.from_boundaries(load_boundaries())
    return {result.adcode: result.value for result in forest_coverage(source, study_area)}


@pytest.fixture(scope="module")
def coverages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, float]]:
    shipped = rasters_dir() / "landcover_2024_30m.tif"
    folder = tmp_path_factory.mktemp("warped")
    found = {"EPSG:4549": _coverage(shipped)}
    for crs in CRSS:
        found[crs] = _coverage(_warped(shipped, crs, folder))
    return found


def test_shipped_forest_coverage_is_unchanged(coverages: dict[str, dict[str, float]]) -> None:
    # The woody share of the city's polygon (27.59% of the official area before #11: the woody area of a
    # polygon 1.2% larger than the official area, divided by the official area).
    assert coverages["EPSG:4549"]["320200"] == pytest.approx(27.28, abs=0.005)


@pytest.mark.parametrize("crs", CRSS)
def test_forest_coverage_is_the_same_in_every_crs(crs: str, coverages: dict[str, dict[str, float]]) -> None:
    reference = coverages["EPSG:4549"]
    found = coverages[crs]
    assert set(found) == set(reference)
    worst = max(abs(found[unit] - reference[unit]) for unit in reference)
    assert worst < 0.05, {unit: round(found[unit] - reference[unit], 3) for unit in reference}


def _geod_area(crs: str, transform: Affine, row: int, col: int) -> float:
    """Ellipsoidal area (m²) of one pixel, its edges densified, with pyproj.Geod."""
    steps = np.linspace(0, 1, 9)[:-1]
    cols = np.concatenate([col + steps, np.full(8, col + 1.0), col + 1 - steps, np.full(8, float(col))])
    rows = np.concatenate([np.full(8, float(row)), row + steps, np.full(8, row + 1.0), row + 1 - steps])
    x = transform.a * cols + transform.b * rows + transform.c
    y = transform.d * cols + transform.e * rows + transform.f
    parsed = CRS.from_user_input(crs)
    lon, lat = Transformer.from_crs(parsed, parsed.geodetic_crs, always_xy=True).transform(x, y)
    area, _ = Geod(ellps="WGS84").polygon_area_perimeter(lon, lat)
    return abs(area)


@pytest.mark.parametrize(
    ("crs", "transform"),
    [
        ("EPSG:3857", Affine(35.0, 0, 13_300_000, 0, -35.0, 3_750_000)),
        ("EPSG:32651", Affine(30.0, 0, 170_000, 0, -30.0, 3_560_000)),
        ("EPSG:4549", Affine(30.0, 0, 620_000, 0, -30.0, 3_480_000)),  # 1.3° east of the CM: not nominal
    ],
    ids=["web-mercator", "utm-51n", "gk-far-from-cm"],
)
def test_pixel_areas_are_ground_areas(crs: str, transform: Affine) -> None:
    height, width = 3000, 4000
    areas = pixel_areas(transform, crs, height, width)
    rows = np.array([0, 0, 1500, 2999, 2999])
    cols = np.array([0, 3999, 2000, 0, 3999])
    found = areas.at(rows, cols)
    expected = np.array([_geod_area(crs, transform, r, c) for r, c in zip(rows, cols, strict=True)])
    np.testing.assert_allclose(found, expected, rtol=1e-6)
    block = areas.block(1500, 2000, 2, 3)
    assert block.shape == (2, 3) and block[0, 0] == pytest.approx(found[2], rel=1e-9)
    # A run's area is the sum of its pixels' areas.
    run = areas.run_sums(np.array([1500]), np.array([10]), np.array([3990]))[0]
    assert run == pytest.approx(float(areas.block(1500, 10, 1, 3980).sum()), rel=1e-9)


def test_gauss_kruger_near_its_central_meridian_keeps_nominal_areas() -> None:
    transform = Affine(30.0, 0, 453_780, 0, -30.0, 3_541_110)  # the shipped raster's grid
    areas = pixel_areas(transform, "EPSG:4549", 3259, 3446)
    assert areas.uniform == 900.0
    assert pixel_area_m2(transform, "EPSG:4549", 3).tolist() == [900.0, 900.0, 900.0]


def test_an_equal_area_projection_keeps_nominal_areas() -> None:
    albers = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=WGS84 +units=m +no_defs"
    areas = pixel_areas(Affine(30.0, 0, 1_400_000, 0, -30.0, 3_700_000), albers, 4000, 4000)
    assert areas.uniform == 900.0


def test_zone_areas_in_web_mercator_are_ground_areas(tmp_path: Path) -> None:
    transform = Affine(35.0, 0, 13_380_000, 0, -35.0, 3_710_000)
    path = tmp_path / "mercator.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=400,
        height=400,
        count=1,
        dtype="uint8",
        crs="EPSG:3857",
        transform=transform,
    ) as dst:
        dst.write(np.full((1, 400, 400), 10, dtype="uint8"))
    lon0, lat0 = Transformer.from_crs(3857, 4326, always_xy=True).transform(13_383_000, 3_705_000)
    zone = shapely.box(lon0, lat0 - 0.05, lon0 + 0.05, lat0)
    zones = gpd.GeoDataFrame({"adcode": ["1"]}, geometry=[zone], crs="EPSG:4326")
    result = zonal_class_areas(path, zones).by_zone("1")
    geod_area = abs(Geod(ellps="WGS84").geometry_area_perimeter(shapely.segmentize(zone, 0.001))[0])
    assert result.polygon_area_m2 == pytest.approx(geod_area, rel=1e-4)
    assert result.zone_area_m2 == pytest.approx(geod_area, rel=1e-4)
    assert result.footprint_fraction == pytest.approx(1.0, abs=1e-4)
    assert result.class_area_m2[10] == pytest.approx(result.zone_area_m2, rel=1e-9)
