"""Land-cover rasters: a local GeoTIFF (Cloud-Optimized or not) of class codes, checked with
:func:`read_landcover` before any indicator reads it.

The header is judged first (pixel count and block size, :mod:`layers.limits`; a georeference tied to
the earth), then every block is decoded once and the area checked against Wuxi
(:mod:`layers.raster_checks`), so that a file the indicators could not read is refused here, naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wuxi_atlas.analysis.errors import CRSError, LayerError, LayerReadError
from wuxi_atlas.analysis.sources import RasterSource
from wuxi_atlas.layers.limits import check_block_size, check_raster_size, is_trusted
from wuxi_atlas.layers.messages import listing, reader_boundary
from wuxi_atlas.layers.paths import local_file
from wuxi_atlas.layers.provenance import lower_keys, manifest_beside, raster_year, source_text, truthy
from wuxi_atlas.layers.raster_checks import check_crs_on_earth, check_overlaps_wuxi, scan_codes, uses_mask

__all__ = ["RASTER_SUFFIXES", "CheckedRaster", "check_landcover_file", "read_landcover", "unguessable_scheme"]

RASTER_SUFFIXES: tuple[str, ...] = (".tif", ".tiff")


def _tagged_scheme(file_name: str, tag: str) -> str:
    """The built-in scheme a ``SCHEME`` tag names; a tag never names a file (see :func:`read_landcover`)."""
    from wuxi_atlas.analysis.schemes import BUILTIN_SCHEMES

    name = tag.strip().lower()
    if name in BUILTIN_SCHEMES:
        return name
    raise LayerError(
        f"{file_name}: its SCHEME tag {tag!r} is not a known scheme; a tag may only name one of "
        f"{', '.join(BUILTIN_SCHEMES)}. A scheme file is accepted only from the command line "
        "(--scheme PATH): give the scheme there"
    )


def _caller_scheme(scheme: str | Path) -> str:
    """A scheme the caller chose: a built-in name as it is, a scheme file as its absolute path."""
    from wuxi_atlas.analysis.schemes import BUILTIN_SCHEMES, load_scheme

    loaded = load_scheme(scheme)
    return str(scheme) if str(scheme) in BUILTIN_SCHEMES else str(Path(loaded.path).resolve())


def unguessable_scheme(name: str, codes: list[int]) -> str:
    """Why the scheme of a raster holding ``codes`` is not guessed, and what to pass instead."""
    from wuxi_atlas.analysis.schemes import closest_scheme, scheme_candidates

    found = f"{name}: cannot tell the land-cover scheme from its codes {listing(codes, 20)}"
    candidates = scheme_candidates(codes)
    if len(candidates) > 1:
        why = f"they fit {len(candidates)} schemes: {', '.join(candidates)}"
    else:
        closest = closest_scheme(codes)
        why = "no built-in scheme defines all of them" + (
            f" ({closest[0]} lacks {listing(list(closest[1]), 10)})" if closest else ""
        )
    return f"{found}: {why}. Say which with --scheme NAME: a built-in scheme name or a scheme TOML file"


@reader_boundary
def read_landcover(
    path: str | Path, scheme: str | None = None, *, decode_blocks: bool = True
) -> RasterSource:
    """Check a land-cover GeoTIFF and say which class scheme it uses.

    Parameters
    ----------
    path : str or Path
        A local GeoTIFF (Cloud-Optimized or not) with one band of class codes and a CRS.
    scheme : str, optional
        The class scheme's name or file (see :mod:`analysis.schemes`), chosen by the caller (the
        command line's ``--scheme``, the catalog). By default the file's ``SCHEME`` tag, which may only
        name a built-in scheme (never a file: the raster is data), else the one built-in scheme the
        codes found in the raster can belong to (:func:`analysis.schemes.guess_scheme`): a raster whose
        codes fit several schemes, or none, is refused with the candidates named.
    decode_blocks : bool
        Decode every block now (the default, for ``geoplan check`` and the catalog). False leaves the
        blocks to the zonal pass that reads them, which refuses a block it cannot decode or a value that
        is no class code with the same messages, naming the file: an indicator run then decodes the
        raster once, not twice. Blocks are decoded anyway when the scheme must be guessed from the codes.

    Returns
    -------
    RasterSource
        ``scheme`` is a built-in name, or the absolute path of the caller's scheme file. ``year`` comes
        from the file's tags (``YEAR``, ``DATE`` …, ``TIFFTAG_DATETIME``), a ``MANIFEST.json`` next to
        it, or a year in its name (:func:`layers.provenance.raster_year`), never from the file's
        modification time; None when none says. ``synthetic`` comes from the ``SYNTHETIC`` tag or the
        manifest.

    Raises
    ------
    LayerReadError
        The file cannot be opened, a block cannot be decoded (truncated or damaged), or one internal
        block would decode to more than the limit (:mod:`layers.limits`).
    CRSError
        The raster has no georeference, or a CRS not tied to the earth (local/engineering).
    LayerError
        ``path`` is a GDAL virtual path or URL, the raster lies outside Wuxi, its values are not
        whole-number class codes, its ``SCHEME`` tag names no built-in scheme, or the scheme cannot be
        told from the codes (they fit several schemes, or none).

    Notes
    -----
    Every block is decoded once (see :mod:`layers.raster_checks`), so that a file the indicators
    could not read is refused here. Files the atlas wrote itself (read inside
    :func:`layers.limits.trusted`) skip that pass and the overlap test, which were done at import.
    """
    checked = check_landcover_file(path, scheme, decode_blocks=decode_blocks)
    scheme_name = checked.scheme
    if scheme_name is None:
        from wuxi_atlas.analysis.schemes import guess_scheme

        codes = list(checked.codes or ())
        scheme_name = guess_scheme(codes)
        if scheme_name is None:
            raise LayerError(unguessable_scheme(checked.path.name, codes))
    return checked.source(scheme_name)


@dataclass(frozen=True)
class CheckedRaster:
    """A land-cover GeoTIFF that passed every check of :func:`read_landcover`, before its scheme is
    guessed: what a mosaic of several such files (:mod:`layers.formats.tiles`) needs to know of each.

    ``scheme`` is the caller's or the file's tag (None: not yet known); ``codes`` the distinct valid class
    codes (None for a file the atlas wrote itself whose scheme is known: not scanned again). ``crs`` is
    the rasterio CRS, ``transform`` the affine geotransform, ``nodata`` the declared nodata value, and
    ``masked`` whether the file marks nodata with a mask band instead.
    """

    path: Path
    scheme: str | None
    codes: tuple[int, ...] | None
    year: int | None
    synthetic: bool
    seed: object
    crs: Any
    transform: Any
    width: int
    height: int
    dtype: str
    nodata: float | None
    block_shape: tuple[int, int]
    masked: bool

    def source(self, scheme: str) -> RasterSource:
        """The :class:`RasterSource` of this file read with ``scheme``."""
        return RasterSource(
            path=self.path,
            scheme=scheme,
            year=self.year,
            source=source_text(self.path.name, self.synthetic, self.seed),
            synthetic=self.synthetic,
        )


@reader_boundary
def check_landcover_file(
    path: str | Path, scheme: str | Path | None = None, *, decode_blocks: bool = True
) -> CheckedRaster:
    """Every check of :func:`read_landcover` but the scheme's guess; parameters and errors as there."""
    import rasterio
    from rasterio.errors import RasterioError

    local = local_file(path, RASTER_SUFFIXES, "a land-cover raster")
    notes: list[str] = []
    manifest = manifest_beside(local, notes)
    try:
        with rasterio.open(local) as dataset:
            # Opening reads only the header; refuse a huge (or lying) one before any pixel is read.
            check_raster_size(local.name, dataset.width, dataset.height, dataset.count)
            block_h, block_w = dataset.block_shapes[0]
            interleaved = dataset.count if dataset.profile.get("interleave") == "pixel" else 1
            check_block_size(local.name, block_h, block_w, interleaved, np.dtype(dataset.dtypes[0]).itemsize)
            if dataset.crs is None or dataset.transform.is_identity:
                raise CRSError(
                    f"{local.name}: raster has no georeference; its cells cannot be placed on the map. "
                    "Assign its CRS and transform (e.g. gdal_edit.py -a_srs EPSG:4549, or re-export it "
                    "from the source with them) and load it again"
                )
            check_crs_on_earth(local.name, dataset.crs)
            tags = lower_keys(dataset.tags())
            tag = str(tags.get("scheme") or "").strip()
            scheme_name = (
                _caller_scheme(scheme)
                if scheme is not None
                else _tagged_scheme(local.name, tag)
                if tag
                else None
            )
            codes = None
            if not is_trusted() or scheme_name is None:
                check_overlaps_wuxi(local.name, dataset)
                if decode_blocks or scheme_name is None:
                    codes = scan_codes(local.name, dataset)
            grid = {
                "crs": dataset.crs,
                "transform": dataset.transform,
                "width": dataset.width,
                "height": dataset.height,
                "dtype": dataset.dtypes[0],
                "nodata": dataset.nodata,
                "block_shape": (block_h, block_w),
                "masked": uses_mask(dataset),
            }
    except RasterioError as exc:
        # rasterio's "Read failed. See previous exception" keeps GDAL's reason in the cause.
        reason = str(exc.__cause__ if exc.__cause__ is not None else exc)
        raise LayerReadError(f"{local.name}: cannot read it as a raster ({reason})") from exc
    if codes is not None and codes.size == 0:
        raise LayerError(f"{local.name}: the raster holds no class codes (all nodata)")
    return CheckedRaster(
        path=local,
        scheme=scheme_name,
        codes=None if codes is None else tuple(int(code) for code in codes.tolist()),
        year=raster_year(tags, manifest, local.stem)[0],
        synthetic=truthy(tags.get("synthetic", False)) or truthy(manifest.get("synthetic", False)),
        seed=tags.get("seed", manifest.get("seed")),
        **grid,
    )
