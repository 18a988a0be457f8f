"""The app case, in one fresh process: ``python benchmarks/app_probe.py OUT``.

Run by ``benchmarks/run.py`` once ``geo_app.py`` exists. With Streamlit's ``AppTest`` (no browser, so
this is server time: the script run that builds the page), it measures

* ``first_render_s``: the first run of ``geo_app.py`` in a new process (cold caches, as a new server);
* ``first_render_warm_s``: the first run of a second session in that process (shared caches warm);
* ``switch_s``: choosing another district in the sidebar, then another (median of the switches);
* ``map_payload_bytes``: the JSON arguments handed to the map component (what the browser receives);
* ``boundary_payload_bytes``: the GeoJSON FeatureCollections in it whose features carry an ``adcode``.

``OUT`` gets these as JSON, with ``notes`` on anything the probe could not find.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SWITCHES = 4


def _component_args(app: Any) -> list[str]:
    """The ``json_args`` of every custom-component element on the page (streamlit-folium's map)."""
    found = []

    def walk(node: Any) -> None:
        if getattr(node, "type", None) == "component_instance":
            found.append(node.proto.json_args)
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


def _boundary_bytes(payload: str) -> int:
    """Bytes of the GeoJSON FeatureCollections embedded in the map script that are district boundaries."""
    decoder = json.JSONDecoder()
    args = json.loads(payload)
    script = args.get("script", "") if isinstance(args, dict) else ""
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


def main() -> None:
    # A cold start means an empty on-disk result cache too (analysis.result_cache), whatever earlier runs
    # on this machine left behind; GEOPLAN_CACHE_DIR set by the caller wins, to measure a filled cache.
    cache_dir = os.environ.setdefault("GEOPLAN_CACHE_DIR", tempfile.mkdtemp(prefix="geoplan-probe-cache-"))
    from streamlit.testing.v1 import AppTest

    out = Path(sys.argv[1])
    notes: list[str] = [f"on-disk result cache: {cache_dir} ({len(os.listdir(cache_dir))} entries at start)"]
    app = AppTest.from_file(str(ROOT / "geo_app.py"), default_timeout=180)
    start = time.perf_counter()
    app.run()
    first = time.perf_counter() - start
    if app.exception:
        notes.append(f"first run raised: {app.exception[0].message[:300]}")
    errors = [e.value for e in app.error]
    if errors:
        notes.append(f"the page shows an error: {str(errors[0])[:300]}")

    warm = AppTest.from_file(str(ROOT / "geo_app.py"), default_timeout=180)
    start = time.perf_counter()
    warm.run()
    first_warm = time.perf_counter() - start

    switches: list[float] = []
    try:
        district = app.selectbox(key="district")
        options = list(district.options)
        for k in range(SWITCHES):
            target = (k + 1) % len(options) or 1
            start = time.perf_counter()
            district.select_index(target).run()
            switches.append(time.perf_counter() - start)
            district = app.selectbox(key="district")
    except KeyError as exc:
        notes.append(f"no district selectbox (key='district'): {exc}")

    args = _component_args(app)
    payload = max(args, key=len) if args else ""
    if not args:
        notes.append("no custom component (map) found on the first page")
    result: dict[str, Any] = {
        "first_render_s": first,
        "first_render_warm_s": first_warm,
        "switch_s": statistics.median(switches) if switches else None,
        "switch_first_s": switches[0] if switches else None,
        "map_payload_bytes": len(payload.encode()),
        "boundary_payload_bytes": _boundary_bytes(payload) if payload else 0,
        "notes": notes,
    }
    out.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
