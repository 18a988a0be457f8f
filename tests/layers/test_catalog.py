"""layers.catalog: versions kept, provenance recorded, imports atomic, concurrent imports serialised.

Fixtures are two stations in a CSV (GCJ-02, as scraped from Amap) and a 16×16 WorldCover raster.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from catalog_files import WGS84_POINTS
from catalog_files import landcover_tif as _landcover
from catalog_files import stations_csv as _stations_csv
from click.testing import CliRunner

from wuxi_atlas.analysis.errors import AtlasError, LayerError, LayerReadError
from wuxi_atlas.analysis.sources import RasterSource, VectorSource
from wuxi_atlas.layers.catalog import (
    MANIFEST_FORMAT,
    Catalog,
    Role,
    User,
    catalog_dir,
    check_layer,
    version_files,
)
from wuxi_atlas.layers.catalog import check as check_module
from wuxi_atlas.layers.catalog import folder as catalog_module

STEWARD = User("steward", Role.DATA_STEWARD)  # the catalog's changes take the acting user


def _snapshot(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): "dir"
        if path.is_dir()
        else hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
    }


# ---------------------------------------------------------------------------------- provenance


def test_add_records_provenance_and_get_reads_it_back(tmp_path: Path) -> None:
    csv_path = _stations_csv(tmp_path)
    catalog = Catalog(tmp_path / "catalog")
    entry = catalog.add("stations", csv_path, lonlat_crs="gcj02", user=STEWARD)

    assert (entry.kind, entry.version, entry.current, entry.feature_count) == ("stations", 1, True, 2)
    assert entry.file == "layers/stations/v0001.gpkg"
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

    source = catalog.get("stations")
    assert isinstance(source, VectorSource)
    assert "stations.csv (catalog v1" in source.source
    assert list(source.frame["piles"]) == [4, 5]
    assert list(source.frame["type"]) == ["charging", "charging"]
    # GCJ-02 → WGS84 to well under a millimetre (1e-8° is about 1 mm).
    np.testing.assert_allclose(
        np.column_stack([source.frame.geometry.x, source.frame.geometry.y]), WGS84_POINTS, atol=1e-8
    )
    manifest = json.loads((catalog.root / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == MANIFEST_FORMAT
    assert manifest["kinds"]["stations"]["current"] == 1


def test_every_import_keeps_the_previous_version(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    catalog.add("stations", _stations_csv(tmp_path, "a.csv", "甲"), lonlat_crs="gcj02", user=STEWARD)
    catalog.add("stations", _stations_csv(tmp_path, "b.csv", "乙"), lonlat_crs="gcj02", user=STEWARD)
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

    catalog.add("stations", _stations_csv(tmp_path, "c.csv", "丙"), user=STEWARD)
    assert [e.version for e in catalog.history("stations")] == [1, 2, 3]
    assert catalog.entry("stations").version == 3


def test_remove_a_version_or_the_kind(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    for name in ("a.csv", "b.csv", "c.csv"):
        catalog.add("stations", _stations_csv(tmp_path, name), user=STEWARD)
    removed = catalog.remove("stations", version=3, user=STEWARD)
    assert [(e.version, e.removed) for e in removed] == [(3, True)]
    assert catalog.entry("stations").version == 2  # the latest remaining becomes current
    # A removal is soft: the file stays, and the version can still be read by its number.
    assert (catalog.root / "layers/stations/v0003.gpkg").exists()
    assert catalog.get("stations", version=3).source.startswith("c.csv")
    with pytest.raises(
        LayerError, match=r"no version 7 of stations \(stored versions: v1, v2, v3 \(removed\)\)"
    ):
        catalog.remove("stations", version=7, user=STEWARD)
    catalog.remove("stations", user=STEWARD)
    assert catalog.list() == [] and "stations" not in catalog
    assert [e.removed for e in catalog.history("stations")] == [True, True, True]
    assert sorted(p.name for p in (catalog.root / "layers/stations").iterdir()) == [
        "v0001.gpkg",
        "v0002.gpkg",
        "v0003.gpkg",
    ]


def test_landcover_is_stored_as_cog_with_its_scheme(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    entry = catalog.add("landcover", _landcover(tmp_path), user=STEWARD)
    assert entry.scheme == "worldcover" and entry.feature_count is None
    assert entry.file == "rasters/landcover/v0001.tif"
    assert entry.source_crs.startswith("EPSG:4549")
    assert entry.conversion == (
        "rewritten as a Cloud-Optimized GeoTIFF (DEFLATE, nearest-neighbour overviews)",
    )
    with rasterio.open(catalog.root / entry.file) as stored:
        assert stored.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert stored.compression is not None and stored.profile["tiled"]
        assert stored.crs.to_epsg() == 4549
    source = catalog.get("landcover")
    assert isinstance(source, RasterSource)
    assert (source.scheme, source.year) == ("worldcover", 2024)

    tiled = _landcover(
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
    assert hashlib.sha256((catalog.root / copied.file).read_bytes()).hexdigest() == copied.sha256


def test_districts_are_stored_as_validated_geojson(tmp_path: Path) -> None:
    from wuxi_atlas.analysis.paths import boundaries_path
    from wuxi_atlas.layers.inputs import VECTOR_KINDS, load_indicator_inputs

    catalog = Catalog(tmp_path / "catalog")
    entry = catalog.add("districts", boundaries_path(), user=STEWARD)
    assert entry.file.endswith(".geojson") and entry.feature_count == 8
    inputs = load_indicator_inputs(catalog=catalog, without=[*VECTOR_KINDS, "landcover"])
    assert len(inputs.boundaries) == 8


def test_stage_touches_nothing(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    staged = Catalog(root).stage("stations", _stations_csv(tmp_path), lonlat_crs="gcj02")
    assert not root.exists()
    assert staged.feature_count == 2 and staged.fields_found == ("type", "piles", "access", "name")
    assert staged.fields_missing == ("operator",)


# ------------------------------------------------------------------------------------ atomicity


def _step(step: str) -> tuple[Any, str]:
    """The module and name of a step of an import (``folder.publish``), to replace it."""
    module, name = step.split(".")
    return {"folder": catalog_module, "version_files": version_files}[module], name


def _raise_after(function: Callable[..., Any], error: BaseException) -> Callable[..., Any]:
    def step(*args: Any, **kwargs: Any) -> Any:
        function(*args, **kwargs)
        raise error

    return step


def _raise_before(_function: Callable[..., Any], error: BaseException) -> Callable[..., Any]:
    def step(*args: Any, **kwargs: Any) -> Any:
        raise error

    return step


@pytest.mark.parametrize(
    ("kind", "step", "wrap"),
    [
        ("stations", "version_files._write_vector", _raise_after),  # temp file written, then a crash
        ("stations", "version_files._reread", _raise_before),  # the re-read finds a problem
        ("stations", "folder.publish", _raise_after),  # the version file is in place, the manifest is not
        ("stations", "folder.write_json", _raise_before),  # the manifest cannot be written
        ("landcover", "version_files._write_raster", _raise_after),
        ("landcover", "folder.publish", _raise_after),
    ],
)
@pytest.mark.parametrize(
    "error", [RuntimeError("simulated crash"), KeyboardInterrupt()], ids=["error", "interrupt"]
)
def test_failed_import_leaves_the_catalog_as_it_was(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    step: str,
    wrap: Callable[..., Any],
    error: BaseException,
) -> None:
    catalog = Catalog(tmp_path / "catalog")
    catalog.add("stations", _stations_csv(tmp_path), user=STEWARD)
    catalog.add("landcover", _landcover(tmp_path), user=STEWARD)
    before = _snapshot(catalog.root)
    module, name = _step(step)
    monkeypatch.setattr(module, name, wrap(getattr(module, name), error))
    source = _stations_csv(tmp_path, "new.csv") if kind == "stations" else _landcover(tmp_path, "new.tif")
    with pytest.raises(type(error)):
        catalog.add(kind, source, user=STEWARD)
    assert _snapshot(catalog.root) == before


def test_manifest_write_failure_inside_replace_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = Catalog(tmp_path / "catalog")
    catalog.add("stations", _stations_csv(tmp_path), user=STEWARD)
    before = _snapshot(catalog.root)
    real_replace = os.replace

    def failing_replace(source: Any, target: Any) -> None:
        if Path(target).name == "manifest.json":
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(catalog_module.os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        catalog.add("stations", _stations_csv(tmp_path, "new.csv"), user=STEWARD)
    assert _snapshot(catalog.root) == before


def _die_at(root: str, source: str, step: str) -> None:
    """In a child process: import ``source``, dying (no cleanup, no finally) at ``step``."""

    def die(*_args: Any, **_kwargs: Any) -> None:
        os._exit(3)

    setattr(*_step(step), die)
    Catalog(root).add("stations", source, user=STEWARD)


def test_killed_import_leaves_the_manifest_and_the_next_import_sweeps(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    catalog.add("stations", _stations_csv(tmp_path), user=STEWARD)
    manifest = (catalog.root / "manifest.json").read_bytes()
    context = multiprocessing.get_context("spawn")
    for step in ("version_files._reread", "folder.write_json"):  # killed before the rename, then the manifest
        child = context.Process(
            target=_die_at, args=(str(catalog.root), str(_stations_csv(tmp_path, "k.csv")), step)
        )
        child.start()
        child.join(60)
        assert child.exitcode == 3
        assert (catalog.root / "manifest.json").read_bytes() == manifest
        assert [(e.kind, e.version) for e in catalog.list()] == [("stations", 1)]
    leftovers = {p.name for p in (catalog.root / "layers/stations").iterdir()}
    assert any(name.startswith(".tmp-") for name in leftovers) and "v0002.gpkg" in leftovers
    catalog.add("stations", _stations_csv(tmp_path, "next.csv"), user=STEWARD)
    assert sorted(p.name for p in (catalog.root / "layers/stations").iterdir()) == [
        "v0001.gpkg",
        "v0002.gpkg",
    ]
    assert catalog.get("stations").source.startswith("next.csv")


# ---------------------------------------------------------------------------------- concurrency


def _import_many(root: str, source: str, times: int) -> None:
    catalog = Catalog(root)
    for _ in range(times):
        catalog.add("stations", source, lonlat_crs="gcj02", user=STEWARD)


def test_concurrent_imports_serialise(tmp_path: Path) -> None:
    times = 4
    sources = [_stations_csv(tmp_path, f"p{worker}.csv", f"进程{worker}-") for worker in range(2)]
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_import_many, args=(str(tmp_path / "catalog"), str(source), times))
        for source in sources
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    catalog = Catalog(tmp_path / "catalog")
    history = catalog.history("stations")
    assert [entry.version for entry in history] == list(range(1, 2 * times + 1))
    assert sum(entry.current for entry in history) == 1 and history[-1].current
    assert sorted(entry.original_name for entry in history) == ["p0.csv"] * times + ["p1.csv"] * times
    for entry in history:
        assert len(catalog.get("stations", entry.version).frame) == 2
    assert not list(catalog.root.rglob(".tmp-*"))


# ------------------------------------------------------------------------ inputs, paths, front-end


def test_load_indicator_inputs_prefers_explicit_files_then_the_catalog(tmp_path: Path) -> None:
    from wuxi_atlas.layers.inputs import VECTOR_KINDS, load_indicator_inputs

    catalog = Catalog(tmp_path / "catalog")
    catalog.add("stations", _stations_csv(tmp_path, "catalogued.csv"), lonlat_crs="gcj02", user=STEWARD)
    catalog.add("landcover", _landcover(tmp_path), user=STEWARD)
    others = [kind for kind in VECTOR_KINDS if kind != "stations"]
    inputs = load_indicator_inputs(catalog=catalog, without=others)
    assert inputs.stations is not None and inputs.stations.source.startswith("catalogued.csv (catalog v1")
    assert inputs.landcover is not None and inputs.landcover.scheme == "worldcover"
    explicit = load_indicator_inputs(
        catalog=catalog,
        layer_paths={"stations": _stations_csv(tmp_path, "explicit.csv")},
        without=[*others, "landcover"],
    )
    assert explicit.stations is not None and explicit.stations.source == "explicit.csv"


def test_catalog_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GEOPLAN_CATALOG_DIR", str(tmp_path / "mine"))
    assert catalog_dir() == tmp_path / "mine"
    assert Catalog().root == tmp_path / "mine"
    monkeypatch.delenv("GEOPLAN_CATALOG_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert catalog_dir() == tmp_path / "xdg" / "geoplan" / "catalog"


def test_a_damaged_manifest_is_a_clear_error(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(LayerReadError, match=r"manifest\.json is not valid JSON"):
        catalog.list()
    (tmp_path / "manifest.json").write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(LayerReadError, match="is this the right directory"):
        catalog.list()


def test_cli_layers_add_list_remove(tmp_path: Path) -> None:
    from wuxi_atlas.cli import geoplan

    runner = CliRunner()
    root = str(tmp_path / "catalog")
    csv_path = str(_stations_csv(tmp_path))
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
        ],
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
    removed = runner.invoke(geoplan, ["layers", "remove", "stations", "--catalog", root])
    assert removed.exit_code == 0 and "removed stations v1" in removed.output


def test_cli_check_exit_codes_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from wuxi_atlas import cli

    def run(*args: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", ["geoplan", *args])
        with pytest.raises(SystemExit) as exited:
            cli.main()
        captured = capsys.readouterr()
        return int(exited.value.code or 0), captured.out + captured.err

    code, text = run("check", "stations", str(_stations_csv(tmp_path)), "--lonlat-crs", "gcj02")
    assert code == 0 and "usable as a stations layer" in text and "features: 2" in text
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    code, text = run("check", "stations", str(bad))
    assert code == 2 and "NOT usable" in text and "Traceback" not in text

    code, text = run(
        "layers", "add", "stations", str(tmp_path / "missing.csv"), "--catalog", str(tmp_path / "c")
    )
    assert code == 2 and text.startswith("Error:") and "Traceback" not in text

    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise ZeroDivisionError("a bug in a reader")

    monkeypatch.setattr(check_module, "stage_layer", explode)
    code, text = run("check", "stations", str(_stations_csv(tmp_path)))
    assert code == 2 and "unexpected ZeroDivisionError" in text and "Traceback" not in text


def test_check_layer_report_record(tmp_path: Path) -> None:
    report = check_layer("stations", _stations_csv(tmp_path), lonlat_crs="gcj02")
    record = report.to_record()
    assert record["usable"] and record["feature_count"] == 2
    assert record["source_crs"] == "GCJ-02 longitude/latitude (declared)"
    assert isinstance(AtlasError, type)


def test_size_limits_apply_to_uploads_not_to_the_catalogs_own_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10 kB: the CSV (about 200 bytes) passes, the GeoPackage it is stored as (about 100 kB) would not.
    monkeypatch.setenv("GEOPLAN_MAX_UPLOAD_MB", "0.01")
    catalog = Catalog(tmp_path / "catalog")
    entry = catalog.add("stations", _stations_csv(tmp_path), lonlat_crs="gcj02", user=STEWARD)
    assert (catalog.root / entry.file).stat().st_size > 10_000
    assert len(catalog.get("stations").frame) == 2
    with pytest.raises(LayerReadError, match="too large"):
        catalog.add("stations", catalog.root / entry.file, user=STEWARD)
