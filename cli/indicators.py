"""``geoplan indicators``: every spatial indicator for the city and its districts, judged against the plan's
targets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from wuxi_atlas.analysis.names import (
    DENOMINATORS,
    INDICATOR_IDS,
    VARIANTS,
    Denominator,
    Variant,
)
from wuxi_atlas.analysis.results import DEFAULT_MIN_VALID_SHARE
from wuxi_atlas.cli.catalog_location import CatalogLocation
from wuxi_atlas.cli.options import (
    LAYER_OPTIONS,
    StageProgressBar,
    check_scheme,
    layer_path_options,
    output_options,
    quiet_option,
    radius_option,
    require_dask,
    resolve_district,
    write_binary,
    write_output,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from wuxi_atlas.analysis.indicators import IndicatorOptions
    from wuxi_atlas.analysis.land_survey import MethodChoice
    from wuxi_atlas.analysis.results import IndicatorResult
    from wuxi_atlas.analysis.sources import RasterSource
    from wuxi_atlas.layers.catalog import CatalogBackend

__all__ = ["indicators"]


@click.command()
@click.option(
    "--landcover",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Land-cover raster (GeoTIFF/COG, any CRS), or a folder or zip of its tiles. Repeatable: several "
    "tiles of one product (same CRS, resolution and scheme) are mosaicked. Or a land survey's parcels "
    "(地类图斑 DLTB: .gpkg, zipped Shapefile or File Geodatabase, .gdb folder), given alone. Default: the "
    "shipped 2024 demo raster.",
)
@click.option(
    "--layer",
    "landcover_layer",
    metavar="NAME",
    help="Layer of a --landcover land survey holding several. Default: its only layer, else DLTB.",
)
@click.option(
    "--landcover-method",
    type=click.Choice(["auto", "tabulation", "geometry"]),
    default="auto",
    show_default=True,
    help="Land survey only: tabulation (sum TBDLMJ/TBMJ by ZLDWDM county, the statistical method) or "
    "geometry (parcels cut with the districts in EPSG:4549); both are reported side by side. auto: "
    "tabulation when the parcels carry ZLDWDM and TBDLMJ/TBMJ.",
)
@click.option(
    "--include-aquaculture",
    is_flag=True,
    help="Land survey only: count 1104A 养殖坑塘 (aquaculture ponds) toward 湿地保护率. Default: left out.",
)
@click.option(
    "--scheme",
    callback=check_scheme,
    help="Land-cover scheme: worldcover, clcd, glc_fcs30d, dynamic_world, esri_lulc, sandiao (a land "
    "survey's DLBM codes) or a scheme TOML file. Default: from the raster's tags, else guessed from its "
    "codes; sandiao for a land survey.",
)
@layer_path_options("districts", *LAYER_OPTIONS)
@click.option(
    "--stations-crs",
    "--lonlat-crs",
    "stations_crs",
    type=click.Choice(["wgs84", "cgcs2000", "gcj02", "bd09"]),
    help="Datum of a station table's lon/lat columns (Amap/Tencent: gcj02, Baidu: bd09). Default: WGS84, "
    "GCJ-02 for an Amap POI export.",
)
@click.option(
    "--without",
    multiple=True,
    type=click.Choice(["landcover", *LAYER_OPTIONS]),
    help="Leave a shipped layer out (its indicators are reported as not computable). Repeatable.",
)
@click.option(
    "--catalog",
    "catalog_path",
    type=CatalogLocation(exists=True),
    help="Take layers from this layer catalog (see 'geoplan layers') where it holds them; explicit files "
    "still win. Default: no catalog, the shipped demo data.",
)
@click.option(
    "--indicator",
    "only",
    multiple=True,
    type=click.Choice(INDICATOR_IDS),
    help="Compute only this indicator. Repeatable. Default: all.",
)
@click.option(
    "--denominator",
    type=click.Choice(DENOMINATORS),
    default="official",
    show_default=True,
    help="林木覆盖率 denominator: official area, polygon area or land only.",
)
@click.option(
    "--forest-variant",
    type=click.Choice(VARIANTS),
    default="linmu",
    show_default=True,
    help="linmu: 林木覆盖率 (tree+shrub+orchard); senlin: 森林覆盖率 proxy (tree+orchard).",
)
@click.option(
    "--min-coverage",
    type=click.FloatRange(min=0, max=100),
    default=100 * DEFAULT_MIN_VALID_SHARE,
    show_default=True,
    metavar="PERCENT",
    help="Judge a unit's land-cover rates only when valid raster data cover at least this share of its "
    "area; below it the unit is insufficient_data, with its share (partial tiles are normal).",
)
@radius_option
@click.option(
    "--specific-yield",
    type=click.FloatRange(min=0, min_open=True),
    default=1100.0,
    show_default=True,
    help="PV specific yield, kWh/kWp/yr.",
)
@click.option(
    "--scheduler",
    metavar="local|ADDRESS",
    callback=lambda _ctx, _param, value: require_dask(value),
    help="Run the passes over the land-cover raster on Dask: 'local' starts a local cluster, an address "
    "(tcp://host:8786) uses a running one. Same results. Needs the dask extra. Default: in this process.",
)
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json", "geojson", "xlsx"]),
    default="table",
    show_default=True,
    help="csv written with -o starts with a UTF-8 BOM (Excel on Chinese Windows); on stdout it has none, "
    "for pipes. xlsx is the board (status words, gaps, sources, a notes sheet) and needs -o.",
)
@click.option(
    "--district",
    help="Only this district's rows (adcode, 滨湖区/滨湖 or Binhu); the city's name keeps every unit.",
)
@output_options
@quiet_option
def indicators(
    landcover: tuple[Path, ...],
    landcover_layer: str | None,
    landcover_method: MethodChoice,
    include_aquaculture: bool,
    scheme: str | None,
    districts: Path | None,
    stations_crs: str | None,
    without: tuple[str, ...],
    catalog_path: Path | str | None,
    only: tuple[str, ...],
    denominator: Denominator,
    forest_variant: Variant,
    min_coverage: float,
    radius: float,
    specific_yield: float,
    scheduler: str | None,
    output_format: str,
    district: str | None,
    output: Path | None,
    overwrite: bool,
    quiet: bool,
    **layer_paths: Path | None,
) -> None:
    """Compute every spatial indicator for the city and its 7 districts.

    Runs on the shipped demo data unless layers are given. Results are judged against the plan's
    targets (data/targets.toml); rates are in %, capacities in MW, counts as counts.

    The results of the indicators that read no raster are kept in the result cache
    ($GEOPLAN_CACHE_DIR, else ~/.cache/geoplan), keyed on the input files, options and code: a later
    run on the same vector files computes only the raster indicators. For the shipped demo layers they
    were computed when the layers were written (data/demo/vector_results.json), so even a first run
    computes only the raster indicators. GEOPLAN_CACHE_DIR=off turns both off: everything computed.
    """
    # Imported here: a run served from the result cache imports neither geopandas nor pandas.
    from wuxi_atlas.analysis.indicators import IndicatorOptions
    from wuxi_atlas.analysis.pv import PVParameters
    from wuxi_atlas.analysis.zonal.distributed import zonal_strategy

    catalog: CatalogBackend | None = None
    if catalog_path is not None:
        from wuxi_atlas.layers.catalog import open_catalog

        catalog = open_catalog(catalog_path)
    in_catalog = districts is None and catalog is not None and "districts" in catalog.kinds()
    adcode = resolve_district(district, catalog.path("districts") if catalog and in_catalog else districts)
    if output_format == "xlsx" and output is None:
        raise click.UsageError("xlsx is a binary file: give -o FILE")
    progress = StageProgressBar(quiet)
    progress.stage("reading the layers")
    options = IndicatorOptions(
        forest_denominator=denominator,
        forest_variant=forest_variant,
        pv=PVParameters(specific_yield_kwh_per_kwp=specific_yield),
        service_radius_m=radius,
        min_valid_share=min_coverage / 100.0,
        zonal=zonal_strategy(scheduler),
        landcover_method=landcover_method,
        include_aquaculture=include_aquaculture,
    )
    boundaries: gpd.GeoDataFrame | None = None
    try:
        results = None
        if catalog is None and output_format != "geojson":
            results = _from_cache(
                landcover, scheme, districts, layer_paths, stations_crs, without, only, options, progress
            )
        if results is None:
            results, boundaries = _computed(
                landcover,
                landcover_layer,
                scheme,
                districts,
                layer_paths,
                stations_crs,
                without,
                catalog,
                only,
                options,
                progress,
            )
    finally:
        progress.close()
    if adcode is not None:
        from wuxi_atlas.analysis.export import results_in_scope

        results = results_in_scope(results, adcode)
    if output_format == "xlsx":
        from wuxi_atlas.maps.workbook import board_workbook

        workbook = board_workbook(results, scope_name=district or "无锡市")
        write_binary(workbook, output, overwrite, "xlsx")
    else:
        text = _text(results, output_format, boundaries, bom=output is not None)
        write_output(text, output, overwrite)
    if any(r.synthetic for r in results):
        click.echo("note: results include SYNTHETIC demo data (not real measurements)", err=True)


def _from_cache(
    landcover: tuple[Path, ...],
    scheme: str | None,
    districts: Path | None,
    layer_paths: dict[str, Path | None],
    stations_crs: str | None,
    without: tuple[str, ...],
    only: tuple[str, ...],
    options: IndicatorOptions,
    progress: StageProgressBar,
) -> list[IndicatorResult] | None:
    """The results from the result cache and one pass over the raster (:mod:`analysis.cached_run`), or
    None when the cache lacks something the run needs (or the land cover is not one raster file or the
    shipped one): then :func:`_computed` makes the run, and fills the cache."""
    from wuxi_atlas.analysis.cached_run import cached_indicator_run
    from wuxi_atlas.analysis.names import INDICATOR_IDS
    from wuxi_atlas.analysis.targets import load_targets
    from wuxi_atlas.layers.formats import RASTER_SUFFIXES, read_landcover_tiles
    from wuxi_atlas.layers.origins import layer_origins
    from wuxi_atlas.layers.shipped import load_default_landcover

    if "landcover" in without or not all(
        p.is_file() and p.suffix.lower() in RASTER_SUFFIXES for p in landcover
    ):
        return None  # tiles in a folder or a zip, a land survey: the full run
    origins = layer_origins(
        districts=districts,
        layer_paths=layer_paths,
        stations_crs=stations_crs,
        without=without,
        indicators=only or None,
    )

    def raster() -> RasterSource:
        if landcover:
            # The zonal pass decodes the raster and refuses a block it cannot read: decode it once, there.
            return read_landcover_tiles(landcover, scheme=scheme, decode_blocks=False)
        return load_default_landcover(scheme=scheme)

    return cached_indicator_run(origins, raster, load_targets(), options, only or INDICATOR_IDS, progress)


def _computed(
    landcover: tuple[Path, ...],
    landcover_layer: str | None,
    scheme: str | None,
    districts: Path | None,
    layer_paths: dict[str, Path | None],
    stations_crs: str | None,
    without: tuple[str, ...],
    catalog: CatalogBackend | None,
    only: tuple[str, ...],
    options: IndicatorOptions,
    progress: StageProgressBar,
) -> tuple[list[IndicatorResult], gpd.GeoDataFrame]:
    """Every layer the run needs read, every indicator computed (the vector ones from the result cache
    where it has them, and stored there), and the boundaries."""
    from wuxi_atlas.analysis.indicators import compute_indicators
    from wuxi_atlas.analysis.targets import load_targets
    from wuxi_atlas.layers.inputs import load_indicator_inputs

    inputs = load_indicator_inputs(
        landcover=landcover or None,
        scheme=scheme,
        districts=districts,
        layer_paths=layer_paths,
        stations_crs=stations_crs,
        without=without,
        catalog=catalog,
        landcover_layer=landcover_layer,
        indicators=only or None,
    )
    results = compute_indicators(
        inputs, load_targets(), options, only=only or None, progress=progress, cache=True
    )
    return results, inputs.boundaries


def _text(
    results: list[IndicatorResult], output_format: str, boundaries: gpd.GeoDataFrame | None, *, bom: bool
) -> str:
    """The results as text; a CSV file is for Excel (BOM), stdout is for pipes, where a BOM would stick to
    the first header."""
    from wuxi_atlas.analysis.report import (
        format_results_table,
        results_to_csv,
        results_to_geojson,
        results_to_json,
    )

    if output_format == "json":
        return results_to_json(results)
    if output_format == "csv":
        return results_to_csv(results, bom=bom)
    if output_format == "geojson":
        assert boundaries is not None, "a GeoJSON run is never served from the cache"
        return results_to_geojson(results, boundaries)
    return format_results_table(results)
