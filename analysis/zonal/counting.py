"""The counting kernels: each chunk of a region read once and its pixels counted per zone and class.

Each chunk costs one ``np.bincount`` over ``zone_label·n_classes + class`` for the interior runs of its
plan (:mod:`analysis.zonal.planning`), plus a small gather for the boundary corrections. Pixels of equal
area are counted, then scaled; on other grids each pixel weighs its own ground area
(:mod:`analysis.zonal.ground_area`). :func:`count_region_classes` is the whole computation of one task
on a cluster, and of the single pass on one machine; :func:`class_table` sums what the regions return.
"""

from __future__ import annotations

import functools
import math
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from wuxi_atlas.analysis.errors import DataFileError, LayerReadError
from wuxi_atlas.analysis.zonal.ground_area import PixelAreas
from wuxi_atlas.analysis.zonal.planning import ChunkWork, RegionPlan, compact
from wuxi_atlas.analysis.zonal.tables import ClassAreaTable, Progress, ZoneClassAreas

if TYPE_CHECKING:
    import rasterio
    from numpy.typing import NDArray

    from wuxi_atlas.analysis.zonal.zones import Prepared

__all__ = ["add_continuous", "class_table", "concatenated", "count_region_classes"]

# A single pass reads each tile once, so GDAL's block cache only costs memory (MB).
_GDAL_CACHE_MB = 16
# Above this many (label × class) bins a block falls back to compacting its class codes first.
_MAX_DIRECT_BINS = 1 << 22
# Interleaved copies of the count table in a block's bincount (see _count_keys), for small tables.
_LANES = 4
_MAX_LANED_BINS = 1 << 16
# Chunks the reader thread may decode ahead of the one being counted (each about one 512² block).
_READ_AHEAD = 2


def _needs_mask(src: rasterio.DatasetReader, band: int) -> bool:
    """Whether validity comes from a mask band (alpha or per-dataset), not only a nodata value."""
    from rasterio.enums import MaskFlags

    flags = src.mask_flag_enums[band - 1]
    return MaskFlags.per_dataset in flags or MaskFlags.alpha in flags


def _iter_chunks(
    src: rasterio.DatasetReader,
    rplan: RegionPlan,
    areas: PixelAreas,
    band: int,
    progress: Progress | None,
) -> Iterator[tuple[ChunkWork, NDArray[Any], NDArray[np.bool_] | None, _ChunkAreas, int, int]]:
    """Yield each chunk of a region that touches a zone with its pixels, mask (or None) and pixel areas.

    ``areas`` covers the whole raster; pixel positions in the yielded work are relative to the chunk.

    GDAL releases the GIL while it decodes, so one reader thread decodes the next chunks
    (:data:`_READ_AHEAD` at most) while the caller counts this one: the pass takes about the longer of
    decoding and counting, not their sum. The thread alone touches the dataset while the pass runs, and
    reads the chunks in order, one at a time; the counts are the same as reading them here.
    """
    import rasterio

    region = rplan.region
    total = sum(n for _, _, n in region.windows)
    done = reported = 0
    use_mask = _needs_mask(src, band)
    if progress is not None:
        progress(0, total)
    # (work, window, blocks done once it is counted, its decode under way or done)
    pending: deque[tuple[ChunkWork, Any, int, Future[tuple[NDArray[Any], NDArray[np.bool_] | None]]]] = (
        deque()
    )

    def counted() -> Iterator[
        tuple[ChunkWork, NDArray[Any], NDArray[np.bool_] | None, _ChunkAreas, int, int]
    ]:
        """The oldest pending chunk, decoded (a decoding error is raised here), then its progress."""
        work, window, blocks_done, decoding = pending.popleft()
        data, mask = decoding.result()
        row_off, col_off = int(window.row_off), int(window.col_off)
        h, w = int(window.height), int(window.width)
        yield work, data, mask, _ChunkAreas(areas, row_off, col_off, h, w), h, w
        report(blocks_done)

    def report(blocks_done: int) -> None:
        nonlocal reported
        if progress is not None:
            progress(blocks_done, total)
        reported = blocks_done

    # The GDAL options are the process's while the block is open: they hold for the reader thread too.
    with rasterio.Env(GDAL_CACHEMAX=_GDAL_CACHE_MB), ThreadPoolExecutor(1, "zonal-read") as reader:
        try:
            for chunk, window, n_blocks in region.windows:
                done += n_blocks
                row_off, col_off = int(window.row_off), int(window.col_off)
                h, w = int(window.height), int(window.width)
                work = rplan.plan.work(chunk, row_off - region.row_off, col_off - region.col_off, h, w)
                if not work.empty:
                    decoding = reader.submit(_read_window, src, band, window, use_mask)
                    pending.append((work, window, done, decoding))
                elif not pending:
                    report(done)
                if len(pending) > _READ_AHEAD:
                    yield from counted()
            while pending:
                yield from counted()
            if reported < total:
                report(total)
        finally:
            # Stopped early (an error while counting): decode nothing more than what is under way.
            for *_, decoding in pending:
                decoding.cancel()


def _read_window(
    src: rasterio.DatasetReader, band: int, window: Any, use_mask: bool
) -> tuple[NDArray[Any], NDArray[np.bool_] | None]:
    """One window's pixels and validity mask; a block GDAL cannot decode is an error naming the file."""
    from rasterio.errors import RasterioError

    try:
        data = src.read(band, window=window)
        mask = src.read_masks(band, window=window) > 0 if use_mask else None
    except RasterioError as exc:
        reason = str(exc.__cause__ if exc.__cause__ is not None else exc)
        raise LayerReadError(
            f"{src.name}: cannot read the pixels at rows {int(window.row_off):,}–"
            f"{int(window.row_off + window.height):,}, columns {int(window.col_off):,}–"
            f"{int(window.col_off + window.width):,} ({reason}); the file is truncated or damaged. "
            "`geoplan check landcover FILE` decodes every block of a raster before it is used"
        ) from exc
    return data, mask


def _class_keys(
    data: NDArray[Any], mask: NDArray[np.bool_] | None
) -> tuple[NDArray[Any], NDArray[Any], int | None]:
    """Map pixels to small class indices: (index per pixel, code of each index, index of invalid pixels).

    8-bit data is its own index (no pass at all); other data is compacted with ``np.unique``. Invalid
    pixels (masked or NaN) get one extra index, whose counts are dropped.
    """
    if data.dtype == np.uint8 and mask is None:
        return data.ravel(), np.arange(256), None
    flat = data.ravel()
    invalid = np.zeros(flat.shape, dtype=bool) if mask is None else ~mask.ravel()
    if np.issubdtype(flat.dtype, np.floating):
        invalid |= np.isnan(flat)
    codes, index = np.unique(np.where(invalid, 0, flat), return_inverse=True)
    index = index.ravel()
    if invalid.any():
        index = np.where(invalid, len(codes), index)
        return index, np.append(codes, 0), len(codes)
    return index, codes, None


@dataclass(frozen=True)
class _ChunkAreas:
    """The pixel areas (m²) of one chunk at ``(row_off, col_off)``; positions relative to the chunk."""

    areas: PixelAreas
    row_off: int
    col_off: int
    h: int
    w: int

    @property
    def uniform(self) -> float | None:
        return self.areas.uniform

    def pixels(self) -> NDArray[np.float64]:
        """Every pixel's area, row-major, as a flat array."""
        return self.areas.block(self.row_off, self.col_off, self.h, self.w).ravel()

    def at(self, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.float64]:
        return self.areas.at(rows + self.row_off, cols + self.col_off)


def _count_keys(
    values: NDArray[np.int64],
    lengths: NDArray[np.int64],
    index: NDArray[Any],
    n_labels: int,
    n_codes: int,
    weights: NDArray[np.float64] | None,
) -> NDArray[np.float64]:
    """Pixels (or weights) per (label, class index), as an ``n_labels × n_codes`` array.

    The labels are runs: ``values`` repeated ``lengths`` times, alternating gap (label 0, not counted)
    and run. Only pixels between the first and last run are keyed, or, when the runs cover little of
    the block (small zones), only the runs' pixels, gathered. Neighbouring pixels mostly share a class,
    so a plain ``np.bincount`` keeps adding to one counter and waits on its own last store; pixel ``k``
    goes to copy ``k mod _LANES`` of the table instead, and the copies are summed. Row 0 (gaps) of the
    result is not meaningful.
    """
    n_bins = n_labels * n_codes
    lanes = _LANES if n_bins <= _MAX_LANED_BINS else 1
    key_type = np.min_scalar_type(n_bins * lanes)
    run_lengths = lengths[1::2]
    covered = int(run_lengths.sum())
    if covered * 4 < len(index):
        run_starts = np.cumsum(lengths)[0:-1:2]
        at = np.repeat(run_starts - (np.cumsum(run_lengths) - run_lengths), run_lengths) + np.arange(covered)
        key = np.repeat((values[1::2] * n_codes).astype(key_type), run_lengths)
        np.add(key, index[at], out=key, casting="unsafe")
        weights = None if weights is None else weights[at]
    else:
        first, end = int(lengths[0]), len(index) - int(lengths[-1])
        key = np.repeat((values[1:-1] * n_codes).astype(key_type), lengths[1:-1])
        np.add(key, index[first:end], out=key, casting="unsafe")
        weights = None if weights is None else weights[first:end]
    if lanes > 1:
        np.multiply(key, lanes, out=key, casting="unsafe")
        capacity = 1 << max(18, (len(key) - 1).bit_length())
        np.add(key, _lane_of_pixel(key_type, lanes, capacity)[: len(key)], out=key)
    counted = np.bincount(key, weights=weights, minlength=n_bins * lanes)
    return counted.reshape(n_labels, n_codes, lanes).sum(axis=2, dtype=np.float64)


@functools.lru_cache(maxsize=8)
def _lane_of_pixel(dtype: np.dtype[Any], lanes: int, capacity: int) -> NDArray[Any]:
    """``0, 1, …, lanes − 1`` repeated to ``capacity`` (made once, sliced for each block)."""
    lane = np.resize(np.arange(lanes, dtype=dtype), capacity)
    lane.flags.writeable = False
    return lane


def _count_classes(
    index: NDArray[Any], weights: NDArray[np.float64] | None, n_codes: int, likely: NDArray[np.intp]
) -> NDArray[np.float64]:
    """Pixels per class index; tries the few classes seen so far first.

    Land cover has about ten classes, and ten vectorised comparisons cost about a third of one
    ``np.bincount`` over 8-bit data (which first widens every pixel to 64 bits). If the likely
    classes do not account for every pixel, fall back to ``np.bincount``.
    """
    if weights is None and 0 < len(likely) <= 16:
        counts = np.zeros(n_codes)
        as_pixel_type = index.dtype.type
        for code_index in likely:
            # Compare in the pixels' own type: a Python/intp scalar would widen every pixel first.
            counts[code_index] = np.count_nonzero(index == as_pixel_type(code_index))
        if counts.sum() == index.size:
            return counts
    return np.bincount(index, weights=weights, minlength=n_codes).astype(np.float64, copy=False)


def count_region_classes(
    src: rasterio.DatasetReader,
    band: int,
    rplan: RegionPlan,
    areas: PixelAreas,
    progress: Progress | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[Any], NDArray[np.float64]]:
    """Class areas of one region: ``(zone_area, zone, code, area)``, the last three as flat entries.

    ``zone_area`` is each zone's on-grid area inside the region (m²); the entries may repeat a
    ``(zone, code)`` pair and include nodata codes, both of which :func:`class_table` resolves. This is
    the whole computation of one task on a cluster, and of the single pass on one machine.
    """
    out_zone: list[NDArray[np.int64]] = []
    out_code: list[NDArray[Any]] = []
    out_area: list[NDArray[np.float64]] = []
    seen_codes: NDArray[np.intp] = np.zeros(0, dtype=np.intp)
    for work, data, mask, chunk_areas, h, w in _iter_chunks(src, rplan, areas, band, progress):
        index, codes, invalid_index = _class_keys(data, mask)
        if len(seen_codes) and seen_codes[-1] >= len(codes):
            seen_codes = np.zeros(0, dtype=np.intp)
        n_codes = len(codes)
        # Pixels of equal area are counted, then scaled; others weigh their own area.
        pixel_weights = None if chunk_areas.uniform is not None else chunk_areas.pixels()
        for zones_here, values, lengths in work.labels:
            n_labels = len(zones_here) + 1
            if n_labels * n_codes > _MAX_DIRECT_BINS:
                raise DataFileError(
                    f"{src.name}: too many distinct values ({n_codes}) in a block for a categorical"
                    " raster; is it a continuous raster?"
                )
            bins: NDArray[np.float64] = np.zeros((n_labels, n_codes))
            if n_labels == 2 and int(lengths[1::2].sum()) == h * w:
                # The chunk lies wholly in one zone: the class index alone is the key.
                bins[1] = _count_classes(index, pixel_weights, n_codes, seen_codes)
                seen_codes = np.flatnonzero(bins[1])
            else:
                bins = _count_keys(values, lengths, index, n_labels, n_codes, pixel_weights)
            if chunk_areas.uniform is not None:
                bins = bins * chunk_areas.uniform
            if invalid_index is not None:
                bins[:, invalid_index] = 0.0
            zl, ci = np.nonzero(bins[1:])
            out_zone.append(zones_here[zl])
            out_code.append(codes[ci])
            out_area.append(bins[1:][zl, ci])
        if len(work.fix_row):
            at = index[work.fix_row * w + work.fix_col]
            area = work.fix_frac * chunk_areas.at(work.fix_row, work.fix_col)
            if invalid_index is not None:
                area = np.where(at == invalid_index, 0.0, area)
            # Hundreds of corrections per chunk, but few (zone, class) pairs: sum them here.
            fix_zones, fix_local = compact(work.fix_zone, len(rplan.zone_area))
            summed = np.bincount(
                fix_local.ravel() * n_codes + at, weights=area, minlength=len(fix_zones) * n_codes
            ).astype(np.float64, copy=False)
            pair = np.flatnonzero(summed)
            out_zone.append(fix_zones[pair // n_codes])
            out_code.append(codes[pair % n_codes])
            out_area.append(summed[pair])
    if not out_zone:
        return rplan.zone_area, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return rplan.zone_area, np.concatenate(out_zone), np.concatenate(out_code), np.concatenate(out_area)


def concatenated(
    parts: list[tuple[NDArray[np.int64], NDArray[Any], NDArray[np.float64]]],
) -> tuple[NDArray[np.int64], NDArray[Any], NDArray[np.float64]]:
    """Flat ``(zone, code, area)`` entries of several regions as one set of arrays."""
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    zone, code, area = zip(*parts, strict=True)
    return np.concatenate(zone), np.concatenate(code), np.concatenate(area)


def class_table(
    prepared: Prepared,
    zone_area: NDArray[np.float64],
    nodata: float | None,
    zone: NDArray[np.int64],
    code: NDArray[Any],
    area: NDArray[np.float64],
    raster_path: str,
) -> ClassAreaTable:
    """Sum flat ``(zone, code, area)`` entries into the result table, leaving nodata out."""
    n_zones = len(prepared.zones.ids)
    per_zone: list[dict[int, float]] = [{} for _ in range(n_zones)]
    valid_area = np.zeros(n_zones)
    # Boundary corrections are sums of ± terms; rounding leaves crumbs of ~1e-13 pixel that are noise.
    crumb = 1e-9 * prepared.areas.max()
    if len(zone):
        keep = np.ones(len(code), dtype=bool) if nodata is None else code != nodata
        if np.issubdtype(code.dtype, np.floating):
            keep &= ~np.isnan(code)
            if np.any(keep & (code != np.round(code))):
                raise DataFileError(f"{raster_path}: a categorical raster must hold whole-number class codes")
        zone, code, area = zone[keep], code[keep].astype(np.int64), area[keep]
        # Codes are small non-negative integers in every shipped scheme: then a direct bincount.
        low, high = (int(code.min()), int(code.max())) if len(code) else (0, 0)
        if low >= 0 and n_zones * (high + 1) <= _MAX_DIRECT_BINS:
            all_codes, code_index = np.arange(high + 1), code
        else:
            all_codes, code_index = np.unique(code, return_inverse=True)
        n_codes = len(all_codes)
        summed = np.bincount(zone * n_codes + code_index.ravel(), weights=area, minlength=n_zones * n_codes)
        z_nz, c_nz = np.nonzero(summed.reshape(n_zones, n_codes) > crumb)
        for z, c in zip(z_nz.tolist(), c_nz.tolist(), strict=True):
            per_zone[z][int(all_codes[c])] = float(summed[z * n_codes + c])
        valid_area = np.array([sum(d.values()) for d in per_zone])
    results = tuple(
        ZoneClassAreas(
            zone_id=zid,
            class_area_m2=dict(sorted(per_zone[i].items())),
            zone_area_m2=float(zone_area[i]),
            valid_area_m2=float(valid_area[i]),
            polygon_area_m2=float(prepared.polygon_area[i]),
        )
        for i, zid in enumerate(prepared.zones.ids)
    )
    return ClassAreaTable(
        zones=results,
        raster_crs=prepared.crs_text,
        raster_path=raster_path,
        pixel_size=prepared.pixel_size,
        geographic=prepared.geographic,
    )


def add_continuous(
    totals: NDArray[np.float64],
    zone_index: NDArray[np.intp],
    src: rasterio.DatasetReader,
    rplan: RegionPlan,
    areas: PixelAreas,
    band: int,
    nodata: float | None,
    progress: Progress | None,
) -> None:
    """Add one region's Σ f·v, Σ f, Σ f·A·v and Σ f·A per zone to ``totals`` (rows 0–3)."""
    for work, data, mask, chunk_areas, _h, w in _iter_chunks(src, rplan, areas, band, progress):
        flat = data.ravel()
        valid = np.ones(flat.shape, dtype=bool) if mask is None else mask.ravel()
        if nodata is not None and not (isinstance(nodata, float) and math.isnan(nodata)):
            valid &= flat != nodata
        if np.issubdtype(flat.dtype, np.floating):
            valid &= ~np.isnan(flat)
        values = np.where(valid, flat, 0).astype(np.float64)
        pixel_area = chunk_areas.pixels()
        for zones_here, label_values, lengths in work.labels:
            label = np.repeat(label_values, lengths)
            n_labels = len(zones_here) + 1
            for k, weights in enumerate(
                (values, valid.astype(np.float64), values * pixel_area, valid * pixel_area)
            ):
                totals[k, zone_index[zones_here]] += np.bincount(label, weights=weights, minlength=n_labels)[
                    1:
                ]
        if len(work.fix_row):
            at = work.fix_row * w + work.fix_col
            frac = work.fix_frac
            a = chunk_areas.at(work.fix_row, work.fix_col)
            for k, weights in enumerate(
                (frac * values[at], frac * valid[at], frac * a * values[at], frac * a * valid[at])
            ):
                np.add.at(totals[k], zone_index[work.fix_zone], weights)
