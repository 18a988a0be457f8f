"""``geoplan``: the command-line front-end. Thin: each command body is one library call.

Errors of the atlas (:class:`analysis.errors.AtlasError`) are turned into a one-line message and exit
code 2 in one place, :func:`main`; nothing else here catches exceptions.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from analysis.charging import DEFAULT_SERVICE_RADIUS_M
from analysis.distributed import zonal_strategy
from analysis.errors import AtlasError
from analysis.forest import DENOMINATORS, VARIANTS, Denominator, Variant
from analysis.indicators import INDICATOR_IDS, IndicatorOptions, compute_indicators
from analysis.paths import targets_path
from analysis.pv import PVParameters
from analysis.report import format_results_table, results_to_csv, results_to_geojson, results_to_json
from analysis.targets import MEASURES, load_targets, select_targets, targets_table, validate_targets
from layers.inputs import load_indicator_inputs


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


def _write_output(text: str, output: Path | None, overwrite: bool) -> None:
    """Print ``text``, or write it to ``output``, never replacing a file without ``--overwrite``."""
    if output is None:
        click.echo(text)
        return
    if output.exists() and not overwrite:
        raise click.UsageError(f"{output} exists; pass --overwrite to replace it")
    output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


def _require_dask(scheduler: str | None) -> str | None:
    if scheduler is not None and importlib.util.find_spec("distributed") is None:
        raise click.BadParameter(
            "Dask is not installed; pip install 'wuxi-carbon-peak-atlas[dask]'", param_hint="--scheduler"
        )
    return scheduler


class _StageProgressBar:
    """A click progress bar on stderr per raster pass; silent when the pass is a single block."""

    def __init__(self) -> None:
        self._label: str | None = None
        self._bar: Any = None
        self._shown = 0

    def __call__(self, label: str, done: int, total: int) -> None:
        if total <= 1:
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


# --- geoplan indicators -----------------------------------------------------------------------------------

_LAYER_OPTIONS = ("wetlands", "protected", "builtup", "buildings", "pv_sites", "stations")


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
@click.option(
    "--districts",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="City and district boundaries (GeoJSON). Default: data/boundaries.",
)
@click.option(
    "--wetlands",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Wetland polygons (三调 scope).",
)
@click.option(
    "--protected",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Protected areas (reserves, wetland parks, protection plots).",
)
@click.option(
    "--builtup",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Built-up area (建成区) polygon.",
)
@click.option(
    "--buildings",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Building footprints with building_type and roof_area_m2.",
)
@click.option(
    "--pv-sites",
    "pv_sites",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Installed PV sites (points with capacity_kw).",
)
@click.option(
    "--stations",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Charging, swap and hydrogen stations (points, or CSV with lon/lat, type, piles, access).",
)
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
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    if isinstance(exit_code, int):
        sys.exit(exit_code)


if __name__ == "__main__":
    main()
