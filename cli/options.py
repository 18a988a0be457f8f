"""Options and helpers shared by the ``geoplan`` commands, defined once (as in rasterio's ``rio/options.py``):
the output options and output writing, terminal-safe printing, the per-layer path options, the district
resolver and the progress report on stderr.

This module, like every ``cli`` module at import time, imports nothing heavy (geopandas, rasterio, folium):
``geoplan --help`` and ``geoplan targets list`` stay fast. Choices come from the light name modules
(:mod:`analysis.names`, :mod:`layers.names`); the engine is imported inside the command functions. The checks
that can refuse a command (an existing output, an unknown district, a missing file) run before any work.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from wuxi_atlas.analysis.errors import printable
from wuxi_atlas.analysis.names import DEFAULT_SERVICE_RADIUS_M
from wuxi_atlas.layers.names import VECTOR_KINDS

__all__ = [
    "LAYER_OPTIONS",
    "LAYER_PATH_HELP",
    "StageProgressBar",
    "check_scheme",
    "layer_path_options",
    "list_format",
    "output_options",
    "quiet_option",
    "radius_option",
    "report_format",
    "require_dask",
    "resolve_district",
    "say",
    "terminal_json",
    "write_binary",
    "write_output",
]

#: The vector layers a command can take from a file (``--KIND PATH``) or leave out.
LAYER_OPTIONS = VECTOR_KINDS


def refuse_output(output: Path | None, overwrite: bool) -> None:
    """Refuse, before any work, an output that exists (without ``--overwrite``) or whose folder does not."""
    if output is None:
        return
    if output.exists() and not overwrite:
        raise click.UsageError(f"{printable(output)} exists; pass --overwrite to replace it")
    if not output.parent.is_dir():
        raise click.UsageError(
            f"cannot write {printable(output)}: the folder {printable(output.parent)} does not exist"
        )


def _check_output(ctx: click.Context, _param: click.Parameter, output: Path | None) -> Path | None:
    # --overwrite is eager, so its value is known here whatever the order on the command line.
    refuse_output(output, bool(ctx.params.get("overwrite")))
    return output


def output_options(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option(
        "--overwrite", is_flag=True, is_eager=True, help="Replace the output file if it exists."
    )(function)
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        callback=_check_output,
        help="Write to FILE instead of stdout.",
    )(function)


#: ``-q/--quiet``: no progress on stderr (results, notes and errors are still printed).
quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="Print no progress on stderr (results, notes and errors still are)."
)

#: ``--radius``: the charging service radius, for the coverage indicator and the charging gaps map.
radius_option = click.option(
    "--radius",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_SERVICE_RADIUS_M,
    show_default=True,
    help="Charging service radius in metres (charging_gaps and the coverage indicator).",
)


def check_scheme(_ctx: click.Context, _param: click.Parameter, scheme: str | None) -> str | None:
    """``--scheme``: a scheme name or TOML file that does not load is refused before any raster is read."""
    if scheme is not None:
        from wuxi_atlas.analysis.errors import AtlasError
        from wuxi_atlas.analysis.schemes import load_scheme

        try:
            load_scheme(scheme)
        except AtlasError as exc:
            raise click.BadParameter(str(exc)) from None
    return scheme


def resolve_district(text: str | None, districts: Path | None = None) -> str | None:
    """The adcode of ``--district TEXT`` (an adcode, 滨湖区/滨湖 or Binhu) among the boundaries
    (``districts``, else the shipped ones), resolved before any work: the one resolver of ``change``,
    ``map`` and ``export``. An unknown name is a usage error (exit 2) listing the valid ones."""
    if text is None:
        return None
    from wuxi_atlas.analysis.boundaries import load_boundaries
    from wuxi_atlas.analysis.errors import DataFileError
    from wuxi_atlas.analysis.export import find_district

    try:
        return find_district(load_boundaries(districts), text)
    except DataFileError as exc:
        raise click.BadParameter(str(exc), param_hint="'--district'") from None


#: ``-f/--format table|json`` of the commands that list things.
list_format = click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)


#: ``-f/--format table|csv|json`` of the commands that report figures per unit (``change``, ``history``).
report_format = click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)


def say(text: str, err: bool = False) -> None:
    """Print text that may quote a user's file, its control codes made visible (newlines kept)."""
    click.echo(printable(text, keep_newlines=True), err=err)


def terminal_json(document: object) -> str:
    """JSON for the terminal: readable Chinese, every control or bidi character \\u-escaped."""
    return printable(json.dumps(document, ensure_ascii=False, indent=2), keep_newlines=True, style="json")


def write_output(text: str, output: Path | None, overwrite: bool) -> None:
    """Print ``text``, or write it to ``output``, never replacing a file without ``--overwrite``."""
    if output is None:
        click.echo(text)
        return
    if output.exists() and not overwrite:
        raise click.UsageError(f"{printable(output)} exists; pass --overwrite to replace it")
    output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


def write_binary(data: bytes, output: Path | None, overwrite: bool, what: str) -> None:
    """Write ``data`` (an .xlsx, a PDF) to ``output``; binary never goes to the terminal, so ``-o`` is
    required, and an existing file is replaced only with ``--overwrite``."""
    if output is None:
        raise click.UsageError(f"{what} is a binary file: give -o FILE")
    if output.exists() and not overwrite:
        raise click.UsageError(f"{printable(output)} exists; pass --overwrite to replace it")
    output.write_bytes(data)
    click.echo(f"wrote {output}", err=True)


def require_dask(scheduler: str | None) -> str | None:
    if scheduler is not None and importlib.util.find_spec("distributed") is None:
        raise click.BadParameter(
            "Dask is not installed; pip install 'wuxi-carbon-peak-atlas[dask]'", param_hint="--scheduler"
        )
    return scheduler


class StageProgressBar:
    """Progress of a command's long stages on stderr, called as ``progress(stage, done, total)``.

    On a terminal, a click progress bar per stage. Elsewhere (a log, a pipe) plain lines such as
    ``geoplan: forest_coverage 40% (12 of 30)``: the first of each stage, then at most one every ``interval``
    seconds, and the last of a stage that took longer than that. A stage of a single step shows nothing.
    :meth:`stage` announces a stage that has no count (reading the layers). ``quiet``: nothing at all.
    """

    def __init__(self, quiet: bool = False, *, interval: float = 2.0) -> None:
        self.quiet = quiet
        self.interval = interval
        self._label: str | None = None
        self._bar: Any = None
        self._shown = 0
        self._started = self._printed = 0.0

    def stage(self, label: str) -> None:
        """Say that ``label`` starts (one line, on a terminal too)."""
        if self.quiet:
            return
        self.close()
        self._label = label
        click.echo(f"geoplan: {label}", err=True)

    def __call__(self, label: str, done: int, total: int) -> None:
        if self.quiet or total <= 1:
            return
        if not sys.stderr.isatty():
            self._line(label, done, total)
            return
        if label != self._label or self._bar is None:
            self.close()
            self._label = label
            self._bar = click.progressbar(length=total, label=label, file=sys.stderr).__enter__()
            self._shown = 0
        self._bar.update(done - self._shown)
        self._shown = done

    def _line(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if label != self._label:
            self._label, self._started = label, now
        elif not (
            now - self._printed >= self.interval or (done >= total and now - self._started >= self.interval)
        ):
            return
        self._printed = now
        click.echo(f"geoplan: {label} {100 * done // total}% ({done} of {total})", err=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


# Layer files that override the shipped demo data, one option each: kind -> help text.
LAYER_PATH_HELP = {
    "landcover": "Land-cover raster (GeoTIFF/COG, any CRS). Default: the shipped demo raster.",
    "districts": "City and district boundaries (GeoJSON). Default: data/boundaries.",
    "wetlands": "Wetland polygons (三调 scope).",
    "protected": "Protected areas (reserves, wetland parks, protection plots).",
    "builtup": "Built-up area (建成区) polygon.",
    "buildings": "Building footprints with building_type and roof_area_m2.",
    "pv_sites": "Installed PV sites (points with capacity_kw).",
    "stations": "Charging, swap and hydrogen stations (points, or CSV with lon/lat, type, piles, access).",
}


def layer_path_options(*kinds: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """One ``--KIND PATH`` option per layer kind, defined once for every command that takes layers."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for kind in reversed(kinds):
            function = click.option(
                f"--{kind.replace('_', '-')}",
                kind,
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help=LAYER_PATH_HELP[kind],
            )(function)
        return function

    return decorate
