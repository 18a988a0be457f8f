"""Rewrite imports of the design card's folders to the one installed name, ``wuxi_atlas``.

``from analysis.x import y`` becomes ``from wuxi_atlas.analysis.x import y``;
``import layers.aliases as a`` becomes ``import wuxi_atlas.layers.aliases as a``; a bare ``import cli``
becomes ``from wuxi_atlas import cli``; ``python -m cli`` in a command list becomes ``-m wuxi_atlas.cli``.
Used once for the move (#14) and kept for
branches that were started before it: ``python scripts/rewrite_imports.py FILE...`` rewrites in place and
prints what it changed. Anything it cannot rewrite safely (``import analysis.x`` without ``as``) is listed for
a hand edit.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PACKAGE = "wuxi_atlas"
FOLDERS = ("analysis", "layers", "maps", "app", "cli", "demo")
_NAMES = "|".join(FOLDERS)

_FROM = re.compile(rf"^(\s*)from ({_NAMES})((?:\.\w+)*) import ", re.MULTILINE)
_IMPORT_AS = re.compile(rf"^(\s*)import ({_NAMES})((?:\.\w+)+) as (\w+)\s*$", re.MULTILINE)
_IMPORT_BARE = re.compile(rf"^(\s*)import ({_NAMES})(\s*(?:#.*)?)$", re.MULTILINE)
_IMPORT_DOTTED = re.compile(rf"^\s*import ({_NAMES})\.[\w.]+\s*(?:#.*)?$", re.MULTILINE)
_DASH_M = re.compile(rf"\"-m\", \"({_NAMES})\"")


def rewrite(text: str) -> str:
    text = _FROM.sub(rf"\1from {PACKAGE}.\2\3 import ", text)
    text = _IMPORT_AS.sub(rf"\1import {PACKAGE}.\2\3 as \4", text)
    text = _IMPORT_BARE.sub(rf"\1from {PACKAGE} import \2\3", text)
    return _DASH_M.sub(rf'"-m", "{PACKAGE}.\1"', text)


def main(paths: list[str]) -> int:
    for name in paths:
        path = Path(name)
        before = path.read_text(encoding="utf-8")
        after = rewrite(before)
        if after != before:
            path.write_text(after, encoding="utf-8")
            print(f"rewrote {path}")
        for match in _IMPORT_DOTTED.finditer(after):
            print(f"{path}: rewrite by hand: {match.group(0).strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
