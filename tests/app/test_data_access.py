"""Who may change the catalog from the Data page (AppTest, signed in through single sign-on as the
[roles] table of the secrets says): an anonymous session cannot save, roll back or remove, not even by a
forged click, because the catalog itself refuses; a district officer's save changes their district only;
a data steward's changes are in the audit trail with who, when, file, sha256 and why, and a removed
version can be restored."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.paths import boundaries_path
from wuxi_atlas.analysis.replacement import district_counts
from wuxi_atlas.layers.catalog import Catalog, Role, User

APP = str(Path(__file__).resolve().parents[2] / "geo_app.py")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")

STEWARD = {"is_logged_in": True, "email": "wang@wuxi.gov.cn"}
OFFICER = {"is_logged_in": True, "email": "li@wuxi.gov.cn"}  # Binhu (320211)
ROLES = {"users": {"wang@wuxi.gov.cn": "data_steward", "li@wuxi.gov.cn": "district_officer:320211"}}
BINHU, HUISHAN = "320211", "320206"


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "catalog"
    monkeypatch.setenv("GEOPLAN_CATALOG_DIR", str(folder))
    return folder


def _stations_csv(places: list[tuple[str, int]], piles: int) -> bytes:
    """Stations at the representative point of each district (adcode, how many), WGS84 lon/lat."""
    boundaries = load_boundaries().set_index("adcode")
    lines = ["name,type,piles,access,lon,lat"]
    for adcode, count in places:
        point = boundaries.loc[adcode, "geometry"].representative_point()
        lines += [
            f"{adcode}-{i},charging,{piles},public,{point.x + 0.001 * i:.5f},{point.y:.5f}"
            for i in range(count)
        ]
    return ("\n".join(lines) + "\n").encode()


def _city_version(catalog: Path, tmp_path: Path, versions: int = 1) -> None:
    """A city-wide stations layer saved by a steward through the core (``versions`` times, so that there
    is something to roll back to): one station in every district."""
    districts = [a for a in load_boundaries()["adcode"] if a != "320200"]
    path = tmp_path / "city.csv"
    path.write_bytes(_stations_csv([(a, 1) for a in districts], piles=2))
    for _ in range(versions):
        Catalog(catalog).add(
            "stations", path, user=User("zhao", Role.DATA_STEWARD), note="the city's stations"
        )


def _app(user: dict[str, Any] | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"page": "data", "lang": "en"})
    if user is not None:
        at.user = user
    at.secrets["roles"] = ROLES
    at.run()
    return at


def _staged(user: dict[str, Any] | None, kind: str, name: str, content: bytes) -> AppTest:
    at = _app(user)
    at.selectbox(key="upload_kind").set_value(kind).run()
    at.file_uploader(key=f"upload_{kind}").set_value((name, content, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert kind in at.session_state["_staged_layers"]
    return at


def _forget_the_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the page forget its own role checks, as a careless front-end would: it offers saving the whole
    city, rolling back and removing to everyone. Only the catalog's check is left to refuse."""
    monkeypatch.setattr("wuxi_atlas.app.pages.data.scope_of_commit", lambda user, kind: ())
    monkeypatch.setattr("wuxi_atlas.app.catalog_view.require_steward", lambda user, action: user)


def _save(at: AppTest, kind: str, note: str) -> AppTest:
    at.text_input(key=f"save_note_{kind}").input(note).run()
    at.checkbox(key=f"save_confirm_{kind}").check().run()
    assert not at.button(key=f"save_{kind}").disabled
    return at.button(key=f"save_{kind}").click().run()


def _text(elements: Any) -> str:
    return " ".join(e.value.replace("\\", "") for e in elements)


def _catalog_buttons(at: AppTest) -> list[str]:
    return [b.key for b in at.button if b.key and b.key.startswith(("rollback_", "remove_", "restore_"))]


def test_an_anonymous_session_is_offered_no_change(catalog: Path, tmp_path: Path) -> None:
    _city_version(catalog, tmp_path)
    at = _staged(None, "stations", "mine.csv", _stations_csv([(BINHU, 3)], piles=9))
    assert "You are not signed in" in _text(at.info)
    assert "Saving needs a data steward" in _text(at.caption)
    assert at.button(key="save_stations").disabled
    assert not [c for c in at.checkbox if c.key == "save_confirm_stations"]
    assert _catalog_buttons(at) == []  # no rollback, remove or restore offered


def test_an_anonymous_session_cannot_change_the_catalog_even_if_the_page_forgets(
    catalog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _city_version(catalog, tmp_path, versions=2)
    _forget_the_checks(monkeypatch)
    at = _save(_staged(None, "stations", "mine.csv", _stations_csv([(BINHU, 3)], piles=9)), "stations", "x")
    assert "anonymous (not signed in) may not save stations" in _text(at.error)
    for action in ("rollback", "remove"):
        at.text_input(key="catalog_note_stations").input("forged").run()
        at.checkbox(key="confirm_stations").check().run()
        at.button(key=f"{action}_stations").click().run()
        assert "may not" in _text(at.error)
    assert [(e.version, e.current, e.removed) for e in Catalog(catalog).history("stations")] == [
        (1, False, False),
        (2, True, False),
    ]


def test_a_district_officer_changes_their_district_only(catalog: Path, tmp_path: Path) -> None:
    _city_version(catalog, tmp_path)
    before = Catalog(catalog).get("stations").frame
    # Two stations in Binhu, theirs, and one in Huishan, not theirs.
    at = _staged(OFFICER, "stations", "binhu.csv", _stations_csv([(BINHU, 2), (HUISHAN, 1)], piles=9))
    assert "you save for Binhu only" in _text(at.caption)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Features now"], metrics["Features after saving"]) == ("7", "8")
    assert _catalog_buttons(at) == []  # an officer neither rolls back nor removes
    _save(at, "stations", "Binhu's 2025 survey")
    assert not at.error, _text(at.error)
    entry = Catalog(catalog).entry("stations")
    assert (entry.version, entry.scope, entry.committed_by) == (2, (BINHU,), "sso:li@wuxi.gov.cn")
    trail = next(df.value for df in at.dataframe if "Districts replaced" in df.value.columns)
    assert (
        trail.iloc[0]["Districts replaced"] == BINHU and trail.iloc[1]["Districts replaced"] == "Whole city"
    )
    assert trail.iloc[0]["Who"] == "sso:li@wuxi.gov.cn (district_officer for 320211)"
    after = Catalog(catalog).get("stations").frame
    counts = {d.adcode: (d.current, d.new) for d in district_counts(before, after, load_boundaries())}
    assert counts.pop(BINHU) == (1, 2)
    assert all(now == then for then, now in counts.values())  # Huishan's station from the file is dropped
    others = after[~after["name"].str.startswith(BINHU)]
    kept = before[~before["name"].str.startswith(BINHU)]
    pd.testing.assert_frame_equal(
        others.sort_values("name")[["name", "piles"]].reset_index(drop=True),
        kept.sort_values("name")[["name", "piles"]].reset_index(drop=True),
    )


def test_an_officer_is_not_offered_another_district_or_a_city_wide_layer(
    catalog: Path, tmp_path: Path
) -> None:
    _city_version(catalog, tmp_path)
    at = _staged(OFFICER, "stations", "huishan.csv", _stations_csv([(HUISHAN, 2)], piles=9))
    assert "none of the 2 features of huishan.csv lies in 320211" in _text(at.error)
    assert at.button(key="save_stations").disabled
    at = _staged(OFFICER, "districts", "districts.geojson", boundaries_path().read_bytes())
    assert "is a city-wide layer: only a data steward saves it" in _text(at.caption)
    assert at.button(key="save_districts").disabled


def test_an_officer_cannot_change_another_district_even_if_the_page_forgets(
    catalog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _city_version(catalog, tmp_path, versions=2)
    _forget_the_checks(monkeypatch)
    at = _staged(OFFICER, "stations", "huishan.csv", _stations_csv([(HUISHAN, 2)], piles=9))
    at = _save(at, "stations", "Huishan's stations, not mine")
    assert "none of the 2 features of huishan.csv lies in 320211" in _text(at.error)
    at = _save(_staged(OFFICER, "districts", "d.geojson", boundaries_path().read_bytes()), "districts", "x")
    assert "may not save districts" in _text(at.error)
    at.text_input(key="catalog_note_stations").input("forged").run()
    at.checkbox(key="confirm_stations").check().run()
    at.button(key="remove_stations").click().run()
    assert "may not remove" in _text(at.error)
    history = [(e.version, e.current, e.removed) for e in Catalog(catalog).history("stations")]
    assert history == [(1, False, False), (2, True, False)]
    assert "districts" not in Catalog(catalog)


def test_a_steward_s_changes_are_in_the_audit_trail(catalog: Path, tmp_path: Path) -> None:
    _city_version(catalog, tmp_path)
    content = _stations_csv([(BINHU, 2), (HUISHAN, 3)], piles=4)
    at = _save(_staged(STEWARD, "stations", "five.csv", content), "stations", "a corner only, on purpose")
    assert not at.error, _text(at.error)
    trail = next(df.value for df in at.dataframe if df.value.columns[0] == "When" and "SHA-256" in df.value)
    newest = trail.iloc[0]
    assert newest["Change"] == "saved" and newest["Version"] == 2
    assert newest["Who"] == "sso:wang@wuxi.gov.cn (data_steward)"
    assert (newest["Original file"], newest["Why"]) == ("five.csv", "a corner only, on purpose")
    assert newest["SHA-256"] == hashlib.sha256(content).hexdigest()
    assert trail.iloc[1]["Who"] == "zhao (data_steward)"
    # Roll back, then remove (soft) and restore, each with its note.
    for action, note in (("rollback", "too few stations"), ("remove", "withdrawn")):
        at.text_input(key="catalog_note_stations").input(note).run()
        at.checkbox(key="confirm_stations").check().run()
        at.button(key=f"{action}_stations").click().run()
        assert not at.error, _text(at.error)
    assert "stations" not in Catalog(catalog)
    at.text_input(key="catalog_note_stations").input("needed after all").run()
    at.checkbox(key="confirm_stations").check().run()
    at.selectbox(key="restore_version_stations").set_value(1).run()
    at.button(key="restore_stations").click().run()
    assert not at.error, _text(at.error)
    assert Catalog(catalog).entry("stations").version == 1
    events = [(e.action, e.version, e.note) for e in Catalog(catalog).trail("stations")]
    assert events[1:] == [
        ("commit", 2, "a corner only, on purpose"),
        ("rollback", 1, "too few stations"),
        ("remove", 1, "withdrawn"),
        ("remove", 2, "withdrawn"),
        ("restore", 1, "needed after all"),
    ]


def test_a_session_reading_a_version_that_is_removed_keeps_working(catalog: Path, tmp_path: Path) -> None:
    _city_version(catalog, tmp_path)
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"page": "board", "lang": "en"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    Catalog(catalog).remove("stations", user=User("zhao", Role.DATA_STEWARD), note="withdrawn")
    at.run()  # the same session, after the version it was showing was removed
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, _text(at.error)
