"""``geoplan map`` and ``geoplan export``: the atlas map as one standalone HTML file, and one layer as
GeoJSON. The engine and the drawing modules are imported inside the commands, so ``geoplan --help`` loads
neither geopandas nor folium."""

from __future__ import annotations

from pathlib import Path

import click

from cli.options import (
    LAYER_OPTIONS,
    StageProgressBar,
    layer_path_options,
    output_options,
    quiet_option,
    resolve_district,
    write_output,
)

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
@output_options
@quiet_option
def map_command(
    district: str | None,
    overlays: tuple[str, ...],
    basemap: str,
    lang: str,
    output: Path | None,
    overwrite: bool,
    quiet: bool,
    landcover: Path | None,
    districts: Path | None,
    **layer_paths: Path | None,
) -> None:
    """Write the atlas map as one standalone HTML file that works offline (the app's map, headless)."""
    from layers.inputs import load_indicator_inputs
    from maps.atlas import DEFAULT_LAYERS, AtlasData, MapView, build_atlas_map, map_html
    from maps.text import t

    focus = resolve_district(district, districts)
    progress = StageProgressBar(quiet)
    progress.stage("reading the layers")
    inputs = load_indicator_inputs(landcover=landcover, districts=districts, layer_paths=layer_paths)
    raster = inputs.landcover
    data = AtlasData(
        boundaries=inputs.boundaries,
        landcover={} if raster is None else {raster.year or 0: raster},
        vectors={kind: getattr(inputs, kind) for kind in LAYER_OPTIONS},
    )
    view = MapView(layers=overlays or DEFAULT_LAYERS, basemap=basemap, lang=lang, focus=focus)
    progress.stage("drawing the map")
    banner = t("synthetic_banner", lang).replace("**", "") if data.synthetic else None
    write_output(
        map_html(build_atlas_map(data, view), title=t("app_title", lang), banner=banner), output, overwrite
    )


@click.command("export")
@click.argument("kind", type=click.Choice(["districts", *LAYER_OPTIONS]))
@click.option("--district", help="Only features that intersect this district (adcode or name).")
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
    from analysis.export import layer_to_geojson
    from analysis.sources import VectorSource
    from layers.inputs import load_indicator_inputs

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
