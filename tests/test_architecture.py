"""The shape of the house: imports flow one way, drawing and Streamlit stay in their rooms, modules stay
small, and every folder says what it is for.

    front-ends (geo_app.py, app/, cli/)  →  maps/, demo/  →  layers/  →  analysis/

``demo/`` (the synthetic generator) may use ``layers`` and ``analysis``; nothing but the CLI's
``demo-data`` command imports it. Every import counts, including those inside functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Top-level package → the project packages it may import.
ALLOWED: dict[str, set[str]] = {
    "analysis": {"analysis"},
    "layers": {"layers", "analysis"},
    "maps": {"maps", "layers", "analysis"},
    "demo": {"demo", "layers", "analysis"},
    "app": {"app", "maps", "layers", "analysis"},
    "cli": {"cli", "maps", "layers", "analysis", "demo"},
    "geo_app": {"app", "maps", "layers", "analysis"},
}
PROJECT = set(ALLOWED)
#: Third-party packages that belong to one room only.
RESTRICTED: dict[str, set[str]] = {
    "streamlit": {"app", "geo_app"},
    "streamlit_folium": {"app", "geo_app"},
    "folium": {"maps", "app", "geo_app"},
    "branca": {"maps", "app", "geo_app"},
}
MAX_MODULE_LINES = 550


def _modules() -> Iterator[tuple[str, Path]]:
    for package in sorted(PROJECT - {"geo_app"}):
        folder = ROOT / package
        for path in sorted(folder.rglob("*.py")) if folder.is_dir() else ():
            yield package, path
        if (ROOT / f"{package}.py").is_file():
            yield package, ROOT / f"{package}.py"
    yield "geo_app", ROOT / "geo_app.py"
    yield "geo_app", ROOT / "geo_server.py"


MODULES = list(_modules())


PACKAGE = "wuxi_atlas"


def _imported_roots(path: Path) -> set[str]:
    """The rooms and libraries a module imports: ``wuxi_atlas.maps.text`` counts as ``maps``, and
    ``from wuxi_atlas import cli`` as ``cli``. A folder imported by its bare name (``analysis.x``) is
    reported as ``bare:analysis``: it would work only from a checkout, never from the installed wheel."""
    roots: set[str] = set()

    def add(dotted: str, names: list[str]) -> None:
        parts = dotted.split(".")
        if parts[0] == PACKAGE:
            roots.update([parts[1]] if len(parts) > 1 else names)
        elif parts[0] in PROJECT:
            roots.add(f"bare:{parts[0]}")
        else:
            roots.add(parts[0])

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, [])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            add(node.module, [alias.name for alias in node.names])
    return roots


def _id(item: tuple[str, Path]) -> str:
    return str(item[1].relative_to(ROOT))


def test_the_tree_has_the_rooms_it_should() -> None:
    for folder in ("analysis", "layers", "maps", "demo", "app", "cli"):
        assert (ROOT / folder / "__init__.py").is_file(), folder
    assert (ROOT / "geo_app.py").is_file()
    assert len(MODULES) > 60


@pytest.mark.parametrize("item", MODULES, ids=_id)
def test_imports_flow_one_way(item: tuple[str, Path]) -> None:
    package, path = item
    imported = _imported_roots(path)
    bare = sorted(name for name in imported if name.startswith("bare:"))
    assert not bare, f"{_id(item)} imports {bare} by a bare name; import through {PACKAGE}."
    upward = (imported & PROJECT) - ALLOWED[package]
    assert not upward, f"{_id(item)} imports {sorted(upward)}, above or beside {package}/"
    for library, rooms in RESTRICTED.items():
        assert library not in imported or package in rooms, f"{_id(item)} imports {library}"


@pytest.mark.parametrize("item", MODULES, ids=_id)
def test_modules_stay_small(item: tuple[str, Path]) -> None:
    lines = len(item[1].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{_id(item)} has {lines} lines; split it along a real seam"


def test_every_folder_says_what_it_is_for() -> None:
    folders = {path.parent for _, path in MODULES if path.name == "__init__.py"}
    assert folders
    for folder in sorted(folders):
        tree = ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))
        docstring = ast.get_docstring(tree)
        assert docstring and len(docstring) > 40, f"{folder.relative_to(ROOT)}/__init__.py has no docstring"


def test_a_walk_catches_an_arrow_back_up(tmp_path: Path) -> None:
    """The walker itself: an import inside a function still counts."""
    module = tmp_path / "module.py"
    module.write_text(
        "def f():\n    from wuxi_atlas.maps.text import t\n    import streamlit\n"
        "    from wuxi_atlas import cli\n    from layers import read\n",
        encoding="utf-8",
    )
    assert _imported_roots(module) == {"maps", "streamlit", "cli", "bare:layers"}


def test_the_package_maps_every_room() -> None:
    """wuxi_atlas/ is the one installed name: one relative symlink per folder, nothing else to drift."""
    for folder in ("analysis", "layers", "maps", "demo", "app", "cli", "data"):
        link = ROOT / PACKAGE / folder
        assert link.is_symlink() and link.resolve() == (ROOT / folder).resolve(), link
    for script in ("geo_app.py", "geo_server.py"):
        assert (ROOT / PACKAGE / script).resolve() == (ROOT / script).resolve(), script
