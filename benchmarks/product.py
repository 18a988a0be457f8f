"""The product path, whole process: the ``geoplan`` commands a user runs, timed in the same run as the
bare engine and its peers (``benchmarks/run.py``), so that every ratio compares runs made under the same
load.

Methods of the ``city`` case (each a fresh process, ``wall`` from start to exit, peak RSS from ``wait4``):

``geoplan-cli-all``
    ``geoplan indicators --landcover R.tif --scheme worldcover``: every indicator, the shipped vector
    layers, JSON to a file, **cold**: with an empty result cache (``GEOPLAN_CACHE_DIR`` a new folder). The
    vector indicators of the shipped layers were computed when the layers were written
    (``analysis.shipped_results``), so a fresh install computes the raster indicators only;
``geoplan-cli-all-own-data``
    the same command, cold, on a copy of the data directory without those results
    (``GEOPLAN_DATA_DIR``): a dataset of one's own, its first run, every indicator computed;
``geoplan-cli-all-cached``
    the same command with the results of the indicators that read no raster in the result cache (one
    untimed run fills a new cache folder first; ``analysis.indicator_cache``). The raster indicators are
    computed all the same: the CLI never takes them from the cache;
``geoplan-cli``
    the same with ``--indicator forest_coverage`` (it reads no vector layer), cold.

Commands of the ``commands`` case, measured once per run, alternating with each other:

``help``
    ``geoplan --help``;
``map``
    ``geoplan map -o map.html``: the city with the default layers, written to a file;
``demo-data``
    ``geoplan demo-data --resolution 30 --out DIR``: the whole synthetic dataset at 30 m.

:func:`product_goals` states the goals of issue #14 against what was measured; they are reported, never
asserted in a test.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "CLI_METHODS",
    "COMMANDS",
    "OWN_DATA_METHODS",
    "WARM_CACHE_METHODS",
    "cli_command",
    "cli_shares",
    "data_without_shipped_results",
    "product_goals",
    "run_commands",
]

#: The CLI methods of the city case: the ``indicators`` arguments after the raster.
CLI_METHODS: dict[str, tuple[str, ...]] = {
    "geoplan-cli-all": (),
    "geoplan-cli-all-own-data": (),
    "geoplan-cli-all-cached": (),
    "geoplan-cli": ("--indicator", "forest_coverage"),
}
#: The CLI methods timed with the vector results already in the cache (after one untimed run).
WARM_CACHE_METHODS = frozenset({"geoplan-cli-all-cached"})
#: The CLI methods run on a copy of the data directory without the results written with it.
OWN_DATA_METHODS = frozenset({"geoplan-cli-all-own-data"})
CITY_ADCODE = "320200"


def _geoplan() -> str:
    """The ``geoplan`` entry point of this interpreter's environment (else the one on PATH)."""
    beside = Path(sys.executable).with_name("geoplan")
    return str(beside) if beside.exists() else shutil.which("geoplan") or "geoplan"


def cli_command(method: str, raster: Path, out: Path) -> list[str]:
    """The command line of a CLI method of the city case, writing JSON to ``out``."""
    return [
        _geoplan(),
        "indicators",
        "--landcover",
        str(raster),
        "--scheme",
        "worldcover",
        *CLI_METHODS[method],
        "--format",
        "json",
        "-q",
        "-o",
        str(out),
    ]


def data_without_shipped_results(folder: Path) -> Path:
    """A copy of the shipped data directory in ``folder``, without the results written with it
    (``demo/vector_results.json``): what a dataset of one's own is to the atlas."""
    from wuxi_atlas.analysis.paths import shipped_data_dir
    from wuxi_atlas.analysis.shipped_results import FILE_NAME

    copy = folder / "data"
    shutil.copytree(shipped_data_dir(), copy, ignore=shutil.ignore_patterns(FILE_NAME))
    return copy


def cli_shares(out: Path) -> dict[str, float | None]:
    """The forest share (%) of each district from a CLI run's JSON: the woody share of the valid ground,
    which is what every peer reports."""
    rows = json.loads(out.read_text(encoding="utf-8"))
    return {
        row["adcode"]: row["value"]
        for row in rows
        if row["indicator"] == "forest_coverage" and row["adcode"] != CITY_ADCODE
    }


def _commands(tmp: Path) -> dict[str, list[str]]:
    geoplan = _geoplan()
    return {
        "help": [geoplan, "--help"],
        "map": [geoplan, "map", "-q", "-o", str(tmp / "map.html")],
        "demo-data": [geoplan, "demo-data", "--resolution", "30", "-q", "--out", str(tmp / "demo")],
    }


COMMANDS = ("help", "map", "demo-data")


def run_commands(
    runs: int,
    run_child: Callable[[list[str]], tuple[float, float, float]],
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Each command of :data:`COMMANDS` ``runs`` times, alternating: the median wall time (s), CPU time
    (s) and peak RSS (MB); ``run_child`` gives the three of one run."""
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in COMMANDS}
    for k in range(runs):
        for name in COMMANDS:
            log(f"[commands] run {k + 1}/{runs}: {name}")
            with tempfile.TemporaryDirectory(prefix="geoplan-bench-") as tmp:
                samples[name].append(run_child(_commands(Path(tmp))[name]))
    return {
        name: {
            "wall_s": statistics.median(wall for wall, _, _ in measured),
            "cpu_s": statistics.median(cpu for _, _, cpu in measured),
            "peak_rss_mb": statistics.median(rss for _, rss, _ in measured),
            "walls_s": [wall for wall, _, _ in measured],
        }
        for name, measured in samples.items()
    }


def product_goals(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """Issue #14's goals, each as (goal, measured, met)."""
    rows: list[tuple[str, str, bool]] = []
    city = results.get("cases", {}).get("city", {}).get("methods", {})

    def wall(name: str) -> float | None:
        value = city.get(name, {}).get("wall_s")
        return float(value) if value else None

    def cpu(name: str) -> float | None:
        value = city.get(name, {}).get("cpu_s")
        return float(value) if value else None

    def cpu_note(ours: str, theirs: str) -> str:
        mine, other = cpu(ours), cpu(theirs)
        return f" (CPU time: {other / mine:.2f}×)" if mine and other else ""

    forest, engine = wall("geoplan-cli"), wall("geoplan")
    for method, state in (
        ("geoplan-cli-all", "cold cache"),
        ("geoplan-cli-all-cached", "vector results cached"),
        ("geoplan-cli-all-own-data", "a dataset's own vector layers, first run: for reference"),
    ):
        every = wall(method)
        for peer, target in (("exactextract", 4.0), ("rasterstats", 2.5)):
            theirs = wall(peer)
            if every and theirs:
                rows.append(
                    (
                        f"`geoplan indicators` (all, {state}) ≥ {target:g}× faster than {peer} "
                        "(whole process)",
                        f"{theirs / every:.2f}×{cpu_note(method, peer)}",
                        theirs / every >= target,
                    )
                )
    if forest and engine:
        mine, bare = cpu("geoplan-cli"), cpu("geoplan")
        rows.append(
            (
                "`--indicator forest_coverage` within 1.3× of the bare engine call (whole process)",
                f"{forest / engine:.2f}×" + (f" (CPU time: {mine / bare:.2f}×)" if mine and bare else ""),
                forest / engine <= 1.3,
            )
        )
    commands = results.get("commands") or {}
    for name, label, limit in (
        ("help", "`geoplan --help` ≤ 0.3 s", 0.3),
        ("map", "`geoplan map` (city, default layers) ≤ 3 s", 3.0),
        ("demo-data", "`geoplan demo-data --resolution 30` ≤ 15 s", 15.0),
    ):
        if name in commands:
            rows.append((label, f"{commands[name]['wall_s']:.2f} s", commands[name]["wall_s"] <= limit))
    rss = {name: row.get("peak_rss_mb") for name, row in city.items() if name.startswith("geoplan-cli")}
    rss.update({name: row.get("peak_rss_mb") for name, row in commands.items()})
    measured = {name: mb for name, mb in rss.items() if mb is not None}
    if measured:
        worst = max(measured, key=lambda name: measured[name])
        rows.append(
            (
                "peak RSS of every geoplan command ≤ 400 MB",
                f"{measured[worst]:.0f} MB ({worst})",
                measured[worst] <= 400,
            )
        )
    return rows
