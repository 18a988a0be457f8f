"""Exact zonal class areas on a Dask cluster, for rasters larger than one machine wants to read alone.

The computation is :func:`analysis.zonal.zonal_class_areas`, cut along the raster's internal tiles: the
tiles are grouped into near-square regions of about ``chunks`` tiles, and each region is one task.
A task opens the raster itself (so the path must be readable from every worker: a shared file system,
or a GDAL URL such as ``/vsis3/…`` or ``/vsicurl/…``), lays the zones that touch its region on the
region's pixel grid with the same exact coverage (Green's theorem, interior runs plus boundary
corrections), reads its tiles once and returns per-zone class areas. The client sums them. Only
polygons travel to the workers and only ``(zone, class, m²)`` triples come back, so the client never
holds pixels, and a worker holds one tile and the coverage of one region at a time.

Results equal the single-machine engine's up to the order of floating-point summation (the tests hold
them to 1e-9, relative). Dask is imported only when a function here is called (``pip install
"wuxi-carbon-peak-atlas[dask]"``).

Examples
--------
>>> from analysis.zonal.distributed import zonal_class_areas_dask
>>> table = zonal_class_areas_dask("landcover.tif", districts, "adcode")  # doctest: +SKIP
>>> table = zonal_class_areas_dask("/vsis3/bucket/china_10m.tif", counties, "adcode",
...                                scheduler="tcp://scheduler:8786", chunks=256)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np

from wuxi_atlas.analysis.zonal.counting import class_table, concatenated, count_region_classes
from wuxi_atlas.analysis.zonal.ground_area import pixel_areas
from wuxi_atlas.analysis.zonal.planning import Region, chunk_windows, plan_region, region_zones, split_regions
from wuxi_atlas.analysis.zonal.tables import ClassAreaTable, Progress, ZonalFunction
from wuxi_atlas.analysis.zonal.zones import ZoneSet, open_raster, prepare_zones

if TYPE_CHECKING:
    import geopandas as gpd
    from distributed import Client
    from numpy.typing import NDArray

__all__ = ["DEFAULT_CHUNKS", "zonal_class_areas_dask", "zonal_strategy"]

# Tiles per task: 64 tiles of 512 × 512 are 16.8 Mpx, about a second of work and a few MB of memory.
DEFAULT_CHUNKS = 64


def zonal_class_areas_dask(
    raster_path: str | PathLike[str],
    zones: gpd.GeoDataFrame | ZoneSet,
    zone_id: str = "adcode",
    *,
    band: int = 1,
    scheduler: str | Client = "local",
    chunks: int = DEFAULT_CHUNKS,
    n_workers: int | None = None,
    processes: bool = True,
    progress: Progress | None = None,
) -> ClassAreaTable:
    """Area in m² of each class code inside each zone, computed on a Dask cluster.

    Same result as :func:`analysis.zonal.zonal_class_areas` (to floating-point summation order).

    Parameters
    ----------
    raster_path
        A categorical raster readable from every worker (local path on a shared file system, or a GDAL
        virtual path such as ``/vsis3/bucket/key.tif``). Tiled GeoTIFFs/COGs split best.
    zones, zone_id, band
        As in :func:`analysis.zonal.zonal_class_areas`.
    scheduler
        ``"local"`` starts a ``LocalCluster`` for this call; a scheduler address
        (``"tcp://host:8786"``) or a ``distributed.Client`` uses that cluster.
    chunks
        About how many of the raster's internal tiles one task reads (grouped as a near-square block).
    n_workers, processes
        For ``scheduler="local"`` only: number of single-threaded workers (default: CPU count) and
        whether they are processes (``False``: threads in this process, light for tests).
    progress
        Called with ``(tiles_done, tiles_total)`` as tasks finish.

    Returns
    -------
    ClassAreaTable
        Coverage-weighted class areas per zone.

    Raises
    ------
    CRSError, BoundaryError, DataFileError, LayerReadError
        As :func:`analysis.zonal.zonal_class_areas`, raised on the client before any task runs (or, for
        a file the workers cannot read, when the first task fails).
    """
    if chunks < 1:
        raise ValueError(f"chunks must be at least 1 tile per task, not {chunks}")
    with open_raster(raster_path) as src:
        prepared = prepare_zones(src, zones, zone_id, band)
        grid, windows = chunk_windows(src, band)
        nodata = src.nodatavals[band - 1]
    # Near-square groups of about ``chunks`` tiles: the least perimeter (clipping, edges) per pixel.
    side_c = max(1, min(grid.n_chunk_cols, round(math.sqrt(chunks))))
    side_r = max(1, min(grid.n_chunk_rows, chunks // side_c))
    tasks = list(region_zones(prepared.geoms_pix, split_regions(grid, windows, side_r, side_c)))
    total_tiles = sum(n for region, _ in tasks for _, _, n in region.windows)
    n_zones = len(prepared.zones.ids)
    zone_area = np.zeros(n_zones)
    parts: list[tuple[NDArray[np.int64], NDArray[Any], NDArray[np.float64]]] = []
    path = str(raster_path)
    with _client(scheduler, n_workers, processes) as client:
        from distributed import as_completed

        futures = [
            client.submit(
                _count_region,
                path,
                band,
                region,
                prepared.geoms_pix[zone_index],
                pure=False,
            )
            for region, zone_index in tasks
        ]
        task_of = {future.key: k for k, future in enumerate(futures)}
        done_tiles = 0
        if progress is not None:
            progress(0, total_tiles)
        for future in as_completed(futures):
            region, zone_index = tasks[task_of[future.key]]
            area_here, zone, code, area = future.result()
            zone_area[zone_index] += area_here
            parts.append((zone_index[zone], code, area))
            future.release()
            done_tiles += sum(n for _, _, n in region.windows)
            if progress is not None:
                progress(done_tiles, total_tiles)
    if n_zones and not np.any(zone_area > 0):
        raise prepared.no_overlap()
    return class_table(prepared, zone_area, nodata, *concatenated(parts), path)


def zonal_strategy(
    scheduler: str | Client | None, *, chunks: int = DEFAULT_CHUNKS, n_workers: int | None = None
) -> ZonalFunction:
    """The zonal function the indicators should use: the single-machine engine for ``None``, else the
    Dask one bound to ``scheduler`` (``"local"`` or an address)."""
    if scheduler is None:
        from wuxi_atlas.analysis.zonal import zonal_class_areas

        return zonal_class_areas

    def zonal(
        raster_path: str | PathLike[str],
        zones: gpd.GeoDataFrame | ZoneSet,
        zone_id: str = "adcode",
        *,
        band: int = 1,
        progress: Progress | None = None,
    ) -> ClassAreaTable:
        return zonal_class_areas_dask(
            raster_path,
            zones,
            zone_id,
            band=band,
            scheduler=scheduler,
            chunks=chunks,
            n_workers=n_workers,
            progress=progress,
        )

    return zonal


def _count_region(
    raster_path: str, band: int, region: Region, geoms_pix: NDArray[np.object_]
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[Any], NDArray[np.float64]]:
    """One task: open the raster, lay the zones on the region, count its tiles (zone indices local)."""
    with open_raster(raster_path) as src:
        # Measured again in the task (a few milliseconds): the same grid gives the same areas.
        areas = pixel_areas(src.transform, src.crs, src.height, src.width)
        rplan = plan_region(geoms_pix, areas, region)
        return count_region_classes(src, band, rplan, areas)


@contextlib.contextmanager
def _client(scheduler: str | Client, n_workers: int | None, processes: bool) -> Iterator[Client]:
    """A client on the requested scheduler; a local cluster lives only as long as the call."""
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler != "local":
        with Client(scheduler) as client:
            yield client
        return
    import os

    workers = n_workers or max(1, min(os.cpu_count() or 1, 8))
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
            # Each worker holds one tile and one region's coverage; keep Dask's own spill logic quiet.
            memory_limit=0,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
