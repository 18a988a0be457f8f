"""Land-survey parcels (地类图斑 DLTB, 三调 or an annual 国土变更调查) as a land-cover source:
:func:`read_land_survey`.

A bureau hands the survey over as a File Geodatabase (a ``.gdb`` folder, or zipped), a zipped Shapefile
(GBK text, with or without a ``.cpg``) or a GeoPackage, in CGCS2000 3-degree Gauss–Krüger (EPSG:4549, or
EPSG:4528 with the zone number 40 in front of the easting). The file's own reader does the reading
(:mod:`layers.formats`, with every check of :mod:`layers.paths`, :mod:`layers.limits` and
:mod:`layers.offline`); this module picks the parcel layer (``DLTB`` by default), finds the survey's fields
(``DLBM`` required; ``ZLDWDM`` and ``TBDLMJ``/``TBMJ`` for tabulation; ``DLMC``, ``BSM`` kept), and places
the parcels in EPSG:4549 through their declared CRS, where :mod:`analysis.land_survey` measures them.
Unlike the other vector kinds they are not moved to EPSG:4326: their areas are what counts.

:func:`is_land_survey` tells a parcel file from a land-cover raster, so ``--landcover`` takes either.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wuxi_atlas.analysis.crs import METRIC_CRS, crs_label
from wuxi_atlas.analysis.errors import CRSError, LayerError, LayerReadError
from wuxi_atlas.analysis.sources import LAND_SURVEY_FIELDS, LandSurveySource
from wuxi_atlas.layers.formats import ogr, shapefile
from wuxi_atlas.layers.formats.base import VectorFormat
from wuxi_atlas.layers.formats.filegdb import FILEGDB
from wuxi_atlas.layers.formats.ogr import read_only
from wuxi_atlas.layers.messages import MAX_LISTED, RowLabels, listing, reader_boundary
from wuxi_atlas.layers.paths import check_container, local_file, reject_virtual
from wuxi_atlas.layers.provenance import manifest_beside, source_text, truthy, year_of
from wuxi_atlas.layers.spec import POLYGONAL, FieldSpec, LayerSpec

__all__ = [
    "DEFAULT_LAYER",
    "LAND_SURVEY_SUFFIXES",
    "SPEC",
    "is_land_survey",
    "land_survey_path",
    "read_land_survey",
    "survey_format",
    "survey_scheme",
]

#: The parcel layer's name in a survey database (地类图斑).
DEFAULT_LAYER = "DLTB"
#: What a land survey may come as: GeoPackage, zipped Shapefile or File Geodatabase, a ``.shp``, a ``.gdb``.
LAND_SURVEY_SUFFIXES: tuple[str, ...] = (".gpkg", ".zip", ".gdb", ".shp")

_FORMATS: dict[str, VectorFormat] = {
    ".gpkg": ogr.OGR,
    ".zip": shapefile.ZIPPED,
    ".gdb": FILEGDB,
    ".shp": shapefile.SHAPEFILE,
}

#: The parcel layer as a layer spec, for the format readers (they choose a layer named ``DLTB``).
SPEC = LayerSpec(
    "landcover",
    "地类图斑",
    "land-survey parcels (DLTB)",
    POLYGONAL,
    fields=(
        FieldSpec("DLBM", "str", "地类编码", "land-use class code", required=True),
        FieldSpec("DLMC", "str", "地类名称", "land-use class name"),
        FieldSpec("ZLDWDM", "str", "坐落单位代码", "code of the unit the parcel lies in"),
        FieldSpec("TBDLMJ", "float", "图斑地类面积", "parcel land-class area", minimum=0, unit="m²"),
        FieldSpec("TBMJ", "float", "图斑面积", "parcel area", minimum=0, unit="m²"),
        FieldSpec("BSM", "str", "标识码", "parcel identifier"),
    ),
    layer_names=(DEFAULT_LAYER,),
)

# Wuxi in EPSG:4549 with a margin of about 20 km: (xmin, ymin, xmax, ymax).
_WUXI_4549 = (430_000.0, 3_420_000.0, 570_000.0, 3_580_000.0)
_ZONE_40 = 40_000_000.0


def is_land_survey(path: str | Path) -> bool:
    """Whether ``path`` is a land survey's parcel file rather than a land-cover raster.

    A ``.gpkg``, ``.shp`` or ``.gdb`` is; so is a ``.zip`` that holds no GeoTIFF (a zip of tiles is a
    raster mosaic). Nothing is decompressed: a zip is judged by its member names.

    Examples
    --------
    >>> is_land_survey("DLTB_2023.gdb"), is_land_survey("worldcover.tif")
    (True, False)
    """
    local = Path(path)
    suffix = local.suffix.lower()
    if suffix in (".gpkg", ".shp", ".gdb"):
        return True
    if suffix != ".zip" or not local.is_file():
        return False
    try:
        with zipfile.ZipFile(local) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return True  # not a raster either; the vector reader names what is wrong with it
    return not any(name.lower().endswith((".tif", ".tiff")) for name in names)


def survey_format(path: Path) -> VectorFormat:
    """The format that reads a land survey at ``path``, by its suffix (see :data:`LAND_SURVEY_SUFFIXES`)."""
    try:
        return _FORMATS[path.suffix.lower()]
    except KeyError:
        raise LayerReadError(
            f"{path.name}: '{path.suffix or '(no extension)'}' files cannot be read as land-survey parcels; "
            f"supported: {', '.join(LAND_SURVEY_SUFFIXES)}"
        ) from None


def land_survey_path(paths: str | Path | Sequence[str | Path]) -> Path | None:
    """The land survey among the ``--landcover`` paths, or None when they are raster files or tiles.

    A land survey comes alone: given with other paths it is an error (tiles mosaic rasters only).
    """
    listed = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    surveys = [path for path in listed if is_land_survey(path)]
    if not surveys:
        return None
    if len(listed) > 1:
        raise LayerError(
            f"{surveys[0].name} is a land survey's parcel layer; give it as the only --landcover (several "
            "--landcover paths are tiles of one raster)"
        )
    return surveys[0]


def _layers(local: Path, reader: VectorFormat) -> list[str]:
    import pyogrio

    assert reader.gdal_target is not None
    with read_only(local) as readable:
        target = reader.gdal_target(readable)
        try:
            return [str(row[0]) for row in pyogrio.list_layers(target)]
        except Exception as exc:  # pyogrio.errors.DataSourceError and friends
            raise LayerReadError(f"{local.name}: GDAL cannot open it as vector data ({exc})") from exc


def _choose_layer(local: Path, reader: VectorFormat, layer: str | None) -> str:
    """The layer named, else the only one, else the one named ``DLTB`` (any case)."""
    available = _layers(local, reader)
    if not available:
        raise LayerReadError(f"{local.name}: the file holds no vector layers")
    if layer is not None:
        if layer not in available:
            raise LayerError(
                f"{local.name} has no layer {layer!r}; its layers are: {listing(available)}. Choose one with "
                "--layer NAME"
            )
        return layer
    if len(available) == 1:
        return available[0]
    lowered = {name.lower(): name for name in available}
    if DEFAULT_LAYER.lower() in lowered:
        return lowered[DEFAULT_LAYER.lower()]
    raise LayerError(
        f"{local.name} holds {len(available)} layers ({listing(available)}) and none is called "
        f"{DEFAULT_LAYER} (地类图斑); choose the parcel layer with --layer NAME"
    )


def _survey_columns(frame: gpd.GeoDataFrame, name: str, layer: str) -> gpd.GeoDataFrame:
    """The survey's fields under their own names (matched without regard to case), with the geometry."""
    by_key = {
        str(column).strip().upper(): column for column in frame.columns if column != frame.geometry.name
    }
    if "DLBM" not in by_key:
        shown = listing([c for c in frame.columns if c != frame.geometry.name])
        raise LayerError(
            f"{name}: layer {layer!r} has no DLBM field (地类编码, the land-use class code), which a land "
            f"survey's parcels carry; its fields are: {shown}. Give the DLTB layer of the survey (--layer "
            "NAME), or rename the class-code field to DLBM"
        )
    kept = {by_key[field]: field for field in LAND_SURVEY_FIELDS if field in by_key}
    return frame[[*kept, frame.geometry.name]].rename(columns=kept)


def _codes(values: pd.Series, field: str, notes: list[str], name: str) -> pd.Series:
    """Text codes as the survey writes them; numbers read back from a number column get their zeros back."""
    if pd.api.types.is_numeric_dtype(values):
        width = 4 if field == "DLBM" else 19
        notes.append(
            f"{name}: {field} is stored as numbers; read as text codes of {width} digits with leading zeros "
            "restored (store it as text to keep codes such as 1104A)"
        )
        numbers = values.astype("Float64")
        return numbers.map(lambda v: None if pd.isna(v) else f"{int(v):0{width}d}").astype(object)
    return values.map(lambda v: None if v is None or pd.isna(v) else str(v).strip().upper()).astype(object)


def _areas(values: pd.Series, field: str, rows: RowLabels, name: str) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna() & (values.astype(str).str.strip() != "")
    if bad.any():
        raise LayerError(
            f"{name}: {field} (area in m²) holds text that is no number at {rows(np.flatnonzero(bad))}; "
            f"correct those values, or remove the {field} field to use the other area field"
        )
    negative = numbers < 0
    if negative.any():
        raise LayerError(
            f"{name}: {field} (area in m²) is negative at {rows(np.flatnonzero(negative))}; "
            "correct those values"
        )
    return numbers.astype(np.float64)


def _to_metric(frame: gpd.GeoDataFrame, name: str, notes: list[str]) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise CRSError(
            f"{name}: the parcels have no CRS, so their areas cannot be measured. A land survey is in "
            "CGCS2000 3-degree Gauss–Krüger: EPSG:4549 (CM 120°E), or EPSG:4528 when the eastings start "
            "with the zone number 40. Assign it (ogr2ogr -a_srs EPSG:4549, or a .prj beside the .shp) "
            "and load it again"
        )
    declared = crs_label(frame.crs)
    if frame.crs.to_epsg() != 4549:
        frame = frame.to_crs(METRIC_CRS)
        notes.append(f"reprojected the parcels from {declared} to {METRIC_CRS}")
    xmin, ymin, xmax, ymax = frame.total_bounds
    wx0, wy0, wx1, wy1 = _WUXI_4549
    if not (xmax > wx0 and xmin < wx1 and ymax > wy0 and ymin < wy1):
        hint = (
            "; the eastings carry the zone number 40 in front: declare EPSG:4528 instead"
            if xmin > _ZONE_40 - 1e6
            else "; check the declared CRS"
        )
        raise LayerError(
            f"{name}: the parcels lie outside Wuxi: in {METRIC_CRS} they span x {xmin:,.0f}–{xmax:,.0f}, "
            f"y {ymin:,.0f}–{ymax:,.0f}, and Wuxi x {wx0:,.0f}–{wx1:,.0f}, y {wy0:,.0f}–{wy1:,.0f} "
            f"(declared CRS: {declared}){hint}"
        )
    return frame


def _clean(frame: gpd.GeoDataFrame, rows: RowLabels, name: str, notes: list[str]) -> gpd.GeoDataFrame:
    """Parcels with a polygon and a class code: empty ones dropped, invalid ones repaired (noted)."""
    geometry = np.asarray(frame.geometry.array, dtype=object)
    if shapely.has_z(geometry).any():
        geometry = shapely.force_2d(geometry)
    empty = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    no_code = frame["DLBM"].isna() | (frame["DLBM"] == "")
    for mask, what in ((empty, "no geometry"), (no_code.to_numpy(), "no DLBM class code")):
        if mask.any():
            notes.append(
                f"warning: dropped {int(mask.sum())} parcel(s) with {what} ({rows(np.flatnonzero(mask))})"
            )
    keep = ~(empty | no_code.to_numpy())
    if not keep.any():
        raise LayerError(f"{name}: no parcel has both a polygon and a DLBM class code")
    wrong = keep & ~np.isin(shapely.get_type_id(geometry), (3, 6))
    if wrong.any():
        raise LayerError(
            f"{name}: parcels must be polygons; {rows(np.flatnonzero(wrong))} are not (give the DLTB "
            "polygon layer)"
        )
    invalid = keep & ~shapely.is_valid(geometry)
    if invalid.any():
        repaired = shapely.make_valid(geometry[invalid], method="structure", keep_collapsed=False)
        polygonal = shapely.get_type_id(repaired)
        geometry = geometry.copy()
        geometry[invalid] = [
            g
            if t in (3, 6)
            else shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
            for g, t in zip(repaired, polygonal, strict=True)
        ]
        notes.append(
            f"repaired {int(invalid.sum())} invalid parcel geometr{'y' if invalid.sum() == 1 else 'ies'} "
            f"with shapely.make_valid ({rows(np.flatnonzero(invalid)[:MAX_LISTED])})"
        )
    frame = frame.set_geometry(gpd.GeoSeries(geometry, index=frame.index, crs=frame.crs))
    return frame[keep].reset_index(drop=True)


def survey_scheme(scheme: str | Path | None) -> str:
    """The land-survey scheme a caller chose: ``sandiao`` by default, a built-in name as it is, a scheme
    file as its absolute path; a raster scheme (whole-number codes) is a :class:`LayerError`."""
    from wuxi_atlas.analysis.schemes import LAND_SURVEY_SCHEMES, load_scheme

    name = str(scheme) if scheme is not None else LAND_SURVEY_SCHEMES[0]
    loaded = load_scheme(name)
    if not loaded.text_codes:
        raise LayerError(
            f"scheme {loaded.name!r} has whole-number raster codes; land-survey parcels need a scheme of "
            'DLBM text codes: --scheme sandiao (the default), or a scheme file with codes = "text"'
        )
    return name if name in LAND_SURVEY_SCHEMES else str(Path(loaded.path).resolve())


@reader_boundary
def read_land_survey(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    scheme: str | Path | None = None,
) -> LandSurveySource:
    """Read a land survey's parcel layer (DLTB) as a land-cover source, in EPSG:4549.

    Parameters
    ----------
    path : str or Path
        A ``.gpkg``, a zipped Shapefile or File Geodatabase (``.zip``), a ``.gdb`` folder, or a ``.shp``
        with its parts beside it.
    layer : str, optional
        The parcel layer; by default the only layer, else the one called ``DLTB`` (any case).
    encoding : str, optional
        Text encoding of a Shapefile's attributes; by default its ``.cpg``, else UTF-8, else GBK.
    scheme : str or Path, optional
        The land-survey scheme mapping DLBM codes to roles: ``sandiao`` (default) or a scheme file with
        ``codes = "text"`` (:mod:`analysis.schemes`).

    Returns
    -------
    LandSurveySource
        The parcels with their survey fields (:data:`~analysis.sources.LAND_SURVEY_FIELDS` present in the
        file), ``year`` from the file's metadata or manifest, else a year in its name.

    Raises
    ------
    LayerReadError
        The file cannot be read (missing, too large, a hostile zip or folder, not vector data).
    LayerError
        No ``DLBM`` field, no layer of that name, several layers and none called ``DLTB``, area fields
        that are not numbers, geometry that is not polygons, parcels outside Wuxi, or a raster scheme.
    CRSError
        The parcels declare no CRS.
    """
    scheme_name = survey_scheme(scheme)
    if layer is not None:
        reject_virtual(layer, "layer name")
    local = local_file(path, LAND_SURVEY_SUFFIXES, "land-survey parcels (DLTB)")
    check_container(local)
    notes: list[str] = []
    manifest = manifest_beside(local, notes)
    reader = survey_format(local)
    chosen = _choose_layer(local, reader, layer)
    raw = reader.read(local, SPEC, chosen, encoding, notes)
    if not raw.has_geometry:
        raise LayerError(f"{local.name}: layer {chosen!r} has no geometry; DLTB parcels are polygons")
    name = local.name if chosen == local.stem else f"{local.name}:{chosen}"
    frame = _survey_columns(raw.frame, name, chosen)
    frame["DLBM"] = _codes(frame["DLBM"], "DLBM", notes, name)
    if "ZLDWDM" in frame:
        frame["ZLDWDM"] = _codes(frame["ZLDWDM"], "ZLDWDM", notes, name)
    for field in ("TBDLMJ", "TBMJ"):
        if field in frame:
            frame[field] = _areas(frame[field], field, raw.rows, name)
    if "TBDLMJ" in frame and "TBMJ" in frame:
        missing = frame["TBDLMJ"].isna() & frame["TBMJ"].notna()
        if missing.any():
            frame.loc[missing, "TBDLMJ"] = frame.loc[missing, "TBMJ"]
            notes.append(f"TBDLMJ is empty for {int(missing.sum())} parcel(s); their TBMJ is used instead")
    area_field = next((field for field in ("TBDLMJ", "TBMJ") if field in frame), None)
    if area_field is not None and frame[area_field].isna().any():
        empty_rows = raw.rows(np.flatnonzero(frame[area_field].isna()))
        raise LayerError(
            f"{name}: {area_field} (area in m²) is empty at {empty_rows}; fill it, or compute by geometry "
            "instead (--landcover-method geometry) after removing the field"
        )
    frame = _clean(frame, raw.rows, name, notes)
    frame = _to_metric(frame, name, notes)
    if "ZLDWDM" not in frame or area_field is None:
        lacking = "ZLDWDM" if "ZLDWDM" not in frame else "TBDLMJ or TBMJ"
        notes.append(f"no {lacking} field: only the geometric method can run (tabulation needs it)")
    metadata = raw.metadata
    synthetic = truthy(metadata.get("synthetic", False)) or truthy(manifest.get("synthetic", False))
    year = year_of(metadata.get("year", metadata.get("vintage", ""))) or year_of(manifest.get("year", ""))
    year = year or year_of(local.stem) or year_of(chosen)
    return LandSurveySource(
        frame=frame,
        year=year,
        source=source_text(name, synthetic, metadata.get("seed", manifest.get("seed"))),
        synthetic=synthetic,
        scheme=scheme_name,
        path=local,
        layer=chosen,
        notes=tuple(notes),
    )
