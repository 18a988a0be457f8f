"""Write what the user-facing commands print for the shipped data into one folder, so two trees can be
diffed: the rebuild of the house (issue #10) must leave indicators, CLI output and map HTML identical.

    python scripts/snapshot_outputs.py OUT_DIR          # run every command, one file per command
    python scripts/snapshot_outputs.py --diff A B       # compare two snapshots; exit 1 on any difference

Each command runs as a user runs it: the ``geoplan`` beside this Python interpreter, in a subprocess.
folium names every element with a random 32-hex id, so ids are replaced by their order of first
appearance before writing; nothing else is normalised.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

#: name -> geoplan arguments; "{out}" is a temporary output file when the command writes one.
COMMANDS: dict[str, list[str]] = {
    "help.txt": ["--help"],
    "targets_list.txt": ["targets", "list"],
    "indicators_table.txt": ["indicators"],
    "indicators.csv": ["indicators", "--format", "csv"],
    "indicators.json": ["indicators", "--format", "json"],
    "indicators.geojson": ["indicators", "--format", "geojson"],
    "indicators_senlin_polygon.csv": [
        "indicators",
        "--format",
        "csv",
        "--forest-variant",
        "senlin",
        "--denominator",
        "polygon",
    ],
    "change.csv": ["change", "--format", "csv"],
    "change_binhu.txt": ["change", "--district", "320211"],
    "map_city_none.html": ["map", "--basemap", "none", "-o", "{out}"],
    "map_city_default.html": ["map", "-o", "{out}"],
    "map_binhu_none.html": ["map", "--basemap", "none", "--district", "滨湖", "-o", "{out}"],
    **{
        f"export_{kind}.geojson": ["export", kind, "-o", "{out}"]
        for kind in ("districts", "wetlands", "protected", "builtup", "pv_sites", "stations")
    },
    "export_stations_binhu.geojson": ["export", "stations", "--district", "Binhu", "-o", "{out}"],
}

_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


def _stable_ids(text: str) -> str:
    """Replace folium's random element ids by their order of first appearance."""
    order: dict[str, str] = {}
    return _FOLIUM_ID.sub(lambda m: order.setdefault(m.group(0), f"id{len(order):05d}"), text)


def snapshot(out_dir: Path) -> None:
    geoplan = Path(sys.executable).with_name("geoplan")
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GEOPLAN_CACHE_DIR": tempfile.mkdtemp(prefix="geoplan-snapshot-cache-")}
    for name, arguments in COMMANDS.items():
        with tempfile.TemporaryDirectory() as work:
            target = Path(work) / name
            argv = [str(geoplan), *(str(target) if a == "{out}" else a for a in arguments)]
            done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=work, check=False)
            text = target.read_text(encoding="utf-8") if target.exists() else done.stdout
            text = f"exit {done.returncode}\n{_stable_ids(text)}"
        (out_dir / name).write_text(text, encoding="utf-8")
        print(f"{name}: exit {done.returncode}, {len(text):,} characters", file=sys.stderr)


def diff(before: Path, after: Path) -> int:
    differing = 0
    for name in COMMANDS:
        a, b = before / name, after / name
        if not a.exists() or not b.exists():
            print(f"{name}: missing in {'before' if not a.exists() else 'after'}")
            differing += 1
            continue
        text_a, text_b = a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")
        if text_a != text_b:
            differing += 1
            lines = difflib.unified_diff(text_a.splitlines(), text_b.splitlines(), str(a), str(b), n=1)
            print("\n".join(line[:200] for line in list(lines)[:40]))
    print(f"{len(COMMANDS) - differing} of {len(COMMANDS)} outputs identical")
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--diff", action="store_true", help="compare two snapshot folders")
    args = parser.parse_args()
    if args.diff:
        if len(args.folders) != 2:
            parser.error("--diff takes two folders")
        return diff(*args.folders)
    snapshot(args.folders[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
