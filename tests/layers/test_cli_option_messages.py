"""Every message that tells a user what to do names the command-line option (--map, --lonlat-crs,
--encoding, --layer, --scheme), never a Python keyword argument (column_map=…, lonlat_crs='gcj02')."""

from __future__ import annotations

import ast
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.layers.catalog import stage_layer
from wuxi_atlas.layers.read import read_vector

_ROOT = Path(__file__).resolve().parents[2]
_KEYWORDS = re.compile(r"\b(column_map|lonlat_crs|encoding|layer|scheme)\s*=\s*[{'\"….]")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _message_texts(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module that are not docstrings, f-strings joined into one text."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
            texts.append((node.lineno, "{}".join(parts)))
            skip.update(id(v) for v in node.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            texts.append((node.lineno, node.value))
    return texts


def test_no_message_names_a_python_keyword():
    offenders = [
        f"{path.relative_to(_ROOT)}:{line}: {text!r}"
        for folder in ("layers", "cli", "app", "analysis")
        for path in sorted((_ROOT / folder).rglob("*.py"))
        for line, text in _message_texts(path)
        if _KEYWORDS.search(text)
    ]
    assert offenders == []


def test_the_scan_finds_what_it_looks_for(tmp_path: Path):
    module = tmp_path / "m.py"
    module.write_text(
        '"""Docs may show read_vector(path, lonlat_crs="gcj02")."""\n'
        "def f(path):\n    raise ValueError(f\"{path}: pass column_map={{'x': 'piles'}}\")\n"
        'NOTE = "pass encoding=… if the text looks wrong"\n',
        encoding="utf-8",
    )
    found = [text for _, text in _message_texts(module) if _KEYWORDS.search(text)]
    assert len(found) == 2


def _stations_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stations.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_fields_name_the_map_option(tmp_path: Path):
    path = _stations_csv(tmp_path, "lon,lat,站种,数量\n120.3,31.57,充电站,4\n")
    with pytest.raises(LayerError) as caught:
        read_vector("stations", path)
    message = str(caught.value)
    assert "--map '<your column>=type'" in message and "--map '<your column>=access'" in message
    assert "column_map" not in message


def test_missing_coordinates_and_bad_map_name_the_map_option(tmp_path: Path):
    path = _stations_csv(tmp_path, "E,N,type,piles,access\n120.3,31.57,charging,1,public\n")
    with pytest.raises(LayerError, match=r"--map '<x column>=lon' --map '<y column>=lat'"):
        read_vector("stations", path)
    with pytest.raises(LayerError, match=r"^stations.csv: --map names column 'X'"):
        read_vector("stations", path, column_map={"X": "lon"})
    swapped = _stations_csv(tmp_path, "lon,lat,type,piles,access\n31.57,120.3,charging,1,public\n")
    with pytest.raises(LayerError, match=r"look swapped.*--map '<the column near 120>=lon'"):
        read_vector("stations", swapped)


def test_datum_and_encoding_notes_name_their_options(tmp_path: Path):
    notes = read_vector(
        "stations", _stations_csv(tmp_path, "lon,lat,type,piles,access\n120.3,31.57,charging,1,public\n")
    ).notes
    assert any("--lonlat-crs gcj02" in note for note in notes)
    frame = gpd.GeoDataFrame(
        {"type": ["充电站"], "piles": [1], "access": ["公共"]},
        geometry=[Point(120.3, 31.57)],
        crs="EPSG:4326",
    )
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "stations.shp", encoding="GBK")
    archive = tmp_path / "stations.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in folder.iterdir():
            if part.suffix != ".cpg":
                zipped.write(part, part.name)
    notes = read_vector("stations", archive).notes
    assert any("--encoding" in note for note in notes)


def test_multi_layer_files_and_raster_options_name_their_options(tmp_path: Path):
    frame = gpd.GeoDataFrame(
        {"type": ["charging"], "piles": [1], "access": ["public"]},
        geometry=[Point(120.3, 31.57)],
        crs="EPSG:4326",
    )
    path = tmp_path / "two.gpkg"
    frame.to_file(path, layer="a")
    frame.to_file(path, layer="b")
    with pytest.raises(LayerError, match=r"choose one with --layer NAME"):
        read_vector("stations", path)
    with pytest.raises(LayerError, match=r"--scheme is for land-cover rasters"):
        stage_layer("stations", path, layer="a", scheme="worldcover")
