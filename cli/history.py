"""``geoplan history``: every indicator for every vintage held, each unit's line to the targets, the year
its trend reaches them and 预警 where it misses one."""

from __future__ import annotations

from pathlib import Path

import click

from wuxi_atlas.cli.catalog_location import CatalogLocation
from wuxi_atlas.cli.options import (
    StageProgressBar,
    output_options,
    quiet_option,
    report_format,
    resolve_district,
    say,
    write_output,
)

__all__ = ["history"]


def _indicator_ids() -> tuple[str, ...]:
    from wuxi_atlas.analysis.indicators import INDICATOR_IDS

    return INDICATOR_IDS


@click.command()
@click.option(
    "--catalog",
    "catalog_path",
    type=CatalogLocation(),
    help="Take the vintages of a kind from this layer catalog (every stored version, by its year) where it "
    "holds the kind. Default: the shipped demo data's vintages only.",
)
@click.option(
    "--indicator",
    "only",
    multiple=True,
    metavar="ID",
    help="Only this indicator (an id of 'geoplan indicators --indicator'). Repeatable. Default: all.",
)
@click.option(
    "--district",
    metavar="NAME|ADCODE",
    help="Show only this unit: an adcode, 滨湖区/滨湖 or Binhu (the city: 320200 or 无锡市).",
)
@report_format
@output_options
@quiet_option
def history(
    catalog_path: Path | str | None,
    only: tuple[str, ...],
    district: str | None,
    output_format: str,
    output: Path | None,
    overwrite: bool,
    quiet: bool,
) -> None:
    """Every indicator for every vintage held, and whether each unit is on track.

    A run per year in which any layer has a vintage: each layer is the vintage of that year, else the
    latest before it, else the nearest after it (every record names the vintage of each layer it read).
    For each unit and indicator: its values year by year, the straight line from the baseline (the
    plan's, else the first vintage) to the 2025 and 2030 targets, the year the least-squares trend
    reaches each target, and 预警 (early warning) where it misses the target year. A raster's land cover
    and a land survey (DLTB) are separate series.
    """
    from dataclasses import replace

    from wuxi_atlas.analysis.boundaries import load_boundaries
    from wuxi_atlas.analysis.history import compute_history, kinds_for
    from wuxi_atlas.analysis.history_report import history_table, history_to_csv, history_to_json
    from wuxi_atlas.analysis.targets import load_targets
    from wuxi_atlas.layers.catalog import open_catalog
    from wuxi_atlas.layers.vintages import cached_run, history_inputs, history_vintages

    unknown = sorted(set(only) - set(_indicator_ids()))
    if unknown:
        raise click.BadParameter(
            f"unknown indicator(s) {', '.join(unknown)}; choose from {', '.join(_indicator_ids())}",
            param_hint="'--indicator'",
        )
    adcode = resolve_district(district)
    boundaries = load_boundaries()
    needed = kinds_for(only or None)
    vintages = [
        v
        for v in history_vintages(open_catalog(catalog_path) if catalog_path is not None else None)
        if v.kind in needed
    ]
    progress = StageProgressBar(quiet)
    progress.stage(f"reading {sum(v.year is not None for v in vintages)} vintages")
    runs = history_inputs(vintages, boundaries)
    left_out = [v for v in vintages if v.year is None]
    try:
        result = compute_history(
            runs,
            load_targets(),
            only=only or None,
            unknown=left_out,
            compute=cached_run,
            progress=lambda done, total: progress("years computed", done, total),
        )
    finally:
        progress.close()
    if adcode is not None:
        result = replace(
            result,
            records=tuple(r for r in result.records if r.adcode == adcode),
            outlooks=tuple(o for o in result.outlooks if o.adcode == adcode),
        )
    if output_format == "json":
        text = history_to_json(result)
    elif output_format == "csv":
        text = history_to_csv(result, bom=output is not None)
    else:
        text = history_table(result)
    write_output(text, output, overwrite)
    if left_out and output_format != "table":
        names = ", ".join(f"{v.kind} ({v.label})" for v in left_out)
        say(f"note: left out, their year is unknown: {names}; give it with --year", err=True)
    if any(r.result.synthetic for r in result.records):
        click.echo("note: results include SYNTHETIC demo data (not real measurements)", err=True)
