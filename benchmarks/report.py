"""The benchmark's report: the Markdown tables of ``benchmarks/results/<name>.md`` and the goals (measured,
never asserted) that :mod:`run` writes after a run. Kept apart from the running so that either can change
without the other; ``python benchmarks/run.py`` is still the one command."""

from __future__ import annotations

from typing import Any

from product import product_goals

__all__ = ["COMMAND_LABELS", "METHOD_LABELS", "goals", "render_markdown"]


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


COMMAND_LABELS = {
    "help": "geoplan --help",
    "map": "geoplan map -o map.html",
    "demo-data": "geoplan demo-data --resolution 30",
}
METHOD_LABELS = {
    "floor": "read floor (decode every block)",
    "geoplan": "**geoplan** `zonal_class_areas`",
    "geoplan-cli": "`geoplan indicators --indicator forest_coverage`",
    "geoplan-cli-all": "`geoplan indicators` (every indicator, shipped vector layers), cold cache",
    "geoplan-cli-all-cached": "`geoplan indicators` (the same), vector results cached",
    "geoplan-cli-all-own-data": (
        "`geoplan indicators` (the same), cold, on a dataset without results written with it"
    ),
    "dask": "geoplan on Dask (2 local workers)",
    "exactextract": "exactextract `unique`+`frac`",
    "rasterstats": "rasterstats `categorical=True`",
}


def render_markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Measured {results['date']} on {results['machine']} (load average {results['load_before']} "
        f"before, {results['load_after']} after); median of {results['runs']} run(s), each method in a "
        "fresh process.",
        "",
    ]
    for case, data in results["cases"].items():
        lines += [
            f"**{case}**: {data['pixels'] / 1e6:,.0f} Mpx, {data['zones']} zones (`{data['raster']}`)",
            "",
            "| method | whole process (s) | CPU (s) | in-process call (s) | peak RSS (MB) "
            "| × geoplan (process) | max Δ vs exactextract (pp) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        ours = data["methods"].get("geoplan", {})
        for method, row in data["methods"].items():
            ratio = row["wall_s"] / ours["wall_s"] if ours.get("wall_s") else None
            rss = _fmt(row["peak_rss_mb"], 0)
            if method == "dask" and row["extra"].get("worker_peak_rss_mb"):
                workers = ", ".join(f"{mb:.0f}" for mb in row["extra"]["worker_peak_rss_mb"])
                rss += f" + workers {workers}"
            call = _fmt(row["call_s"])
            if method == "dask" and row.get("throughput_mpx_s"):
                start = row["extra"].get("cluster_start_s")
                call += f" ({row['throughput_mpx_s']:.0f} Mpx/s; cluster start {_fmt(start, 1)} s)"
            lines.append(
                f"| {METHOD_LABELS.get(method, method)} | {_fmt(row['wall_s'])} | {_fmt(row.get('cpu_s'))} | "
                f"{call} | {rss} | {_fmt(ratio)} | {_fmt(row.get('max_diff_vs_exactextract_pp'), 4)} |"
            )
        largest = data.get("largest_difference_pp")
        ratios = data["ratios"]
        notes = []
        if "geoplan_call_over_floor_read" in ratios:
            notes.append(f"geoplan call / read floor = {ratios['geoplan_call_over_floor_read']:.2f}×")
        if largest:
            notes.append(
                f"largest difference between methods: {largest['pp']:.3f} pp "
                f"({' vs '.join(largest['methods'])})"
            )
        if notes:
            lines += ["", "; ".join(notes) + "."]
        lines.append("")
    app = results.get("app")
    if app:
        lines += [
            "**app** (`geo_app.py`, AppTest server time, demo data)",
            "",
            "| measure | value |",
            "|---|---:|",
        ]
        for key, value in app.items():
            if isinstance(value, (int, float)) and key != "runs":
                lines.append(
                    f"| {key} | {value:,.3f} |" if isinstance(value, float) else f"| {key} | {value:,} |"
                )
        lines.append("")
    elif "app" in results:
        lines += ["**app**: not measured (`geo_app.py` did not exist when this ran).", ""]
    commands = results.get("commands")
    if commands:
        lines += [
            "**commands** (whole process, demo data)",
            "",
            "| command | whole process (s) | CPU (s) | peak RSS (MB) |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| `{COMMAND_LABELS.get(name, name)}` | {_fmt(row['wall_s'])} | {_fmt(row.get('cpu_s'))} | "
            f"{_fmt(row['peak_rss_mb'], 0)} |"
            for name, row in commands.items()
        ]
        lines.append("")
    rows = goals(results)
    if rows:
        lines += ["**goals** (measured, not asserted)", "", "| goal | measured | |", "|---|---:|---|"]
        lines += [f"| {goal} | {value} | {'met' if met else '**missed**'} |" for goal, value, met in rows]
        lines.append("")
    return "\n".join(lines)


def goals(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """The project's speed and accuracy goals, each with its measured value and whether it is met."""
    cases, rows = results["cases"], []

    def method(case: str, name: str) -> dict[str, Any]:
        return cases.get(case, {}).get("methods", {}).get(name, {})

    def ratio(case: str, peer: str) -> float | None:
        return cases.get(case, {}).get("ratios", {}).get(f"{peer}_wall_over_geoplan")

    for case, peer, target in (("city", "exactextract", 4.0), ("city", "rasterstats", 2.5),
                               ("province", "exactextract", 10.0)):  # fmt: skip
        value = ratio(case, peer)
        if value is not None:
            rows.append(
                (
                    f"{case}: ≥ {target:g}× faster than {peer} (whole process)",
                    f"{value:.2f}×",
                    value >= target,
                )
            )
    floor = cases.get("city", {}).get("ratios", {}).get("geoplan_call_over_floor_read")
    if floor is not None:
        rows.append(("city: in-process call ≤ 2× the read floor", f"{floor:.2f}×", floor <= 2.0))
    diffs = [method(c, "geoplan").get("max_diff_vs_exactextract_pp") for c in ("city", "small", "province")]
    diffs = [d for d in diffs if d is not None]
    if diffs:
        rows.append(
            (
                "within 0.01 pp of exactextract, small zones included",
                f"{max(diffs):.2g} pp",
                max(diffs) <= 0.01,
            )
        )
    for case, label in (("city", "100 Mpx"), ("province", "1 Gpx")):
        rss = method(case, "geoplan").get("peak_rss_mb")
        if rss is not None:
            rows.append((f"peak memory ≤ 400 MB at {label}", f"{rss:.0f} MB", rss <= 400))
    rows += product_goals(results)
    app = results.get("app") or {}
    app_goals = (
        ("first_render_s", "app: first render < 1.5 s (new server process, cold caches)", 1.5, "s"),
        ("first_render_warm_s", "app: first render < 1.5 s (new session, warm server)", 1.5, "s"),
        ("switch_s", "app: district switch ≤ 0.3 s (#12)", 0.3, "s"),
        ("boundary_payload_bytes", "app: boundary payload < 150 KB", 150e3, "B"),
    )
    for key, label, limit, unit in app_goals:
        value = app.get(key)
        if value is not None:
            shown = f"{value / 1e3:.0f} KB" if unit == "B" else f"{value:.2f} s"
            rows.append((label, shown, value < limit))
    return rows
