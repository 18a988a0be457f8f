"""The catalog as the core of #13, on both backends (``backend``: the folder and a live PostGIS, see
conftest.py): roles enforced by the catalog itself (called directly, as an anonymous user, a viewer and the
wrong officer), a district officer's save merged into the city layer,
and the audit trail: who, when, which file (name and sha256) and why, for every save, rollback, removal
and restore; removal is soft, nothing erases history, and a reader of a removed version keeps working.

The stations are written as WGS84 CSVs at a point inside each of three districts (shipped boundaries).
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any, cast

import pytest
from catalog_backends import Backend

from wuxi_atlas.analysis.errors import LayerError, LayerReadError
from wuxi_atlas.layers.catalog import (
    ANONYMOUS,
    Catalog,
    CatalogBackend,
    CatalogPermissionError,
    Role,
    User,
    open_catalog,
)
from wuxi_atlas.layers.vintages import catalog_vintages

BINHU, LIANGXI, XINWU = "320211", "320213", "320214"
# A point well inside each district (from the shipped boundaries' representative points).
INSIDE = {BINHU: (120.1987, 31.4272), LIANGXI: (120.2949, 31.5739), XINWU: (120.4357, 31.5019)}
STEWARD = User("wang", Role.DATA_STEWARD)
BINHU_OFFICER = User("li", Role.DISTRICT_OFFICER, (BINHU,))
LIANGXI_OFFICER = User("zhao", Role.DISTRICT_OFFICER, (LIANGXI,))
VIEWER = User("chen", Role.VIEWER)


def _stations(folder: Path, name: str, rows: list[tuple[str, str, int]]) -> Path:
    """A CSV of stations ``(name, district adcode, piles)``, each at its district's inside point (nudged
    by its index so that no two coincide)."""
    lines = ["name,type,piles,access,lon,lat"]
    for index, (label, adcode, piles) in enumerate(rows):
        lon, lat = INSIDE[adcode]
        lines.append(f"{label},charging,{piles},public,{lon + index * 1e-4:.6f},{lat:.6f}")
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _city(store: Any, tmp_path: Path) -> Any:
    """``store`` with current stations (v1, by the steward): one station in each of three districts."""
    city = _stations(
        tmp_path, "city.csv", [("滨湖一", BINHU, 4), ("梁溪一", LIANGXI, 6), ("新吴一", XINWU, 8)]
    )
    store.add("stations", city, user=STEWARD, note="the 2024 city survey", year=2024)
    return store


@pytest.fixture
def catalog(backend: Backend, tmp_path: Path) -> CatalogBackend:
    """The city's stations in a catalog of each backend."""
    return cast(CatalogBackend, _city(backend.open(), tmp_path))


@pytest.fixture
def folder_catalog(tmp_path: Path) -> Catalog:
    """The city's stations in a folder catalog (for what only the folder has: its manifest)."""
    return cast(Catalog, _city(Catalog(tmp_path / "catalog"), tmp_path))


def test_either_backend_is_a_catalog_backend(catalog: CatalogBackend, backend: Backend) -> None:
    assert isinstance(catalog, CatalogBackend)
    assert type(open_catalog(backend.location)) is type(catalog)


@pytest.mark.parametrize("user", [ANONYMOUS, VIEWER], ids=["anonymous", "viewer"])
def test_anonymous_and_viewers_cannot_change_the_catalog(
    catalog: CatalogBackend, backend: Backend, user: User, tmp_path: Path
) -> None:
    before = backend.snapshot()
    upload = _stations(tmp_path, "five.csv", [("x", LIANGXI, 1)])
    staged = catalog.stage("stations", upload)
    attempts = {
        "save stations": lambda: catalog.commit(staged, user=user),
        "save stations ": lambda: catalog.add("stations", upload, user=user),
        "roll back stations": lambda: catalog.rollback("stations", user=user),
        "remove stations": lambda: catalog.remove("stations", user=user),
        "restore stations": lambda: catalog.restore("stations", 1, user=user),
    }
    for action, attempt in attempts.items():
        with pytest.raises(CatalogPermissionError) as refused:
            attempt()
        text = str(refused.value)
        assert f"{user.name} (" in text and f"may not {action.strip()}" in text and "data_steward" in text
    assert backend.snapshot() == before


def test_the_wrong_officer_cannot_change_another_district(
    catalog: CatalogBackend, backend: Backend, tmp_path: Path
) -> None:
    before = backend.snapshot()
    binhu_only = _stations(tmp_path, "binhu.csv", [("滨湖新", BINHU, 1)])
    with pytest.raises(
        CatalogPermissionError, match=rf"zhao \(district_officer for {LIANGXI}\) .*none of the 1"
    ):
        catalog.add("stations", binhu_only, user=LIANGXI_OFFICER)
    with pytest.raises(CatalogPermissionError, match=f"may not save stations for {BINHU}"):
        catalog.add("stations", binhu_only, user=LIANGXI_OFFICER, districts=[BINHU])
    with pytest.raises(CatalogPermissionError, match="landcover is a city-wide layer"):
        catalog.add("landcover", tmp_path / "never-read.tif", user=LIANGXI_OFFICER)  # refused before reading
    for attempt in (
        lambda: catalog.rollback("stations", user=BINHU_OFFICER),
        lambda: catalog.remove("stations", user=BINHU_OFFICER),
    ):
        with pytest.raises(
            CatalogPermissionError, match=r"li \(district_officer for 320211\) .*data_steward"
        ):
            attempt()
    assert backend.snapshot() == before


def test_an_officers_save_is_clipped_and_merged_into_the_city_layer(
    catalog: CatalogBackend, tmp_path: Path
) -> None:
    before = catalog.get("stations").frame.set_index("name")
    upload = _stations(
        tmp_path, "滨湖2025.csv", [("滨湖二", BINHU, 10), ("滨湖三", BINHU, 12), ("梁溪伪", LIANGXI, 99)]
    )
    entry = catalog.add("stations", upload, user=BINHU_OFFICER, note="Binhu's 2025 count")

    assert (entry.version, entry.committed_by, entry.committed_role, entry.scope) == (
        2,
        "li",
        "district_officer",
        (BINHU,),
    )
    after = catalog.get("stations").frame.set_index("name")
    assert sorted(after.index) == ["新吴一", "梁溪一", "滨湖三", "滨湖二"]
    for other in ("梁溪一", "新吴一"):  # the other districts' features, unchanged
        assert after.loc[other, "piles"] == before.loc[other, "piles"]
        assert after.loc[other].geometry.equals_exact(before.loc[other].geometry, 1e-9)
    assert entry.feature_count == 4
    assert any("1 outside dropped" in note for note in entry.notes)
    assert (
        any("3 features carried over unchanged from v1 (year 2024)" in note for note in entry.notes) is False
    )
    assert any("2 features carried over unchanged from v1 (year 2024)" in note for note in entry.notes)
    [event] = [e for e in catalog.trail("stations") if e.version == 2]
    assert (event.user, event.scope, event.previous, event.note) == ("li", (BINHU,), 1, "Binhu's 2025 count")


def test_every_change_is_in_the_trail_and_nothing_is_erased(catalog: CatalogBackend, tmp_path: Path) -> None:
    second = _stations(tmp_path, "second.csv", [("梁溪二", LIANGXI, 2)])
    catalog.add("stations", second, user=STEWARD, note="a typo fixed")
    catalog.rollback("stations", user=STEWARD, note="v2 dropped two districts")
    catalog.remove("stations", version=2, user=STEWARD, note="wrong file")
    catalog.restore("stations", 2, user=STEWARD, note="it was right after all")

    trail = catalog.trail("stations")
    assert [(e.action, e.version, e.previous) for e in trail] == [
        ("commit", 1, None),
        ("commit", 2, 1),
        ("rollback", 1, 2),
        ("remove", 2, 1),
        ("restore", 2, 1),
    ]
    assert all(e.user == "wang" and e.role == "data_steward" and e.at.endswith("Z") for e in trail)
    assert [e.note for e in trail][1:] == [
        "a typo fixed",
        "v2 dropped two districts",
        "wrong file",
        "it was right after all",
    ]
    assert trail[1].original_name == "second.csv"
    assert trail[1].sha256 == hashlib.sha256(second.read_bytes()).hexdigest()
    # The restored v2 is newer than the current v1, so it is current again; both versions are kept.
    assert [(e.version, e.current, e.removed) for e in catalog.history("stations")] == [
        (1, False, False),
        (2, True, False),
    ]
    assert catalog.trail() == trail  # the only kind changed


def test_a_removed_version_keeps_serving_a_reader_that_holds_it(
    catalog: CatalogBackend, tmp_path: Path
) -> None:
    catalog.add("stations", _stations(tmp_path, "v2.csv", [("新吴二", XINWU, 3)]), user=STEWARD)
    held = catalog.entry("stations")  # an app session showing v2
    catalog.remove("stations", version=2, user=STEWARD, note="superseded")
    assert catalog.entry("stations").version == 1  # new readers get v1
    # The session asks for the version it holds, and still gets it, from the file still there.
    again = catalog.get("stations", version=held.version)
    assert list(again.frame["name"]) == ["新吴二"]
    assert catalog.path("stations", held.version).is_file()
    assert catalog.entry("stations", held.version).removed
    # A removed version is left out of the years `geoplan history` computes.
    assert [v.label.split(",")[0] for v in catalog_vintages(catalog) if v.kind == "stations"] == [
        "catalog v1"
    ]


def test_removing_everything_then_restoring(catalog: CatalogBackend) -> None:
    catalog.remove("stations", user=STEWARD)
    assert catalog.list() == [] and catalog.kinds() == []
    with pytest.raises(LayerError, match="v1 is removed already"):
        catalog.remove("stations", version=1, user=STEWARD)
    with pytest.raises(LayerError, match="no stations layer to remove"):
        catalog.remove("stations", user=STEWARD)
    restored = catalog.restore("stations", 1, user=STEWARD)
    assert restored.current and catalog.entry("stations").version == 1


def test_a_catalog_written_before_the_audit_trail_still_reads(folder_catalog: Catalog) -> None:
    catalog = folder_catalog
    manifest_path = catalog.root / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    record = manifest["kinds"]["stations"]
    del record["events"]
    for key in ("committed_by", "committed_role", "note", "scope", "removed"):
        del record["versions"][0][key]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    [entry] = catalog.history("stations")
    assert (entry.committed_by, entry.removed, entry.current) == ("", False, True)
    assert catalog.trail() == []
    catalog.remove("stations", user=STEWARD)  # an old catalog takes changes as any other
    assert [e.action for e in catalog.trail()] == ["remove"]


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda r: r["events"][0].update(action="erase"), "kinds.stations.events[0].action"),
        (lambda r: r["events"][0].pop("user"), "kinds.stations.events[0].user"),
        (lambda r: r["versions"][0].update(removed=True), "kinds.stations.current"),
    ],
)
def test_a_damaged_trail_is_named(folder_catalog: Catalog, edit: object, key: str) -> None:
    catalog = folder_catalog
    manifest_path = catalog.root / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    edit(manifest["kinds"]["stations"])  # type: ignore[operator]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(LayerReadError, match=key.replace("[", r"\[").replace("]", r"\]")):
        catalog.history("stations")


def test_two_officers_saving_at_once_both_keep_their_change(
    catalog: CatalogBackend, backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first officer's merge is held open until the second officer's save has had every chance to
    run; the second must wait for the catalog's lock (the folder's flock, the kind's row in PostGIS) and
    merge into the first one's version. Were the
    current version read outside the lock, the second save would land in between and the first would
    then overwrite it, losing the Liangxi station."""
    from wuxi_atlas.layers.catalog import folder, postgis

    first_merging, second_done = threading.Event(), threading.Event()
    module = folder if backend.name == "folder" else postgis
    real_merge = module.merge_into_city

    def held_merge(*args: Any, **kwargs: Any) -> Any:
        if not first_merging.is_set():
            first_merging.set()
            second_done.wait(timeout=3)  # with the lock held, the second save cannot finish meanwhile
        return real_merge(*args, **kwargs)

    monkeypatch.setattr(module, "merge_into_city", held_merge)
    binhu = _stations(tmp_path, "binhu.csv", [("滨湖二", BINHU, 2)])
    liangxi = _stations(tmp_path, "liangxi.csv", [("梁溪二", LIANGXI, 3)])
    errors: list[BaseException] = []

    def second() -> None:
        first_merging.wait(timeout=60)
        try:
            backend.open().add("stations", liangxi, user=LIANGXI_OFFICER)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    catalog.add("stations", binhu, user=BINHU_OFFICER)
    thread.join(60)
    assert not errors, errors
    assert sorted(catalog.get("stations").frame["name"]) == ["新吴一", "梁溪二", "滨湖二"]
    assert [(e.user, e.version, e.previous) for e in catalog.trail("stations")][1:] == [
        ("li", 2, 1),
        ("zhao", 3, 2),
    ]


def test_an_officer_saving_the_city_file_unchanged_changes_nothing(catalog: Catalog, tmp_path: Path) -> None:
    city = _stations(
        tmp_path, "city.csv", [("滨湖一", BINHU, 4), ("梁溪一", LIANGXI, 6), ("新吴一", XINWU, 8)]
    )
    catalog.add("stations", city, user=BINHU_OFFICER, note="the same file again")
    before, after = (catalog.get("stations", version).frame.set_index("name") for version in (1, 2))
    assert sorted(after.index) == sorted(before.index)
    for name in before.index:
        assert after.loc[name].geometry.equals_exact(before.loc[name].geometry, 1e-9)
        assert after.loc[name, "piles"] == before.loc[name, "piles"]
