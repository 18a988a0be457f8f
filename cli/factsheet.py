"""``geoplan factsheet``: one district's fact sheet as a printable HTML page or an A4 PDF (headless
Chromium). The drawing and printing modules are imported inside the command, so ``geoplan --help`` stays
light."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from wuxi_atlas.cli.options import (
    LAYER_OPTIONS,
    layer_path_options,
    output_options,
    resolve_district,
    write_binary,
    write_output,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    import pandas as pd

    from wuxi_atlas.analysis.outlook import Outlook
    from wuxi_atlas.analysis.results import IndicatorResult

__all__ = ["factsheet_command"]


@click.command("factsheet")
@click.option(
    "--district", required=True, help="The unit: adcode, 滨湖区/滨湖 or Binhu (无锡市 for the city)."
)
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["html", "pdf"]),
    help="html (default) or pdf (A4, needs Chromium and -o). Default: pdf when -o ends in .pdf.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@layer_path_options("landcover", "districts", *LAYER_OPTIONS)
@output_options
def factsheet_command(
    district: str,
    output_format: str | None,
    lang: str,
    output: Path | None,
    overwrite: bool,
    landcover: Path | None,
    districts: Path | None,
    **layer_paths: Path | None,
) -> None:
    """Write one district's fact sheet: its map coloured by 林木覆盖率, its indicators with status and gaps,
    the progress chart, the land-cover change between the oldest and latest shipped years, the sources and
    vintages, and the note on city-wide targets."""
    from wuxi_atlas.analysis.indicators import compute_indicators
    from wuxi_atlas.analysis.targets import load_targets
    from wuxi_atlas.layers.inputs import load_indicator_inputs
    from wuxi_atlas.maps.factsheet import district_fact_sheet

    if output_format is None:
        output_format = "pdf" if output is not None and output.suffix.lower() == ".pdf" else "html"
    if output_format == "pdf":
        from wuxi_atlas.maps.pdf import require_chromium

        if output is None:
            raise click.UsageError("a PDF is a binary file: give -o FILE")
        require_chromium()  # before minutes of work, not after
    adcode = resolve_district(district, districts)
    assert adcode is not None
    inputs = load_indicator_inputs(landcover=landcover, districts=districts, layer_paths=layer_paths)
    results = compute_indicators(inputs, load_targets())
    shipped = landcover is None and districts is None and not any(layer_paths.values())
    change, years = _change(inputs.boundaries, adcode, lang) if landcover is None else (None, (None, None))
    # The years of the shipped data only: a file given here has no history to set it in.
    outlooks = _outlooks(results, adcode) if shipped else None
    page = district_fact_sheet(
        results, inputs.boundaries, adcode, lang=lang, change=change, change_years=years, outlooks=outlooks
    )
    if output_format == "pdf":
        from wuxi_atlas.maps.pdf import html_to_pdf

        write_binary(html_to_pdf(page), output, overwrite, "a PDF")
    else:
        write_output(page, output, overwrite)


def _outlooks(results: Sequence[IndicatorResult], adcode: str) -> dict[str, list[Outlook]]:
    """The unit's outlooks (values by year, the line, the trend) of each indicator it has a target for,
    from every vintage of the shipped data (:func:`wuxi_atlas.analysis.history.compute_history`)."""
    from wuxi_atlas.analysis.history import compute_history, kinds_for
    from wuxi_atlas.analysis.targets import load_targets
    from wuxi_atlas.layers.vintages import cached_run, history_inputs, history_vintages
    from wuxi_atlas.maps.factsheet import trajectory_indicators

    indicators = trajectory_indicators(results, adcode)
    if not indicators:
        return {}
    needed = kinds_for(indicators)
    vintages = [v for v in history_vintages() if v.kind in needed]
    history = compute_history(
        history_inputs(vintages),
        load_targets(),
        only=indicators,
        unknown=[v for v in vintages if v.year is None],
        compute=cached_run,
    )
    return {indicator: history.outlook(indicator, adcode) for indicator in indicators}


def _change(
    boundaries: gpd.GeoDataFrame, adcode: str, lang: str
) -> tuple[pd.DataFrame | None, tuple[int | None, int | None]]:
    """The shipped land cover's change, oldest to latest year, in ``adcode`` (None with one year)."""
    from wuxi_atlas.analysis.change import landcover_change
    from wuxi_atlas.analysis.study_area import StudyArea
    from wuxi_atlas.layers.defaults import default_landcover_series, load_default_landcover
    from wuxi_atlas.maps.factsheet import unit_change_table

    series = default_landcover_series()
    if len(series) < 2:
        return None, (None, None)
    first, last = min(series), max(series)
    result = landcover_change(
        load_default_landcover(year=first),
        load_default_landcover(year=last),
        StudyArea.from_boundaries(boundaries),
    )
    return unit_change_table(result, adcode, lang), (result.year_from, result.year_to)
