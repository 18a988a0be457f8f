"""``geoplan --help`` and ``geoplan targets list`` stay fast: they load neither geopandas nor rasterio, folium
or streamlit (issue #14). Run in a fresh interpreter, since the test session has imported them already."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("geopandas", "rasterio", "folium", "streamlit")

_PROBE = """
import json, sys
from click.testing import CliRunner
from wuxi_atlas.cli import geoplan
codes = {}
for args in (["--help"], ["targets", "list"], ["indicators", "--help"], ["change", "--help"],
             ["map", "--help"], ["export", "--help"], ["demo-data", "--help"], ["layers", "--help"],
             ["check", "--help"]):
    codes[" ".join(args)] = CliRunner().invoke(geoplan, args).exit_code
print(json.dumps({"codes": codes, "loaded": sorted(m for m in sys.argv[1:] if m in sys.modules)}))
"""


def test_help_and_targets_list_import_no_heavy_module():
    done = subprocess.run([sys.executable, "-c", _PROBE, *HEAVY], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(report["codes"].values()) == {0}, report["codes"]
    assert report["loaded"] == [], f"imported at --help/targets list: {report['loaded']}"


def test_import_cli_alone_loads_no_heavy_module():
    # -X importtime lists every module imported; none of the heavy ones may appear.
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import cli"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "cli" in imported
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
