"""``geoplan change``: land-cover change between two years, per class and district."""

from __future__ import annotations

from pathlib import Path

import click

from wuxi_atlas.analysis.text_table import format_table
from wuxi_atlas.cli.options import (
    LAYER_PATH_HELP,
    StageProgressBar,
    check_scheme,
    output_options,
    quiet_option,
    report_format,
    resolve_district,
    write_output,
)

__all__ = ["change"]


@click.command("change")
@click.option(
    "--before",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Earlier land-cover raster, or a folder or zip of its tiles; repeatable for several tiles. "
    "Default: the oldest shipped year.",
)
@click.option(
    "--after",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Later land-cover raster on the same grid (or its tiles, as --before). Default: the latest "
    "shipped year.",
)
@click.option(
    "--scheme",
    callback=check_scheme,
    help="Land-cover scheme of both rasters (default: from their tags or codes).",
)
@click.option(
    "--districts",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=LAYER_PATH_HELP["districts"],
)
@click.option(
    "--district",
    help="Only this unit: an adcode (320211; 320200 for the city), a name (滨湖区, 滨湖) or Binhu.",
)
@report_format
@output_options
@quiet_option
def change(
    before: tuple[Path, ...],
    after: tuple[Path, ...],
    scheme: str | None,
    districts: Path | None,
    district: str | None,
    output_format: str,
    output: Path | None,
    overwrite: bool,
    quiet: bool,
) -> None:
    """Land-cover change between two years: hectares gained, lost and net per class and district."""
    from wuxi_atlas.analysis.boundaries import load_boundaries
    from wuxi_atlas.analysis.change import landcover_change
    from wuxi_atlas.analysis.study_area import StudyArea
    from wuxi_atlas.layers.defaults import default_landcover_series, load_default_landcover
    from wuxi_atlas.layers.formats import read_landcover_tiles

    adcode = resolve_district(district, districts)
    progress = StageProgressBar(quiet)
    progress.stage("reading the rasters")
    series = default_landcover_series()
    before_source = (
        read_landcover_tiles(before, scheme=scheme)
        if before
        else load_default_landcover(scheme, year=min(series))
    )
    after_source = (
        read_landcover_tiles(after, scheme=scheme)
        if after
        else load_default_landcover(scheme, year=max(series))
    )
    try:
        result = landcover_change(
            before_source,
            after_source,
            StudyArea.from_boundaries(load_boundaries(districts)),
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
    write_output(text, output, overwrite)
    if result.synthetic:
        click.echo("note: SYNTHETIC demo land cover (not real measurements)", err=True)
