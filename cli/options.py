"""Options and helpers shared by the ``geoplan`` commands, defined once (as in rasterio's ``rio/options.py``):
the output options and output writing, terminal-safe printing, the per-layer path options and the progress
bar on stderr."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from analysis.errors import printable
from layers.inputs import VECTOR_KINDS

__all__ = [
    "LAYER_OPTIONS",
    "LAYER_PATH_HELP",
    "StageProgressBar",
    "layer_path_options",
    "list_format",
    "output_options",
    "require_dask",
    "say",
    "terminal_json",
    "write_output",
]

#: The vector layers a command can take from a file (``--KIND PATH``) or leave out.
LAYER_OPTIONS = VECTOR_KINDS


def output_options(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")(
        function
    )
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to FILE instead of stdout.",
    )(function)


#: ``-f/--format table|json`` of the commands that list things.
list_format = click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
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


def require_dask(scheduler: str | None) -> str | None:
    if scheduler is not None and importlib.util.find_spec("distributed") is None:
        raise click.BadParameter(
            "Dask is not installed; pip install 'wuxi-carbon-peak-atlas[dask]'", param_hint="--scheduler"
        )
    return scheduler


class StageProgressBar:
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
