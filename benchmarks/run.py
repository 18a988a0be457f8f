"""Zonal land-cover statistics, geoplan against its peers, each in a fresh process.

Usage (after ``pip install -e ".[bench]"``)::

    python benchmarks/run.py            # full run: city, small zones, province; median of 3 runs
    python benchmarks/run.py --quick    # one run each, no province raster

Cases
-----
``city``
    The 10 m demo land-cover raster (``geoplan demo-data --resolution 10``, ~1.1e8 px, 512-px tiles,
    EPSG:4549) and Wuxi's 7 districts.
``small``
    The same raster and 1,000 circles of 100 m radius at seeded random places in the city, where exact
    boundary fractions matter (each circle covers ~314 pixels, ~60 of them cut by its edge).
``province``
    A mosaic of copies of the city raster written as one tiled DEFLATE GeoTIFF (~1e9 px), with the 7
    districts repeated on every copy.

Methods (each in its own process; whole-process wall time includes interpreter start and imports, and
peak RSS is the child's ``ru_maxrss`` from ``wait4``): ``floor`` (read and decode every block, no
statistics), ``geoplan`` (``analysis.zonal.zonal_class_areas``, as ``analysis.forest`` calls it),
``geoplan-cli`` (``geoplan indicators --indicator forest_coverage``, city only), ``geoplan-cli-all``
(``geoplan indicators``: every indicator, with the shipped vector layers; city only; an empty result
cache; the shipped layers' vector results were written with them), ``geoplan-cli-all-cached`` (the
same with the vector indicators' results in the cache; the raster ones are computed),
``geoplan-cli-all-own-data`` (the same, cold, on a copy of the data without the results written with
it: every indicator computed), ``exactextract``
(``unique`` + ``frac``), ``rasterstats`` (``categorical=True``) and ``dask``
(``analysis.zonal.distributed`` on a local cluster of 2 single-threaded worker processes). Runs are
interleaved so that a change in the machine's load hits every method alike.

The ``commands`` case times ``geoplan --help``, ``geoplan map`` and ``geoplan demo-data --resolution 30``
(``benchmarks/product.py``, which also states issue #14's goals). Every row reports the child's CPU time
(user + system, from ``wait4``) beside its wall time: on a shared machine the wall time of a run depends
on the load, its CPU time much less.

The result is written to ``benchmarks/results/<name>.json`` (by default the date) and rendered to
``<name>.md``; the README's "Benchmarks" table is that Markdown. When ``geo_app.py`` exists, the app case
is measured too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from product import (
    CLI_METHODS,
    OWN_DATA_METHODS,
    WARM_CACHE_METHODS,
    cli_command,
    cli_shares,
    data_without_shipped_results,
    run_commands,
)
from report import render_markdown

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
RESULTS = HERE / "results"
METHOD_SCRIPT = HERE / "method.py"
CITY_RASTER = WORK / "city" / "rasters" / "landcover_2024_10m.tif"
PROVINCE_GRID = (3, 3)  # rows × columns of city copies; 9 × 1.1e8 ≈ 1e9 px
N_CIRCLES, CIRCLE_RADIUS_M, CIRCLE_SEED = 1000, 100.0, 5


# --------------------------------------------------------------------------------------------------
# Data


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_city_raster() -> Path:
    """The 10 m demo raster, generated once with ``geoplan demo-data --resolution 10``."""
    if CITY_RASTER.exists():
        return CITY_RASTER
    out = CITY_RASTER.parents[1]
    _log(f"generating the 10 m demo rasters in {out} (a few minutes, once)")
    geoplan = shutil.which("geoplan") or "geoplan"
    command = [geoplan, "demo-data", "--resolution", "10", "--out", str(out), "--overwrite"]
    if subprocess.run([geoplan, "demo-data", "--help"], capture_output=True).returncode == 0:
        subprocess.run(command, check=True)
    else:  # the command is not wired yet: the same library call
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; "
                "from wuxi_atlas.demo.generate import generate_demo_data; "
                "generate_demo_data(Path(sys.argv[1]), 10, overwrite=True, vectors=False)",
                str(out),
            ],
            check=True,
            cwd=ROOT,
        )
    if not CITY_RASTER.exists():
        raise SystemExit(f"expected {CITY_RASTER} after generating the demo data")
    return CITY_RASTER


def _raster_crs(raster: Path) -> Any:
    import rasterio

    with rasterio.open(raster) as src:
        return src.crs


def district_zones(raster: Path) -> Path:
    """Wuxi's 7 districts in the raster's CRS, as a GeoPackage with a ``zone_id`` column."""
    path = WORK / "districts.gpkg"
    if not path.exists():
        from wuxi_atlas.analysis.boundaries import load_boundaries
        from wuxi_atlas.analysis.study_area import district_frame

        districts = district_frame(load_boundaries(), str(_raster_crs(raster)))
        frame = districts[["adcode", "geometry"]].rename(columns={"adcode": "zone_id"}).reset_index(drop=True)
        frame.to_file(path)
    return path


def circle_zones(raster: Path) -> Path:
    """1,000 circles of 100 m radius at seeded random places inside the city, in the raster's CRS."""
    path = WORK / "circles.gpkg"
    if not path.exists():
        import geopandas as gpd
        import numpy as np
        import shapely

        districts = gpd.read_file(district_zones(raster))
        city = shapely.union_all(districts.geometry.values).buffer(-CIRCLE_RADIUS_M)
        rng = np.random.default_rng(CIRCLE_SEED)
        x0, y0, x1, y1 = city.bounds
        # Uniform draws in the bounding box, kept where they fall inside the (shrunk) city; seeded.
        x = rng.uniform(x0, x1, 10 * N_CIRCLES)
        y = rng.uniform(y0, y1, 10 * N_CIRCLES)
        inside = shapely.contains_xy(city, x, y)
        centres = shapely.points(x[inside][:N_CIRCLES], y[inside][:N_CIRCLES])
        circles = shapely.buffer(centres, CIRCLE_RADIUS_M)
        ids = [f"c{i:04d}" for i in range(N_CIRCLES)]
        gpd.GeoDataFrame({"zone_id": ids}, geometry=circles, crs=districts.crs).to_file(path)
    return path


def province(raster: Path) -> tuple[Path, Path]:
    """A rows × cols mosaic of the city raster in one tiled DEFLATE GeoTIFF, and the districts per copy."""
    rows, cols = PROVINCE_GRID
    tif, zones = WORK / f"province_{rows}x{cols}.tif", WORK / f"province_{rows}x{cols}.gpkg"
    if tif.exists() and zones.exists():
        return tif, zones
    import geopandas as gpd
    import numpy as np
    import rasterio
    import shapely
    from rasterio.windows import Window

    with rasterio.open(raster) as src:
        city = src.read(1)
        profile = src.profile
        transform, nodata, crs = src.transform, src.nodata, src.crs
    height, width = city.shape
    _log(f"writing the province mosaic {rows}×{cols} × {height}×{width} px to {tif}")
    profile.update(
        driver="GTiff",
        width=width * cols,
        height=height * rows,
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="DEFLATE",
        predictor=1,
        nodata=nodata,
        BIGTIFF="YES",
        NUM_THREADS="ALL_CPUS",
    )
    partial = tif.with_suffix(".partial.tif")
    with rasterio.open(partial, "w", **profile) as dst:
        strip = np.empty((512, width * cols), dtype=city.dtype)
        for row0 in range(0, height * rows, 512):
            h = min(512, height * rows - row0)
            for r in range(h):
                strip[r] = np.tile(city[(row0 + r) % height], cols)
            dst.write(strip[:h], 1, window=Window(0, row0, width * cols, h))
    partial.rename(tif)
    districts = gpd.read_file(district_zones(raster))
    frames = []
    for r in range(rows):
        for c in range(cols):
            dx, dy = c * width * transform.a, r * height * transform.e
            moved = shapely.transform(
                districts.geometry.values, lambda xy, dx=dx, dy=dy: xy + np.array([dx, dy])
            )
            ids = [f"{zid}_{r}{c}" for zid in districts["zone_id"]]
            frames.append(gpd.GeoDataFrame({"zone_id": ids}, geometry=moved, crs=crs))
    gpd.pd.concat(frames, ignore_index=True).pipe(gpd.GeoDataFrame, crs=crs).to_file(zones)
    return tif, zones


def compile_sources() -> None:
    """Compile the atlas's modules to bytecode, as installing the wheel does. An editable install under
    ``PYTHONDONTWRITEBYTECODE=1`` (set in some shells and CI) never writes them, and every timed process
    would compile each module it imports from source again (about 0.1 s of a ``geoplan`` run); the
    peers, installed from wheels, have theirs."""
    import compileall

    for folder in ("analysis", "layers", "maps", "app", "cli", "demo"):
        if (ROOT / folder).is_dir():
            compileall.compile_dir(ROOT / folder, quiet=1)


def prepare(cases: list[str]) -> None:
    """Make the rasters and zones the cases need; record their paths and sizes in work/cases.json."""
    import pyogrio
    import rasterio

    compile_sources()

    def describe(raster: Path, zones: Path) -> dict[str, Any]:
        with rasterio.open(raster) as src:
            pixels = src.width * src.height
        return {"raster": str(raster), "zones": str(zones), "pixels": pixels,
                "zones_count": int(pyogrio.read_info(zones)["features"])}  # fmt: skip

    WORK.mkdir(parents=True, exist_ok=True)
    raster = ensure_city_raster()
    described: dict[str, Any] = {}
    if "city" in cases:
        described["city"] = describe(raster, district_zones(raster))
    if "small" in cases:
        described["small"] = describe(raster, circle_zones(raster))
    if "province" in cases:
        described["province"] = describe(*province(raster))
    if "app" in cases and (ROOT / "geo_app.py").exists():
        described["app"] = {"data_dir": app_data_dir()}
    (WORK / "cases.json").write_text(json.dumps(described, indent=2), encoding="utf-8")


def app_data_dir() -> str | None:
    """The shipped data directory if its demo data is there, else a copy made under work/appdata."""
    from wuxi_atlas.analysis.paths import data_dir

    shipped = data_dir()
    if (shipped / "demo" / "wuxi_demo.gpkg").exists() and any((shipped / "rasters").glob("*_30m.tif")):
        return None
    copy = WORK / "appdata"
    for name in ("boundaries", "schemes"):
        shutil.copytree(shipped / name, copy / name, dirs_exist_ok=True)
    shutil.copy2(shipped / "targets.toml", copy / "targets.toml")
    if not (copy / "demo" / "wuxi_demo.gpkg").exists():
        _log(f"generating the 30 m demo data in {copy} (the shipped data/demo is missing)")
        from wuxi_atlas.demo.generate import generate_demo_data

        generate_demo_data(copy, 30, overwrite=True)
    return str(copy)


# --------------------------------------------------------------------------------------------------
# Runs


@dataclass
class Sample:
    wall_s: float
    peak_rss_mb: float
    call_s: float | None
    shares: dict[str, float | None]
    extra: dict[str, Any]
    cpu_s: float | None = None


@dataclass
class MethodRuns:
    samples: list[Sample] = field(default_factory=list)

    def median(self, attribute: str) -> float | None:
        values = [getattr(s, attribute) for s in self.samples if getattr(s, attribute) is not None]
        return statistics.median(values) if values else None


def _run_child(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of a child process, which must succeed."""
    wall, rss, _ = _run_child_cpu(command, env)
    return wall, rss


def _run_child_cpu(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Wall time (s), peak RSS (MB) and CPU time (user + system, s) of a child process, which must
    succeed."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    stderr = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def run_method(method: str, raster: Path, zones: Path, options: dict[str, Any]) -> Sample:
    with tempfile.TemporaryDirectory(prefix="geoplan-bench-") as tmp:
        out = Path(tmp) / "out.json"
        if method in CLI_METHODS:
            # A new, empty result cache per run: cold, or warmed by one untimed run of the same command.
            env = {"GEOPLAN_CACHE_DIR": str(Path(tmp) / "cache")}
            if method in OWN_DATA_METHODS:
                env["GEOPLAN_DATA_DIR"] = str(data_without_shipped_results(Path(tmp)))
            if method in WARM_CACHE_METHODS:
                _run_child_cpu(cli_command(method, raster, Path(tmp) / "warm.json"), env)
            wall, rss, cpu = _run_child_cpu(cli_command(method, raster, out), env)
            return Sample(wall, rss, None, cli_shares(out), {}, cpu)
        command = [sys.executable, str(METHOD_SCRIPT), method, str(raster), str(zones), str(out)]
        command += ["--workers", str(options.get("workers", 2)), "--chunks", str(options.get("chunks", 64))]
        wall, rss, cpu = _run_child_cpu(command)
        result = json.loads(out.read_text(encoding="utf-8"))
        return Sample(wall, rss, result["call_s"], result["shares"], result["extra"], cpu)


def max_difference_pp(a: dict[str, float | None], b: dict[str, float | None]) -> float | None:
    """Largest |a − b| over the zones both have a share for, in percentage points."""
    both = [abs(a[z] - b[z]) for z in a if z in b and a[z] is not None and b[z] is not None]  # type: ignore[operator]
    return max(both) if both else None


def run_case(
    name: str, case: dict[str, Any], methods: list[str], runs: int, options: dict[str, Any]
) -> dict[str, Any]:
    raster, zones, pixels = Path(case["raster"]), Path(case["zones"]), case["pixels"]
    by_method = {m: MethodRuns() for m in methods}
    for k in range(runs):
        for method in methods:
            _log(f"[{name}] run {k + 1}/{runs}: {method}")
            by_method[method].samples.append(run_method(method, raster, zones, options))
    rows: dict[str, Any] = {}
    reference = by_method["exactextract"].samples[0].shares if "exactextract" in by_method else None
    for method, method_runs in by_method.items():
        last = method_runs.samples[-1]
        row: dict[str, Any] = {
            "wall_s": method_runs.median("wall_s"),
            "call_s": method_runs.median("call_s"),
            "cpu_s": method_runs.median("cpu_s"),
            "peak_rss_mb": method_runs.median("peak_rss_mb"),
            "walls_s": [s.wall_s for s in method_runs.samples],
            "calls_s": [s.call_s for s in method_runs.samples],
            "extra": last.extra,
        }
        if reference is not None and last.shares:
            row["max_diff_vs_exactextract_pp"] = max_difference_pp(last.shares, reference)
        if method == "dask" and row["call_s"]:
            row["throughput_mpx_s"] = pixels / 1e6 / row["call_s"]
        rows[method] = row
    with_shares = {m: r.samples[-1].shares for m, r in by_method.items() if r.samples[-1].shares}
    pairs = [
        (a, b, max_difference_pp(with_shares[a], with_shares[b]))
        for i, a in enumerate(with_shares)
        for b in list(with_shares)[i + 1 :]
    ]
    largest = max((p for p in pairs if p[2] is not None), key=lambda p: p[2], default=None)
    return {
        "raster": str(raster.relative_to(ROOT)) if raster.is_relative_to(ROOT) else str(raster),
        "pixels": pixels,
        "zones": case["zones_count"],
        "runs": runs,
        "methods": rows,
        "largest_difference_pp": {"methods": largest[:2], "pp": largest[2]} if largest else None,
        "ratios": _ratios(rows),
    }


def _ratios(rows: dict[str, Any]) -> dict[str, float]:
    ratios: dict[str, float] = {}
    ours = rows.get("geoplan", {})
    for peer in (
        "exactextract",
        "rasterstats",
        "geoplan-cli",
        "geoplan-cli-all",
        "geoplan-cli-all-cached",
        "geoplan-cli-all-own-data",
        "dask",
    ):
        if peer in rows and ours.get("wall_s"):
            ratios[f"{peer}_wall_over_geoplan"] = rows[peer]["wall_s"] / ours["wall_s"]
        if peer in rows and ours.get("call_s") and rows[peer].get("call_s"):
            ratios[f"{peer}_call_over_geoplan"] = rows[peer]["call_s"] / ours["call_s"]
    if "floor" in rows and ours.get("call_s"):
        ratios["geoplan_call_over_floor_read"] = ours["call_s"] / rows["floor"]["call_s"]
    return ratios


# --------------------------------------------------------------------------------------------------
# App (measured once geo_app.py exists)


def run_app_case(runs: int, data_dir: str | None) -> dict[str, Any] | None:
    """Server time of the first render and of a district switch (AppTest), and the map payload size.

    Hook: skipped, with a note, until ``geo_app.py`` exists. It runs ``benchmarks/app_probe.py`` in a
    fresh process per run so that the first render pays for every cold cache, as a new session would.
    """
    if not (ROOT / "geo_app.py").exists():
        _log("[app] geo_app.py does not exist yet: app case skipped")
        return None
    samples = []
    for k in range(runs):
        _log(f"[app] run {k + 1}/{runs}")
        with tempfile.TemporaryDirectory(prefix="geoplan-bench-") as tmp:
            out = Path(tmp) / "app.json"
            env = {"GEOPLAN_DATA_DIR": data_dir} if data_dir else None
            _run_child([sys.executable, str(HERE / "app_probe.py"), str(out)], env)
            samples.append(json.loads(out.read_text(encoding="utf-8")))
    keys = [k for k in samples[0] if isinstance(samples[0][k], (int, float))]
    result = {k: statistics.median(s[k] for s in samples if k in s) for k in keys}
    result["notes"] = samples[-1].get("notes", [])
    result["runs"] = runs
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="Zonal statistics benchmarks (see the module docstring).")
    parser.add_argument("--quick", action="store_true", help="one run per method, no province raster")
    parser.add_argument("--runs", type=int, help="runs per method (default 3, 1 with --quick)")
    parser.add_argument(
        "--cases", default="city,small,province,app,commands", help="comma-separated cases to run"
    )
    parser.add_argument(
        "--name",
        default=time.strftime("%Y-%m-%d", time.gmtime()),
        help="results file name (benchmarks/results/NAME.json); default: today's date",
    )
    parser.add_argument("--prepare", metavar="CASES", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare is not None:
        prepare(args.prepare.split(","))
        return
    runs = args.runs or (1 if args.quick else 3)
    cases = [c for c in args.cases.split(",") if c and not (args.quick and c == "province")]
    RESULTS.mkdir(parents=True, exist_ok=True)

    # The data is prepared in a child process: this one stays small, because a child's peak RSS as
    # wait4 reports it starts from the size of the process it was forked from.
    subprocess.run([sys.executable, __file__, "--prepare", ",".join(cases)], check=True, cwd=ROOT)
    prepared = json.loads((WORK / "cases.json").read_text(encoding="utf-8"))
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_before": round(os.getloadavg()[0], 2),
        "runs": runs,
        "cases": {},
    }
    peers = ["floor", "geoplan", "exactextract", "rasterstats", "dask"]
    methods = {
        "city": [
            *peers[:2],
            "geoplan-cli",
            "geoplan-cli-all",
            "geoplan-cli-all-cached",
            "geoplan-cli-all-own-data",
            *peers[2:],
        ],
        "small": ["geoplan", "exactextract", "rasterstats"],
        "province": peers,
    }
    for case in ("city", "small", "province"):
        if case in cases:
            results["cases"][case] = run_case(
                case, prepared[case], methods[case], runs, {"workers": 2, "chunks": 64}
            )
    if "app" in cases:
        results["app"] = run_app_case(runs, prepared.get("app", {}).get("data_dir"))
    if "commands" in cases:
        results["commands"] = run_commands(runs, _run_child_cpu, _log)
    results["load_after"] = round(os.getloadavg()[0], 2)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    markdown = render_markdown(results)
    (RESULTS / f"{args.name}.md").write_text(markdown + "\n", encoding="utf-8")
    print(markdown)
    _log(f"wrote {RESULTS / (args.name + '.json')} and .md")


if __name__ == "__main__":
    main()
