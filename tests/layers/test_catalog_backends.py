"""The catalog suite, run against both backends (``backend``: the GeoPackage folder and a live PostGIS,
tests/layers/conftest.py): versions kept, provenance recorded, a failed or killed import leaves no
trace, concurrent imports from two processes serialise, the indicators read the catalog's layers.

What only one backend has (the folder's manifest and files, PostGIS's tables and views) is tested in
test_catalog.py and test_catalog_postgis.py.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from catalog_backends import Backend
from catalog_files import WGS84_POINTS, landcover_tif, stations_csv
from click.testing import CliRunner

from wuxi_atlas.analysis.errors import LayerError, LayerReadError
from wuxi_atlas.analysis.sources import RasterSource, VectorSource
from wuxi_atlas.layers.catalog import Role, User

STEWARD = User("wang", Role.DATA_STEWARD)

# ---------------------------------------------------------------------------------- provenance


def test_add_records_provenance_and_get_reads_it_back(backend: Backend, tmp_path: Path) -> None:
    csv_path = stations_csv(tmp_path)
    catalog = backend.open()
    entry = catalog.add("stations", csv_path, lonlat_crs="gcj02", user=STEWARD)

    assert (entry.kind, entry.version, entry.current, entry.feature_count) == ("stations", 1, True, 2)
    assert entry.original_name == "stations.csv"
    assert entry.sha256 == hashlib.sha256(csv_path.read_bytes()).hexdigest()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.imported_at)
    assert entry.source_crs == "GCJ-02 longitude/latitude (declared)"
    assert any("GCJ-02 to WGS84" in step and "analysis.coords" in step for step in entry.conversion)
    assert any(
        step.startswith("mapped columns to fields") and "桩数 → piles" in step for step in entry.conversion
    )
    assert entry.options == {"lonlat_crs": "gcj02"}
    assert not entry.synthetic

    source = backend.open().get("stations")
    assert isinstance(source, VectorSource)
    assert "stations.csv (catalog v1" in source.source
    assert list(source.frame["piles"]) == [4, 5]
    assert list(source.frame["type"]) == ["charging", "charging"]
    # GCJ-02 → WGS84 to well under a millimetre (1e-8° is about 1 mm).
    np.testing.assert_allclose(
        np.column_stack([source.frame.geometry.x, source.frame.geometry.y]), WGS84_POINTS, atol=1e-8
    )
    assert backend.open().history("stations") == [entry]


def test_every_import_keeps_the_previous_version(backend: Backend, tmp_path: Path) -> None:
    catalog = backend.open()
    catalog.add("stations", stations_csv(tmp_path, "a.csv", "甲"), lonlat_crs="gcj02", user=STEWARD)
    catalog.add("stations", stations_csv(tmp_path, "b.csv", "乙"), lonlat_crs="gcj02", user=STEWARD)
    assert [(e.version, e.current, e.original_name) for e in catalog.history("stations")] == [
        (1, False, "a.csv"),
        (2, True, "b.csv"),
    ]
    assert catalog.get("stations").frame["name"].iloc[0] == "乙0"
    assert catalog.get("stations", version=1).frame["name"].iloc[0] == "甲0"

    assert catalog.rollback("stations", user=STEWARD).version == 1
    assert catalog.get("stations").frame["name"].iloc[0] == "甲0"
    with pytest.raises(LayerError, match="no version before v1"):
        catalog.rollback("stations", user=STEWARD)

    catalog.add("stations", stations_csv(tmp_path, "c.csv", "丙"), user=STEWARD)
    assert [e.version for e in catalog.history("stations")] == [1, 2, 3]
    assert catalog.entry("stations").version == 3


def test_remove_a_version_or_the_kind(backend: Backend, tmp_path: Path) -> None:
    catalog = backend.open()
    for name in ("a.csv", "b.csv", "c.csv"):
        catalog.add("stations", stations_csv(tmp_path, name), user=STEWARD)
    removed = catalog.remove("stations", version=3, user=STEWARD)
    assert [(e.version, e.removed) for e in removed] == [(3, True)]
    assert catalog.entry("stations").version == 2  # the latest remaining becomes current
    # A removal is soft: the version can still be read by its number.
    assert catalog.get("stations", version=3).source.startswith("c.csv")
    with pytest.raises(
        LayerError, match=r"no version 7 of stations \(stored versions: v1, v2, v3 \(removed\)\)"
    ):
        catalog.remove("stations", version=7, user=STEWARD)
    catalog.remove("stations", user=STEWARD)
    assert catalog.list() == [] and "stations" not in catalog
    assert [e.removed for e in catalog.history("stations")] == [True, True, True]


def test_landcover_is_stored_as_cog_with_its_scheme(backend: Backend, tmp_path: Path) -> None:
    catalog = backend.open()
    entry = catalog.add("landcover", landcover_tif(tmp_path), user=STEWARD)
    assert entry.scheme == "worldcover" and entry.feature_count is None
    assert entry.file == "rasters/landcover/v0001.tif"
    assert entry.source_crs.startswith("EPSG:4549")
    assert entry.conversion == (
        "rewritten as a Cloud-Optimized GeoTIFF (DEFLATE, nearest-neighbour overviews)",
    )
    with rasterio.open(catalog.path("landcover")) as stored:
        assert stored.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert stored.compression is not None and stored.profile["tiled"]
        assert stored.crs.to_epsg() == 4549
    source = catalog.get("landcover")
    assert isinstance(source, RasterSource)
    assert (source.scheme, source.year) == ("worldcover", 2024)

    tiled = landcover_tif(
        tmp_path,
        "tiled.tif",
        width=32,
        height=32,
        tiled=True,
        blockxsize=16,
        blockysize=16,
        compress="deflate",
    )
    copied = catalog.add("landcover", tiled, scheme="worldcover", user=STEWARD)
    assert copied.conversion[0].startswith("copied as it is")
    assert hashlib.sha256(catalog.path("landcover").read_bytes()).hexdigest() == copied.sha256


def test_districts_are_stored_and_feed_the_indicators(backend: Backend) -> None:
    from wuxi_atlas.analysis.paths import boundaries_path
    from wuxi_atlas.layers.inputs import VECTOR_KINDS, load_indicator_inputs

    catalog = backend.open()
    entry = catalog.add("districts", boundaries_path(), user=STEWARD)
    assert entry.feature_count == 8
    inputs = load_indicator_inputs(catalog=backend.open(), without=[*VECTOR_KINDS, "landcover"])
    assert len(inputs.boundaries) == 8
    shipped = load_indicator_inputs(without=[*VECTOR_KINDS, "landcover"]).boundaries
    assert list(inputs.boundaries["adcode"]) == list(shipped["adcode"])
    assert inputs.boundaries.geometry.geom_equals_exact(shipped.geometry, tolerance=1e-12).all()


def test_stage_touches_nothing(backend: Backend, tmp_path: Path) -> None:
    before = backend.snapshot()
    staged = backend.open().stage("stations", stations_csv(tmp_path), lonlat_crs="gcj02")
    assert backend.snapshot() == before
    assert staged.feature_count == 2 and staged.fields_found == ("type", "piles", "access", "name")
    assert staged.fields_missing == ("operator",)


# ------------------------------------------------------------------------------------ atomicity


def _raise_after(function: Callable[..., Any], error: BaseException) -> Callable[..., Any]:
    def step(*args: Any, **kwargs: Any) -> Any:
        function(*args, **kwargs)
        raise error

    return step


def _raise_before(_function: Callable[..., Any], error: BaseException) -> Callable[..., Any]:
    def step(*args: Any, **kwargs: Any) -> Any:
        raise error

    return step


_FOLDER = "wuxi_atlas.layers.catalog.folder"
_FILES = "wuxi_atlas.layers.catalog.version_files"
_POSTGIS = "wuxi_atlas.layers.catalog.postgis"
FAILURES = [
    ("folder", "stations", _FILES, "_write_vector", _raise_after),  # temp file written, then a crash
    ("folder", "stations", _FILES, "_reread", _raise_before),  # the re-read finds a problem
    (
        "folder",
        "stations",
        _FOLDER,
        "publish",
        _raise_after,
    ),  # the version file is in place, not the manifest
    ("folder", "stations", _FOLDER, "write_json", _raise_before),  # the manifest cannot be written
    ("folder", "landcover", _FILES, "_write_raster", _raise_after),
    ("folder", "landcover", _FOLDER, "publish", _raise_after),
    ("postgis", "stations", _POSTGIS, "write_table", _raise_after),  # table created and filled, then a crash
    ("postgis", "stations", _POSTGIS, "record_version", _raise_after),  # the version recorded, not current
    ("postgis", "stations", _POSTGIS, "set_current", _raise_after),  # current moved, no audit event yet
    ("postgis", "stations", _POSTGIS, "append_event", _raise_before),  # the audit event cannot be written
    ("postgis", "landcover", _FILES, "_write_raster", _raise_after),  # the COG written beside the others
    ("postgis", "landcover", _POSTGIS, "publish_raster", _raise_after),  # renamed into place, not recorded
]


@pytest.mark.parametrize(
    ("backend", "kind", "module", "step", "wrap"),
    FAILURES,
    indirect=["backend"],
    ids=[f"{b}-{k}-{s}" for b, k, _m, s, _w in FAILURES],
)
@pytest.mark.parametrize(
    "error", [RuntimeError("simulated crash"), KeyboardInterrupt()], ids=["error", "interrupt"]
)
def test_failed_import_leaves_the_catalog_as_it_was(
    backend: Backend,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    module: str,
    step: str,
    wrap: Callable[..., Any],
    error: BaseException,
) -> None:
    import importlib

    catalog = backend.open()
    catalog.add("stations", stations_csv(tmp_path), user=STEWARD)
    catalog.add("landcover", landcover_tif(tmp_path), user=STEWARD)
    before = backend.snapshot()
    target = importlib.import_module(module)
    monkeypatch.setattr(target, step, wrap(getattr(target, step), error))
    source = stations_csv(tmp_path, "new.csv") if kind == "stations" else landcover_tif(tmp_path, "new.tif")
    with pytest.raises(type(error)):
        catalog.add(kind, source, user=STEWARD)
    assert backend.snapshot() == before
    monkeypatch.undo()
    assert (
        catalog.add(kind, source, user=STEWARD).version == 2
    )  # the failed import took no version number for good


def _die_at(location: str, source: str, module: str, step: str) -> None:
    """In a child process: import ``source``, dying (no cleanup, no finally) at ``step``."""
    import importlib

    from wuxi_atlas.layers.catalog.protocol import open_catalog

    def die(*_args: Any, **_kwargs: Any) -> None:
        os._exit(3)

    target = importlib.import_module(module)
    real = getattr(target, step)

    def after(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        die()

    setattr(target, step, after if step in ("write_table", "publish_raster") else die)
    open_catalog(location).add("landcover" if source.endswith(".tif") else "stations", source, user=STEWARD)


KILLS = {
    "folder": [(_FILES, "_reread"), (_FOLDER, "write_json")],  # before the rename, then the manifest
    "postgis": [(_POSTGIS, "write_table"), (_POSTGIS, "set_current"), (_POSTGIS, "publish_raster")],
}


def test_killed_import_leaves_the_catalog_and_the_next_import_works(backend: Backend, tmp_path: Path) -> None:
    catalog = backend.open()
    catalog.add("stations", stations_csv(tmp_path), user=STEWARD)
    catalog.add("landcover", landcover_tif(tmp_path), user=STEWARD)
    before = backend.snapshot()
    context = multiprocessing.get_context("spawn")
    for module, step in KILLS[backend.name]:
        source = (
            landcover_tif(tmp_path, "k.tif") if step == "publish_raster" else stations_csv(tmp_path, "k.csv")
        )
        child = context.Process(target=_die_at, args=(backend.location, str(source), module, step))
        child.start()
        child.join(60)
        assert child.exitcode == 3
        assert sorted((e.kind, e.version) for e in backend.open().list()) == [
            ("landcover", 1),
            ("stations", 1),
        ]
        if backend.name == "postgis" and step != "publish_raster":
            assert backend.snapshot() == before  # the server rolled the dead client's transaction back
        if backend.name == "folder":
            assert backend.snapshot()["manifest.json"] == before["manifest.json"]
    if backend.name == "folder":  # killed before the rename, then before the manifest: files left over
        leftovers = {p.name for p in (Path(backend.location) / "layers/stations").iterdir()}
        assert any(name.startswith(".tmp-") for name in leftovers) and "v0002.gpkg" in leftovers
    catalog.add("stations", stations_csv(tmp_path, "next.csv"), user=STEWARD)
    catalog.add("landcover", landcover_tif(tmp_path, "next.tif"), user=STEWARD)
    assert catalog.get("stations").source.startswith("next.csv")
    assert catalog.get("landcover").source.startswith("next.tif")
    if backend.name == "folder":  # the next import swept them
        assert sorted(p.name for p in (Path(backend.location) / "layers/stations").iterdir()) == [
            "v0001.gpkg",
            "v0002.gpkg",
        ]
    if backend.rasters is not None:  # the orphan the killed raster import left is swept
        assert sorted(p.name for p in (backend.rasters / "rasters" / "landcover").iterdir()) == [
            "v0001.tif",
            "v0002.tif",
        ]


# ---------------------------------------------------------------------------------- concurrency


def _import_many(location: str, source: str, times: int) -> None:
    from wuxi_atlas.layers.catalog.protocol import open_catalog

    catalog = open_catalog(location)
    for _ in range(times):
        catalog.add("stations", source, lonlat_crs="gcj02", user=STEWARD)


def test_concurrent_imports_from_two_processes_serialise(backend: Backend, tmp_path: Path) -> None:
    times = 4
    sources = [stations_csv(tmp_path, f"p{worker}.csv", f"进程{worker}-") for worker in range(2)]
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_import_many, args=(backend.location, str(source), times))
        for source in sources
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    catalog = backend.open()
    history = catalog.history("stations")
    assert [entry.version for entry in history] == list(range(1, 2 * times + 1))
    assert sum(entry.current for entry in history) == 1 and history[-1].current
    assert sorted(entry.original_name for entry in history) == ["p0.csv"] * times + ["p1.csv"] * times
    for entry in history:
        frame = catalog.get("stations", entry.version).frame
        assert len(frame) == 2 and frame["name"].iloc[0].startswith(f"进程{entry.original_name[1]}-")
    assert not [name for name in backend.snapshot() if ".tmp-" in name]


# ------------------------------------------------------------------------ inputs, paths, front-end


def test_load_indicator_inputs_prefers_explicit_files_then_the_catalog(
    backend: Backend, tmp_path: Path
) -> None:
    from wuxi_atlas.layers.inputs import VECTOR_KINDS, load_indicator_inputs

    catalog = backend.open()
    catalog.add("stations", stations_csv(tmp_path, "catalogued.csv"), lonlat_crs="gcj02", user=STEWARD)
    catalog.add("landcover", landcover_tif(tmp_path), user=STEWARD)
    others = [kind for kind in VECTOR_KINDS if kind != "stations"]
    inputs = load_indicator_inputs(catalog=catalog, without=others)
    assert inputs.stations is not None and inputs.stations.source.startswith("catalogued.csv (catalog v1")
    assert inputs.landcover is not None and inputs.landcover.scheme == "worldcover"
    explicit = load_indicator_inputs(
        catalog=catalog,
        layer_paths={"stations": stations_csv(tmp_path, "explicit.csv")},
        without=[*others, "landcover"],
    )
    assert explicit.stations is not None and explicit.stations.source == "explicit.csv"


def test_cli_layers_add_list_remove(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wuxi_atlas.cli import geoplan
    from wuxi_atlas.layers.catalog.accounts import Accounts

    runner = CliRunner()
    root = backend.location
    csv_path = str(stations_csv(tmp_path))
    # A folder's local operator acts as its steward; a shared database wants an account.
    who: list[str] = []
    if backend.name == "postgis":
        monkeypatch.setenv("GEOPLAN_ACCOUNTS", str(tmp_path / "accounts.json"))
        Accounts().add("wang", "data_steward", "a-long-enough-password")
        who = ["--user", "wang", "--password-stdin"]
    added = runner.invoke(
        geoplan,
        [
            "layers",
            "add",
            "stations",
            csv_path,
            "--lonlat-crs",
            "gcj02",
            "--map",
            "桩数=piles",
            "--catalog",
            root,
            *who,
        ],
        input="a-long-enough-password\n",
    )
    assert added.exit_code == 0, added.output
    assert "added stations v1 (2 features, year unknown)" in added.output
    listed = runner.invoke(geoplan, ["layers", "list", "--catalog", root, "--format", "json"])
    records = json.loads(listed.output)
    assert [(r["kind"], r["version"], r["options"]["column_map"]) for r in records] == [
        ("stations", 1, {"桩数": "piles"})
    ]
    table = runner.invoke(geoplan, ["layers", "list", "--catalog", root])
    assert "stations" in table.output and "v1 *" in table.output
    removed = runner.invoke(
        geoplan, ["layers", "remove", "stations", "--catalog", root, *who], input="a-long-enough-password\n"
    )
    assert removed.exit_code == 0 and "removed stations v1" in removed.output


def test_size_limits_apply_to_uploads_not_to_the_catalogs_own_files(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10 kB: the CSV (about 200 bytes) passes, the GeoPackage it is stored as (about 100 kB) would not.
    monkeypatch.setenv("GEOPLAN_MAX_UPLOAD_MB", "0.01")
    catalog = backend.open()
    catalog.add("stations", stations_csv(tmp_path), lonlat_crs="gcj02", user=STEWARD)
    stored = catalog.path("stations")
    assert len(catalog.get("stations").frame) == 2
    assert stored.stat().st_size > 10_000
    with pytest.raises(LayerReadError, match="too large"):
        catalog.add("stations", stored, user=STEWARD)


def test_long_and_clashing_column_names_come_back_as_they_were(backend: Backend, tmp_path: Path) -> None:
    # PostgreSQL cuts names at 63 bytes; GeoPackage and PostGIS name their geometry column geom.
    long_name = "充电站所属运营企业的统一社会信用代码及其登记机关名称"  # 26 characters, 78 bytes
    path = tmp_path / "extra.csv"
    path.write_text(
        f"name,type,piles,access,lon,lat,{long_name},geom,GEOM\n甲,charging,3,public,120.3,31.57,x,y,z\n",
        encoding="utf-8",
    )
    catalog = backend.open()
    staged = catalog.stage("stations", path)
    catalog.add("stations", path, user=STEWARD)
    frame = catalog.get("stations").frame
    assert list(frame.columns) == list(staged.source.frame.columns)
    assert (frame[long_name].iloc[0], frame["geom"].iloc[0]) == ("x", "y")
