"""The backend-independent rules of a catalog change: who may do what (layers.catalog.roles), how a
district officer's layer is cut and merged (layers.catalog.district_scope), which version a rollback,
removal or restore acts on (layers.catalog.changes), and the audit record (layers.catalog.audit).

The districts here are two 1 km squares side by side in EPSG:4549, so every area is known by hand.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.catalog import ANONYMOUS, CatalogEntry, CatalogPermissionError, Role, StagedLayer, User
from wuxi_atlas.layers.catalog.audit import AuditEvent, event_for, trail_line
from wuxi_atlas.layers.catalog.changes import (
    current_after_removal,
    removal_targets,
    restore_target,
    rollback_target,
)
from wuxi_atlas.layers.catalog.district_scope import merge_into_city
from wuxi_atlas.layers.catalog.roles import ROLES, require_steward, scope_of_commit
from wuxi_atlas.layers.names import ROLE_NAMES

WEST, EAST = "320211", "320213"  # 滨湖 and 梁溪 by adcode; the squares stand in for them
X0, Y0 = 500_000.0, 3_500_000.0
STEWARD = User("wang", Role.DATA_STEWARD)
OFFICER_WEST = User("li", Role.DISTRICT_OFFICER, (WEST,))
OFFICER_EAST = User("zhao", Role.DISTRICT_OFFICER, (EAST,))
VIEWER = User("chen", Role.VIEWER)


def _boundaries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"adcode": [WEST, EAST]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
        crs="EPSG:4549",
    ).to_crs("EPSG:4326")


def _layer(kind: str, names: list[str], geometries: list[object]) -> VectorSource:
    frame = gpd.GeoDataFrame({"name": names}, geometry=geometries, crs="EPSG:4549").to_crs("EPSG:4326")
    return VectorSource(kind, frame, "test", "2024", False)


def _staged(source: VectorSource) -> StagedLayer:
    return StagedLayer(
        kind=source.kind,
        source=source,
        path=Path("officer.gpkg"),
        original_name="officer.gpkg",
        sha256="0" * 64,
        size_bytes=1,
        source_crs="EPSG:4549",
        conversion=(),
        notes=(),
        feature_count=len(source.frame),
    )


def _metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs("EPSG:4549").set_index("name")


# ------------------------------------------------------------------------------------- roles


def test_the_role_names_offered_by_the_cli_are_the_roles() -> None:
    assert ROLES == ROLE_NAMES


@pytest.mark.parametrize("user", [ANONYMOUS, VIEWER], ids=["anonymous", "viewer"])
def test_anonymous_and_viewers_may_change_nothing(user: User) -> None:
    with pytest.raises(CatalogPermissionError) as refused:
        scope_of_commit(user, "stations", where="/srv/catalog")
    text = str(refused.value)
    assert user.name in text and "data_steward" in text and "/srv/catalog" in text
    assert ("not signed in" in text) == (user is ANONYMOUS)
    for action in ("roll back stations", "remove stations", "restore stations"):
        with pytest.raises(CatalogPermissionError, match=f"may not {action}: that needs the data_steward"):
            require_steward(user, action)


def test_an_officer_saves_only_vector_layers_of_their_own_districts() -> None:
    assert scope_of_commit(OFFICER_WEST, "stations") == (WEST,)
    with pytest.raises(CatalogPermissionError, match=rf"li \(district_officer for {WEST}\) may not save "):
        scope_of_commit(OFFICER_WEST, "stations", districts=[EAST])
    for kind in ("landcover", "districts"):
        with pytest.raises(CatalogPermissionError, match=f"{kind} is a city-wide layer"):
            scope_of_commit(OFFICER_WEST, kind)
    with pytest.raises(CatalogPermissionError, match="needs the data_steward role"):
        require_steward(OFFICER_WEST, "roll back stations")
    # A steward saves city-wide, or for named districts when asked to.
    assert scope_of_commit(STEWARD, "landcover") == ()
    assert scope_of_commit(STEWARD, "stations", districts=[EAST]) == (EAST,)
    with pytest.raises(LayerError, match="landcover is a city-wide layer: it is saved whole"):
        scope_of_commit(STEWARD, "landcover", districts=[EAST])


def test_a_change_without_a_user_is_refused() -> None:
    with pytest.raises(TypeError, match="acting user"):
        scope_of_commit("wang", "stations")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("role", "adcodes", "problem"),
    [("district_officer", (), "needs at least one district"), ("viewer", (WEST,), "only a district officer")],
)
def test_a_user_holds_districts_exactly_when_an_officer(
    role: str, adcodes: tuple[str, ...], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        User("x", Role(role), adcodes)


# ------------------------------------------------------------------------- district scope


def test_an_officers_points_replace_their_district_only() -> None:
    current = _layer(
        "stations",
        ["w-old", "e-old", "w-by-the-boundary"],
        [Point(X0 + 500, Y0 + 500), Point(X0 + 1500, Y0 + 500), Point(X0 + 999, Y0 + 300)],
    )
    upload = _layer(
        "stations", ["w-new", "e-forged"], [Point(X0 + 200, Y0 + 200), Point(X0 + 1800, Y0 + 800)]
    )
    merged = merge_into_city(_staged(upload), current, 4, _boundaries(), (WEST,), OFFICER_WEST)

    frame = _metric(merged.source.frame)
    # The east district keeps its station; the west's two old ones (one a metre from the boundary) are
    # replaced; the forged east station is dropped.
    assert sorted(frame.index) == ["e-old", "w-new"]
    assert frame.loc["e-old"].geometry.equals_exact(Point(X0 + 1500, Y0 + 500), 1e-3)
    assert merged.feature_count == 2 and merged.options["districts"] == [WEST]
    assert "1 of the 2 features" in merged.notes[-1] and "1 outside dropped" in merged.notes[-1]
    assert "carried over unchanged from v4" in merged.notes[-1]


def test_a_polygon_across_the_boundary_keeps_its_other_side() -> None:
    # A 1000 m × 400 m wetland straddling the boundary: 500 m on each side.
    current = _layer("wetlands", ["straddling"], [box(X0 + 500, Y0 + 100, X0 + 1500, Y0 + 500)])
    upload = _layer("wetlands", ["new-west"], [box(X0 + 100, Y0 + 600, X0 + 1300, Y0 + 900)])
    merged = merge_into_city(_staged(upload), current, 1, _boundaries(), (WEST,), OFFICER_WEST)

    areas = _metric(merged.source.frame).area
    assert areas["straddling"] == pytest.approx(500 * 400, rel=1e-6)  # the east half, unchanged
    assert areas["new-west"] == pytest.approx(900 * 300, rel=1e-6)  # cut at the boundary
    assert _metric(merged.source.frame).loc["straddling"].geometry.bounds[0] == pytest.approx(
        X0 + 1000, abs=1e-3
    )


def test_an_officer_with_nothing_in_their_district_is_refused() -> None:
    upload = _layer("stations", ["east"], [Point(X0 + 1500, Y0 + 500)])
    with pytest.raises(CatalogPermissionError, match=rf"li .* may not save stations outside {WEST}: none of"):
        merge_into_city(_staged(upload), None, None, _boundaries(), (WEST,), OFFICER_WEST)


def test_the_first_scoped_save_is_the_districts_features_alone() -> None:
    upload = _layer("stations", ["w", "e"], [Point(X0 + 500, Y0 + 500), Point(X0 + 1500, Y0 + 500)])
    merged = merge_into_city(_staged(upload), None, None, _boundaries(), (EAST,), OFFICER_EAST)
    assert list(merged.source.frame["name"]) == ["e"] and "no city layer before it" in merged.notes[-1]


def test_an_unknown_district_is_named() -> None:
    upload = _layer("stations", ["w"], [Point(X0 + 500, Y0 + 500)])
    officer = User("x", Role.DISTRICT_OFFICER, ("320999",))
    with pytest.raises(LayerError, match=r"no district 320999 .*known: 320211, 320213"):
        merge_into_city(_staged(upload), None, None, _boundaries(), ("320999",), officer)


# ------------------------------------------------------------------------- rollback, remove, restore


def _entries(current: int | None, removed: set[int], count: int = 4) -> list[CatalogEntry]:
    return [
        CatalogEntry(
            kind="stations",
            version=v,
            file=f"layers/stations/v{v:04d}.gpkg",
            original_name=f"{v}.csv",
            sha256="0" * 64,
            size_bytes=1,
            imported_at="2026-01-01T00:00:00Z",
            source_crs="WGS 84",
            conversion=(),
            feature_count=1,
            notes=(),
            synthetic=False,
            removed=v in removed,
            current=v == current,
        )
        for v in range(1, count + 1)
    ]


def test_rollback_skips_removed_versions() -> None:
    current, target = rollback_target(_entries(4, {3}), "stations", "c")
    assert (current.version, target.version) == (4, 2)
    with pytest.raises(LayerError, match="no version before v2"):
        rollback_target(_entries(2, {1}), "stations", "c")
    with pytest.raises(LayerError, match=r"no current version .*restore"):
        rollback_target(_entries(None, {1, 2, 3, 4}), "stations", "c")


def test_removal_picks_live_versions_and_moves_current() -> None:
    entries = _entries(4, {2})
    assert [e.version for e in removal_targets(entries, "stations", None, "c")] == [1, 3, 4]
    with pytest.raises(LayerError, match="v2 is removed already"):
        removal_targets(entries, "stations", 2, "c")
    with pytest.raises(LayerError, match=r"no version 9 of stations \(stored versions: v1, v2 \(removed\)"):
        removal_targets(entries, "stations", 9, "c")
    assert current_after_removal(entries, [entries[3]]) == 3
    assert current_after_removal(entries, [entries[0]]) == 4
    assert current_after_removal(entries, [entries[0], entries[2], entries[3]]) is None


def test_restore_makes_current_only_what_is_newer() -> None:
    assert restore_target(_entries(3, {4}), "stations", 4, "c")[1] is True  # the removal undone
    assert restore_target(_entries(3, {1}), "stations", 1, "c")[1] is False  # an old one, back in history
    assert restore_target(_entries(None, {1, 2, 3, 4}), "stations", 2, "c")[1] is True
    with pytest.raises(LayerError, match="v3 is not removed"):
        restore_target(_entries(3, {1}), "stations", 3, "c")


# ------------------------------------------------------------------------------------- audit


def test_an_event_round_trips_and_reads_as_a_line() -> None:
    event = event_for(
        OFFICER_WEST,
        "commit",
        "stations",
        5,
        "2026-11-30T05:00:00Z",
        note="  2025 survey of Binhu \n",
        original_name="滨湖\x1b[31m.csv",
        sha256="ab" * 32,
        previous=4,
        scope=(WEST,),
    )
    assert AuditEvent.from_record(event.to_record()) == event
    assert event.note == "2025 survey of Binhu"
    line = trail_line(event)
    assert f"saved v5 for {WEST} (other districts unchanged) (was v4)" in line
    assert f"by li (district_officer for {WEST})" in line and "why: 2025 survey of Binhu" in line
    assert "\x1b" not in line and "sha256 abababababab" in line
    anonymous = event_for(ANONYMOUS, "remove", "stations", 1, "2026-11-30T05:00:00Z")
    assert anonymous.role == "anonymous" and "why: (no note)" in trail_line(anonymous)
