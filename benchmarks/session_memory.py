"""What one more app session costs in memory, on the shipped demo data.

Run: ``python benchmarks/session_memory.py`` (about a minute). Each figure is measured in a fresh
process (RSS from psutil after ``gc.collect()``), so the numbers do not leak into each other:

1. ``apptest``: the real app (``geo_app.py``) driven by Streamlit's AppTest, first session then a
   second one in the same server process. The first pays for the shared, read-only cache
   (``st.cache_resource`` layers, ``st.cache_data`` results); the second only for its own state.
2. ``copy``: the demo inputs loaded once (the shared cache), then a second, private copy of them
   (pickled and unpickled, as ``st.cache_data`` hands out), i.e. what each session would cost if
   sessions did not share the layers.
3. ``upload``: one session's private upload, a 5,000-station CSV staged with
   :meth:`layers.catalog.Catalog.stage` (read, validated, GCJ-02 converted; not in any catalog).

Prints one JSON line per measurement; the README's "Bring your own data" section quotes them.
"""

from __future__ import annotations

import gc
import json
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def _rss() -> float:
    import psutil

    gc.collect()
    return psutil.Process().memory_info().rss / MB


def measure_apptest() -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    start = _rss()
    timings = []
    sessions = []
    after = []
    for _ in range(3):
        began = time.perf_counter()
        app = AppTest.from_file(str(REPO / "geo_app.py"), default_timeout=600).run()
        assert not app.exception, app.exception
        timings.append(time.perf_counter() - began)
        sessions.append(app)  # keep every session alive, as a server does
        after.append(_rss())
    return {
        "first_session_mb": round(after[0] - start, 1),
        "second_session_mb": round(after[1] - after[0], 1),
        "third_session_mb": round(after[2] - after[1], 1),
        "first_run_s": round(timings[0], 2),
        "second_run_s": round(timings[1], 2),
    }


def measure_copy() -> dict[str, float]:
    from wuxi_atlas.analysis.indicators import IndicatorOptions, compute_indicators
    from wuxi_atlas.analysis.targets import load_targets
    from wuxi_atlas.layers.inputs import load_indicator_inputs

    start = _rss()
    inputs = load_indicator_inputs()
    shared = _rss()
    results = compute_indicators(inputs, load_targets(), IndicatorOptions())
    computed = _rss()
    blob = pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL)
    private_copy = pickle.loads(blob)
    del blob
    copied = _rss()
    assert private_copy is not inputs
    return {
        "shared_inputs_mb": round(shared - start, 1),
        "indicators_mb": round(computed - shared, 1),
        "private_copy_of_inputs_mb": round(copied - computed, 1),
        "results_pickle_kb": round(len(pickle.dumps(results)) / 1024, 1),
    }


def measure_upload() -> dict[str, float]:
    import numpy as np

    from wuxi_atlas.layers.catalog import Catalog

    rng = np.random.default_rng(0)
    rows = ["名称,类型,桩数,开放类型,经度,纬度"]
    for index in range(5000):
        lon, lat = 119.6 + rng.random() * 0.9, 31.2 + rng.random() * 0.7
        rows.append(f"站{index},充电站,{rng.integers(1, 20)},公共,{lon:.6f},{lat:.6f}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stations.csv"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        start = _rss()
        staged = Catalog(Path(folder) / "catalog").stage("stations", path, lonlat_crs="gcj02")
        after = _rss()
        frame_mb = staged.source.frame.memory_usage(deep=True).sum() / MB
    return {"upload_5000_stations_mb": round(after - start, 1), "frame_deep_mb": round(frame_mb, 2)}


def main() -> None:
    if len(sys.argv) > 1:
        result = {"apptest": measure_apptest, "copy": measure_copy, "upload": measure_upload}[sys.argv[1]]()
        print(json.dumps({sys.argv[1]: result}))
        return
    for name in ("copy", "upload", "apptest"):
        done = subprocess.run(
            [sys.executable, __file__, name], cwd=REPO, capture_output=True, text=True, check=False
        )
        print(done.stdout.strip() or f'{{"{name}": "failed: {done.stderr.strip()[-300:]}"}}')


if __name__ == "__main__":
    main()
