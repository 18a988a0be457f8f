"""Land-cover schemes: the built-in files match DOMAIN.md §4, and bad files say what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from wuxi_atlas.analysis.errors import SchemeError
from wuxi_atlas.analysis.schemes import (
    BUILTIN_SCHEMES,
    ROLES,
    UnknownCodesWarning,
    guess_scheme,
    load_scheme,
    unknown_codes,
    warn_unknown_codes,
)
from wuxi_atlas.analysis.zonal import ClassAreaTable, ZoneClassAreas


@pytest.mark.parametrize("name", BUILTIN_SCHEMES)
def test_builtin_schemes_load(name: str) -> None:
    scheme = load_scheme(name)
    assert scheme.name == name
    assert scheme.source and scheme.notes
    assert all(cls.role in ROLES and cls.label_zh and cls.label_en for cls in scheme.classes.values())
    assert scheme.nodata not in scheme.classes


# DOMAIN.md §4: product → role → codes.
DOMAIN_CODES = {
    "worldcover": {
        "tree": {10},
        "shrub": {20},
        "grass": {30},
        "crop": {40},
        "built_up": {50},
        "bare": {60},
        "water": {80},
        "wetland": {90, 95},
    },
    "clcd": {
        "crop": {1},
        "tree": {2},
        "shrub": {3},
        "grass": {4},
        "water": {5},
        "bare": {7},
        "built_up": {8},
        "wetland": {9},
    },
    "glc_fcs30d": {
        "tree": {51, 52, 61, 62, 71, 72, 81, 82, 91, 92},
        "shrub": {120, 121, 122},
        "orchard": {12},
        "wetland": set(range(181, 188)),
        "water": {210},
        "built_up": {190},
    },
    "dynamic_world": {"water": {0}, "tree": {1}, "wetland": {3}, "shrub": {5}, "built_up": {6}},
    "esri_lulc": {"water": {1}, "tree": {2}, "wetland": {4}, "built_up": {7}, "shrub": set(), "grass": {11}},
}


@pytest.mark.parametrize("name", BUILTIN_SCHEMES)
def test_builtin_codes_follow_domain(name: str) -> None:
    scheme = load_scheme(name)
    for role, codes in DOMAIN_CODES[name].items():
        assert scheme.codes_for([role]) == codes, role
    assert scheme.roles_to_codes("tree", "shrub") == scheme.codes_for(["tree", "shrub"])


def test_worldcover_details() -> None:
    scheme = load_scheme("worldcover")
    assert scheme.nodata == 0
    assert scheme.codes == {10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100}
    assert scheme.role_of(95) == "wetland" and scheme.role_of(0) is None
    assert scheme.classes[50].color == "#fa0000"
    assert scheme.label(80, "en") == "Permanent water bodies"
    assert load_scheme("dynamic_world").nodata is None  # 0 is water there
    with pytest.raises(SchemeError, match="unknown role"):
        scheme.codes_for(["forest"])


def test_user_scheme_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "mine"\nsource = "survey"\nnodata = 255\n[classes]\n'
        '1 = { role = "tree", en = "Wood", zh = "林", color = "#00AA00" }\n',
        encoding="utf-8",
    )
    scheme = load_scheme(path)
    assert scheme.codes_for(["tree"]) == {1}
    assert scheme.classes[1].color == "#00aa00"


@pytest.mark.parametrize(
    ("class_line", "expected"),
    [
        ('7 = { role = "forest", en = "Wood", zh = "林", color = "#00aa00" }', r"class 7: field 'role'"),
        ('7 = { role = "tree", en = "Wood", zh = "林", color = "green" }', r"class 7: field 'color'"),
        ('7 = { role = "tree", zh = "林", color = "#00aa00" }', r"class 7: field 'en'"),
        ('x7 = { role = "tree", en = "Wood", zh = "林", color = "#00aa00" }', r"class 'x7'"),
        ('0 = { role = "tree", en = "Wood", zh = "林", color = "#00aa00" }', r"class 0: .*nodata"),
    ],
)
def test_malformed_scheme_names_file_code_and_field(tmp_path: Path, class_line: str, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f'name = "bad"\nsource = "x"\nnodata = 0\n[classes]\n{class_line}\n', encoding="utf-8")
    with pytest.raises(SchemeError, match=expected) as caught:
        load_scheme(path)
    assert "bad.toml" in str(caught.value)


def test_unreadable_or_unknown_scheme(tmp_path: Path) -> None:
    with pytest.raises(SchemeError, match="built-in schemes"):
        load_scheme("corine")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n", encoding="utf-8")
    with pytest.raises(SchemeError, match="not valid TOML"):
        load_scheme(broken)
    with pytest.raises(SchemeError, match="does not exist"):
        load_scheme(tmp_path / "missing.toml")


def test_guess_scheme() -> None:
    assert guess_scheme({10, 20, 30, 40, 50, 60, 80, 90}) == "worldcover"
    assert guess_scheme({0, 10, 40, 50, 80}) == "worldcover"
    assert guess_scheme({1, 2, 3, 4, 5, 7, 8, 9}) == "clcd"
    # 0 is Dynamic World's water and CLCD's nodata: these codes fit both, so no guess (tests/analysis/
    # test_scheme_guessing.py asks for --scheme).
    assert guess_scheme({0, 1, 2, 3, 4, 5, 6, 7}) is None
    assert guess_scheme({1, 2, 4, 5, 7, 11}) == "esri_lulc"
    assert guess_scheme({12, 52, 120, 190, 210}) == "glc_fcs30d"
    assert guess_scheme({1000, 2000, 3000}) is None
    assert guess_scheme(set()) is None


def _table() -> ClassAreaTable:
    zones = (
        ZoneClassAreas("320205", {10: 4e6, 255: 1.5e6}, 6e6, 5.5e6, 6e6),
        ZoneClassAreas("320206", {10: 1e6, 7: 2.5e4, 255: 5e5}, 2e6, 1.525e6, 2e6),
    )
    return ClassAreaTable(zones, "EPSG:4549", "upload.tif", (10.0, 10.0), False)


def test_unknown_codes_are_a_warning_with_areas() -> None:
    scheme = load_scheme("worldcover")
    assert unknown_codes(_table(), scheme) == {7: 2.5e4, 255: 2e6}
    with pytest.warns(UnknownCodesWarning) as caught:
        found = warn_unknown_codes(_table(), scheme)
    assert found == {7: 2.5e4, 255: 2e6}
    message = str(caught[0].message)
    assert "7 (0.025 km²)" in message and "255 (2 km²)" in message and "worldcover" in message


def test_no_warning_when_all_codes_known(recwarn: pytest.WarningsRecorder) -> None:
    zone = ZoneClassAreas("1", {10: 1.0, 80: 2.0}, 3.0, 3.0, 3.0)
    table = ClassAreaTable((zone,), "EPSG:4549", "x.tif", (10.0, 10.0), False)
    assert warn_unknown_codes(table, load_scheme("worldcover")) == {}
    assert not [w for w in recwarn if issubclass(w.category, UnknownCodesWarning)]
