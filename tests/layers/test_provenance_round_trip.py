"""A layer the atlas exported as synthetic demo data stays synthetic when it is read back: the GeoJSON
export's top-level ``synthetic`` member and its per-feature ``synthetic`` property, and that property as
a column of a table made from the export (CSV). A file may make itself synthetic, never real: a
``synthetic: false`` does not outweigh a manifest that says otherwise. And a file whose name is not
valid UTF-8 (a GBK name on a Linux disk) is read, its name shown with escapes."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from wuxi_atlas.analysis.export import layer_to_geojson
from wuxi_atlas.layers.defaults import load_default_vector
from wuxi_atlas.layers.lazy import declares_synthetic
from wuxi_atlas.layers.names import VECTOR_KINDS
from wuxi_atlas.layers.read import read_vector

#: 充电站.csv as a GBK-encoded name: not valid UTF-8.
GBK_NAME = b"\xb3\xe4\xb5\xe7\xd5\xbe.csv"
STATIONS_CSV = (
    "name,type,piles,access,lon,lat\n"
    "站甲,charging,10,public,120.3,31.5\n"
    "站乙,charging,4,public,120.25,31.55\n"
)


@pytest.fixture(scope="module", params=VECTOR_KINDS)
def exported(request, tmp_path_factory) -> tuple[str, Path]:
    """A few features of the shipped (synthetic) layer of each kind, exported as the atlas exports it."""
    kind = request.param
    shipped = load_default_vector(kind)
    assert shipped.synthetic
    small = dataclasses.replace(shipped, frame=shipped.frame.head(20))
    path = tmp_path_factory.mktemp(kind) / f"{kind}.geojson"
    path.write_text(layer_to_geojson(small), encoding="utf-8")
    return kind, path


def test_an_exported_synthetic_layer_is_read_back_as_synthetic(exported) -> None:
    kind, path = exported
    source = read_vector(kind, path)
    assert source.synthetic
    assert "synthetic demo" in source.source
    assert declares_synthetic(path)


def test_the_top_level_member_alone_marks_the_layer_synthetic(tmp_path: Path) -> None:
    """A tool that dropped the per-feature property kept the FeatureCollection's member: still synthetic,
    with the year the export states."""
    document = json.loads(layer_to_geojson(_few_stations()))
    for feature in document["features"]:
        del feature["properties"]["synthetic"]
    path = tmp_path / "stations.geojson"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    source = read_vector("stations", path)
    assert source.synthetic
    assert source.vintage == document["vintage"] != ""
    assert declares_synthetic(path)


def test_the_per_feature_property_alone_marks_the_layer_synthetic(tmp_path: Path) -> None:
    """A feature copied out of the export (the top-level member gone) still says what it is."""
    document = json.loads(layer_to_geojson(_few_stations()))
    for member in ("synthetic", "synthetic_notice", "vintage", "source"):
        del document[member]
    path = tmp_path / "stations.geojson"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert read_vector("stations", path).synthetic
    assert declares_synthetic(path)


def test_a_table_made_from_the_export_keeps_the_mark(tmp_path: Path) -> None:
    frame = _few_stations().frame
    table = frame.drop(columns=frame.geometry.name).assign(
        lon=frame.geometry.x, lat=frame.geometry.y, synthetic=True
    )
    path = tmp_path / "stations.csv"
    table.to_csv(path, index=False)
    assert "True" in path.read_text(encoding="utf-8")
    assert read_vector("stations", path).synthetic


def test_a_file_is_not_synthetic_unless_it_says_so(tmp_path: Path) -> None:
    plain = tmp_path / "stations.csv"
    plain.write_text(STATIONS_CSV, encoding="utf-8")
    assert not read_vector("stations", plain).synthetic
    marked_false = tmp_path / "marked.csv"
    lines = STATIONS_CSV.splitlines()
    marked_false.write_text(
        "\n".join([lines[0] + ",synthetic", *(line + ",false" for line in lines[1:])]) + "\n",
        encoding="utf-8",
    )
    assert not read_vector("stations", marked_false).synthetic


def test_a_file_cannot_claim_to_be_real(tmp_path: Path) -> None:
    """``"synthetic": false`` in the file, a manifest beside it that says synthetic: synthetic."""
    document = json.loads(layer_to_geojson(_few_stations()))
    document["synthetic"] = False
    document.pop("synthetic_notice")
    for feature in document["features"]:
        feature["properties"]["synthetic"] = False
    path = tmp_path / "stations.geojson"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert not read_vector("stations", path).synthetic
    (tmp_path / "MANIFEST.json").write_text('{"synthetic": true}', encoding="utf-8")
    assert read_vector("stations", path).synthetic


def test_a_file_name_that_is_not_utf8_is_read_and_shown_escaped(tmp_path: Path) -> None:
    raw = os.path.join(os.fsencode(tmp_path), GBK_NAME)
    with open(raw, "w", encoding="utf-8") as handle:
        handle.write(STATIONS_CSV)
    source = read_vector("stations", Path(os.fsdecode(raw)))
    assert len(source.frame) == 2
    # The bytes that are not UTF-8 as escapes; \xd5\xbe happens to be valid UTF-8 (վ) and is shown as such.
    assert source.source == r"\xb3\xe4\xb5\xe7վ.csv"
    source.source.encode("utf-8")  # no lone surrogate left to fail an output or the cache
    for note in source.notes:
        note.encode("utf-8")


def _few_stations():
    shipped = load_default_vector("stations")
    return dataclasses.replace(shipped, frame=shipped.frame.head(20))


def test_a_synthetic_property_of_any_shape_is_read(tmp_path: Path) -> None:
    """A hostile file's ``synthetic`` property may be a list or an object: read, not a crash."""
    document = json.loads(layer_to_geojson(_few_stations()))
    for member in ("synthetic", "synthetic_notice"):
        del document[member]
    values: list[object] = [[1, 2], {"a": 1}, None, "no"]
    for number, feature in enumerate(document["features"]):
        feature["properties"]["synthetic"] = values[number % len(values)]
    path = tmp_path / "stations.geojson"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert not read_vector("stations", path).synthetic
    document["features"][-1]["properties"]["synthetic"] = "是"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert read_vector("stations", path).synthetic
