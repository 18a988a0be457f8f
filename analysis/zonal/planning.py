"""How a pass over a raster is cut up: chunks, regions and the per-chunk plan of each region.

Chunks
    The raster is read along its internal tiles; full-width strips of an untiled GeoTIFF are read a few
    at a time (:func:`chunk_windows`).
Regions
    The unit of work is a *region*, a rectangle of whole chunks: the zones near it are shifted to its
    origin and cut a pixel beyond its edges, which leaves the fractions of its cells unchanged. One
    machine takes the whole raster as one region, or, when the zones' perimeter is long (many zones, a
    province), bands of chunk rows one after the other, so that memory stays bounded
    (:func:`planned_regions`); :mod:`analysis.zonal.distributed` runs regions of a few dozen tiles as
    tasks on a Dask cluster. Results agree to floating-point summation order.
Plans
    Within a region the zones' coverage (:mod:`analysis.zonal.coverage`) is cut at chunk edges and
    sorted by chunk, so that each chunk's share is a slice (:class:`Plan`). Zones may overlap (a city
    and its districts): they are split into layers whose runs do not overlap, and each layer is counted
    separately.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from wuxi_atlas.analysis.zonal.coverage import Coverage, clip_to_grid, exact_coverage
from wuxi_atlas.analysis.zonal.ground_area import PixelAreas
from wuxi_atlas.analysis.zonal.tables import Progress

if TYPE_CHECKING:
    import rasterio
    from numpy.typing import NDArray

    from wuxi_atlas.analysis.zonal.zones import Prepared

__all__ = [
    "ChunkWork",
    "Grid",
    "Plan",
    "Region",
    "RegionPlan",
    "band_regions",
    "chunk_windows",
    "compact",
    "plan_region",
    "planned_regions",
    "region_zones",
    "split_regions",
]

# Full-width strips shorter than this are read together, so that per-read overhead stays small.
_MIN_CHUNK_PIXELS = 1 << 20
# Laying zones on the grid takes ~300 bytes per pixel of perimeter while it runs, ~100 after. A raster
# is processed in bands of whole chunk rows, each laying about this many pixels of perimeter, so that
# memory stays bounded whatever the size of the raster or the number of zones.
_BAND_PERIMETER_PIXELS = 250_000


@dataclass(frozen=True)
class Grid:
    """A pixel grid of ``height × width`` read in chunks of ``chunk_h × chunk_w`` (its internal blocks)."""

    height: int
    width: int
    chunk_h: int
    chunk_w: int

    @property
    def n_chunk_cols(self) -> int:
        return -(-self.width // self.chunk_w)

    @property
    def n_chunk_rows(self) -> int:
        return -(-self.height // self.chunk_h)

    def chunk_of(self, row: NDArray[np.int64], col: NDArray[np.int64]) -> NDArray[np.int64]:
        return (row // self.chunk_h) * self.n_chunk_cols + col // self.chunk_w


def _layers(cover: Coverage, n_zones: int, width: int) -> NDArray[np.int64]:
    """Assign each zone a layer such that runs of one layer never overlap (greedy colouring)."""
    layer = np.zeros(n_zones, dtype=np.int64)
    if len(cover.run_row) == 0 or not _runs_overlap(cover.run_row, cover.run_c0, cover.run_c1, width):
        return layer
    # Candidate pairs from the runs' bounding boxes, confirmed on the runs themselves.
    box = np.full((n_zones, 4), np.nan)
    for k, (values, reducer) in enumerate(
        [(cover.run_c0, np.fmin), (cover.run_row, np.fmin), (cover.run_c1, np.fmax), (cover.run_row, np.fmax)]
    ):
        reducer.at(box[:, k], cover.run_zone, values.astype(np.float64))
    has_runs = ~np.isnan(box[:, 0])
    boxes = shapely.box(box[:, 0], box[:, 1], box[:, 2] - 0.5, box[:, 3] + 0.5)
    boxes[~has_runs] = None
    tree = shapely.STRtree(boxes)
    left, right = tree.query(boxes, predicate="intersects")
    candidate = left < right
    order = np.argsort(cover.run_zone, kind="stable")
    bounds = np.searchsorted(cover.run_zone[order], np.arange(n_zones + 1))
    conflicts: dict[int, set[int]] = {}
    for a, b in zip(left[candidate], right[candidate], strict=True):
        sel = np.concatenate([order[bounds[a] : bounds[a + 1]], order[bounds[b] : bounds[b + 1]]])
        if _runs_overlap(cover.run_row[sel], cover.run_c0[sel], cover.run_c1[sel], width):
            conflicts.setdefault(int(a), set()).add(int(b))
            conflicts.setdefault(int(b), set()).add(int(a))
    for zone in range(n_zones):
        taken = {int(layer[other]) for other in conflicts.get(zone, ()) if other < zone}
        layer[zone] = next(k for k in range(n_zones + 1) if k not in taken)
    return layer


def _runs_overlap(row: NDArray[np.int64], c0: NDArray[np.int64], c1: NDArray[np.int64], width: int) -> bool:
    order = np.lexsort((c0, row))
    start = row[order] * (width + 1) + c0[order]
    end = row[order] * (width + 1) + c1[order]
    reach = np.maximum.accumulate(end)
    return bool(np.any(start[1:] < reach[:-1]))


@dataclass(frozen=True)
class ChunkWork:
    """What one chunk needs: a label sequence per layer, and the boundary corrections."""

    labels: tuple[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]], ...]
    fix_row: NDArray[np.int64]
    fix_col: NDArray[np.int64]
    fix_zone: NDArray[np.int64]
    fix_frac: NDArray[np.float64]

    @property
    def empty(self) -> bool:
        return not self.labels and len(self.fix_row) == 0


class Plan:
    """Runs cut at chunk edges, and corrections, both sorted by chunk: each chunk's share is a slice."""

    def __init__(self, cover: Coverage, layer: NDArray[np.int64], grid: Grid) -> None:
        self.grid = grid
        self.n_zones = len(layer)
        self.n_layers = int(layer.max(initial=0)) + 1
        n_chunks = grid.n_chunk_rows * grid.n_chunk_cols
        # A run over several chunk columns becomes one piece per chunk.
        first_col = cover.run_c0 // grid.chunk_w
        pieces = (cover.run_c1 - 1) // grid.chunk_w - first_col + 1
        run = np.repeat(np.arange(len(pieces)), pieces)
        chunk_col = first_col[run] + np.arange(len(run)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        row, zone = cover.run_row[run], cover.run_zone[run]
        c0 = np.maximum(cover.run_c0[run], chunk_col * grid.chunk_w)
        c1 = np.minimum(cover.run_c1[run], (chunk_col + 1) * grid.chunk_w)
        key = layer[zone] * n_chunks + (row // grid.chunk_h) * grid.n_chunk_cols + chunk_col
        # By (layer, chunk), then position in the raster; pieces of one layer never share a pixel.
        order = np.argsort(key * (grid.height * grid.width) + row * grid.width + c0)
        self.run_key, self.run_row, self.run_zone = key[order], row[order], zone[order]
        self.run_c0, self.run_c1 = c0[order], c1[order]
        self.layer_keys = np.arange(self.n_layers) * n_chunks
        fix_chunk = grid.chunk_of(cover.fix_row, cover.fix_col)
        # Small integer keys sort by radix in O(n).
        sort_key = fix_chunk.astype(np.uint16) if fix_chunk.max(initial=0) < 1 << 16 else fix_chunk
        order = np.argsort(sort_key, kind="stable")
        # Corrections are the bulk of a plan (~1e6 per 1e9 px): positions are kept in 32 bits.
        self.fix_chunk = fix_chunk[order]  # searched per chunk: kept in the type of the search key
        self.fix_row, self.fix_col = (
            cover.fix_row[order].astype(np.int32),
            cover.fix_col[order].astype(np.int32),
        )
        self.fix_zone, self.fix_frac = cover.fix_zone[order].astype(np.int32), cover.fix_frac[order]

    def work(self, chunk: int, row_off: int, col_off: int, h: int, w: int) -> ChunkWork:
        labels = []
        starts = np.searchsorted(self.run_key, self.layer_keys + chunk)
        ends = np.searchsorted(self.run_key, self.layer_keys + chunk + 1)
        for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
            if hi == lo:
                continue
            c0, c1 = self.run_c0[lo:hi] - col_off, self.run_c1[lo:hi] - col_off
            flat_start = (self.run_row[lo:hi] - row_off) * w + c0
            flat_end = flat_start + (c1 - c0)
            zones, local = compact(self.run_zone[lo:hi], self.n_zones)
            # Alternating gap/run lengths, for one np.repeat that paints the chunk's labels.
            lengths = np.empty(2 * len(flat_start) + 1, dtype=np.int64)
            lengths[0] = flat_start[0]
            lengths[1:-1:2] = flat_end - flat_start
            lengths[2:-1:2] = flat_start[1:] - flat_end[:-1]
            lengths[-1] = h * w - flat_end[-1]
            values = np.zeros(len(lengths), dtype=np.int64)
            values[1::2] = local.ravel() + 1
            labels.append((zones, values, lengths))
        lo, hi = np.searchsorted(self.fix_chunk, [chunk, chunk + 1])
        return ChunkWork(
            labels=tuple(labels),
            fix_row=self.fix_row[lo:hi].astype(np.int64) - row_off,
            fix_col=self.fix_col[lo:hi].astype(np.int64) - col_off,
            fix_zone=self.fix_zone[lo:hi].astype(np.int64),
            fix_frac=self.fix_frac[lo:hi],
        )


def compact(ids: NDArray[np.int64], n_ids: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The distinct values of ``ids`` (all in ``[0, n_ids)``) and the index of each id among them.

    ``np.unique(ids, return_inverse=True)`` without its sort, when ``n_ids`` is small.
    """
    if n_ids > 1 << 12:
        distinct, local = np.unique(ids, return_inverse=True)
        return distinct, local.ravel()
    present = np.bincount(ids, minlength=n_ids) > 0
    return np.flatnonzero(present), (np.cumsum(present) - 1)[ids]


def chunk_windows(src: rasterio.DatasetReader, band: int) -> tuple[Grid, list[tuple[int, Any, int]]]:
    """Read windows along the internal blocks: (chunk id, window, blocks in it)."""
    from rasterio.windows import Window

    block_h, block_w = src.block_shapes[band - 1]
    height, width = src.height, src.width
    blocks = list(src.block_windows(band))
    if block_w >= width and block_h * width < _MIN_CHUNK_PIXELS:
        # Full-width strips (untiled GeoTIFFs): read several at once; memory stays one chunk.
        per_chunk = max(1, _MIN_CHUNK_PIXELS // (block_h * width))
        chunk_h = block_h * per_chunk
        grid = Grid(height, width, chunk_h, width)
        windows = []
        for k, row_off in enumerate(range(0, height, chunk_h)):
            h = min(chunk_h, height - row_off)
            windows.append((k, Window(0, row_off, width, h), -(-h // block_h)))
        return grid, windows
    grid = Grid(height, width, block_h, block_w)
    n_cols = grid.n_chunk_cols
    windows = [(int(w.row_off) // block_h * n_cols + int(w.col_off) // block_w, w, 1) for _, w in blocks]
    return grid, windows


@dataclass(frozen=True)
class Region:
    """A rectangle of whole chunks of the raster, at ``(row_off, col_off)``, with its own chunk grid.

    ``windows`` are ``(chunk id in this region's grid, window in the raster, blocks in it)``.
    """

    row_off: int
    col_off: int
    grid: Grid
    windows: tuple[tuple[int, Any, int], ...]


def _whole_region(grid: Grid, windows: list[tuple[int, Any, int]]) -> Region:
    return Region(0, 0, grid, tuple(windows))


def split_regions(grid: Grid, windows: list[tuple[int, Any, int]], side_r: int, side_c: int) -> list[Region]:
    """Group the chunks into rectangles of ``side_r × side_c`` chunks (smaller at the edges)."""
    n_rows, n_cols = grid.n_chunk_rows, grid.n_chunk_cols
    by_id = {chunk: (window, n_blocks) for chunk, window, n_blocks in windows}
    regions = []
    for cr0 in range(0, n_rows, side_r):
        for cc0 in range(0, n_cols, side_c):
            cr1, cc1 = min(cr0 + side_r, n_rows), min(cc0 + side_c, n_cols)
            row_off, col_off = cr0 * grid.chunk_h, cc0 * grid.chunk_w
            height = min(cr1 * grid.chunk_h, grid.height) - row_off
            width = min(cc1 * grid.chunk_w, grid.width) - col_off
            sub = Grid(height, width, grid.chunk_h, grid.chunk_w)
            region_windows = tuple(
                ((r - cr0) * sub.n_chunk_cols + (c - cc0), *by_id[r * n_cols + c])
                for r in range(cr0, cr1)
                for c in range(cc0, cc1)
                if r * n_cols + c in by_id
            )
            regions.append(Region(row_off, col_off, sub, region_windows))
    return regions


def band_regions(
    grid: Grid, windows: list[tuple[int, Any, int]], geoms_pix: NDArray[np.object_]
) -> list[Region]:
    """The whole raster as one region, or as bands of whole chunk rows when the zones' perimeter is long."""
    perimeter = float(
        np.sum(np.nan_to_num(shapely.length(geoms_pix)) + shapely.get_num_coordinates(geoms_pix))
    )
    n_bands = min(grid.n_chunk_rows, max(1, math.ceil(perimeter / _BAND_PERIMETER_PIXELS)))
    if n_bands == 1:
        return [_whole_region(grid, windows)]
    return split_regions(grid, windows, -(-grid.n_chunk_rows // n_bands), grid.n_chunk_cols)


def region_zones(
    geoms_pix: NDArray[np.object_], regions: list[Region]
) -> Iterator[tuple[Region, NDArray[np.intp]]]:
    """Each region that has chunks, with the zones whose bounding boxes reach within a pixel of it."""
    tree = shapely.STRtree(geoms_pix)
    for region in regions:
        if not region.windows:
            continue
        frame = shapely.box(
            region.col_off - 1,
            region.row_off - 1,
            region.col_off + region.grid.width + 1,
            region.row_off + region.grid.height + 1,
        )
        zone_index = np.sort(tree.query(frame))
        if len(zone_index):
            yield region, zone_index


@dataclass(frozen=True)
class RegionPlan:
    """The zones' exact coverage of one region, laid out per chunk; ``zone_area`` in m² per zone."""

    region: Region
    plan: Plan
    zone_area: NDArray[np.float64]


def plan_region(geoms_pix: NDArray[np.object_], areas: PixelAreas, region: Region) -> RegionPlan:
    """Coverage of the zones (pixel coordinates of the whole raster) inside ``region``.

    ``areas`` holds the pixel areas of the whole raster. On the whole raster this is the coverage
    itself; on a smaller region the polygons are shifted to its origin (exact: integer offsets) and cut
    a pixel beyond its edges, so the cells inside get the same fractions.
    """
    height, width = region.grid.height, region.grid.width
    if region.row_off or region.col_off:
        offset = np.array([region.col_off, region.row_off], dtype=np.float64)
        geoms_pix = np.asarray(shapely.transform(geoms_pix, lambda xy: xy - offset), dtype=object)
    geoms_pix = clip_to_grid(np.array(geoms_pix, dtype=object), height, width)
    cover = exact_coverage(geoms_pix, height, width)
    n_zones = len(geoms_pix)
    row_off, col_off = region.row_off, region.col_off
    run_area = areas.run_sums(cover.run_row + row_off, cover.run_c0 + col_off, cover.run_c1 + col_off)
    zone_area = np.bincount(cover.run_zone, weights=run_area, minlength=n_zones).astype(np.float64)
    fix_area = areas.at(cover.fix_row + row_off, cover.fix_col + col_off)
    zone_area += np.bincount(cover.fix_zone, weights=cover.fix_frac * fix_area, minlength=n_zones)
    plan = Plan(cover, _layers(cover, n_zones, width), region.grid)
    return RegionPlan(region, plan, zone_area)


def planned_regions(
    src: rasterio.DatasetReader, prepared: Prepared, band: int, progress: Progress | None
) -> Iterator[tuple[RegionPlan, NDArray[np.intp], Progress | None]]:
    """Plan the regions of one pass in turn: the whole raster, or bands of it when the zones' perimeter
    is long. Yields each plan, the zones it covers (indices into ``prepared``) and the progress callback
    for its chunks, counting over the whole raster."""
    grid, windows = chunk_windows(src, band)
    regions = list(region_zones(prepared.geoms_pix, band_regions(grid, windows, prepared.geoms_pix)))
    total = sum(n for region, _ in regions for _, _, n in region.windows)
    done = 0
    for region, zone_index in regions:
        rplan = plan_region(prepared.geoms_pix[zone_index], prepared.areas, region)
        yield rplan, zone_index, None if progress is None else _shifted(progress, done, total)
        done += sum(n for _, _, n in region.windows)


def _shifted(progress: Progress, done_before: int, total: int) -> Progress:
    """Progress of one region reported as progress of the whole raster."""
    return lambda done, _region_total: progress(done_before + done, total)
