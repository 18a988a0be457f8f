"""The app's indicators and ``geoplan indicators`` share the result cache of the vector families
(:mod:`analysis.indicator_cache`): on the shipped layers the app asks for the entries a CLI run stores, so
a server whose cache holds them (or the results kept for the shipped data) computes only the raster pass
and never reads the layers those families read. A session's staged file is never keyed that way."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from click.testing import CliRunner

from wuxi_atlas.analysis.indicators import IndicatorInputs, compute_indicators
from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.analysis.targets import load_targets
from wuxi_atlas.app.context import Method
from wuxi_atlas.app.loaders import atlas_data, indicator_results, layer_plan
from wuxi_atlas.cli import geoplan
from wuxi_atlas.layers.catalog.staging import stage_layer
from wuxi_atlas.layers.defaults import load_default_vector
from wuxi_atlas.layers.inputs import load_indicator_inputs
from wuxi_atlas.layers.lazy import LazyMapping
from wuxi_atlas.layers.names import VECTOR_KINDS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")

#: The layers only the vector families read: never read when their results are in the cache.
VECTOR_ONLY = ("wetlands", "protected", "buildings", "pv_sites", "stations", "builtup")


@pytest.fixture
def fresh_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty result cache and layer catalog, and Streamlit's in-memory caches cleared."""
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GEOPLAN_CATALOG_DIR", str(tmp_path / "catalog"))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield tmp_path / "cache"
    st.cache_data.clear()
    st.cache_resource.clear()


def _rows(results: list[Any]) -> list[dict[str, Any]]:
    return [asdict(result) for result in results]


@pytest.mark.parametrize("cli_first", [True, False], ids=["after a cli run", "empty cache"])
def test_the_board_reads_no_vector_layer_of_the_shipped_data(fresh_caches: Path, cli_first: bool) -> None:
    """After ``geoplan indicators`` (its entries), and on a cold server with an empty result cache (the
    results kept with the shipped data), the same results as computing them all."""
    if cli_first:
        result = CliRunner().invoke(
            geoplan, ["indicators", "-q"], env={"GEOPLAN_CACHE_DIR": str(fresh_caches)}
        )
        assert result.exit_code == 0, result.output
    signature = layer_plan({})
    data = atlas_data(signature, {})
    read: list[str] = []

    def refuse(kind: str) -> Any:
        read.append(kind)
        if kind in VECTOR_ONLY:
            raise AssertionError(f"{kind} was read although its results are in the cache")
        return load_default_vector(kind)

    served = type(data)(
        boundaries=data.boundaries, landcover=data.landcover, vectors=LazyMapping(VECTOR_KINDS, refuse)
    )
    year = max(data.landcover)
    results = indicator_results(signature, served, year, Method())
    assert read == []  # the raster pass over the zones kept with the vector results
    with pytest.MonkeyPatch.context() as off:
        off.setenv("GEOPLAN_CACHE_DIR", "off")  # every indicator computed
        computed = compute_indicators(load_indicator_inputs(), load_targets())
    assert _rows(results) == _rows(computed)


STATIONS = (
    "name,type,piles,access,lon,lat\n"
    "惠山站,charging,300,public,120.2900,31.5700\n"
    "滨湖换电站,swap,0,public,120.2700,31.5200\n"
)
STATION_FAMILY = ("charging_piles", "battery_swap_stations", "hydrogen_stations", "charging_service_coverage")


def test_a_staged_layer_is_not_served_what_the_shipped_one_stored(fresh_caches: Path, tmp_path: Path) -> None:
    signature = layer_plan({})
    method = Method()
    data = atlas_data(signature, {})
    year = max(data.landcover)
    shipped = indicator_results(signature, data, year, method)  # stores the shipped families
    path = tmp_path / "stations.csv"
    path.write_text(STATIONS, encoding="utf-8")
    staged = {"stations": stage_layer("stations", path)}
    stations = staged["stations"].source
    assert isinstance(stations, VectorSource)
    replaced = layer_plan(staged)
    results = indicator_results(replaced, atlas_data(replaced, staged), year, method)
    computed = compute_indicators(
        IndicatorInputs(data.boundaries, stations=stations, builtup=data.vectors["builtup"]),
        load_targets(),
        only=STATION_FAMILY,
    )
    assert _rows([r for r in results if r.indicator in STATION_FAMILY]) == _rows(computed)
    assert _rows([r for r in shipped if r.indicator in STATION_FAMILY]) != _rows(computed)
