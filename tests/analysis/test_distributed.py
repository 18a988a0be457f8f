"""The Dask path gives the single-machine engine's class areas, on a small tiled raster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

from wuxi_atlas.analysis.errors import CRSError
from wuxi_atlas.analysis.zonal import ClassAreaTable, zonal_class_areas, zonal_continuous

distributed = pytest.importorskip("distributed")

from wuxi_atlas.analysis.zonal.distributed import zonal_class_areas_dask, zonal_strategy  # noqa: E402

# 150 × 200 pixels of 10 m in EPSG:4549 in 32 × 32 tiles: ragged tiles on the right and bottom edges.
HEIGHT, WIDTH, TILE = 150, 200, 32
X0, Y0 = 530_000.0, 3_490_000.0
TRANSFORM = Affine(10.0, 0.0, X0, 0.0, -10.0, Y0)


def _write(path: Path, crs: str, transform: Affine) -> Path:
    rng = np.random.default_rng(7)
    data = rng.choice(np.array([10, 20, 30, 40, 50, 80], dtype=np.uint8), size=(HEIGHT, WIDTH))
    data[rng.random(data.shape) < 0.02] = 0
    with rasterio.open(
        path, "w", driver="GTiff", width=WIDTH, height=HEIGHT, count=1, dtype="uint8", crs=crs,
        transform=transform, nodata=0, tiled=True, blockxsize=TILE, blockysize=TILE,
    ) as dst:  # fmt: skip
        dst.write(data, 1)
    return path


def _zones(crs: str, transform: Affine) -> gpd.GeoDataFrame:
    """A city, its overlapping districts (one with a hole), a zone hanging off the grid, a 1-pixel circle."""

    def at(col: float, row: float) -> tuple[float, float]:
        return transform @ (col, row)

    def box(c0: float, r0: float, c1: float, r1: float) -> shapely.Polygon:
        (x0, y0), (x1, y1) = at(c0, r0), at(c1, r1)
        return shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    city = shapely.Polygon([at(3.3, 2.7), at(190.2, 8.9), at(171.6, 141.4), at(12.8, 120.5)])
    west = shapely.intersection(city, box(0, 0, 97.37, 150)).difference(box(40.5, 50.2, 60.1, 70.9))
    east = shapely.intersection(city, box(97.37, 0, 200, 150))
    off_grid = box(180.5, 130.25, 260.0, 170.0)
    dot = shapely.Point(at(66.6, 33.3)).buffer(abs(transform.a) * 0.6)
    return gpd.GeoDataFrame(
        {"adcode": ["320200", "320201", "320202", "320299", "dot"]},
        geometry=[city, west, east, off_grid, dot],
        crs=crs,
    )


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


def _assert_same(expected: ClassAreaTable, actual: ClassAreaTable) -> None:
    assert [z.zone_id for z in actual.zones] == [z.zone_id for z in expected.zones]
    for want, got in zip(expected.zones, actual.zones, strict=True):
        assert set(got.class_area_m2) == set(want.class_area_m2), want.zone_id
        for code, area in want.class_area_m2.items():
            assert got.class_area_m2[code] == pytest.approx(area, rel=1e-9), (want.zone_id, code)
        for name in ("zone_area_m2", "valid_area_m2", "polygon_area_m2"):
            assert getattr(got, name) == pytest.approx(getattr(want, name), rel=1e-9), (want.zone_id, name)
    assert (actual.raster_crs, actual.pixel_size, actual.geographic) == (
        expected.raster_crs,
        expected.pixel_size,
        expected.geographic,
    )


@pytest.mark.parametrize("chunks", [1, 4, 1000])
def test_same_as_single_machine_projected(tmp_path: Path, client: distributed.Client, chunks: int) -> None:
    raster = _write(tmp_path / "lc.tif", "EPSG:4549", TRANSFORM)
    zones = _zones("EPSG:4549", TRANSFORM)
    table = zonal_class_areas_dask(raster, zones, "adcode", scheduler=client, chunks=chunks)
    _assert_same(zonal_class_areas(raster, zones, "adcode"), table)
    # The hanging zone is partly off the grid; the dot is under one pixel.
    assert 0 < table.by_zone("320299").footprint_fraction < 1
    assert table.by_zone("dot").zone_area_m2 == pytest.approx(np.pi * 36 * 0.996, rel=0.01)


def test_same_as_single_machine_geographic(tmp_path: Path, client: distributed.Client) -> None:
    transform = Affine(1e-4, 0.0, 120.3, 0.0, -1e-4, 31.6)
    raster = _write(tmp_path / "lc4326.tif", "EPSG:4326", transform)
    zones = _zones("EPSG:4326", transform).to_crs("EPSG:4549")
    progress: list[tuple[int, int]] = []
    table = zonal_class_areas_dask(
        raster, zones, "adcode", scheduler=client.scheduler.address, chunks=3,
        progress=lambda done, total: progress.append((done, total)),
    )  # fmt: skip
    _assert_same(zonal_class_areas(raster, zones, "adcode"), table)
    assert table.geographic
    assert progress[0][0] == 0 and progress[-1][0] == progress[-1][1] > 0


def test_errors_raised_before_any_task(tmp_path: Path, client: distributed.Client) -> None:
    raster = _write(tmp_path / "lc.tif", "EPSG:4549", TRANSFORM)
    far = gpd.GeoDataFrame({"adcode": ["x"]}, geometry=[shapely.box(0, 0, 10, 10)], crs="EPSG:4549")
    with pytest.raises(CRSError, match="does not overlap"):
        zonal_class_areas_dask(raster, far, "adcode", scheduler=client)
    with pytest.raises(ValueError, match="chunks"):
        zonal_class_areas_dask(raster, far, "adcode", scheduler=client, chunks=0)


def test_strategy_binds_the_scheduler(tmp_path: Path, client: distributed.Client) -> None:
    raster = _write(tmp_path / "lc.tif", "EPSG:4549", TRANSFORM)
    zones = _zones("EPSG:4549", TRANSFORM)
    assert zonal_strategy(None) is zonal_class_areas
    _assert_same(zonal_class_areas(raster, zones), zonal_strategy(client, chunks=2)(raster, zones))


def test_local_cluster_per_call(tmp_path: Path) -> None:
    raster = _write(tmp_path / "lc.tif", "EPSG:4549", TRANSFORM)
    zones = _zones("EPSG:4549", TRANSFORM)
    table = zonal_class_areas_dask(raster, zones, scheduler="local", n_workers=1, processes=False, chunks=8)
    _assert_same(zonal_class_areas(raster, zones), table)


def test_bands_on_one_machine_give_the_same_areas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A raster whose zones have a long perimeter is processed in bands of chunk rows, one at a time."""
    from wuxi_atlas.analysis.zonal import planning

    raster = _write(tmp_path / "lc.tif", "EPSG:4549", TRANSFORM)
    zones = _zones("EPSG:4549", TRANSFORM)
    whole = zonal_class_areas(raster, zones)
    whole_continuous = zonal_continuous(raster, zones)
    monkeypatch.setattr(planning, "_BAND_PERIMETER_PIXELS", 50)
    progress: list[tuple[int, int]] = []
    banded = zonal_class_areas(raster, zones, progress=lambda done, total: progress.append((done, total)))
    _assert_same(whole, banded)
    assert progress[-1][0] == progress[-1][1] and [d for d, _ in progress] == sorted(d for d, _ in progress)
    for want, got in zip(whole_continuous.zones, zonal_continuous(raster, zones).zones, strict=True):
        for name in ("weighted_sum", "weighted_count", "mean", "zone_area_m2", "valid_area_m2"):
            assert getattr(got, name) == pytest.approx(getattr(want, name), rel=1e-9), (want.zone_id, name)
