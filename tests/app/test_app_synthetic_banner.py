"""The synthetic banner (:func:`app.loaders.synthetic_in_use`) for a user's own files: an export of a
synthetic layer read back (its features carry ``synthetic: true``, :mod:`layers.provenance`) is still
synthetic, a user's ordinary file is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from wuxi_atlas.analysis.export import layer_to_geojson
from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.app.loaders import LayerKey, Signature, synthetic_in_use
from wuxi_atlas.layers.catalog.staging import stage_layer
from wuxi_atlas.layers.defaults import load_default_vector
from wuxi_atlas.layers.names import VECTOR_KINDS
from wuxi_atlas.maps.atlas import AtlasData

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")

STATIONS = "name,type,piles,access,lon,lat\n惠山站,charging,300,public,120.2900,31.5700\n"


def _user_files_only(stations: VectorSource, path: Path) -> tuple[Signature, AtlasData]:
    """Every vector layer a user's file: the stations ``stations``, the others empty and not synthetic."""
    shipped_stations = load_default_vector("stations")
    assert shipped_stations is not None
    vectors: dict[str, VectorSource | None] = {}
    keys: list[LayerKey] = []
    for kind in VECTOR_KINDS:
        if kind == "stations":
            vectors[kind] = stations
        else:
            empty = shipped_stations.frame.iloc[:0]
            vectors[kind] = VectorSource(kind, empty, "user file", "2024", synthetic=False)  # type: ignore[arg-type]
        keys.append((kind, "staged", (str(path), 1, 1), ""))
    return tuple(keys), AtlasData(boundaries=shipped_stations.frame.iloc[:0], vectors=vectors)


def test_a_reimported_export_of_synthetic_data_raises_the_banner(tmp_path: Path) -> None:
    shipped = load_default_vector("stations")
    assert shipped is not None and shipped.synthetic
    exported = tmp_path / "stations_export.geojson"
    exported.write_text(layer_to_geojson(shipped), encoding="utf-8")
    staged = stage_layer("stations", exported).source
    assert isinstance(staged, VectorSource)
    signature, data = _user_files_only(staged, exported)
    assert synthetic_in_use(signature, data, None)


def test_a_users_own_file_does_not_raise_the_banner(tmp_path: Path) -> None:
    own = tmp_path / "stations.csv"
    own.write_text(STATIONS, encoding="utf-8")
    staged = stage_layer("stations", own).source
    assert isinstance(staged, VectorSource)
    signature, data = _user_files_only(staged, own)
    assert not synthetic_in_use(signature, data, None)
