"""Read only what is asked for (issue #14): an indicator run reads the layers its indicators need and no
other, and the layers the atlas stored itself (the shipped demo data, the catalog's versions) are read
back typed, not validated again value by value.

The readers are wrapped to count their calls; the wrapped functions still run, so every result below is
the real one.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from wuxi_atlas.analysis.indicators import compute_indicators
from wuxi_atlas.analysis.names import INDICATOR_LAYERS, kinds_for
from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.cli import geoplan
from wuxi_atlas.layers import defaults, fields, read, stored
from wuxi_atlas.layers import inputs as inputs_module
from wuxi_atlas.layers.catalog import Catalog, Role, User
from wuxi_atlas.layers.inputs import load_indicator_inputs
from wuxi_atlas.layers.read import read_vector
from wuxi_atlas.layers.stored import read_stored_vector, stored_notes_metadata

VECTOR_READERS = (
    (read, "read_vector"),
    (inputs_module, "read_vector"),
    (stored, "read_stored_vector"),
    (defaults, "read_stored_vector"),
)
STEWARD = User("steward", Role.DATA_STEWARD)  # the catalog's changes take the acting user


@pytest.fixture
def reads(monkeypatch) -> Counter[str]:
    """Calls of every vector reader, counted by layer kind; the readers still run."""
    counted: Counter[str] = Counter()
    for module, name in VECTOR_READERS:
        original = getattr(module, name)

        def counting(kind, *args, _original=original, **kwargs):
            counted[kind] += 1
            return _original(kind, *args, **kwargs)

        monkeypatch.setattr(module, name, counting)
    return counted


@pytest.fixture
def validations(monkeypatch) -> Counter[str]:
    """Calls of the value-by-value validation steps of :func:`read_vector`; they still run."""
    counted: Counter[str] = Counter()
    for module, name in ((read, "coerce_fields"), (read, "clean_geometry"), (fields, "normalise_values")):
        original = getattr(module, name)

        def counting(*args, _original=original, _name=name, **kwargs):
            counted[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counting)
    return counted


# --------------------------------------------------------------------------------- what is read


def test_each_indicator_reads_only_the_layers_it_declares(reads):
    for indicator, declared in INDICATOR_LAYERS.items():
        reads.clear()
        run = load_indicator_inputs(indicators=[indicator])
        compute_indicators(run, only=[indicator])
        assert set(run.read_kinds) <= set(declared), (indicator, run.read_kinds)
        assert set(reads) <= set(declared) - {"landcover"}, (indicator, dict(reads))


def test_forest_coverage_reads_no_vector_layer(reads):
    run = load_indicator_inputs(indicators=["forest_coverage"])
    results = compute_indicators(run, only=["forest_coverage"])
    assert run.read_kinds == ("landcover",)
    assert sum(reads.values()) == 0
    assert {r.indicator for r in results} == {"forest_coverage"}


def test_every_indicator_reads_each_layer_once(reads):
    run = load_indicator_inputs()
    compute_indicators(run)
    assert sorted(run.read_kinds) == sorted(kinds_for())
    assert all(count == 1 for count in reads.values()), dict(reads)


def test_geoplan_indicators_forest_coverage_reads_no_vector_layer(reads):
    result = CliRunner().invoke(geoplan, ["indicators", "--indicator", "forest_coverage", "-f", "json", "-q"])
    assert result.exit_code == 0, result.output
    assert {row["indicator"] for row in json.loads(result.stdout)} == {"forest_coverage"}
    assert sum(reads.values()) == 0


def test_a_layer_no_wanted_indicator_reads_is_never_opened(tmp_path, reads):
    """``--stations`` names a file, but 林木覆盖率 does not read stations: the file is not opened."""
    stations = tmp_path / "stations.csv"
    stations.write_text("名称,类型,桩数,开放类型,经度,纬度\n甲,充电站,4,公共,120.3,31.5\n", encoding="utf-8")
    run = load_indicator_inputs(layer_paths={"stations": stations}, indicators=["forest_coverage"])
    compute_indicators(run, only=["forest_coverage"])
    assert "stations" not in reads
    run = load_indicator_inputs(layer_paths={"stations": stations}, indicators=["charging_piles"])
    piles = compute_indicators(run, only=["charging_piles"])
    assert reads["stations"] == 1
    assert {r.adcode for r in piles}


# ------------------------------------------------------------------- stored typed, not re-validated


@pytest.mark.parametrize("kind", sorted(defaults.DEMO_LAYER_NAMES))
def test_shipped_layers_read_typed_equal_the_validated_read(kind):
    path = defaults.default_sources()[kind]
    validated = read_vector(kind, path, layer=defaults.DEMO_LAYER_NAMES[kind])
    typed = read_stored_vector(kind, path, layer=defaults.DEMO_LAYER_NAMES[kind])
    pd.testing.assert_frame_equal(typed.frame, validated.frame)
    assert (typed.source, typed.vintage, typed.synthetic, typed.path) == (
        validated.source,
        validated.vintage,
        validated.synthetic,
        validated.path,
    )


def test_shipped_layers_are_not_validated_again(validations):
    for kind in defaults.DEMO_LAYER_NAMES:
        defaults.load_default_vector(kind)
    assert sum(validations.values()) == 0
    # The counter does count: the validating reader goes through every step.
    read_vector("stations", defaults.default_sources()["stations"], layer="stations")
    assert validations["coerce_fields"] == 1 and validations["clean_geometry"] == 1


def _stations_csv(folder: Path) -> Path:
    path = folder / "stations.csv"
    path.write_text(
        "名称,类型,桩数,开放类型,经度,纬度\n甲,充电站,4,公共,120.30,31.50\n乙,换电站,2,专用,120.31,31.51\n",
        encoding="utf-8",
    )
    return path


def test_catalog_versions_are_validated_on_import_only(tmp_path, validations):
    catalog = Catalog(tmp_path / "catalog")
    catalog.add("stations", _stations_csv(tmp_path), user=STEWARD)
    assert validations["coerce_fields"] >= 1  # the import validates the file
    validations.clear()
    source = catalog.get("stations")
    assert sum(validations.values()) == 0
    assert isinstance(source, VectorSource)
    assert list(source.frame["type"]) == ["charging", "swap"]  # normalised at import, kept
    assert list(source.frame["access"]) == ["public", "dedicated"]
    assert str(source.frame["piles"].dtype) == "Int64" and list(source.frame["piles"]) == [4, 2]


def test_a_stored_file_not_typed_as_the_atlas_writes_is_validated(tmp_path, validations):
    """A GeoPackage whose piles are text (not what the atlas writes) goes through the full reader."""
    frame = gpd.GeoDataFrame(
        {"name": ["甲"], "type": ["充电站"], "piles": ["1,204"], "access": ["公共"]},
        geometry=[Point(120.3, 31.5)],
        crs="EPSG:4326",
    )
    path = tmp_path / "stations.gpkg"
    frame.to_file(path, layer="stations", metadata=stored_notes_metadata(["kept from the import"]))
    source = read_stored_vector("stations", path, layer="stations")
    assert validations["coerce_fields"] == 1
    assert list(source.frame["piles"]) == [1204] and list(source.frame["type"]) == ["charging"]


def test_stored_notes_come_back_with_the_layer(tmp_path, validations):
    frame = gpd.GeoDataFrame(
        {"name": ["甲"], "type": ["charging"], "piles": [3], "access": ["public"]},
        geometry=[Point(120.3, 31.5)],
        crs="EPSG:4326",
    )
    path = tmp_path / "stations.gpkg"
    frame.to_file(path, layer="stations", metadata=stored_notes_metadata(["1 feature(s) repeat …"]))
    source = read_stored_vector("stations", path, layer="stations")
    assert sum(validations.values()) == 0
    assert source.notes[0] == "1 feature(s) repeat …"
    assert str(source.frame["piles"].dtype) == "Int64"
