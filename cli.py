"""``geoplan``: the command-line front-end. Thin: each command body is one library call.

Errors of the atlas (:class:`analysis.errors.AtlasError`) are turned into a one-line message and exit
code 2 in one place, :func:`main`; nothing else here catches exceptions. Text that may quote a user's
file (names, notes, errors) is printed through :func:`_say` or :func:`_json`, which show control codes
as escapes (:func:`analysis.errors.printable`) so that a file name cannot drive the terminal.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from analysis.boundaries import load_boundaries
from analysis.change import landcover_change
from analysis.charging import DEFAULT_SERVICE_RADIUS_M
from analysis.distributed import zonal_strategy
from analysis.errors import AtlasError, printable
from analysis.forest import DENOMINATORS, VARIANTS, Denominator, Variant
from analysis.indicators import INDICATOR_IDS, IndicatorOptions, compute_indicators
from analysis.paths import data_dir, targets_path
from analysis.pv import PVParameters
from analysis.report import format_results_table, results_to_csv, results_to_geojson, results_to_json
from analysis.sources import LAYER_KINDS
from analysis.targets import MEASURES, load_targets, select_targets, targets_table, validate_targets
from analysis.text_table import format_table
from demo.manifest import DEFAULT_SEED
from layers.base import LONLAT_CRSS, read_landcover
from layers.catalog import Catalog, CatalogEntry, check_layer
from layers.defaults import default_landcover_series, load_default_landcover
from layers.inputs import VECTOR_KINDS, load_indicator_inputs


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wuxi-carbon-peak-atlas")
def geoplan() -> None:
    """Wuxi Carbon-Peak Atlas (无锡碳达峰空间监测): spatial indicators toward the 2024 carbon-peak plan."""


# --- shared options (defined once, as in rasterio's rio/options.py) --------------------------------------


def _output_options(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")(
        function
    )
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to FILE instead of stdout.",
    )(function)


def _say(text: str, err: bool = False) -> None:
    """Print text that may quote a user's file, its control codes made visible (newlines kept)."""
    click.echo(printable(text, keep_newlines=True), err=err)


def _json(document: object) -> str:
    """JSON for the terminal: readable Chinese, every control or bidi character \\u-escaped."""
    return printable(json.dumps(document, ensure_ascii=False, indent=2), keep_newlines=True, style="json")


def _write_output(text: str, output: Path | None, overwrite: bool) -> None:
    """Print ``text``, or write it to ``output``, never replacing a file without ``--overwrite``."""
    if output is None:
        click.echo(text)
        return
    if output.exists() and not overwrite:
        raise click.UsageError(f"{printable(output)} exists; pass --overwrite to replace it")
    output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


def _require_dask(scheduler: str | None) -> str | None:
    if scheduler is not None and importlib.util.find_spec("distributed") is None:
        raise click.BadParameter(
            "Dask is not installed; pip install 'wuxi-carbon-peak-atlas[dask]'", param_hint="--scheduler"
        )
    return scheduler


class _StageProgressBar:
    """A click progress bar on stderr per raster pass; silent when the pass is a single block or stderr is
    not a terminal (click would print only the bare label there, which is noise in logs and pipes)."""

    def __init__(self) -> None:
        self._label: str | None = None
        self._bar: Any = None
        self._shown = 0

    def __call__(self, label: str, done: int, total: int) -> None:
        if total <= 1 or not sys.stderr.isatty():
            return
        if label != self._label:
            self.close()
            self._label = label
            self._bar = click.progressbar(length=total, label=label, file=sys.stderr).__enter__()
            self._shown = 0
        self._bar.update(done - self._shown)
        self._shown = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


# Layer files that override the shipped demo data, one option each: kind -> help text.
_LAYER_PATH_HELP = {
    "landcover": "Land-cover raster (GeoTIFF/COG, any CRS). Default: the shipped demo raster.",
    "districts": "City and district boundaries (GeoJSON). Default: data/boundaries.",
    "wetlands": "Wetland polygons (三调 scope).",
    "protected": "Protected areas (reserves, wetland parks, protection plots).",
    "builtup": "Built-up area (建成区) polygon.",
    "buildings": "Building footprints with building_type and roof_area_m2.",
    "pv_sites": "Installed PV sites (points with capacity_kw).",
    "stations": "Charging, swap and hydrogen stations (points, or CSV with lon/lat, type, piles, access).",
}


def _layer_path_options(*kinds: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """One ``--KIND PATH`` option per layer kind, defined once for every command that takes layers."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for kind in reversed(kinds):
            function = click.option(
                f"--{kind.replace('_', '-')}",
                kind,
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help=_LAYER_PATH_HELP[kind],
            )(function)
        return function

    return decorate


# --- geoplan indicators -----------------------------------------------------------------------------------

_LAYER_OPTIONS = VECTOR_KINDS


@geoplan.command()
@click.option(
    "--landcover",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Land-cover raster (GeoTIFF/COG, any CRS). Default: the shipped 2024 demo raster.",
)
@click.option(
    "--scheme",
    help="Land-cover scheme: worldcover, clcd, glc_fcs30d, dynamic_world, esri_lulc or "
    "a scheme TOML file. Default: from the raster's tags, else guessed from its codes.",
)
@_layer_path_options("districts", *_LAYER_OPTIONS)
@click.option(
    "--stations-crs",
    type=click.Choice(["wgs84", "cgcs2000", "gcj02", "bd09"]),
    help="Datum of a station table's lon/lat columns (Amap/Tencent: gcj02, Baidu: bd09).",
)
@click.option(
    "--without",
    multiple=True,
    type=click.Choice(["landcover", *_LAYER_OPTIONS]),
    help="Leave a shipped layer out (its indicators are reported as not computable). Repeatable.",
)
@click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(file_okay=False, path_type=Path),
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
    "--radius",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_SERVICE_RADIUS_M,
    show_default=True,
    help="Charging service radius in metres.",
)
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
    callback=lambda _ctx, _param, value: _require_dask(value),
    help="Run the passes over the land-cover raster on Dask: 'local' starts a local cluster, an address "
    "(tcp://host:8786) uses a running one. Same results. Needs the dask extra. Default: in this process.",
)
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json", "geojson"]),
    default="table",
    show_default=True,
)
@_output_options
def indicators(
    landcover: Path | None,
    scheme: str | None,
    districts: Path | None,
    stations_crs: str | None,
    without: tuple[str, ...],
    catalog_path: Path | None,
    only: tuple[str, ...],
    denominator: Denominator,
    forest_variant: Variant,
    radius: float,
    specific_yield: float,
    scheduler: str | None,
    output_format: str,
    output: Path | None,
    overwrite: bool,
    **layer_paths: Path | None,
) -> None:
    """Compute every spatial indicator for the city and its 7 districts.

    Runs on the shipped demo data unless layers are given. Results are judged against the plan's
    targets (data/targets.toml); rates are in %, capacities in MW, counts as counts.
    """
    inputs = load_indicator_inputs(
        landcover=landcover,
        scheme=scheme,
        districts=districts,
        layer_paths=layer_paths,
        stations_crs=stations_crs,
        without=without,
        catalog=Catalog(catalog_path) if catalog_path is not None else None,
    )
    options = IndicatorOptions(
        forest_denominator=denominator,
        forest_variant=forest_variant,
        pv=PVParameters(specific_yield_kwh_per_kwp=specific_yield),
        service_radius_m=radius,
        zonal=zonal_strategy(scheduler),
    )
    progress = _StageProgressBar()
    try:
        results = compute_indicators(inputs, load_targets(), options, only=only or None, progress=progress)
    finally:
        progress.close()
    if output_format == "json":
        text = results_to_json(results)
    elif output_format == "csv":
        text = results_to_csv(results)
    elif output_format == "geojson":
        text = results_to_geojson(results, inputs.boundaries)
    else:
        text = format_results_table(results)
    _write_output(text, output, overwrite)
    if any(r.synthetic for r in results):
        click.echo("note: results include SYNTHETIC demo data (not real measurements)", err=True)


# --- geoplan change ---------------------------------------------------------------------------------------


@geoplan.command("change")
@click.option(
    "--before",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Earlier land-cover raster. Default: the oldest shipped year.",
)
@click.option(
    "--after",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Later land-cover raster on the same grid. Default: the latest shipped year.",
)
@click.option("--scheme", help="Land-cover scheme of both rasters (default: from their tags or codes).")
@click.option(
    "--districts",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=_LAYER_PATH_HELP["districts"],
)
@click.option("--district", "adcode", help="Only this unit (adcode, e.g. 320211; 320200 for the city).")
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@_output_options
def change(
    before: Path | None,
    after: Path | None,
    scheme: str | None,
    districts: Path | None,
    adcode: str | None,
    output_format: str,
    output: Path | None,
    overwrite: bool,
) -> None:
    """Land-cover change between two years: hectares gained, lost and net per class and district."""
    series = default_landcover_series()
    before_source = (
        read_landcover(before, scheme=scheme) if before else load_default_landcover(scheme, year=min(series))
    )
    after_source = (
        read_landcover(after, scheme=scheme) if after else load_default_landcover(scheme, year=max(series))
    )
    progress = _StageProgressBar()
    try:
        result = landcover_change(
            before_source,
            after_source,
            load_boundaries(districts),
            progress=lambda d, t: progress("change", d, t),
        )
    finally:
        progress.close()
    table = result.table if adcode is None else result.for_unit(adcode)
    if output_format == "json":
        text = table.to_json(orient="records", force_ascii=False, indent=2)
    elif output_format == "csv":
        text = table.to_csv(index=False, lineterminator="\n")
    else:
        rows = [
            (
                r.adcode,
                r.district,
                r.class_code,
                r.class_label,
                f"{r.area_from_ha:,.1f}",
                f"{r.area_to_ha:,.1f}",
                f"+{r.gained_ha:,.1f}",
                f"-{r.lost_ha:,.1f}",
                f"{r.net_ha:+,.1f}",
            )
            for r in table.itertuples()
        ]
        headers = (
            "adcode",
            "district",
            "code",
            "class",
            f"{result.year_from} ha",
            f"{result.year_to} ha",
            "gained",
            "lost",
            "net",
        )
        text = format_table(headers, rows, right_align=(4, 5, 6, 7, 8))
    _write_output(text, output, overwrite)
    if result.synthetic:
        click.echo("note: SYNTHETIC demo land cover (not real measurements)", err=True)


# --- geoplan targets --------------------------------------------------------------------------------------


@geoplan.group("targets")
def targets_group() -> None:
    """The plan's quantified targets (data/targets.toml): list them, validate a targets file."""


@targets_group.command("list")
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--measure",
    type=click.Choice(MEASURES),
    help="Only targets tracked by this spatial indicator (or 'statistic').",
)
@click.option("--year", type=int, help="Only targets for this target year.")
@click.option(
    "--file",
    "targets_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Targets file. Default: the shipped data/targets.toml.",
)
def targets_list(
    output_format: str, measure: str | None, year: int | None, targets_file: Path | None
) -> None:
    """List the plan's targets, each with the clause it comes from."""
    selected = select_targets(load_targets(targets_file), measure=measure, year=year)
    if output_format == "json":
        click.echo(json.dumps([t.to_record() for t in selected], ensure_ascii=False, indent=2))
    else:
        click.echo(targets_table(selected))


@targets_group.command("validate")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def targets_validate(file: Path | None) -> None:
    """Check a targets FILE against the schema.

    FILE defaults to the shipped data/targets.toml. Prints "OK: N targets in FILE", or every problem
    found (each naming the entry and the field) and exits with code 2.
    """
    checked = file if file is not None else targets_path()
    click.echo(f"OK: {len(validate_targets(checked))} targets in {checked}")


# --- geoplan layers, geoplan check -----------------------------------------------------------------------


def _catalog_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--catalog",
        "catalog_path",
        type=click.Path(file_okay=False, path_type=Path),
        help="Layer catalog directory. Default: $GEOPLAN_CATALOG_DIR, else ~/.local/share/geoplan/catalog.",
    )(function)


def _column_map(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str] | None:
    mapping: dict[str, str] = {}
    for value in values:
        # Field names never hold '=', column names might: split at the last one.
        column, separator, field_name = value.rpartition("=")
        if not separator or not column or not field_name:
            raise click.BadParameter(f"{value!r} is not FILE_COL=FIELD")
        mapping[column] = field_name
    return mapping or None


def _read_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = (
        click.option("--layer", help="Layer of a multi-layer file (or sheet of a workbook)."),
        click.option(
            "--map",
            "column_map",
            multiple=True,
            metavar="FILE_COL=FIELD",
            callback=_column_map,
            help="Read a file column as a field (e.g. 充电枪=piles; lon/lat name a table's coordinate "
            "columns). Repeatable.",
        ),
        click.option(
            "--lonlat-crs",
            type=click.Choice(LONLAT_CRSS),
            help="Datum of longitude/latitude coordinates (Amap/Tencent: gcj02, Baidu: bd09).",
        ),
        click.option("--scheme", help="Land-cover scheme (land cover only). Default: tag, else guessed."),
        click.option("--encoding", help="Text encoding of a CSV or Shapefile (e.g. gbk). Default: detected."),
    )
    for option in reversed(options):
        function = option(function)
    return function


def _kind_argument(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.argument("kind", type=click.Choice(LAYER_KINDS))(function)


def _entry_row(entry: CatalogEntry) -> list[object]:
    return [
        entry.kind,
        f"v{entry.version}" + (" *" if entry.current else ""),
        entry.feature_count,
        printable(entry.original_name),
        printable(entry.imported_at),
        printable(entry.source_crs),
        "yes" if entry.synthetic else "no",
        printable(entry.sha256[:12]),
    ]


def _entries_output(entries: list[CatalogEntry], output_format: str) -> str:
    if output_format == "json":
        return _json([entry.to_record() for entry in entries])
    headers = ["kind", "version", "features", "file", "imported (UTC)", "source CRS", "synthetic", "sha256"]
    return format_table(headers, [_entry_row(entry) for entry in entries], right_align=(2,))


_LIST_FORMAT = click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)


@geoplan.group("layers")
def layers_group() -> None:
    """Your own layers, kept in a catalog: every version, with where it came from."""


@layers_group.command("add")
@_kind_argument
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@_read_options
@_catalog_option
def layers_add(kind: str, path: Path, catalog_path: Path | None, **read_options: Any) -> None:
    """Import PATH as the new current KIND layer; the previous version is kept."""
    catalog = Catalog(catalog_path)
    entry = catalog.add(kind, path, **read_options)
    count = f"{entry.feature_count} features" if entry.feature_count is not None else f"scheme {entry.scheme}"
    _say(
        f"added {entry.kind} v{entry.version} ({count}) from {printable(entry.original_name)} to "
        f"{printable(catalog.root)}"
    )
    for label, lines in (("conversion", entry.conversion), ("note", entry.remarks), ("", entry.warnings)):
        for line in lines:
            _say(f"  {label + ': ' if label else ''}{printable(line)}", err=True)


@layers_group.command("list")
@_catalog_option
@_LIST_FORMAT
def layers_list(catalog_path: Path | None, output_format: str) -> None:
    """The current version of each kind in the catalog."""
    _say(_entries_output(Catalog(catalog_path).list(), output_format))


@layers_group.command("history")
@_kind_argument
@_catalog_option
@_LIST_FORMAT
def layers_history(kind: str, catalog_path: Path | None, output_format: str) -> None:
    """Every stored version of KIND, oldest first (* marks the current one)."""
    _say(_entries_output(Catalog(catalog_path).history(kind), output_format))


@layers_group.command("remove")
@_kind_argument
@click.option("--version", "version", type=click.IntRange(min=1), help="Remove only this version.")
@_catalog_option
def layers_remove(kind: str, version: int | None, catalog_path: Path | None) -> None:
    """Remove KIND from the catalog (every version, or only --version N)."""
    removed = Catalog(catalog_path).remove(kind, version)
    click.echo(f"removed {kind} {', '.join(f'v{entry.version}' for entry in removed)}")


@layers_group.command("rollback")
@_kind_argument
@_catalog_option
def layers_rollback(kind: str, catalog_path: Path | None) -> None:
    """Make the version of KIND before the current one current again."""
    entry = Catalog(catalog_path).rollback(kind)
    _say(f"{kind} is now v{entry.version} ({printable(entry.original_name)}, imported {entry.imported_at})")


@geoplan.command("check")
@_kind_argument
@click.argument("path", type=click.Path(path_type=Path))
@_read_options
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.pass_context
def check(ctx: click.Context, kind: str, path: Path, output_format: str, **read_options: Any) -> None:
    """Check that PATH is usable as a KIND layer and report what was found, without importing it.

    Prints the CRS, the feature count, the fields found and missing, the conversions that would be
    applied and every note and warning. Exits 0 when the file is usable, 2 when it is not.
    """
    report = check_layer(kind, path, **read_options)
    if output_format == "json":
        _say(_json(report.to_record()))
    else:
        _say("\n".join(report.lines()))
    ctx.exit(0 if report.usable else 2)


# --- geoplan map, geoplan export --------------------------------------------------------------------------


@geoplan.command("map")
@_layer_path_options("landcover", "districts", *_LAYER_OPTIONS)
@click.option(
    "--district", help="Zoom to this district (adcode, 滨湖区/滨湖 or Binhu) and draw only its features."
)
@click.option(
    "--overlay",
    "overlays",
    multiple=True,
    type=click.Choice(
        ["districts", "landcover", "forest", "pv", "pv_sites", "wetlands", "protected", "builtup", "stations"]
    ),
    help="Overlay to draw. Repeatable. Default: districts, forest cover, wetlands, stations.",
)
@click.option(
    "--basemap",
    default="cartodb",
    show_default=True,
    help="cartodb, osm, esri, tianditu, amap, internal, none.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@_output_options
def map_command(
    district: str | None,
    overlays: tuple[str, ...],
    basemap: str,
    lang: str,
    output: Path | None,
    overwrite: bool,
    landcover: Path | None,
    districts: Path | None,
    **layer_paths: Path | None,
) -> None:
    """Write the atlas map as one standalone HTML file that works offline (the app's map, headless)."""
    from analysis.export import find_district
    from maps.atlas import DEFAULT_LAYERS, AtlasData, MapView, build_atlas_map, map_html
    from maps.text import t

    inputs = load_indicator_inputs(landcover=landcover, districts=districts, layer_paths=layer_paths)
    raster = inputs.landcover
    data = AtlasData(
        boundaries=inputs.boundaries,
        landcover={} if raster is None else {raster.year or 0: raster},
        vectors={kind: getattr(inputs, kind) for kind in _LAYER_OPTIONS},
    )
    focus = find_district(inputs.boundaries, district) if district else None
    view = MapView(layers=overlays or DEFAULT_LAYERS, basemap=basemap, lang=lang, focus=focus)
    banner = t("synthetic_banner", lang).replace("**", "") if data.synthetic else None
    _write_output(
        map_html(build_atlas_map(data, view), title=t("app_title", lang), banner=banner), output, overwrite
    )


@geoplan.command("export")
@click.argument("kind", type=click.Choice(["districts", *_LAYER_OPTIONS]))
@click.option("--district", help="Only features that intersect this district (adcode or name).")
@click.option(
    "--from",
    "source_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the layer from this file instead of the shipped one.",
)
@_output_options
def export_command(
    kind: str, district: str | None, source_path: Path | None, output: Path | None, overwrite: bool
) -> None:
    """Write one layer as RFC 7946 GeoJSON (EPSG:4326); synthetic layers are flagged in the file."""
    from analysis.export import find_district, layer_to_geojson
    from analysis.sources import VectorSource

    if kind == "districts":
        inputs = load_indicator_inputs(districts=source_path, without=("landcover", *_LAYER_OPTIONS))
        source: VectorSource | None = VectorSource("districts", inputs.boundaries, "boundaries", "", False)
    else:
        left_out = tuple(k for k in ("landcover", *_LAYER_OPTIONS) if k != kind)
        inputs = load_indicator_inputs(layer_paths={kind: source_path}, without=left_out)
        source = getattr(inputs, kind)
    if source is None:
        raise click.UsageError(f"there is no {kind} layer to export")
    adcode = find_district(inputs.boundaries, district) if district else None
    _write_output(layer_to_geojson(source, inputs.boundaries, adcode), output, overwrite)


# --- geoplan demo-data ------------------------------------------------------------------------------------


@geoplan.command("demo-data")
@click.option(
    "--resolution",
    type=click.Choice(["30", "10"]),
    default="30",
    show_default=True,
    help="Raster resolution in metres. 30: the shipped rasters and the vector layers; 10: the two 10 m "
    "rasters only (about 100 Mpx each, never committed).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data directory to write into (rasters/ and demo/ below it). Default: the shipped data directory.",
)
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Same seed, identical files.")
@click.option("--overwrite", is_flag=True, help="Replace existing files.")
def demo_data(resolution: str, out_dir: Path | None, seed: int, overwrite: bool) -> None:
    """Generate the SYNTHETIC demo dataset: land cover 2020/2024 (COG, EPSG:4549) and the demo layers.

    Everything is drawn from the seed and labelled synthetic; only the district boundaries are real.
    """
    from demo.generate import demo_output_paths, generate_demo_data

    target = out_dir if out_dir is not None else data_dir()
    existing = [p for p in demo_output_paths(target, int(resolution)) if p.exists()]
    if existing and not overwrite:
        raise click.UsageError(
            f"{existing[0]} exists ({len(existing)} file(s) in all); pass --overwrite to replace them"
        )
    progress = _StageProgressBar()
    try:
        manifest = generate_demo_data(target, int(resolution), seed, progress, overwrite=overwrite)
    finally:
        progress.close()
    for item in manifest.files:
        click.echo(f"wrote {target / item.path} ({item.bytes / 1e6:.1f} MB)", err=True)
    forest = {year: manifest.calibration[f"forest_coverage_{year}_pct"]["320200"] for year in (2020, 2024)}
    click.echo(
        f"SYNTHETIC demo data, seed {seed}: tree+shrub {forest[2020]}% (2020), {forest[2024]}% (2024) of the "
        f"official area; built-up green {manifest.calibration['builtup_green_coverage_2024_pct']}% (2024)"
    )


def main() -> None:
    """Console-script entry point: run the group, translating atlas errors to messages."""
    try:
        exit_code = geoplan.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except AtlasError as exc:
        _say(f"Error: {exc}", err=True)
        sys.exit(2)
    except (OSError, ValueError) as exc:
        # Bad input that slipped past the readers' own checks (a permission error, a value a library
        # rejected): still a message, not a traceback. GEOPLAN_DEBUG=1 shows the traceback.
        if os.environ.get("GEOPLAN_DEBUG"):
            raise
        _say(f"Error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)
    if isinstance(exit_code, int):
        sys.exit(exit_code)


if __name__ == "__main__":
    main()
