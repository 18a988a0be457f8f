"""An uploaded file, as bytes and a name, turned into a staged layer: what the app's Data page calls.

The bytes are checked against the upload limit (:mod:`layers.limits`) before anything is written, then
written under a fresh folder of the caller's per-session directory (so two uploads never share a path,
and a path identifies one upload for the app's caches) and staged with :meth:`Catalog.stage`. Nothing
touches the catalog until :meth:`Catalog.commit`.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wuxi_atlas.analysis.errors import AtlasError, LayerError, LayerReadError
from wuxi_atlas.analysis.schemes import BUILTIN_SCHEMES, LAND_SURVEY_SCHEMES
from wuxi_atlas.analysis.sources import LAYER_KINDS
from wuxi_atlas.layers.catalog import Catalog, CatalogBackend, StagedLayer
from wuxi_atlas.layers.formats import RASTER_SUFFIXES, VECTOR_SUFFIXES
from wuxi_atlas.layers.formats.land_survey import is_land_survey
from wuxi_atlas.layers.limits import current_limits
from wuxi_atlas.layers.spec import get_spec

__all__ = ["LONLAT_DATUMS", "UploadOptions", "accepted_suffixes", "parse_column_map", "stage_upload"]

#: The datums a table's longitude/latitude may be in (``read_vector``'s ``lonlat_crs``).
LONLAT_DATUMS: tuple[str, ...] = ("wgs84", "cgcs2000", "gcj02", "bd09")
_UNSAFE_NAME = re.compile(r"[^\w.\-]+", re.UNICODE)


@dataclass(frozen=True)
class UploadOptions:
    """How to read an upload: the app's counterparts of the CLI's read options. ``lonlat_crs``
    (``--lonlat-crs``), ``encoding`` (``--encoding``), ``layer`` (``--layer``) and ``column_map``
    (``--map``, as :func:`parse_column_map` reads it) apply to vector files; ``scheme`` (``--scheme``) to
    land cover. None: declared, detected or guessed, as on the command line. ``year`` (``--year``) is the
    year the data describe, for a file that states none; None: the year the file states, else unknown."""

    lonlat_crs: str | None = None
    encoding: str | None = None
    scheme: str | None = None
    layer: str | None = None
    column_map: tuple[tuple[str, str], ...] = ()
    year: int | None = None


def parse_column_map(text: str) -> tuple[tuple[str, str], ...]:
    """``FILE_COL=FIELD`` pairs, one per line or separated by ``;``, as the app's column mapping box takes
    them (the CLI's ``--map``, repeated). A column name may hold ``=``: the last one separates.

    Examples
    --------
    >>> parse_column_map("充电枪数=piles; 开放=access")
    (('充电枪数', 'piles'), ('开放', 'access'))
    """
    pairs = []
    for item in re.split(r"[;；\n]+", text):
        if not item.strip():
            continue
        column, separator, field_name = item.strip().rpartition("=")
        if not separator or not column.strip() or not field_name.strip():
            raise LayerError(f"{item.strip()!r} is not FILE_COL=FIELD (e.g. 充电枪数=piles)")
        pairs.append((column.strip(), field_name.strip()))
    return tuple(pairs)


def accepted_suffixes(kind: str) -> tuple[str, ...]:
    """The file suffixes (without the dot) an upload of ``kind`` may have.

    A lone ``.shp`` is left out: its attributes and CRS live in sidecar files, so a Shapefile is
    uploaded zipped; so is a File Geodatabase (a ``.gdb`` is a folder). Land cover takes a land survey's
    parcels (DLTB) too: a GeoPackage, or a zip holding a Shapefile or a ``.gdb``.

    Examples
    --------
    >>> accepted_suffixes("landcover")
    ('tif', 'tiff', 'zip', 'gpkg')
    """
    spec = get_spec(kind)
    if spec.raster:
        # A zip holds tiles or a land survey (Shapefile, File Geodatabase); a GeoPackage is a land survey.
        suffixes: Sequence[str] = (*RASTER_SUFFIXES, ".zip", ".gpkg")
    elif spec.kind == "districts":
        suffixes = (".geojson", ".json")
    else:
        suffixes = [s for s in VECTOR_SUFFIXES if s != ".shp"]
    return tuple(s.lstrip(".") for s in suffixes)


def _safe_name(filename: str) -> str:
    """The file name without any folder part and with only word characters, dots and dashes."""
    name = Path(filename.replace("\\", "/")).name
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = _UNSAFE_NAME.sub("_", stem).strip("._") or "upload"
    suffix = _UNSAFE_NAME.sub("", suffix).lower()
    return f"{stem[:80]}.{suffix}" if suffix else stem[:80]


def stage_upload(
    kind: str,
    filename: str,
    content: bytes,
    options: UploadOptions | None = None,
    *,
    folder: str | Path,
    catalog: CatalogBackend | None = None,
) -> StagedLayer:
    """Write an upload into ``folder`` and stage it as a layer of ``kind`` (the catalog is not changed).

    Only the options that apply to ``kind`` are passed on, so a form may keep all of them set.

    Raises
    ------
    AtlasError
        The file is too large, has a suffix the kind does not take, or is not usable as ``kind``; the
        message says why. Anything else a reader lets escape is re-raised as :class:`LayerReadError`,
        so the app shows a message for any file, never a traceback.
    """
    spec = get_spec(kind)
    if spec.kind not in LAYER_KINDS:  # pragma: no cover - get_spec already refuses unknown kinds
        raise LayerError(f"unknown layer kind {kind!r}")
    options = options or UploadOptions()
    known = (*BUILTIN_SCHEMES, *LAND_SURVEY_SCHEMES)
    if spec.raster and options.scheme is not None and options.scheme not in known:
        # An upload comes from a browser: a scheme file on the server is for the command line only.
        raise LayerError(f"{options.scheme!r} is not a known scheme; choose one of {', '.join(known)}")
    name = _safe_name(filename)
    limit = current_limits().max_file_bytes
    if len(content) > limit:
        raise LayerReadError(
            f"{name}: the file is too large ({len(content) / 2**20:,.1f} MB; the limit is "
            f"{limit / 2**20:,.1f} MB); clip it to Wuxi first, or raise GEOPLAN_MAX_UPLOAD_MB"
        )
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in accepted_suffixes(spec.kind):
        raise LayerReadError(
            f"{name}: '.{suffix or '(no extension)'}' files cannot be uploaded as a {spec.kind} layer; "
            f"supported: {', '.join('.' + s for s in accepted_suffixes(spec.kind))}"
        )
    target_dir = Path(folder) / spec.kind / uuid.uuid4().hex
    target_dir.mkdir(parents=True)
    path = target_dir / name
    path.write_bytes(content)
    if spec.raster and is_land_survey(path):
        read_options: dict[str, Any] = {
            "scheme": options.scheme,
            "layer": options.layer,
            "encoding": options.encoding,
        }
    elif spec.raster:
        read_options = {"scheme": options.scheme}
    elif spec.kind == "districts":
        read_options = {}
    else:
        read_options = {
            "lonlat_crs": options.lonlat_crs,
            "encoding": options.encoding,
            "layer": options.layer,
            "column_map": dict(options.column_map) or None,
        }
    try:
        year = options.year if spec.kind != "districts" else None
        return (catalog or Catalog()).stage(spec.kind, path, year=year, **read_options)
    except AtlasError:
        _remove(target_dir)
        raise
    except Exception as exc:  # a reader's promise is an AtlasError; a hostile file may still find a gap
        _remove(target_dir)
        raise LayerReadError(f"{name}: unexpected {type(exc).__name__} while reading it: {exc}") from exc


def _remove(directory: Path) -> None:
    with contextlib.suppress(OSError):
        shutil.rmtree(directory)
