"""``geoplan demo-data``: the seeded SYNTHETIC demo dataset, written by the generator in :mod:`demo`."""

from __future__ import annotations

from pathlib import Path

import click

from wuxi_atlas.analysis.paths import data_dir
from wuxi_atlas.cli.options import StageProgressBar, quiet_option
from wuxi_atlas.demo.names import DEFAULT_SEED

__all__ = ["demo_data"]


@click.command("demo-data")
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
@quiet_option
def demo_data(resolution: str, out_dir: Path | None, seed: int, overwrite: bool, quiet: bool) -> None:
    """Generate the SYNTHETIC demo dataset: land cover 2020/2024 (COG, EPSG:4549) and the demo layers.

    Everything is drawn from the seed and labelled synthetic; only the district boundaries are real.
    """
    from wuxi_atlas.demo.generate import demo_output_paths, generate_demo_data
    from wuxi_atlas.demo.memory import one_heap

    target = out_dir if out_dir is not None else data_dir()
    existing = [p for p in demo_output_paths(target, int(resolution)) if p.exists()]
    if existing and not overwrite:
        raise click.UsageError(
            f"{existing[0]} exists ({len(existing)} file(s) in all); pass --overwrite to replace them"
        )
    one_heap()  # this process only generates: one heap keeps its footprint down
    progress = StageProgressBar(quiet)
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
