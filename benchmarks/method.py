"""One benchmark method in one fresh process: ``python benchmarks/method.py METHOD RASTER ZONES OUT``.

Run by ``benchmarks/run.py``, which times the whole process (interpreter start and imports included)
and reads its peak RSS. This script imports only what ``METHOD`` needs, inside the method, so each
method pays for its own imports. It writes ``OUT`` (JSON): the in-process call time in seconds and the
tree + shrub share (% of the zone's valid, coverage-weighted area) of every zone.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

# WorldCover (the demo rasters' scheme): 10 tree cover, 20 shrubland, the 林木覆盖率 proxy's classes.
WOODY = (10, 20)

Shares = dict[str, float | None]


def _share(woody: float, valid: float) -> float | None:
    return 100.0 * woody / valid if valid > 0 else None


def floor(raster: str, zones: str, zone_id: str, options: dict[str, Any]) -> tuple[float, Shares, dict]:
    """Read and decode every block once, no statistics: what any method must at least pay."""
    import rasterio

    start = time.perf_counter()
    pixels = 0
    with rasterio.Env(GDAL_CACHEMAX=16), rasterio.open(raster) as src:
        for _, window in src.block_windows(1):
            pixels += src.read(1, window=window).size
    return time.perf_counter() - start, {}, {"pixels": pixels}


def geoplan(raster: str, zones: str, zone_id: str, options: dict[str, Any]) -> tuple[float, Shares, dict]:
    """The engine as analysis.forest uses it."""
    import geopandas as gpd
    import rasterio  # noqa: F401  (imported lazily by the engine; paid before the clock, as in floor)

    from wuxi_atlas.analysis.zonal import zonal_class_areas

    frame = gpd.read_file(zones)
    start = time.perf_counter()
    table = zonal_class_areas(raster, frame, zone_id)
    call = time.perf_counter() - start
    return call, {z.zone_id: _share(z.area_of(set(WOODY)), z.valid_area_m2) for z in table.zones}, {}


def dask(raster: str, zones: str, zone_id: str, options: dict[str, Any]) -> tuple[float, Shares, dict]:
    """The same engine on a local Dask cluster of single-threaded worker processes."""
    import resource

    import geopandas as gpd
    from distributed import Client, LocalCluster

    from wuxi_atlas.analysis.zonal.distributed import zonal_class_areas_dask

    frame = gpd.read_file(zones)
    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=options["workers"],
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit=0,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.wait_for_workers(options["workers"])
        # Workers import the engine once, as on a long-lived cluster; that start-up is reported apart.
        client.run(lambda: __import__("wuxi_atlas.analysis.zonal.distributed") and __import__("rasterio"))
        started = time.perf_counter()
        table = zonal_class_areas_dask(raster, frame, zone_id, scheduler=client, chunks=options["chunks"])
        call = time.perf_counter() - started
        peak_kb = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    shares = {z.zone_id: _share(z.area_of(set(WOODY)), z.valid_area_m2) for z in table.zones}
    extra = {
        "cluster_start_s": started - start,  # cluster and worker imports, in the whole-process time
        "workers": options["workers"],
        "chunks": options["chunks"],
        "worker_peak_rss_mb": sorted(kb / 1024 for kb in peak_kb.values()),
    }
    return call, shares, extra


def exactextract(
    raster: str, zones: str, zone_id: str, options: dict[str, Any]
) -> tuple[float, Shares, dict]:
    """exactextract's per-class coverage-weighted fractions (``unique`` + ``frac``)."""
    import geopandas as gpd
    from exactextract import exact_extract

    frame = gpd.read_file(zones)
    start = time.perf_counter()
    result = exact_extract(raster, frame, ["unique", "frac"], include_cols=[zone_id], output="pandas")
    call = time.perf_counter() - start
    shares: Shares = {}
    for _, row in result.iterrows():
        fractions = dict(zip((int(u) for u in row["unique"]), row["frac"], strict=True))
        shares[str(row[zone_id])] = (
            100.0 * sum(fractions.get(code, 0.0) for code in WOODY) if len(fractions) else None
        )
    return call, shares, {}


def rasterstats(raster: str, zones: str, zone_id: str, options: dict[str, Any]) -> tuple[float, Shares, dict]:
    """rasterstats' categorical counts (a pixel counts wholly if its centre is inside)."""
    import geopandas as gpd
    from rasterstats import zonal_stats

    frame = gpd.read_file(zones)
    start = time.perf_counter()
    stats = zonal_stats(list(frame.geometry), raster, categorical=True)
    call = time.perf_counter() - start
    shares: Shares = {}
    for zid, counts in zip(frame[zone_id].astype(str), stats, strict=True):
        total = sum(counts.values())
        shares[zid] = _share(sum(counts.get(code, 0) for code in WOODY), total)
    return call, shares, {}


METHODS: dict[str, Callable[[str, str, str, dict[str, Any]], tuple[float, Shares, dict]]] = {
    "floor": floor,
    "geoplan": geoplan,
    "dask": dask,
    "exactextract": exactextract,
    "rasterstats": rasterstats,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("method", choices=sorted(METHODS))
    parser.add_argument("raster")
    parser.add_argument("zones")
    parser.add_argument("out")
    parser.add_argument("--zone-id", default="zone_id")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunks", type=int, default=64)
    args = parser.parse_args()
    options = {"workers": args.workers, "chunks": args.chunks}
    call, shares, extra = METHODS[args.method](args.raster, args.zones, args.zone_id, options)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"call_s": call, "shares": shares, "extra": extra}, out)


if __name__ == "__main__":
    main()
