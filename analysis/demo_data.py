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
:mod:`analysis.demo_world` (geography: :mod:`analysis.demo_geography`), the vector layers in
:mod:`analysis.demo_layers`; this module writes the files, the manifest and the README.

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

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt

from analysis.crs import METRIC_CRS
from analysis.demo_layers import (
    CHARGING_PILES_TOTAL,
    PV_TOTAL_KW,
    SWAP_PUBLIC,
    WETLAND_PROTECTION_TARGET,
    GridArrays,
    buildings_layer,
    builtup_layer,
    protected_areas_layer,
    pv_sites_layer,
    stations_layer,
    wetlands_layer,
)
from analysis.demo_world import (
    BUILT,
    BUILTUP_GREEN_TARGET,
    CITY_WOODY_TARGET,
    DISTRICT_ORDER,
    GRASS,
    NODATA,
    SHRUB,
    TREE,
    WATER,
    WETLAND,
    WOODY_TARGETS,
    YEARS,
    Grid,
    ProgressCallback,
    Thresholds,
    World,
    calibrate,
    compute_rows,
)
from analysis.errors import DataFileError
from analysis.results import CITY_ADCODE

__all__ = [
    "DEFAULT_SEED",
    "DEMO_GPKG",
    "DEMO_LAYERS",
    "GENERATOR",
    "WORLDCOVER_CLASSES",
    "WORLDCOVER_COLORS",
    "DemoFile",
    "DemoManifest",
    "demo_output_paths",
    "generate_demo_data",
    "raster_name",
]

GENERATOR = "analysis.demo_data"
DEFAULT_SEED = 20240712
DEMO_GPKG = "wuxi_demo.gpkg"
DEMO_LAYERS: tuple[str, ...] = ("wetlands", "protected_areas", "builtup", "buildings", "pv_sites", "stations")

WORLDCOVER_CLASSES: dict[int, str] = {
    10: "tree cover",
    20: "shrubland",
    30: "grassland",
    40: "cropland",
    50: "built-up",
    60: "bare / sparse vegetation",
    80: "permanent water bodies",
    90: "herbaceous wetland",
}
"""The ESA WorldCover codes the demo rasters use (0 is nodata, outside the city)."""

WORLDCOVER_COLORS: dict[int, tuple[int, int, int, int]] = {
    0: (0, 0, 0, 0),
    10: (0, 100, 0, 255),
    20: (255, 187, 34, 255),
    30: (255, 255, 76, 255),
    40: (240, 150, 255, 255),
    50: (250, 0, 0, 255),
    60: (180, 180, 180, 255),
    70: (240, 240, 240, 255),
    80: (0, 100, 200, 255),
    90: (0, 150, 160, 255),
    95: (0, 207, 117, 255),
    100: (250, 230, 160, 255),
}
"""The official WorldCover palette, written as the rasters' colour table."""


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoFile:
    """One file the generator wrote: its path relative to the output directory, size and SHA-256."""

    path: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class DemoManifest:
    """What :func:`generate_demo_data` wrote and the calibration it achieved.

    ``calibration`` holds plain numbers (percent, km², counts, kW); ``layer_counts`` the features per
    vector layer (empty when only rasters were written).
    """

    synthetic: bool
    seed: int
    generator: str
    resolution_m: int
    files: tuple[DemoFile, ...]
    layer_counts: dict[str, int]
    calibration: dict[str, Any]
    notes: tuple[str, ...] = ()

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready record (the ``MANIFEST.json`` content)."""
        return {
            "synthetic": self.synthetic,
            "generator": self.generator,
            "seed": self.seed,
            "resolution_m": self.resolution_m,
            "licence": "CC0-1.0 (the synthetic data); boundaries: see data/boundaries/PROVENANCE.md",
            "crs": {"rasters": METRIC_CRS, "vectors": "EPSG:4326"},
            "scheme": "worldcover",
            "files": [{"path": f.path, "bytes": f.bytes, "sha256": f.sha256} for f in self.files],
            "layer_counts": dict(self.layer_counts),
            "calibration": self.calibration,
            "notes": list(self.notes),
        }


def raster_name(year: int, resolution: int) -> str:
    """File name of a demo land-cover raster, e.g. ``landcover_2024_30m.tif``."""
    return f"landcover_{year}_{resolution}m.tif"


def demo_output_paths(out_dir: Path, resolution: int = 30, *, vectors: bool | None = None) -> list[Path]:
    """Every file :func:`generate_demo_data` would write under ``out_dir`` (a data directory)."""
    write_vectors = resolution >= 30 if vectors is None else vectors
    paths = [out_dir / "rasters" / raster_name(year, resolution) for year in YEARS]
    if write_vectors:
        paths += [
            out_dir / "demo" / DEMO_GPKG,
            out_dir / "demo" / "MANIFEST.json",
            out_dir / "demo" / "README.md",
        ]
    return paths


@dataclass
class _Tally:
    """Pixel counts gathered while writing: class per district and year, classes inside the 建成区."""

    classes: npt.NDArray[np.int64]  # [year index, district index, code]
    builtup: npt.NDArray[np.int64]  # [year index, code]

    @classmethod
    def empty(cls) -> _Tally:
        return cls(np.zeros((2, len(DISTRICT_ORDER) + 1, 256), np.int64), np.zeros((2, 256), np.int64))

    def add(
        self,
        year_index: int,
        district: npt.NDArray[np.uint8],
        cls: npt.NDArray[np.uint8],
        bua: npt.NDArray[np.bool_],
    ) -> None:
        flat = district.astype(np.int64) * 256 + cls
        self.classes[year_index] += np.bincount(flat.ravel(), minlength=self.classes[0].size).reshape(
            self.classes[0].shape
        )
        inside = bua & (district > 0)
        self.builtup[year_index] += np.bincount(cls[inside], minlength=256)


_GDAL_CACHE_MB = 192


def _overview_count(grid: Grid) -> int:
    """Overview levels down to about 256 px on the long side, and at least one (so small grids have one)."""
    count, size = 0, float(max(grid.width, grid.height))
    while size > 256 or count == 0:
        size, count = size / 2, count + 1
    return count


def _raster_tags(year: int, seed: int, resolution: int) -> dict[str, str]:
    return {
        "SYNTHETIC": "true",
        "GENERATOR": GENERATOR,
        "SEED": str(seed),
        "YEAR": str(year),
        "SCHEME": "worldcover",
        "RESOLUTION_M": str(resolution),
        "DESCRIPTION": (
            f"SYNTHETIC demo land cover of Wuxi for {year} (not a measurement): ESA WorldCover class codes "
            f"(10 tree, 20 shrub, 30 grass, 40 crop, 50 built-up, 60 bare, 80 water, 90 herbaceous wetland; "
            f"0 nodata outside the city), generated by {GENERATOR} with seed {seed}"
        ),
        "LICENSE": "CC0-1.0",
    }


def _write_rasters(
    world: World,
    grid: Grid,
    thresholds: Thresholds,
    paths: dict[int, Path],
    seed: int,
    resolution: int,
    progress: ProgressCallback | None,
    keep_arrays: bool,
) -> tuple[_Tally, dict[str, npt.NDArray[Any]]]:
    """Classify ``grid`` strip by strip into temporary GeoTIFFs, then copy them to COGs."""
    import rasterio
    import rasterio.shutil

    tally = _Tally.empty()
    kept: dict[str, list[npt.NDArray[Any]]] = {k: [] for k in ("lc2024", "water", "district", "bua", "road")}
    profile = {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": "uint8",
        "crs": METRIC_CRS,
        "transform": grid.transform,
        "nodata": NODATA,
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "NONE",
    }
    colormap = {code: WORLDCOVER_COLORS[code] for code in WORLDCOVER_COLORS}
    # A bounded GDAL block cache keeps the 10 m run's memory flat (the default is 5% of RAM).
    with (
        tempfile.TemporaryDirectory(prefix="geoplan-demo-") as workdir,
        rasterio.Env(GDAL_CACHEMAX=_GDAL_CACHE_MB),
    ):
        temps = {year: Path(workdir) / f"lc{year}.tif" for year in YEARS}
        with (
            rasterio.open(temps[2020], "w", **profile) as dst20,
            rasterio.open(temps[2024], "w", **profile) as dst24,
        ):
            strips = list(grid.strips(compute_rows(grid)))
            for done, (row0, row1) in enumerate(strips, start=1):
                sc = world.scores(grid, row0, row1)
                classes = world.classes(sc, thresholds)
                window = rasterio.windows.Window(0, row0, grid.width, row1 - row0)
                for index, (year, dst) in enumerate(((2020, dst20), (2024, dst24))):
                    dst.write(classes[year], 1, window=window)
                    tally.add(index, sc["district"], classes[year], sc["bua"])
                if keep_arrays:
                    kept["lc2024"].append(classes[2024])
                    kept["water"].append(sc["water"])
                    kept["district"].append(sc["district"])
                    kept["bua"].append(sc["bua"])
                    kept["road"].append(sc["road"])
                if progress is not None:
                    progress(f"land cover {resolution} m", done, len(strips))
        for step, year in enumerate(YEARS, start=1):
            with rasterio.open(temps[year], "r+") as src:
                src.write_colormap(1, colormap)
                src.update_tags(**_raster_tags(year, seed, resolution))
                src.set_band_description(1, f"land cover {year} (ESA WorldCover codes), SYNTHETIC")
            rasterio.shutil.copy(
                temps[year],
                paths[year],
                driver="COG",
                COMPRESS="DEFLATE",
                PREDICTOR="YES",
                LEVEL="9" if resolution >= 30 else "6",  # level 9 costs ~15 s per 100 Mpx for ~15% less
                BLOCKSIZE="512",
                OVERVIEW_RESAMPLING="MODE",
                OVERVIEWS="AUTO",
                OVERVIEW_COUNT=str(_overview_count(grid)),
                NUM_THREADS="ALL_CPUS",
                SPARSE_OK="FALSE",
            )
            if progress is not None:
                progress("writing COG", step, len(YEARS))
    arrays = {k: np.concatenate(v) for k, v in kept.items()} if keep_arrays else {}
    return tally, arrays


# --------------------------------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------------------------------


def _collect_arrays(world: World, grid: Grid, thresholds: Thresholds) -> GridArrays:
    parts: dict[str, list[npt.NDArray[Any]]] = {k: [] for k in ("lc2024", "water", "district", "bua", "road")}
    for row0, row1 in grid.strips(compute_rows(grid)):
        sc = world.scores(grid, row0, row1)
        parts["lc2024"].append(world.classes(sc, thresholds)[2024])
        for key in ("water", "district", "bua", "road"):
            parts[key].append(sc[key])
    joined = {k: np.concatenate(v) for k, v in parts.items()}
    return GridArrays(
        grid, joined["lc2024"], joined["water"], joined["district"], joined["bua"], joined["road"]
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _raster_calibration(world: World, tally: _Tally, res: float) -> dict[str, Any]:
    pixel_km2 = res * res / 1e6
    units = [*DISTRICT_ORDER, CITY_ADCODE]
    out: dict[str, Any] = {}
    for index, year in enumerate(YEARS):
        classes = tally.classes[index]
        per_unit = {a: classes[i + 1] for i, a in enumerate(DISTRICT_ORDER)}
        per_unit[CITY_ADCODE] = classes[1:].sum(axis=0)
        out[f"forest_coverage_{year}_pct"] = {
            a: round(100.0 * (per_unit[a][TREE] + per_unit[a][SHRUB]) * pixel_km2 / world.official_km2[a], 2)
            for a in units
        }
        out[f"class_area_{year}_km2"] = {
            str(code): round(float(per_unit[CITY_ADCODE][code]) * pixel_km2, 1) for code in WORLDCOVER_CLASSES
        }
        builtup = tally.builtup[index]
        out[f"builtup_green_coverage_{year}_pct"] = round(
            100.0 * (builtup[TREE] + builtup[SHRUB] + builtup[GRASS]) / max(builtup.sum(), 1), 2
        )
    latest = tally.classes[1]
    shares: dict[str, dict[str, float]] = {"water": {}, "wetland": {}, "built_up": {}}
    for i, adcode in enumerate(DISTRICT_ORDER):
        total = max(int(latest[i + 1].sum()), 1)
        shares["water"][adcode] = round(100.0 * latest[i + 1][WATER] / total, 1)
        shares["wetland"][adcode] = round(100.0 * latest[i + 1][WETLAND] / total, 2)
        shares["built_up"][adcode] = round(100.0 * latest[i + 1][BUILT] / total, 1)
    out["class_share_of_polygon_2024_pct"] = shares
    out["builtup_area_raster_km2"] = round(float(tally.builtup[1].sum()) * pixel_km2, 1)
    return out


def _vector_calibration(
    world: World, layers: dict[str, gpd.GeoDataFrame], arrays: GridArrays
) -> dict[str, Any]:
    from analysis.pv import DEFAULT_USABLE_SHARE

    out: dict[str, Any] = {}
    taihu = world.taihu
    out["taihu_in_polygons_km2"] = {
        a: round(g.intersection(taihu).area / 1e6, 1)
        for a, g in zip(world.district_adcodes, world.district_geoms, strict=True)
        if g.intersection(taihu).area > 1e6
    }
    out["builtup_area_km2"] = round(float(layers["builtup"].geometry.area.sum()) / 1e6, 1)
    buildings = layers["buildings"]
    share = buildings["building_type"].map(DEFAULT_USABLE_SHARE)
    kwp = buildings["roof_area_m2"] * share * 0.2
    out["rooftop_pv_potential_mwp"] = {
        "total": round(float(kwp.sum()) / 1000.0, 1),
        **{
            str(k): round(float(v) / 1000.0, 1)
            for k, v in kwp.groupby(buildings["building_type"]).sum().items()
        },
        "parameters": "usable share government 0.5, school_hospital 0.4, industrial_commercial 0.3, "
        "urban_residential 0.25 (assumption), rural_home 0.2; 0.2 kWp/m²; buildings are a sample",
    }
    out["buildings_by_type"] = {
        str(k): int(v) for k, v in buildings["building_type"].value_counts().sort_index().items()
    }
    pv = layers["pv_sites"]
    pv_district = arrays.district[arrays.pixel_of(pv.geometry.x.to_numpy(), pv.geometry.y.to_numpy())[:2]]
    out["pv_installed_kw"] = {
        "total": round(float(pv["capacity_kw"].sum()), 1),
        "by_kind": {str(k): round(float(v), 1) for k, v in pv.groupby("kind")["capacity_kw"].sum().items()},
        "by_district": {
            DISTRICT_ORDER[d - 1]: round(float(v), 1)
            for d, v in pv.groupby(pv_district)["capacity_kw"].sum().items()
            if d > 0
        },
    }
    stations = layers["stations"]
    charging = stations[stations["type"] == "charging"]
    out["stations"] = {
        "charging_piles": int(charging["piles"].sum()),
        "charging_piles_by_access": {
            str(k): int(v) for k, v in charging.groupby("access")["piles"].sum().items()
        },
        "charging_stations": len(charging),
        "public_swap_stations": int(((stations["type"] == "swap") & (stations["access"] == "public")).sum()),
        "dedicated_swap_stations": int(
            ((stations["type"] == "swap") & (stations["access"] != "public")).sum()
        ),
        "hydrogen_stations": int((stations["type"] == "hydrogen").sum()),
        "piles_note": "swap stations: piles = swap bays; hydrogen stations: piles = dispensers",
    }
    return out


def _layer_metadata(layer: str, seed: int, description: str) -> dict[str, str]:
    return {
        "synthetic": "true",
        "generator": GENERATOR,
        "seed": str(seed),
        "vintage": "2024",
        "licence": "CC0-1.0",
        "description": f"SYNTHETIC demo layer '{layer}' (not real data): {description}",
    }


_LAYER_DESCRIPTIONS = {
    "wetlands": "wetlands on the 三调 scope (river, lake, reservoir, pond, marsh, tidal flat surfaces), "
    "vectorized from the demo 2024 land cover's water and wetland pixels",
    "protected_areas": "wetland parks, protection plots, reserves and drinking-water source areas; sized so "
    "that "
    f"about {WETLAND_PROTECTION_TARGET}% of the wetland area is protected",
    "builtup": "建成区 polygons of the city proper, 江阴 and 宜兴",
    "buildings": "a SAMPLE of about 40,000 roof footprints (not every building); roof_area_m2 = footprint "
    "area "
    "in EPSG:4549",
    "pv_sites": "installed PV sites (rooftop, ground, floating) totalling about 2.2 GW",
    "stations": "charging, battery-swap and hydrogen stations; private piles are aggregated per residential "
    "compound; piles = swap bays for swap stations and dispensers for hydrogen stations",
}


def _write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame], seed: int) -> None:
    import pyogrio

    # Layer metadata only: GDAL keeps GeoPackage dataset-level metadata in a side-car .aux.xml whenever
    # the file is read, which would litter data/demo/.
    # A fixed gpkg_contents timestamp keeps the file byte-identical for the same seed.
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2024-07-12T00:00:00.000Z"})
    try:
        for name, frame in layers.items():
            pyogrio.write_dataframe(
                frame.to_crs("EPSG:4326"),
                path,
                layer=name,
                driver="GPKG",
                promote_to_multi=name in ("wetlands", "protected_areas", "builtup"),
                layer_metadata=_layer_metadata(name, seed, _LAYER_DESCRIPTIONS[name]),
                # The roof sample is the bulk of the file; its R-tree would add a third again.
                layer_options={"SPATIAL_INDEX": "NO"} if name == "buildings" else None,
            )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def _readme(manifest: DemoManifest) -> str:
    cal = manifest.calibration
    forest20, forest24 = cal["forest_coverage_2020_pct"], cal["forest_coverage_2024_pct"]
    st = cal.get("stations", {})
    pv = cal.get("pv_installed_kw", {})
    roof = cal.get("rooftop_pv_potential_mwp", {})
    lines = [
        "# Synthetic demo data (合成示例数据)",
        "",
        "**Everything in this folder and the `landcover_*` rasters in `data/rasters/` is SYNTHETIC.** It is "
        "not a "
        "measurement, survey or official dataset of Wuxi. It was generated by `analysis/demo_data.py` "
        f"(`{GENERATOR}`, seed {manifest.seed}) so that the atlas has plausible data to show and to test on, "
        "calibrated to the plan's baselines (DOMAIN.md §3–§5). Only the district boundaries are real: see "
        "`data/boundaries/PROVENANCE.md`.",
        "",
        "Every output says so: the rasters carry `SYNTHETIC=true` tags, every GeoPackage layer carries "
        "`synthetic=true` metadata, and `MANIFEST.json` lists each file with its SHA-256 and the calibration "
        "achieved.",
        "",
        "## Contents",
        "",
        "| file | what |",
        "|---|---|",
        "| `../rasters/landcover_2020_30m.tif`, `../rasters/landcover_2024_30m.tif` | land cover, ESA "
        "WorldCover "
        "codes (10 tree, 20 shrub, 30 grass, 40 crop, 50 built-up, 60 bare, 80 water, 90 herbaceous wetland; "
        "0 = outside the city), Cloud-Optimized GeoTIFF in EPSG:4549, 30 m |",
        f"| `{DEMO_GPKG}` layer `wetlands` | wetlands on the 三调 scope (water surfaces included): `name`, "
        "`wetland_type` (river, lake, reservoir, pond, marsh, tidal_flat), vectorized from the 2024 raster |",
        f"| `{DEMO_GPKG}` layer `protected_areas` | `name`, `protection_type` (nature_reserve, wetland_park, "
        "protection_plot, other), `level` (national, provincial, municipal) |",
        f"| `{DEMO_GPKG}` layer `builtup` | 建成区 polygons: `name`, `year` |",
        f"| `{DEMO_GPKG}` layer `buildings` | a **sample** of roof footprints: `building_type`, "
        "`roof_area_m2` "
        "(footprint area in EPSG:4549), `name` |",
        f"| `{DEMO_GPKG}` layer `pv_sites` | installed PV: `name`, `capacity_kw`, `kind` (rooftop, ground, "
        "floating), `year` |",
        f"| `{DEMO_GPKG}` layer `stations` | `name`, `type` (charging, swap, hydrogen), `piles`, `access` "
        "(public, "
        "dedicated, private), `operator` |",
        "",
        "The GeoPackage stores EPSG:4326; areas are measured in EPSG:4549. Private charging piles are "
        "aggregated "
        "per residential compound (one point per compound). For swap stations `piles` is the number of swap "
        "bays, for hydrogen stations the number of dispensers. Operator names are synthetic labels, not "
        "claims "
        "about real companies' sites.",
        "",
        "## Calibration achieved",
        "",
        f"- 林木覆盖率 proxy (tree + shrub / official area): {forest20[CITY_ADCODE]}% in 2020, "
        f"{forest24[CITY_ADCODE]}% in 2024 city-wide (target 27.8% by 2025; 27.71% at end-2019 is a "
        "statistical figure, not this proxy).",
        f"- 建成区绿化覆盖率 proxy (tree + shrub + grass inside the 建成区): "
        f"{cal['builtup_green_coverage_2024_pct']}% in 2024 (target 43.5%).",
    ]
    if "wetland_protection_rate_2024" in cal:
        lines.append(
            f"- 湿地保护率 (wetland polygons inside protected areas): {cal['wetland_protection_rate_2024']}% "
            "(target 52.7%)."
        )
    if st:
        lines.append(
            f"- Charging piles {st['charging_piles']:,} (target 200,000), public swap stations "
            f"{st['public_swap_stations']} (target 60), hydrogen stations {st['hydrogen_stations']} "
            "(target ≥ 5)."
        )
    if pv:
        lines.append(
            f"- Installed PV {pv['total'] / 1e6:.2f} GW (target 2.53 GW in 2025); rooftop potential of the "
            f"building sample at the default usable shares: {roof['total'] / 1000:.2f} GWp."
        )
    lines += [
        "",
        "All figures per district are in `MANIFEST.json`.",
        "",
        "## Regenerate",
        "",
        "```bash",
        "geoplan demo-data --overwrite                    # this folder and the 30 m rasters",
        "geoplan demo-data --resolution 10 --overwrite    # 10 m rasters (~100 Mpx each; never committed)",
        "```",
        "",
        "The same seed gives identical files. `--seed N` gives another, equally plausible landscape.",
        "",
        "## Licence",
        "",
        "The synthetic data is dedicated to the public domain under CC0 1.0. The district boundaries have "
        "their own provenance and licence (`data/boundaries/PROVENANCE.md`).",
        "",
    ]
    return "\n".join(lines)


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
    from analysis.boundaries import load_boundaries

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
    world = World(load_boundaries(), seed, calib_res, progress)
    calib_grid = Grid.covering(world.bounds, calib_res)
    thresholds = calibrate(world, calib_grid, progress)
    grid = Grid.covering(world.bounds, resolution)
    raster_paths = {year: out_dir / "rasters" / raster_name(year, resolution) for year in YEARS}
    for path in raster_paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    keep = write_vectors and grid == calib_grid
    tally, kept = _write_rasters(world, grid, thresholds, raster_paths, seed, resolution, progress, keep)
    calibration = _raster_calibration(world, tally, grid.res)
    files = [raster_paths[year] for year in YEARS]
    layer_counts: dict[str, int] = {}
    notes = [
        "SYNTHETIC: generated, not measured; only the district boundaries are real",
        "raster figures: pixel centres of the output grid, EPSG:4549 areas, 林木覆盖率 over official areas",
    ]
    if write_vectors:
        arrays = (
            GridArrays(calib_grid, kept["lc2024"], kept["water"], kept["district"], kept["bua"], kept["road"])
            if keep
            else _collect_arrays(world, calib_grid, thresholds)
        )
        if progress is not None:
            progress("vector layers", 0, 6)
        wetlands = wetlands_layer(world, arrays)
        protected, wetland_figures = protected_areas_layer(world, wetlands)
        buildings = buildings_layer(world, arrays, seed)
        layers = {
            "wetlands": wetlands,
            "protected_areas": protected,
            "builtup": builtup_layer(world),
            "buildings": buildings.frame,
            "pv_sites": pv_sites_layer(world, arrays, buildings.frame, seed),
            "stations": stations_layer(world, arrays, buildings.compounds, seed),
        }
        calibration.update(wetland_figures)
        calibration.update(_vector_calibration(world, layers, arrays))
        demo = out_dir / "demo"
        demo.mkdir(parents=True, exist_ok=True)
        gpkg = demo / DEMO_GPKG
        temporary = demo / f".tmp.{DEMO_GPKG}"
        temporary.unlink(missing_ok=True)
        _write_gpkg(temporary, layers, seed)
        temporary.replace(gpkg)
        layer_counts = {name: len(frame) for name, frame in layers.items()}
        files.append(gpkg)
        if progress is not None:
            progress("vector layers", 6, 6)
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
        files=tuple(DemoFile(str(p.relative_to(out_dir)), p.stat().st_size, _sha256(p)) for p in files),
        layer_counts=layer_counts,
        calibration=calibration,
        notes=tuple(notes),
    )
    if write_vectors:
        readme = out_dir / "demo" / "README.md"
        readme.write_text(_readme(manifest), encoding="utf-8")
        manifest = DemoManifest(
            synthetic=True,
            seed=seed,
            generator=GENERATOR,
            resolution_m=resolution,
            files=(
                *manifest.files,
                DemoFile(str(readme.relative_to(out_dir)), readme.stat().st_size, _sha256(readme)),
            ),
            layer_counts=layer_counts,
            calibration=calibration,
            notes=tuple(notes),
        )
        (out_dir / "demo" / "MANIFEST.json").write_text(
            json.dumps(manifest.to_record(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return manifest


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
