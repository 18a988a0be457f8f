"""The PostGIS catalog's own promises, on a live throwaway cluster (tests/postgis_server.py): what
QGIS sees (a table per version, a view per kind on the current one, versions that refuse edits), the
catalog's tables (versions, audit trail), rasters as files referenced from the database, roles enforced
in the core, soft removal, and the address and its errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from catalog_backends import Backend
from catalog_files import landcover_tif, stations_csv

from wuxi_atlas.analysis.errors import LayerError, LayerReadError, LayerWriteError
from wuxi_atlas.layers.catalog import ANONYMOUS, CatalogPermissionError, Role, User
from wuxi_atlas.layers.catalog.postgis import PostgisCatalog
from wuxi_atlas.layers.catalog.postgis_store import parse_address, redacted
from wuxi_atlas.layers.catalog.protocol import CatalogBackend, open_catalog

STEWARD = User("wang", Role.DATA_STEWARD)
BINHU, LIANGXI = "320211", "320213"
OFFICER = User("li", Role.DISTRICT_OFFICER, (BINHU,))


@pytest.fixture
def pg(postgis_server: Any, tmp_path: Path) -> Backend:
    rasters = tmp_path / "shared-rasters"
    return Backend("postgis", f"{postgis_server.new_database()}?rasters={rasters}", rasters)


def _query(backend: Backend, statement: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(parse_address(backend.location).url) as connection:
        return connection.execute(statement, params or None).fetchall()  # type: ignore[arg-type]


def test_a_database_address_opens_the_postgis_backend(pg: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = open_catalog(pg.location)
    assert isinstance(catalog, PostgisCatalog) and isinstance(catalog, CatalogBackend)
    monkeypatch.setenv("GEOPLAN_CATALOG_URL", pg.location)
    assert isinstance(open_catalog(), PostgisCatalog)
    assert catalog.list() == [] and catalog.trail() == []  # a database nobody has imported into


def test_qgis_sees_a_table_per_version_and_a_view_on_the_current_one(pg: Backend, tmp_path: Path) -> None:
    catalog = pg.open()
    catalog.add("stations", stations_csv(tmp_path, "a.csv", "甲"), lonlat_crs="gcj02", user=STEWARD)
    second = catalog.add("stations", stations_csv(tmp_path, "b.csv", "乙"), lonlat_crs="gcj02", user=STEWARD)
    assert second.file == "geoplan.stations_v0002"
    columns = _query(
        pg,
        "SELECT f_table_name, f_geometry_column, srid, type FROM geometry_columns "
        "WHERE f_table_schema = 'geoplan' ORDER BY f_table_name",
    )
    assert columns == [
        ("stations", "geom", 4326, "POINT"),
        ("stations_v0001", "geom", 4326, "POINT"),
        ("stations_v0002", "geom", 4326, "POINT"),
    ]
    assert _query(pg, "SELECT name, piles FROM geoplan.stations ORDER BY fid") == [("乙0", 4), ("乙1", 5)]
    assert _query(
        pg, "SELECT count(*) FROM pg_indexes WHERE tablename = 'stations_v0002' AND indexdef LIKE '%gist%'"
    ) == [(1,)]
    comment = _query(pg, "SELECT obj_description('geoplan.stations_v0001'::regclass)")[0][0]
    assert "a.csv" in comment and "by wang" in comment

    catalog.rollback("stations", user=STEWARD, note="b.csv was the wrong month")
    assert _query(pg, "SELECT name FROM geoplan.stations ORDER BY fid") == [("甲0",), ("甲1",)]
    with pytest.raises(psycopg.errors.RaiseException, match="never edited"):
        _query(pg, "UPDATE geoplan.stations_v0001 SET piles = 99")
    with pytest.raises(psycopg.errors.RaiseException, match="never edited"):
        _query(pg, "DELETE FROM geoplan.stations_v0002")


def test_the_manifest_and_the_audit_trail_are_tables(pg: Backend, tmp_path: Path) -> None:
    catalog = pg.open()
    csv_path = stations_csv(tmp_path)
    catalog.add("stations", csv_path, user=STEWARD, note="2024 survey")
    catalog.add("stations", stations_csv(tmp_path, "b.csv"), user=STEWARD, note="corrected")
    catalog.remove("stations", 2, user=STEWARD, note="wrong file")
    catalog.restore("stations", 2, user=STEWARD, note="it was right after all")
    catalog.rollback("stations", user=STEWARD, note="back to the survey")

    rows = _query(
        pg,
        "SELECT version, storage, location, imported_by, note, removed_at IS NULL "
        "FROM geoplan.catalog_versions ORDER BY version",
    )
    assert rows == [
        (1, "table", "stations_v0001", "wang", "2024 survey", True),
        (2, "table", "stations_v0002", "wang", "corrected", True),
    ]
    audit = _query(pg, "SELECT actor, role, action, version, note FROM geoplan.catalog_audit ORDER BY id")
    assert audit == [
        ("wang", "data_steward", "commit", 1, "2024 survey"),
        ("wang", "data_steward", "commit", 2, "corrected"),
        ("wang", "data_steward", "remove", 2, "wrong file"),
        ("wang", "data_steward", "restore", 2, "it was right after all"),
        ("wang", "data_steward", "rollback", 1, "back to the survey"),
    ]
    trail = catalog.trail("stations")
    assert [(e.action, e.version, e.previous) for e in trail] == [
        ("commit", 1, None),
        ("commit", 2, 1),
        ("remove", 2, 2),
        ("restore", 2, 1),
        ("rollback", 1, 2),
    ]
    assert trail[0].original_name == "stations.csv" and len(trail[0].sha256) == 64
    assert catalog.entry("stations", 1).committed_by == "wang" and catalog.entry("stations").version == 1


def test_removal_is_soft_and_a_reader_of_a_removed_version_keeps_working(pg: Backend, tmp_path: Path) -> None:
    catalog = pg.open()
    catalog.add("stations", stations_csv(tmp_path, "a.csv", "甲"), user=STEWARD)
    catalog.add("stations", stations_csv(tmp_path, "b.csv", "乙"), user=STEWARD)
    removed = catalog.remove("stations", user=STEWARD, note="withdrawn")
    assert [(e.version, e.removed) for e in removed] == [(1, True), (2, True)]
    assert catalog.list() == [] and "stations" not in catalog
    assert [(e.version, e.removed, e.current) for e in catalog.history("stations")] == [
        (1, True, False),
        (2, True, False),
    ]
    assert catalog.get("stations", 2).frame["name"].iloc[0] == "乙0"  # an open session reading v2
    assert _query(
        pg,
        "SELECT to_regclass('geoplan.stations') IS NULL, to_regclass('geoplan.stations_v0002') IS NOT NULL",
    ) == [(True, True)]
    with pytest.raises(LayerError, match="removed already"):
        catalog.remove("stations", 2, user=STEWARD)
    assert catalog.restore("stations", 2, user=STEWARD).current
    assert catalog.get("stations").frame["name"].iloc[0] == "乙0"


@pytest.mark.parametrize(
    "user", [ANONYMOUS, User("chen", Role.VIEWER), OFFICER], ids=["anonymous", "viewer", "officer"]
)
def test_only_a_steward_changes_the_city_layers(pg: Backend, tmp_path: Path, user: User) -> None:
    catalog = pg.open()
    catalog.add("stations", stations_csv(tmp_path), user=STEWARD)
    catalog.add("stations", stations_csv(tmp_path, "b.csv"), user=STEWARD)
    before = pg.snapshot()
    with pytest.raises(CatalogPermissionError, match="may not"):
        catalog.rollback("stations", user=user)
    with pytest.raises(CatalogPermissionError, match="may not"):
        catalog.remove("stations", user=user)
    with pytest.raises(CatalogPermissionError, match="may not"):
        catalog.add("landcover", landcover_tif(tmp_path), user=user)
    if user is not OFFICER:
        with pytest.raises(CatalogPermissionError, match="may not"):
            catalog.add("stations", stations_csv(tmp_path, "c.csv"), user=user)
    with pytest.raises(CatalogPermissionError, match="may not"):
        catalog.add("stations", stations_csv(tmp_path, "d.csv"), user=OFFICER, districts=[LIANGXI])
    assert pg.snapshot() == before


def test_an_officers_save_replaces_their_district_only(pg: Backend, tmp_path: Path) -> None:
    from wuxi_atlas.analysis.boundaries import load_boundaries

    boundaries = load_boundaries()
    catalog = pg.open()
    # Stations in 滨湖 and in 梁溪, saved city-wide; then the 滨湖 officer saves a file with 滨湖 only.
    points = {}
    for adcode in (BINHU, LIANGXI):
        inside = boundaries.loc[boundaries["adcode"] == adcode].geometry.iloc[0].representative_point()
        points[adcode] = (inside.x, inside.y)
    city = tmp_path / "city.csv"
    city.write_text(
        "name,type,piles,access,lon,lat\n"
        + "".join(f"{code}-old,charging,2,public,{x},{y}\n" for code, (x, y) in points.items()),
        encoding="utf-8",
    )
    catalog.add("stations", city, user=STEWARD)
    mine = tmp_path / "binhu.csv"
    x, y = points[BINHU]
    mine.write_text(
        f"name,type,piles,access,lon,lat\nbinhu-new,charging,8,public,{x},{y}\n", encoding="utf-8"
    )
    entry = catalog.add("stations", mine, user=OFFICER, note="new 滨湖 survey")
    assert entry.scope == (BINHU,) and entry.committed_by == "li"
    frame = catalog.get("stations").frame
    assert sorted(frame["name"]) == ["320213-old", "binhu-new"]
    assert catalog.trail("stations")[-1].scope == (BINHU,)


def test_a_raster_stays_a_file_referenced_from_the_database(
    pg: Backend, postgis_server: Any, tmp_path: Path
) -> None:
    catalog = pg.open()
    entry = catalog.add("landcover", landcover_tif(tmp_path), user=STEWARD)
    assert pg.rasters is not None and catalog.path("landcover") == pg.rasters / "rasters/landcover/v0001.tif"
    assert _query(pg, "SELECT storage, location FROM geoplan.catalog_versions") == [("raster", entry.file)]
    assert _query(pg, "SELECT to_regclass('geoplan.landcover') IS NULL") == [(True,)]  # no view for a raster
    # Another client, with no ?rasters= of its own, finds the folder the catalog recorded.
    bare = PostgisCatalog(pg.location.split("?")[0])
    assert bare.get("landcover").path == pg.rasters / "rasters/landcover/v0001.tif"
    # A second catalog may not share the folder: their sweeps would remove each other's files.
    other = PostgisCatalog(f"{postgis_server.new_database()}?rasters={pg.rasters}")
    with pytest.raises(LayerWriteError, match="belongs to another catalog"):
        other.add("landcover", landcover_tif(tmp_path, "other.tif"), user=STEWARD)


def test_an_address_without_a_raster_folder_says_how_to_give_one(postgis_server: Any, tmp_path: Path) -> None:
    catalog = PostgisCatalog(postgis_server.new_database())
    with pytest.raises(LayerWriteError, match=r"\?rasters=/shared/folder"):
        catalog.add("landcover", landcover_tif(tmp_path), user=STEWARD)


def test_connection_failures_are_messages_without_the_password(tmp_path: Path) -> None:
    address = "postgresql://atlas:s3cret@127.0.0.1:1/atlas?connect_timeout=2"
    assert redacted(address) == "postgresql://atlas@127.0.0.1:1/atlas?connect_timeout=2"
    catalog = PostgisCatalog(address)
    with pytest.raises(
        LayerReadError, match=r"cannot connect to the catalog postgresql://atlas@127\.0\.0\.1:1/atlas"
    ) as failed:
        catalog.list()
    assert "s3cret" not in str(failed.value)
    with pytest.raises(LayerWriteError) as refused:
        catalog.add("stations", stations_csv(tmp_path), user=STEWARD)
    assert "s3cret" not in str(refused.value)
    with pytest.raises(LayerError, match="schema="):
        PostgisCatalog("postgresql://atlas@host/atlas?schema=Robert');DROP")


def test_a_schema_of_another_program_is_refused(pg: Backend, tmp_path: Path) -> None:
    catalog = pg.open()
    catalog.add("stations", stations_csv(tmp_path), user=STEWARD)
    with psycopg.connect(parse_address(pg.location).url, autocommit=True) as connection:
        connection.execute(
            "UPDATE geoplan.catalog_settings SET value = 'something-else/9' WHERE key = 'format'"
        )
    with pytest.raises(LayerError, match="is this the right database"):
        catalog.add("stations", stations_csv(tmp_path, "b.csv"), user=STEWARD)
    with pytest.raises(LayerReadError, match="is this the right database"):
        catalog.list()


# ------------------------------------------------------------------------------------ migration


def _folder_with_history(tmp_path: Path) -> Any:
    from wuxi_atlas.analysis.paths import boundaries_path

    folder = open_catalog(str(tmp_path / "folder"))
    for name, label in (("a.csv", "甲"), ("b.csv", "乙"), ("c.csv", "丙")):
        folder.add("stations", stations_csv(tmp_path, name, label), user=STEWARD, note=f"from {name}")
    folder.remove("stations", 2, user=STEWARD, note="b.csv was wrong")
    folder.rollback("stations", user=STEWARD, note="back to a.csv")
    folder.add("landcover", landcover_tif(tmp_path), user=STEWARD)
    folder.add("districts", boundaries_path(), user=STEWARD)
    return folder


def test_migrate_keeps_versions_history_and_the_current_ones(pg: Backend, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wuxi_atlas.cli import geoplan

    folder = _folder_with_history(tmp_path)
    result = CliRunner().invoke(
        geoplan, ["layers", "migrate", "--from", folder.location, "--to", pg.location]
    )
    assert result.exit_code == 0, result.output
    assert "stations: 3 version(s), 1 removed, current v1, 5 audit event(s)" in result.output
    catalog = pg.open()
    for kind in ("stations", "landcover", "districts"):
        moved = catalog.history(kind)
        assert [dataclass_fields(e) for e in moved] == [dataclass_fields(e) for e in folder.history(kind)]
        assert catalog.trail(kind) == folder.trail(kind)
    for version in (1, 2, 3):
        ours, theirs = catalog.get("stations", version).frame, folder.get("stations", version).frame
        assert list(ours.columns) == list(theirs.columns)
        assert ours.drop(columns="geometry").equals(theirs.drop(columns="geometry"))
        assert ours.geometry.geom_equals_exact(theirs.geometry, tolerance=0).all()
    assert catalog.get("landcover").path.read_bytes() == folder.path("landcover").read_bytes()
    assert _query(pg, "SELECT name FROM geoplan.stations ORDER BY fid") == [("甲0",), ("甲1",)]
    assert _query(
        pg, "SELECT version, removed_by FROM geoplan.catalog_versions WHERE removed_at IS NOT NULL"
    ) == [(2, "wang")]
    # The catalog goes on from there: the next version is v4.
    assert catalog.add("stations", stations_csv(tmp_path, "d.csv"), user=STEWARD).version == 4
    again = CliRunner().invoke(geoplan, ["layers", "migrate", "--from", folder.location, "--to", pg.location])
    assert isinstance(again.exception, LayerError) and "already holds" in str(again.exception)


def dataclass_fields(entry: Any) -> tuple[Any, ...]:
    """A version's record as migration must keep it (where it is stored aside)."""
    record = entry.to_record()
    record.pop("file")
    return tuple(sorted((key, repr(value)) for key, value in record.items()))


def test_a_failed_migration_leaves_the_target_as_it_was(
    pg: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wuxi_atlas.layers.catalog import migrate as migrate_module

    folder = _folder_with_history(tmp_path)
    before = pg.snapshot()

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the network went down")

    monkeypatch.setattr(migrate_module, "_finish_kind", broken)
    with pytest.raises(RuntimeError, match="network"):
        migrate_module.migrate(folder, PostgisCatalog(pg.location))
    assert pg.snapshot() == before
