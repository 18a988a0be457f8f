"""The land survey's geometric method against ``geopandas.overlay`` + area, and against tabulation.

``python benchmarks/dltb_overlay.py [--parcels 300000] [--seed 20240712]``

One run, one process: a SYNTHETIC DLTB of ``--parcels`` parcels over the real Wuxi districts
(:func:`demo.land_survey.synthetic_dltb`, seeded) is held in memory, then each method computes the area of
every DLBM class in every district:

- **geoplan geometry**: :func:`analysis.land_survey.intersect` (``STRtree`` + prepared
  ``contains_properly``; only parcels crossing a district boundary are cut, against small pieces of it);
- **geopandas.overlay**: ``gpd.overlay(parcels, districts, how="intersection")``, then ``area`` summed by
  district and class: the usual way;
- **geoplan tabulation**: :func:`analysis.land_survey.tabulate` (TBDLMJ by ZLDWDM county, no geometry).

The two geometric answers must agree to 1e-6 relative for every (district, class); the run fails otherwise.
Each method's time is the median of ``--repeat`` calls (overlay runs once: it takes a minute); its memory
is the peak resident set sampled every 5 ms during the calls, and that peak less what the process held
before them (the parcels themselves, the interpreter and the libraries). Results go to
``benchmarks/results/dltb_overlay.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results" / "dltb_overlay.json"
_PAGE = 4096


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * _PAGE / 2**20


class _PeakRSS:
    """The highest RSS (MB) seen while the block runs, sampled every 5 ms on a thread."""

    def __enter__(self) -> _PeakRSS:
        self.before = _rss_mb()
        self.peak = self.before
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while self._running:
            self.peak = max(self.peak, _rss_mb())
            time.sleep(0.005)

    def __exit__(self, *_: object) -> None:
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


def _timed(call: Callable[[], Any], repeat: int) -> tuple[Any, dict[str, Any]]:
    """The call's result, and its median time, every run's time, the RSS before the first run and the
    peak above it (MB)."""
    times = []
    result: Any = None
    before = _rss_mb()
    peak = before
    for _ in range(repeat):
        result = None  # the previous run's answer is not held while the next one runs
        with _PeakRSS() as memory:
            start = time.perf_counter()
            result = call()
            times.append(time.perf_counter() - start)
        peak = max(peak, memory.peak)
    measured = {
        "median_s": statistics.median(times),
        "runs_s": times,
        "rss_before_mb": before,
        "peak_rss_mb": peak,
        "peak_above_before_mb": peak - before,
    }
    return result, measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=20240712)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    from wuxi_atlas.analysis.boundaries import load_boundaries
    from wuxi_atlas.analysis.land_survey import intersect, tabulate
    from wuxi_atlas.analysis.sources import LandSurveySource
    from wuxi_atlas.analysis.study_area import StudyArea
    from wuxi_atlas.demo.land_survey import synthetic_dltb

    start = time.perf_counter()
    boundaries = load_boundaries()
    parcels = synthetic_dltb(boundaries, parcels=args.parcels, seed=args.seed)
    generated_s = time.perf_counter() - start
    source = LandSurveySource(parcels, 2023, f"synthetic DLTB, seed {args.seed}", True)
    study_area = StudyArea.from_boundaries(boundaries)
    districts = study_area.districts[["adcode", "geometry"]].reset_index(drop=True)
    adcodes = districts["adcode"].tolist()
    geometries = np.asarray(parcels.geometry.to_numpy(), dtype=object)
    vertices = int(shapely.get_num_coordinates(geometries).sum())
    print(f"{len(parcels):,} synthetic parcels ({vertices:,} vertices) in {generated_s:.1f} s", flush=True)

    geometry, geometry_run = _timed(lambda: intersect(source, study_area), args.repeat)
    print(f"geoplan geometry    {geometry_run['median_s']:8.2f} s", flush=True)
    tabulated, tabulation_run = _timed(lambda: tabulate(source, adcodes), args.repeat)
    print(f"geoplan tabulation  {tabulation_run['median_s']:8.2f} s", flush=True)

    def overlay() -> pd.Series:
        pieces = gpd.overlay(
            parcels[["DLBM", "geometry"]], districts, how="intersection", keep_geom_type=True
        )
        return pieces.geometry.area.groupby([pieces["adcode"], pieces["DLBM"]]).sum()

    overlaid, overlay_run = _timed(overlay, 1)
    print(f"geopandas.overlay   {overlay_run['median_s']:8.2f} s", flush=True)
    geometry_s, tabulation_s, overlay_s = (
        run["median_s"] for run in (geometry_run, tabulation_run, overlay_run)
    )

    worst = 0.0
    compared = 0
    for (adcode, code), expected in overlaid.items():
        found = geometry.by_district[str(adcode)].get(str(code), 0.0)
        worst = max(worst, abs(found - expected) / expected)
        compared += 1
    extra = {
        (a, c) for a, classes in geometry.by_district.items() for c in classes if (a, c) not in overlaid.index
    }
    assert not extra, f"geoplan found classes overlay did not: {sorted(extra)[:5]}"
    assert worst <= 1e-6, f"geometry and overlay differ by {worst:.2e} relative"
    city_tab = sum(tabulated.surveyed.values())
    city_geo = sum(geometry.surveyed.values())

    record = {
        "measured_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} CPUs, Python "
        f"{platform.python_version()}, shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), "
        f"geopandas {gpd.__version__}",
        "parcels": len(parcels),
        "vertices": vertices,
        "seed": args.seed,
        "districts": len(adcodes),
        "load_average": list(__import__("os").getloadavg()),
        "methods": {
            "geoplan_geometry": geometry_run,
            "geopandas_overlay": overlay_run,
            "geoplan_tabulation": tabulation_run,
        },
        "overlay_over_geometry": overlay_s / geometry_s,
        "geometry_over_tabulation": geometry_s / tabulation_s,
        "max_relative_difference_geometry_vs_overlay": worst,
        "class_district_pairs_compared": compared,
        "city_surveyed_km2": {"tabulation": city_tab / 1e6, "geometry": city_geo / 1e6},
        "goal_10x_faster_than_overlay": overlay_s / geometry_s >= 10,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(
        f"overlay / geometry = {overlay_s / geometry_s:.1f}×, geometry / tabulation = "
        f"{geometry_s / tabulation_s:.1f}×; max relative difference {worst:.1e} over {compared} "
        f"(district, class) pairs; peak RSS above what the process held before: geometry "
        f"{geometry_run['peak_above_before_mb']:.0f} MB, overlay "
        f"{overlay_run['peak_above_before_mb']:.0f} MB, "
        f"tabulation {tabulation_run['peak_above_before_mb']:.0f} MB (held before: "
        f"{geometry_run['rss_before_mb']:.0f} MB); wrote {args.out}"
    )


if __name__ == "__main__":
    main()
