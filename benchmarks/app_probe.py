"""The app's speed (issue #12): ``python benchmarks/app_probe.py [--runs 3] [--no-browser]``.

Writes ``benchmarks/results/app-<date>-<time>-<commit>.json`` and ``.md`` (the README's speed table is
copied from the latter). Each run starts fresh processes with an empty on-disk result cache, so every
figure is a cold start unless it says otherwise; the median of the runs is reported, with the machine's
load.

The atlas's modules are compiled to bytecode first, as installing the wheel does (``benchmarks/run.py``).

Server time (Streamlit's ``AppTest``, no browser; one new process per run):

* ``first_render_s``: the first run of ``geo_app.py`` (the map page) in a new process with an empty
  result cache, and ``first_render_cpu_s``, the CPU time the process spent on it (the machine is shared,
  so wall time moves with the load; CPU time much less);
* ``complete_s``: from the start of that run until the work it started in the background (the board's
  indicators, the overlays) is done and the page has run again with all of it;
* ``first_render_warm_s``: the first run of a second session in that process (caches warm);
* ``switch_s``: choosing another district in the sidebar (median of the switches), ``layer_toggle_s``
  and ``opacity_s``: the run after a layer toggle and after an opacity change;
* ``same_map_after_*``: whether the map component's script, which identifies the mounted map in the
  browser, is unchanged after the switch, the toggle and the opacity change (then the map stays mounted);
* ``map_payload_bytes``: the JSON arguments of the map component; ``boundary_payload_bytes``: the
  district boundaries in them.

In a real browser (headless Chromium at ``/usr/bin/chromium`` driven by Playwright, every non-local
request blocked, a new ``streamlit run geo_server.py`` with an empty result cache per run: the server an
install runs, which imports what the first page needs before it answers, :mod:`app.warmup`;
``--script geo_app.py`` measures the bare script instead):

* ``browser_server_start_s``: from starting the server until it answers its health check (not part of
  the figures below, which start at navigation);

* ``browser_map_s`` and ``browser_board_s``: from navigation until the map shows the district boundaries
  and until the board shows;
* ``browser_switch_s``: from choosing 滨湖区 in the sidebar until the map has zoomed to it;
* ``browser_map_kept_after_*``: whether the Leaflet map object (``window.map`` in the map's frame) is
  the same object after the district switch, a layer toggle and an opacity change.

``python benchmarks/app_probe.py OUT`` (one path) is the server-time probe alone, in this process, with
its JSON written to OUT: ``benchmarks/run.py`` calls it that way.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SWITCHES = 4
FOLIUM_IFRAME = "iframe[title='streamlit_folium.st_folium']"
LOCAL = ("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")


# --- server time (AppTest) --------------------------------------------------------------------------------


def _component_args(app: Any) -> list[dict[str, Any]]:
    """The arguments of every custom-component element on the page (streamlit-folium's map)."""
    found = []

    def walk(node: Any) -> None:
        if getattr(node, "type", None) == "component_instance":
            found.append(json.loads(node.proto.json_args))
        children = getattr(node, "children", None)
        for child in children.values() if isinstance(children, dict) else ():
            walk(child)

    walk(app._tree)
    return found


def _is_boundaries(collection: dict[str, Any]) -> bool:
    """Polygons whose properties include a Wuxi adcode (3202xx), whatever the property is called."""
    for feature in collection.get("features", []):
        geometry = feature.get("geometry") or {}
        values = (feature.get("properties") or {}).values()
        if geometry.get("type") in ("Polygon", "MultiPolygon") and any(
            re.fullmatch(r"3202\d\d", str(value)) for value in values
        ):
            return True
    return False


def _boundary_bytes(script: str) -> int:
    """Bytes of the GeoJSON FeatureCollections embedded in the map's JavaScript that are district
    boundaries."""
    decoder = json.JSONDecoder()
    total, start = 0, 0
    while (at := script.find('"FeatureCollection"', start)) >= 0:
        start = at + 1
        # The collection opens at the outermost "{" before it that parses as a FeatureCollection.
        candidate = script.rfind("{", 0, at)
        while candidate >= 0:
            try:
                obj, end = decoder.raw_decode(script, candidate)
            except ValueError:
                obj, end = None, candidate
            if isinstance(obj, dict) and obj.get("type") == "FeatureCollection" and end > at:
                if _is_boundaries(obj):
                    total += end - candidate
                start = end
                break
            candidate = script.rfind("{", 0, candidate)
    return total


def _map_args(app: Any) -> dict[str, Any]:
    args = [a for a in _component_args(app) if "script" in a]
    return max(args, key=lambda a: len(json.dumps(a))) if args else {}


def _timed(action: Any) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def _settle() -> Any:
    """Wait for the work the app does in the background (app.progressive); nothing to wait for in a
    version that computes everything in the script run (to measure the one before it)."""
    try:
        from wuxi_atlas.app import progressive
    except ImportError:
        return lambda: None
    return progressive.settle


def server_probe() -> dict[str, Any]:
    """The server-time figures, in this process (which must be new for the cold figures to be cold)."""
    # A cold start means an empty on-disk result cache too (analysis.result_cache), whatever earlier runs
    # on this machine left behind; GEOPLAN_CACHE_DIR set by the caller wins, to measure a filled cache.
    cache_dir = os.environ.setdefault("GEOPLAN_CACHE_DIR", tempfile.mkdtemp(prefix="geoplan-probe-cache-"))
    from streamlit.testing.v1 import AppTest

    notes: list[str] = [f"on-disk result cache: {cache_dir} ({len(os.listdir(cache_dir))} entries at start)"]
    app = AppTest.from_file(str(ROOT / "geo_app.py"), default_timeout=300)
    started = time.perf_counter()
    first, first_cpu = _timed(app.run)
    if app.exception:
        notes.append(f"first run raised: {app.exception[0].message[:300]}")
    if app.error:
        notes.append(f"the page shows an error: {str(app.error[0].value)[:300]}")
    board_at_first = len(app.dataframe) > 0

    settle = _settle()
    settle()
    app.run()
    complete = time.perf_counter() - started
    if not app.dataframe:
        notes.append("no board on the map page after the background work")
    args = _map_args(app)
    if not args:
        notes.append("no map component found on the map page")

    warm = AppTest.from_file(str(ROOT / "geo_app.py"), default_timeout=300)
    first_warm, _ = _timed(warm.run)

    def same_map(before: dict[str, Any]) -> bool:
        return bool(before) and _map_args(app).get("script") == before.get("script")

    switches: list[float] = []
    kept_switch = True
    district = app.sidebar.selectbox(key="district__zh")
    options = list(district.options)
    for k in range(SWITCHES):
        before = _map_args(app)
        switches.append(_timed(district.select_index((k + 1) % len(options) or 1).run)[0])
        kept_switch = kept_switch and same_map(before)
        district = app.sidebar.selectbox(key="district__zh")

    before = _map_args(app)
    layers = app.sidebar.multiselect(key="layers__zh")
    toggle, _ = _timed(layers.set_value([*layers.value, "builtup"]).run)
    kept_toggle = same_map(before)
    settle()
    app.run()

    before = _map_args(app)
    slider = app.sidebar.slider(key="opacity_forest")
    value: Any = slider.value
    opacity, _ = _timed(slider.set_value(round(float(value) - 0.1, 2)).run)
    kept_opacity = same_map(before)

    return {
        "first_render_s": first,
        "first_render_cpu_s": first_cpu,
        "board_in_first_render": board_at_first,
        "complete_s": complete,
        "first_render_warm_s": first_warm,
        "switch_s": statistics.median(switches),
        "switch_first_s": switches[0],
        "layer_toggle_s": toggle,
        "opacity_s": opacity,
        "same_map_after_switch": kept_switch,
        "same_map_after_toggle": kept_toggle,
        "same_map_after_opacity": kept_opacity,
        "map_payload_bytes": len(json.dumps(args).encode()),
        "boundary_payload_bytes": _boundary_bytes(
            str(args.get("script", "")) + str(args.get("feature_group", ""))
        ),
        "notes": notes,
    }


# --- a real browser --------------------------------------------------------------------------------------


def _wait_in_map(page: Any, condition: str, arg: Any) -> None:
    """Wait until ``condition`` (JavaScript of ``w``, the map frame's window, and ``arg``) holds."""
    page.wait_for_function(
        "(arg) => { const f = [...document.querySelectorAll('iframe')].find("
        "  i => i.title === 'streamlit_folium.st_folium');"
        f" const w = f && f.contentWindow; return Boolean(w && ({condition})); }}",
        arg=arg,
        timeout=120_000,
    )


def browser_probe(script: str = "geo_server.py") -> dict[str, Any]:
    """The browser figures: a new server of ``script`` with an empty result cache, headless Chromium, no
    network."""
    sys.path.insert(0, str(ROOT / "tests" / "app"))
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright
    from streamlit_server import CHROMIUM, CHROMIUM_ARGS, running_streamlit

    from wuxi_atlas.maps.text import t

    env = {**os.environ, "GEOPLAN_CACHE_DIR": tempfile.mkdtemp(prefix="geoplan-probe-cache-")}
    result: dict[str, Any] = {}
    started = time.perf_counter()
    with running_streamlit(script, env=env) as url, sync_playwright() as playwright:
        result["browser_server_start_s"] = time.perf_counter() - started
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort())
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)[:200]))
            start = time.perf_counter()
            page.goto(f"{url}/?basemap=none", timeout=120_000)
            frame = page.frame_locator(FOLIUM_IFRAME).first
            frame.locator("path.leaflet-interactive").first.wait_for(timeout=180_000)
            result["browser_map_s"] = time.perf_counter() - start
            page.wait_for_selector("[data-testid='stDataFrame']", timeout=180_000)
            result["browser_board_s"] = time.perf_counter() - start
            frame.locator(".marker-cluster").first.wait_for(timeout=180_000)  # the last default overlay
            result["browser_overlays_s"] = time.perf_counter() - start

            def leaflet() -> Any:
                return next(f for f in page.frames if "streamlit_folium" in f.url)

            def kept() -> bool:
                return bool(leaflet().evaluate("window.map && window.map.__probe === 1"))

            leaflet().evaluate("window.map.__probe = 1")
            city_zoom = leaflet().evaluate("window.map.getZoom()")
            sidebar = page.locator("[data-testid='stSidebar']")

            def switch() -> None:
                start = time.perf_counter()
                sidebar.locator("[data-testid='stSelectbox']").nth(0).click()
                page.keyboard.type("滨湖")
                page.keyboard.press("Enter")
                _wait_in_map(page, "w.map && w.map.getZoom() > arg", city_zoom)
                result["browser_switch_s"] = time.perf_counter() - start

            def toggle() -> None:
                paths = frame.locator("path.leaflet-interactive").count()
                sidebar.locator("[data-testid='stMultiSelect'] input").click()
                page.keyboard.type(t("layer_builtup", "zh"))
                page.keyboard.press("Enter")
                page.keyboard.press("Escape")
                _wait_in_map(
                    page, "w.document.querySelectorAll('path.leaflet-interactive').length > arg", paths
                )

            def fade() -> None:
                expander = sidebar.locator("[data-testid='stExpander'] summary")
                expander.filter(has_text=t("opacity", "zh")).first.click()
                before = frame.locator("img.leaflet-image-layer").first.evaluate("i => i.style.opacity")
                forest = sidebar.locator("[data-testid='stSlider']").filter(has_text=t("layer_forest", "zh"))
                forest.locator("input[type='range']").first.focus()
                page.keyboard.press("ArrowLeft")
                _wait_in_map(
                    page,
                    "(i => i && i.style.opacity !== arg)(w.document.querySelector('.leaflet-image-layer'))",
                    before,
                )

            # Each step on its own: one that fails (an older version that does not zoom) is noted, the
            # others are still measured.
            for name, step in (("switch", switch), ("toggle", toggle), ("opacity", fade)):
                try:
                    step()
                    page.wait_for_timeout(1000)
                    result[f"browser_map_kept_after_{name}"] = kept()
                except PlaywrightError as exc:
                    errors.append(f"{name}: {str(exc).splitlines()[0][:160]}")
            result["browser_page_errors"] = errors
        finally:
            browser.close()
    return result


# --- the report ------------------------------------------------------------------------------------------


def _child(args: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="geoplan-probe-") as folder:
        out = Path(folder) / "out.json"
        subprocess.run([sys.executable, __file__, *args, str(out)], check=True, cwd=ROOT)
        return dict(json.loads(out.read_text(encoding="utf-8")))


def _median(samples: list[dict[str, Any]], key: str) -> Any:
    values = [s[key] for s in samples if s.get(key) is not None]
    if not values:
        return None
    if all(isinstance(v, bool) for v in values):
        return all(values)
    return statistics.median(values) if all(isinstance(v, int | float) for v in values) else values[-1]


GOALS: tuple[tuple[str, str, float], ...] = (
    ("first_render_s", "first render of the map page, new process, empty result cache (server)", 1.5),
    ("first_render_cpu_s", "… its CPU time", 1.5),
    ("complete_s", "… until its board and overlays are computed and shown (server)", float("nan")),
    ("first_render_warm_s", "first render of a new session, warm server", 1.5),
    ("switch_s", "district switch on the map page (server)", 0.3),
    ("layer_toggle_s", "layer toggle (server; the new overlay follows)", float("nan")),
    ("opacity_s", "opacity change (server)", float("nan")),
    ("browser_server_start_s", "browser: server start until it answers (before navigation)", float("nan")),
    ("browser_map_s", "browser: map visible after navigation (cold server)", 5.0),
    ("browser_board_s", "browser: board visible after navigation (cold server)", 5.0),
    ("browser_overlays_s", "browser: default overlays all shown (cold server)", float("nan")),
    ("browser_switch_s", "browser: district switch until the map has zoomed to it", float("nan")),
)
KEPT = (
    ("same_map_after_switch", "server: same map script after a district switch"),
    ("same_map_after_toggle", "server: same map script after a layer toggle"),
    ("same_map_after_opacity", "server: same map script after an opacity change"),
    ("browser_map_kept_after_switch", "browser: same Leaflet map object after a district switch"),
    ("browser_map_kept_after_toggle", "browser: same Leaflet map object after a layer toggle"),
    ("browser_map_kept_after_opacity", "browser: same Leaflet map object after an opacity change"),
)


def render_markdown(report: dict[str, Any]) -> str:
    lines = [
        f"App speed of {report.get('commit', 'unknown')} measured {report['date']} on {report['machine']} "
        f"(load average {report['load_before']} "
        f"before, {report['load_after']} after); median of {report['runs']} run(s), each in new processes "
        "with an empty result cache; demo data"
        + (
            f"; browser figures on `streamlit run {report['browser_script']}`."
            if report.get("browser_script")
            else "."
        ),
        "",
        "| measure | measured | goal |",
        "|---|---:|---|",
    ]
    for key, label, goal in GOALS:
        value = report["results"].get(key)
        if value is None:
            continue
        target = "" if goal != goal else ("met" if value <= goal else "**missed**") + f" (≤ {goal:g} s)"
        lines.append(f"| {label} | {value:.2f} s | {target} |")
    for key, label in KEPT:
        value = report["results"].get(key)
        if value is not None:
            lines.append(f"| {label} | {'yes' if value else '**no**'} | |")
    payload = report["results"].get("map_payload_bytes")
    if payload:
        lines.append(
            f"| map component arguments (default view, all overlays drawn) | {payload / 1e6:.1f} MB | |"
        )
    notes = report["results"].get("notes") or []
    errors = report["results"].get("browser_page_errors") or []
    lines += [""] + [f"- note: {note}" for note in [*notes, *errors]]
    return "\n".join(lines).rstrip() + "\n"


def _commit() -> str:
    """The commit measured (its short hash, "+" when the tree has changes), "unknown" outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=ROOT)
    except OSError:
        return "unknown"
    return head.stdout.strip() + ("+" if dirty.stdout.strip() else "") if head.returncode == 0 else "unknown"


def main() -> None:
    if len(sys.argv) == 2 and not sys.argv[1].startswith("-"):
        Path(sys.argv[1]).write_text(json.dumps(server_probe()), encoding="utf-8")
        return
    if len(sys.argv) == 4 and sys.argv[1] == "--browser-child":
        Path(sys.argv[3]).write_text(json.dumps(browser_probe(sys.argv[2])), encoding="utf-8")
        return
    parser = argparse.ArgumentParser(description="The app's speed (see the module docstring).")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true", help="server time only")
    parser.add_argument(
        "--script",
        default="geo_server.py",
        choices=("geo_server.py", "geo_app.py"),
        help="the server the browser figures are measured on (default: the one with the startup imports)",
    )
    args = parser.parse_args()
    # The atlas's modules as bytecode, as installing the wheel leaves them: under PYTHONDONTWRITEBYTECODE
    # an editable install compiles every module the first render imports from source (~0.15 s of it).
    from run import compile_sources

    compile_sources()
    load_before = round(os.getloadavg()[0], 2)
    samples = []
    for run in range(args.runs):
        print(f"[app_probe] run {run + 1}/{args.runs}", file=sys.stderr)
        sample = _child([])
        if not args.no_browser:
            sample.update(_child(["--browser-child", args.script]))
        samples.append(sample)
    keys = dict.fromkeys(k for sample in samples for k in sample)
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "commit": _commit(),
        "load_before": load_before,
        "load_after": round(os.getloadavg()[0], 2),
        "runs": args.runs,
        "browser_script": None if args.no_browser else args.script,
        "results": {key: _median(samples, key) for key in keys},
        "samples": samples,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"app-{time.strftime('%Y-%m-%d-%H%M', time.gmtime())}-{report['commit']}"
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    markdown = render_markdown(report)
    (RESULTS / f"{name}.md").write_text(markdown, encoding="utf-8")
    print(markdown)


if __name__ == "__main__":
    main()
