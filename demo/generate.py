"""The seeded synthetic demo dataset: land cover 2020/2024 and the vector layers the indicators read.

Nothing here is a measurement. The district boundaries are real (``analysis.boundaries``); everything
else is drawn from a seeded model of Wuxi's landscape so the atlas has something plausible to show and
to test on: Taihu in the south-west of 滨湖/宜兴, the Yangtze along 江阴, wooded hills in 宜南山区 and
around 惠山/马山/军嶂山, dense built-up land in 梁溪 and 新吴, towns, villages, rice fields, ponds and a
river network. Every output is labelled synthetic (raster tags, GeoPackage metadata, ``MANIFEST.json``).

The model is resolution-independent: smooth random fields live on fixed lattices in EPSG:4549 metres and
are sampled bilinearly, lakes, rivers and roads are polygons in real coordinates, and class thresholds
are calibrated once on a 30 m grid (or the output grid, if coarser). So the 10 m rasters are the same
landscape as the 30 m ones, written block by block in bounded memory. The model lives in
:mod:`demo.world` (geography: :mod:`demo.geography`, fields: :mod:`demo.fields`), its classes in
:mod:`demo.classify` and :mod:`demo.calibrate`, the vector layers in :mod:`demo.land_layers`,
:mod:`demo.building_layers` and :mod:`demo.energy_layers`; the files are written by :mod:`demo.rasters`,
:mod:`demo.gpkg` and :mod:`demo.manifest`. This module is the entry point that runs them in order.

Calibration (figures achieved are written to the manifest):

- 林木覆盖率 proxy (WorldCover tree + shrub over the official area): 27.40% city-wide in 2020 and 27.60%
  in 2024 (short of the 27.8% target), highest in 宜兴 and 滨湖, lowest in 梁溪 and 新吴;
- 建成区绿化覆盖率 (WorldCover tree + shrub + grass inside the 建成区 polygon): 43.0% in 2024;
- 湿地保护率 (wetland polygons inside protected areas): 50.5% in 2024;
- Taihu inside the polygons: 滨湖 about 342 km², 宜兴 about 283, 新吴 about 17 (DOMAIN.md §1);
- charging piles about 160,000, 44 public swap stations, 4 hydrogen stations, PV about 2.2 GW.

Examples
--------
>>> manifest = generate_demo_data(Path("data"))  # doctest: +SKIP
>>> manifest.calibration["forest_coverage_2024_pct"]["320200"]  # doctest: +SKIP
27.6
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from wuxi_atlas.analysis.errors import DataFileError
from wuxi_atlas.analysis.shipped_results import FILE_NAME as SHIPPED_RESULTS_FILE
from wuxi_atlas.demo.building_layers import buildings_layer
from wuxi_atlas.demo.calibrate import calibrate
from wuxi_atlas.demo.codes import YEARS
from wuxi_atlas.demo.energy_layers import pv_sites_layer, stations_layer
from wuxi_atlas.demo.fields import Grid
from wuxi_atlas.demo.gpkg import vector_calibration, write_gpkg, write_history_gpkg
from wuxi_atlas.demo.history_layers import history_calibration, history_layers
from wuxi_atlas.demo.land_layers import builtup_layer, protected_areas_layer, wetlands_layer
from wuxi_atlas.demo.manifest import (
    DEFAULT_SEED,
    DEMO_GPKG,
    GENERATOR,
    DemoFile,
    DemoManifest,
    file_sha256,
    readme_text,
)
from wuxi_atlas.demo.memory import release_freed_memory
from wuxi_atlas.demo.placement import GridArrays
from wuxi_atlas.demo.rasters import collect_arrays, raster_calibration, raster_name, write_rasters
from wuxi_atlas.demo.survey import survey_layers
from wuxi_atlas.demo.targets import (
    BUILTUP_GREEN_TARGET,
    CHARGING_PILES_TOTAL,
    CITY_WOODY_TARGET,
    PV_TOTAL_KW,
    SWAP_PUBLIC,
    WETLAND_PROTECTION_TARGET,
    WOODY_TARGETS,
)
from wuxi_atlas.demo.vector_results import write_shipped_results
from wuxi_atlas.demo.world import ProgressCallback, World
from wuxi_atlas.layers.defaults import DEMO_HISTORY_GPKG

__all__ = ["demo_output_paths", "generate_demo_data"]

#: The resolution of the shipped rasters (``landcover_2024_30m.tif``), the ones runs read by default.
SHIPPED_RESOLUTION = 30


def demo_output_paths(out_dir: Path, resolution: int = 30, *, vectors: bool | None = None) -> list[Path]:
    """Every file :func:`generate_demo_data` would write under ``out_dir`` (a data directory)."""
    write_vectors = resolution >= 30 if vectors is None else vectors
    paths = [out_dir / "rasters" / raster_name(year, resolution) for year in YEARS]
    if write_vectors:
        paths += [
            out_dir / "demo" / DEMO_GPKG,
            out_dir / "demo" / DEMO_HISTORY_GPKG,
            out_dir / "demo" / "MANIFEST.json",
            out_dir / "demo" / "README.md",
        ]
    if write_vectors and resolution == SHIPPED_RESOLUTION:
        paths.append(out_dir / "demo" / SHIPPED_RESULTS_FILE)
    return paths


def generate_demo_data(
    out_dir: Path,
    resolution: int = 30,
    seed: int = DEFAULT_SEED,
    progress: ProgressCallback | None = None,
    *,
    overwrite: bool = False,
    vectors: bool | None = None,
) -> DemoManifest:
    """Generate the synthetic demo dataset under ``out_dir`` (a data directory like ``data/``).

    Parameters
    ----------
    out_dir
        Rasters go to ``out_dir/rasters/``, the GeoPackage, ``MANIFEST.json`` and ``README.md`` to
        ``out_dir/demo/``.
    resolution
        Raster resolution in metres (30 for the shipped files, 10 on demand; coarser values are for tests).
    seed
        Everything is drawn from this seed: the same seed gives identical files.
    progress
        Called as ``progress(stage, done, total)``.
    overwrite
        Replace existing files; without it, existing files are an error.
    vectors
        Also write the vector layers, manifest and README. By default only at 30 m or coarser: the vector
        layers do not depend on the raster resolution, so a 10 m run leaves them alone.

    Returns
    -------
    DemoManifest
        Files written (with SHA-256) and the calibration achieved.

    Raises
    ------
    DataFileError
        An output file exists and ``overwrite`` is false.
    """
    from wuxi_atlas.analysis.boundaries import load_boundaries

    if resolution < 10 or int(resolution) != resolution:
        raise ValueError(f"resolution must be a whole number of metres, at least 10; got {resolution}")
    out_dir = Path(out_dir)
    write_vectors = resolution >= 30 if vectors is None else vectors
    targets = demo_output_paths(out_dir, resolution, vectors=write_vectors)
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        raise DataFileError(
            f"{', '.join(str(p) for p in existing)} already exist(s); pass overwrite=True "
            "(geoplan demo-data --overwrite) to replace"
        )
    calib_res = max(resolution, 30)
    with World(load_boundaries(), seed, calib_res, progress) as world:
        manifest = _generate(world, out_dir, resolution, seed, progress, write_vectors)
    if write_vectors and resolution == SHIPPED_RESOLUTION:
        # The vector indicators of these layers, computed now, so that no run on them computes them
        # again (analysis.shipped_results). Not in the manifest: they are derived from what it lists.
        if progress is not None:
            progress("vector indicator results", 0, 1)
        release_freed_memory()
        write_shipped_results(out_dir)
        if progress is not None:
            progress("vector indicator results", 1, 1)
    return manifest


def _generate(
    world: World,
    out_dir: Path,
    resolution: int,
    seed: int,
    progress: ProgressCallback | None,
    write_vectors: bool,
) -> DemoManifest:
    calib_grid = Grid.covering(world.bounds, max(resolution, 30))
    release_freed_memory()
    thresholds = calibrate(world, calib_grid, progress)
    release_freed_memory()
    grid = Grid.covering(world.bounds, resolution)
    raster_paths = {year: out_dir / "rasters" / raster_name(year, resolution) for year in YEARS}
    for path in raster_paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    keep = write_vectors and grid == calib_grid
    tally, kept = write_rasters(world, grid, thresholds, raster_paths, seed, resolution, progress, keep)
    calibration = raster_calibration(world, tally, grid.res)
    files = [raster_paths[year] for year in YEARS]
    layer_counts: dict[str, int] = {}
    notes = [
        "SYNTHETIC: generated, not measured; only the district boundaries are real",
        "raster figures: pixel centres of the output grid, EPSG:4549 areas, 林木覆盖率 over official areas",
    ]
    if write_vectors:
        # The arrays are handed over, not kept here: the vector stage frees them once it is done with them.
        written, layer_counts = _vector_layers(
            world,
            _take_arrays(calib_grid, kept) if keep else collect_arrays(world, calib_grid, thresholds),
            out_dir,
            seed,
            calibration,
            progress,
        )
        files += written
    calibration["targets"] = {
        "forest_coverage_pct": CITY_WOODY_TARGET,
        "forest_coverage_district_pct": WOODY_TARGETS,
        "builtup_green_coverage_2024_pct": BUILTUP_GREEN_TARGET,
        "wetland_protection_rate_2024_pct": WETLAND_PROTECTION_TARGET,
        "pv_installed_kw": PV_TOTAL_KW,
        "charging_piles": CHARGING_PILES_TOTAL,
        "public_swap_stations": SWAP_PUBLIC,
    }
    calibration = json.loads(json.dumps(calibration, default=_json_default))
    manifest = DemoManifest(
        synthetic=True,
        seed=seed,
        generator=GENERATOR,
        resolution_m=resolution,
        files=tuple(DemoFile(str(p.relative_to(out_dir)), p.stat().st_size, file_sha256(p)) for p in files),
        layer_counts=layer_counts,
        calibration=calibration,
        notes=tuple(notes),
    )
    if write_vectors:
        readme = out_dir / "demo" / "README.md"
        readme.write_text(readme_text(manifest), encoding="utf-8")
        manifest = DemoManifest(
            synthetic=True,
            seed=seed,
            generator=GENERATOR,
            resolution_m=resolution,
            files=(
                *manifest.files,
                DemoFile(str(readme.relative_to(out_dir)), readme.stat().st_size, file_sha256(readme)),
            ),
            layer_counts=layer_counts,
            calibration=calibration,
            notes=tuple(notes),
        )
        (out_dir / "demo" / "MANIFEST.json").write_text(
            json.dumps(manifest.to_record(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return manifest


def _take_arrays(grid: Grid, kept: dict[str, Any]) -> GridArrays:
    """The kept arrays as :class:`GridArrays`, emptying ``kept`` (so only the result holds them)."""
    names = ("lc2024", "water", "district", "bua", "road", "lc2020")
    return GridArrays(grid, *(kept.pop(name) for name in names))


def _vector_layers(
    world: World,
    arrays: GridArrays,
    out_dir: Path,
    seed: int,
    calibration: dict[str, Any],
    progress: ProgressCallback | None,
) -> tuple[list[Path], dict[str, int]]:
    """Write the two GeoPackages; add their figures to ``calibration``. Returns the files and the
    feature count of each layer."""

    def step(done: int) -> None:
        release_freed_memory()
        if progress is not None:
            progress("vector layers", done, 7)

    world.close()  # the fields are sampled no more: their files go
    step(0)
    # The land survey first: its tallies are the stage's largest temporaries, and little else is held yet.
    survey = survey_layers(world, arrays, seed)
    arrays.lc2020 = None  # only the survey reads it
    step(1)
    wetlands = wetlands_layer(world, arrays)
    protected, wetland_figures = protected_areas_layer(world, wetlands)
    step(2)
    buildings = buildings_layer(world, arrays, seed)
    step(3)
    pv_sites = pv_sites_layer(world, arrays, buildings.frame, seed)
    step(4)
    layers = {
        "wetlands": wetlands,
        "protected_areas": protected,
        "builtup": builtup_layer(world),
        "buildings": buildings.frame,
        "pv_sites": pv_sites,
        "stations": stations_layer(world, arrays, buildings.compounds, seed),
    }
    calibration.update(wetland_figures)
    calibration.update(vector_calibration(world, layers, arrays))
    del arrays  # the last reference: the rest of the stage is vectors only
    step(5)
    demo = out_dir / "demo"
    demo.mkdir(parents=True, exist_ok=True)
    gpkg = demo / DEMO_GPKG
    temporary = demo / f".tmp.{DEMO_GPKG}"
    temporary.unlink(missing_ok=True)
    write_gpkg(temporary, layers, seed)
    temporary.replace(gpkg)
    layer_counts = {name: len(frame) for name, frame in layers.items()}
    step(6)
    vintages = history_layers(survey, layers["stations"], seed)
    calibration.update(history_calibration(world, vintages))
    history = demo / DEMO_HISTORY_GPKG
    temporary = demo / f".tmp.{DEMO_HISTORY_GPKG}"
    temporary.unlink(missing_ok=True)
    write_history_gpkg(temporary, vintages, seed)
    temporary.replace(history)
    layer_counts.update({name: len(frame) for name, frame in vintages.items()})
    if progress is not None:
        progress("vector layers", 7, 7)
    return [gpkg, history], layer_counts


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
