"""``geoplan map`` and ``geoplan export``: the atlas map as one standalone HTML file, and one layer as
GeoJSON. The engine and the drawing modules are imported inside the commands, so ``geoplan --help`` loads
neither geopandas nor folium."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from wuxi_atlas.analysis.names import INDICATOR_IDS
from wuxi_atlas.cli.options import (
    LAYER_OPTIONS,
    StageProgressBar,
    layer_path_options,
    output_options,
    quiet_option,
    radius_option,
    resolve_district,
    write_output,
)
from wuxi_atlas.maps.overlay_names import OVERLAY_CHOICES

if TYPE_CHECKING:
    from wuxi_atlas.analysis.sources import VectorSource

__all__ = ["export_command", "map_command"]


@click.command("map")
@layer_path_options("landcover", "districts", *LAYER_OPTIONS)
@click.option(
    "--district", help="Zoom to this district (adcode, 滨湖区/滨湖 or Binhu) and draw only its features."
)
@click.option(
    "--overlay",
    "overlays",
    multiple=True,
    type=click.Choice(OVERLAY_CHOICES),
    help="Overlay to draw. Repeatable. Default: districts, forest cover, wetlands, stations. "
    "charging_gaps: the built-up area farther than --radius from every public charger.",
)
@click.option(
    "--choropleth",
    "choropleth",
    type=click.Choice(INDICATOR_IDS),
    help="Colour the districts by this indicator, its value on each district and its target in the legend.",
)
@click.option(
    "--colouring",
    type=click.Choice(["ramp", "status"]),
    default="ramp",
    show_default=True,
    help="Choropleth colours: a ramp of the values, or the status against the target.",
)
@radius_option
@click.option(
    "--basemap",
    default="cartodb",
    show_default=True,
    help="cartodb, osm, esri, tianditu, amap, internal, none.",
)
@click.option(
    "--compare-year",
    type=int,
    help="Also draw the shipped land cover of this year beside the map's, across a divider the reader "
    "drags (earlier year left, later right); with --overlay landcover or forest.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@output_options
@quiet_option
def map_command(
    district: str | None,
    overlays: tuple[str, ...],
    basemap: str,
    compare_year: int | None,
    lang: str,
    choropleth: str | None,
    colouring: Literal["ramp", "status"],
    radius: float,
    output: Path | None,
    overwrite: bool,
    quiet: bool,
    landcover: Path | None,
    districts: Path | None,
    **layer_paths: Path | None,
) -> None:
    """Write the atlas map as one standalone HTML file that works offline (the app's map, headless)."""
    from wuxi_atlas.analysis.indicators import IndicatorOptions, compute_indicators
    from wuxi_atlas.analysis.sources import RasterSource
    from wuxi_atlas.analysis.targets import load_targets
    from wuxi_atlas.layers.defaults import default_landcover_series, load_default_landcover
    from wuxi_atlas.layers.inputs import load_indicator_inputs
    from wuxi_atlas.layers.lazy import LazyMapping
    from wuxi_atlas.maps.atlas import DEFAULT_LAYERS, AtlasData, MapView, build_atlas_map, map_html
    from wuxi_atlas.maps.text import t

    shipped_years = default_landcover_series()
    if compare_year is not None and compare_year not in shipped_years:
        years = ", ".join(map(str, shipped_years)) or "none"
        raise click.BadParameter(
            f"no shipped land cover for {compare_year}; years: {years}", param_hint="--compare-year"
        )
    focus = resolve_district(district, districts)
    progress = StageProgressBar(quiet)
    progress.stage("reading the layers")
    inputs = load_indicator_inputs(landcover=landcover, districts=districts, layer_paths=layer_paths)
    raster = inputs.landcover
    options = IndicatorOptions(service_radius_m=radius)
    only = [choropleth] if choropleth else []
    results = (
        tuple(compute_indicators(inputs, load_targets(), options, only=only, progress=progress))
        if only
        else ()
    )
    # A land survey's parcels are not drawn as land cover (hundreds of thousands of polygons).
    years_drawn = {raster.year or 0: raster} if isinstance(raster, RasterSource) else {}
    if compare_year is not None and compare_year not in years_drawn:
        years_drawn[compare_year] = load_default_landcover(year=compare_year)
    data = AtlasData(
        boundaries=inputs.boundaries,
        landcover=years_drawn,
        # Read when the map draws them: the default view never reads the 40,000 buildings.
        vectors=LazyMapping(LAYER_OPTIONS, lambda kind: _vector(inputs.layer(kind))),
        results=results,
    )
    view = MapView(
        layers=overlays or DEFAULT_LAYERS,
        basemap=basemap,
        year=next(iter(years_drawn), None),  # the map's own land cover; the compared year beside it
        compare_year=compare_year,
        lang=lang,
        focus=focus,
        choropleth=choropleth,
        choropleth_mode=colouring,
        service_radius_m=radius,
    )
    progress.stage("drawing the map")
    drawn = build_atlas_map(data, view)
    # Synthetic when a layer the map read is: the layers it did not draw were never read.
    synthetic = any(getattr(inputs.layer(kind), "synthetic", False) for kind in inputs.read_kinds)
    banner = t("synthetic_banner", lang).replace("**", "") if synthetic else None
    write_output(map_html(drawn, title=t("app_title", lang), banner=banner), output, overwrite)


@click.command("export")
@click.argument("kind", type=click.Choice(["districts", *LAYER_OPTIONS]))
@click.option(
    "--district",
    help="Cut the layer to this district (adcode or name): polygons and lines clipped to its boundary, "
    "points inside it, the districts layer reduced to that district.",
)
@click.option(
    "--from",
    "source_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the layer from this file instead of the shipped one.",
)
@output_options
def export_command(
    kind: str, district: str | None, source_path: Path | None, output: Path | None, overwrite: bool
) -> None:
    """Write one layer as RFC 7946 GeoJSON (EPSG:4326); synthetic layers are flagged in the file."""
    from wuxi_atlas.analysis.export import layer_to_geojson
    from wuxi_atlas.analysis.sources import VectorSource
    from wuxi_atlas.layers.inputs import load_indicator_inputs

    adcode = resolve_district(district, source_path if kind == "districts" else None)

    if kind == "districts":
        inputs = load_indicator_inputs(districts=source_path, without=("landcover", *LAYER_OPTIONS))
        source: VectorSource | None = VectorSource("districts", inputs.boundaries, "boundaries", "", False)
    else:
        left_out = tuple(k for k in ("landcover", *LAYER_OPTIONS) if k != kind)
        inputs = load_indicator_inputs(layer_paths={kind: source_path}, without=left_out)
        source = getattr(inputs, kind)
    if source is None:
        raise click.UsageError(f"there is no {kind} layer to export")
    write_output(layer_to_geojson(source, inputs.boundaries, adcode), output, overwrite)


def _vector(source: object) -> VectorSource | None:
    from wuxi_atlas.analysis.sources import VectorSource

    return source if isinstance(source, VectorSource) else None
