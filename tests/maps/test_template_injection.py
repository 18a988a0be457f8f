"""Text from files is data, never a template (issue #9): folium and branca render Jinja2, and branca
compiles every macro's output as a new template, so a station called ``{{ 6*7 }}`` used to show as 42.

Every text field of every vector kind, the file names (so the source labels), a user's land-cover scheme
labels, a user's district names and the map's title and banner carry the payloads of :data:`PAYLOADS`,
each tagged with where it was put (``stations.name|{{7*7}}|``). Each output must hold every shown value
verbatim once its own escaping is undone (JSON ``\\uXXXX``, HTML character references), must never hold
what Jinja2 would have made of it (``stations.name|49|``, ``PWNED_42``), and an HTML page must hold no
template syntax at all (``{{``, ``{%``, ``{#``).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from wuxi_atlas.analysis.board import board_rows
from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.export import layer_to_geojson, results_zip
from wuxi_atlas.analysis.paths import boundaries_path
from wuxi_atlas.analysis.results import IndicatorResult
from wuxi_atlas.analysis.schemes import schemes_dir
from wuxi_atlas.analysis.sources import RasterSource, VectorSource
from wuxi_atlas.layers.catalog import Role, User
from wuxi_atlas.layers.read import read_vector
from wuxi_atlas.layers.spec import get_spec
from wuxi_atlas.maps.atlas import OVERLAYS, AtlasData, MapView, build_atlas_map, map_html
from wuxi_atlas.maps.factsheet import fact_sheet_html

STEWARD = User("steward", Role.DATA_STEWARD)  # the catalog's changes take the acting user

#: Template payloads and what Jinja2 makes of each (None: nothing fixed; a page that compiled it shows a
#: :data:`RAN` marker, or refuses to render).
PAYLOADS: dict[str, str | None] = {
    "{{7*7}}": "49",
    "{{ 6*7 }}": "42",
    "{% for i in range(3) %}X{% endfor %}": "XXX",
    "{{ config }}": "",
    "{{ lipsum.__globals__.os.popen('echo PWNED_$((6*7))').read() }}": "PWNED_42\n",
    "{{ lipsum.__globals__.os.popen(dict(id=1)|first).read() }}": None,  # runs `id`: "uid=…"
    "{# c #}": "",
    "{%raw%}": None,
    "<script>alert(1)</script>": "<script>alert(1)</script>",
}
#: Every payload in one string, for the places that take one value.
COMBINED = " ".join(PAYLOADS)
#: What a shell command run by a payload leaves in an output.
RAN = ("PWNED_42", "uid=")
TEMPLATE_SYNTAX = re.compile(r"\{[{%#]")
VECTOR_KINDS = ("stations", "wetlands", "protected", "builtup", "buildings", "pv_sites")
#: The vector kinds' text fields the map shows (popup, tooltip), by kind.
SHOWN: dict[str, tuple[str, ...]] = {
    "stations": ("name", "type", "access", "operator"),
    "wetlands": ("name", "wetland_type"),
    "protected": ("name", "protection_type", "level"),
    "builtup": ("name",),
    "buildings": ("name", "building_type"),
    "pv_sites": ("name", "kind"),
}
LIANGXI = (120.30, 31.575)  # inside 梁溪区 (320213)
FOCUS = "320213"


def tagged(where: str, payload: str) -> str:
    """``payload`` marked with where it was put, so a value found in an output says where it came from."""
    return f"{where}|{payload}|"


def text_fields(kind: str) -> list[str]:
    """Every text field of ``kind``, from its spec (so a new field is covered without editing this)."""
    return [field.name for field in get_spec(kind).fields if field.dtype == "str"]


def file_safe(payload: str) -> str:
    """``payload`` as part of a file name (a slash is the one character a name cannot hold)."""
    return payload.replace("/", "∕")


def decoded(text: str) -> str:
    """``text`` with JSON/JavaScript ``\\uXXXX`` escapes and HTML character references undone."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return html.unescape(text)


def assert_never_evaluated(text: str, values: Mapping[str, str]) -> None:
    """No value of ``values`` (tagged text → its payload) appears as Jinja2 would have rendered it."""
    assert not [marker for marker in RAN if marker in text], "a payload ran a shell command"
    for value, payload in values.items():
        result = PAYLOADS[payload]
        where = value[: -len(payload) - 2]
        if result is not None and result != payload:
            assert tagged(where, result.strip()) not in text, f"{where} was rendered as a template"


def assert_inert_page(page: str, values: Mapping[str, str], shown: Sequence[str]) -> None:
    """An HTML page: no template syntax, no live markup from a file, every shown value verbatim."""
    assert TEMPLATE_SYNTAX.search(page) is None, TEMPLATE_SYNTAX.search(page)
    assert "<script>alert(1)</script>" not in page
    text = decoded(page)
    assert_never_evaluated(text, values)
    missing = [value for value in shown if value not in text]
    assert not missing, missing


# --- the files ----------------------------------------------------------------------------------------------


def _frames(payloads: Sequence[str]) -> dict[str, gpd.GeoDataFrame]:
    """One feature per payload and kind, inside 梁溪区, with every text field set to the tagged payload."""
    lon, lat = LIANGXI
    n = len(payloads)
    points = [shapely.Point(lon - 0.012 + 0.003 * i, lat + 0.004) for i in range(n)]
    geometry: dict[str, list[Any]] = {
        "stations": points,
        "pv_sites": [shapely.Point(p.x, p.y - 0.002) for p in points],
        "wetlands": [shapely.Point(p.x, p.y - 0.008).buffer(0.001) for p in points],
        "protected": [shapely.Point(p.x, p.y - 0.014).buffer(0.001) for p in points],
        "buildings": [shapely.box(p.x, p.y + 0.003, p.x + 0.0006, p.y + 0.0035) for p in points],
        "builtup": [shapely.Point(lon, lat).buffer(0.02 + 0.001 * i) for i in range(n)],
    }
    numbers: dict[str, dict[str, list[Any]]] = {
        "stations": {"piles": [4] * n},
        "buildings": {"roof_area_m2": [800.0] * n},
        "pv_sites": {"capacity_kw": [300.0] * n, "year": [2023] * n},
        "builtup": {"year": [2024] * n},
    }
    frames = {}
    for kind in VECTOR_KINDS:
        columns: dict[str, list[Any]] = {
            name: [tagged(f"{kind}.{name}.{i}", payload) for i, payload in enumerate(payloads)]
            for name in text_fields(kind)
        }
        columns.update(numbers.get(kind, {}))
        frames[kind] = gpd.GeoDataFrame(columns, geometry=geometry[kind], crs="EPSG:4326")
    return frames


def _values(payloads: Sequence[str], *, districts: bool = True) -> dict[str, str]:
    """Every tagged value the files of :func:`write_layers` hold, and its payload."""
    values = {
        tagged(f"{kind}.{name}.{i}", payload): payload
        for kind in VECTOR_KINDS
        for name in text_fields(kind)
        for i, payload in enumerate(payloads)
    }
    if districts:
        for adcode, payload in _district_payloads(payloads).items():
            for name in ("name_zh", "name_en", "official_area_source", "lake_note"):
                values[tagged(f"districts.{name}.{adcode}", payload)] = payload
    return values


def _shown(payloads: Sequence[str]) -> list[str]:
    return [
        tagged(f"{kind}.{name}.{i}", payload)
        for kind, names in SHOWN.items()
        for name in names
        for i, payload in enumerate(payloads)
    ]


def _district_payloads(payloads: Sequence[str]) -> dict[str, str]:
    adcodes = [str(f["properties"]["adcode"]) for f in _shipped_districts()["features"]]
    return {adcode: payloads[i % len(payloads)] for i, adcode in enumerate(adcodes)}


def _shipped_districts() -> dict[str, Any]:
    return json.loads(boundaries_path().read_text(encoding="utf-8"))


def _write_districts(folder: Path, payloads: Sequence[str]) -> Path:
    """The shipped boundaries with every name and note replaced by a tagged payload."""
    document = _shipped_districts()
    chosen = _district_payloads(payloads)
    for feature in document["features"]:
        properties = feature["properties"]
        adcode = str(properties["adcode"])
        for name in ("name_zh", "name_en", "official_area_source", "lake_note"):
            properties[name] = tagged(f"districts.{name}.{adcode}", chosen[adcode])
    path = folder / f"districts {file_safe(payloads[0])}.geojson"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _write_scheme(folder: Path, payload: str) -> Path:
    """The WorldCover scheme with every class label replaced by a tagged payload."""
    text = (schemes_dir() / "worldcover.toml").read_text(encoding="utf-8")
    text = re.sub(r'name = "worldcover"', 'name = "hostile"', text)
    text = re.sub(r'(\d+) = \{ role = "(\w+)", en = "[^"]*", zh = "[^"]*"',
                  lambda m: f'{m[1]} = {{ role = "{m[2]}", en = "{tagged("scheme.en." + m[1], payload)}", '
                  f'zh = "{tagged("scheme.zh." + m[1], payload)}"',
                  text)  # fmt: skip
    path = folder / f"scheme {file_safe(payload)}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _write_raster(folder: Path, payload: str) -> Path:
    path = folder / f"landcover {file_safe(payload)}.tif"
    codes = np.array([[10, 20, 30], [40, 50, 80], [90, 10, 10]], dtype=np.uint8)
    with rasterio.open(
        path, "w", driver="GTiff", width=3, height=3, count=1, dtype="uint8",
        crs="EPSG:4326", transform=from_origin(119.5, 32.1, 0.4, 0.35), nodata=0,
    ) as dataset:  # fmt: skip
        dataset.write(codes, 1)
    return path


def write_layers(folder: Path, payloads: Sequence[str]) -> dict[str, Path]:
    """A file per vector kind, named after the first payload: stations as a CSV with Chinese headers (the
    way they arrive from Amap exports), the others as GeoJSON; plus the districts."""
    folder.mkdir(parents=True, exist_ok=True)
    name = file_safe(payloads[0])
    paths: dict[str, Path] = {}
    for kind, frame in _frames(payloads).items():
        if kind == "stations":
            table = pd.DataFrame(
                {
                    "名称": frame["name"],
                    "经度": frame.geometry.x,
                    "纬度": frame.geometry.y,
                    "类型": frame["type"],
                    "充电桩数": frame["piles"],
                    "开放类型": frame["access"],
                    "运营商": frame["operator"],
                }
            )
            paths[kind] = folder / f"{kind} {name}.csv"
            table.to_csv(paths[kind], index=False, encoding="utf-8")
        else:
            paths[kind] = folder / f"{kind} {name}.geojson"
            paths[kind].write_text(frame.to_json(), encoding="utf-8")
    paths["districts"] = _write_districts(folder, payloads)
    return paths


@pytest.fixture(scope="module")
def all_payloads_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("payloads")
    write_layers(folder, list(PAYLOADS))
    return folder


def _paths(folder: Path) -> dict[str, Path]:
    paths = {}
    for path in folder.iterdir():
        kind = path.name.split(" ", 1)[0]
        if kind in (*VECTOR_KINDS, "districts"):
            paths[kind] = path
    return paths


# --- the files read as they are -----------------------------------------------------------------------------


def test_files_keep_every_payload_as_data(all_payloads_folder: Path) -> None:
    """The readers keep the payloads as they are, so the later tests see them at every sink."""
    paths = _paths(all_payloads_folder)
    for kind in VECTOR_KINDS:
        source = read_vector(kind, paths[kind])
        assert source.source == paths[kind].name  # the file name is the source label
        for name in text_fields(kind):
            assert list(source.frame[name]) == [
                tagged(f"{kind}.{name}.{i}", payload) for i, payload in enumerate(PAYLOADS)
            ]
    districts = load_boundaries(paths["districts"])
    assert districts["name_zh"].str.contains("|{{7*7}}|", regex=False).any()


# --- (b) the atlas map, built directly ----------------------------------------------------------------------


def _atlas(folder: Path, payload: str) -> tuple[AtlasData, dict[str, str]]:
    paths = write_layers(folder, [payload])
    raster = RasterSource(
        _write_raster(folder, payload),
        str(_write_scheme(folder, payload)),
        2024,
        tagged("landcover.source", payload),
        False,
    )
    vectors: dict[str, VectorSource | None] = {}
    for kind in VECTOR_KINDS:
        source = read_vector(kind, paths[kind])
        vectors[kind] = VectorSource(
            kind, source.frame, tagged(f"{kind}.source", payload), tagged(f"{kind}.vintage", payload), False,
            source.path, (tagged(f"{kind}.note", payload),),
        )  # fmt: skip
    values = _values([payload])
    for where in (
        "landcover.source",
        *(f"{k}.{w}" for k in VECTOR_KINDS for w in ("source", "vintage", "note")),
    ):
        values[tagged(where, payload)] = payload
    return AtlasData(load_boundaries(paths["districts"]), {2024: raster}, vectors), values


@pytest.mark.parametrize("payload", list(PAYLOADS))
def test_atlas_map_shows_file_text_verbatim(payload: str, tmp_path: Path) -> None:
    data, values = _atlas(tmp_path, payload)
    title, banner = tagged("title", payload), tagged("banner", payload)
    values.update({title: payload, banner: payload})
    for view in (MapView(layers=OVERLAYS, basemap="none", focus=FOCUS), MapView(layers=OVERLAYS, lang="en")):
        # The map speaks the view's language: its legend and district names are that language's.
        legend = [tagged(f"scheme.{view.lang}.{code}", payload) for code in (10, 80)]
        districts = [tagged(f"districts.name_{view.lang}.{FOCUS}", payload)]
        page = map_html(build_atlas_map(data, view), title=title, banner=banner)
        # Single roofs are drawn for one district only; the city view shows the PV grid instead.
        shown = [v for v in _shown([payload]) if view.focus or not v.startswith("buildings.")]
        assert_inert_page(page, values, [*shown, *legend, *districts, title, banner])
        if view.focus:
            cells = _compact_cells(page)
            assert {tagged(f"stations.{n}.0", payload) for n in SHOWN["stations"]} <= cells
            assert {tagged(f"wetlands.{n}.0", payload) for n in SHOWN["wetlands"]} <= cells
            assert {tagged(f"protected.{n}.0", payload) for n in SHOWN["protected"]} <= _geojson_cells(page)


def _json_after(page: str, marker: str) -> Iterator[Any]:
    """Every JSON value that follows ``marker`` in ``page``."""
    decoder = json.JSONDecoder()
    for match in re.finditer(re.escape(marker), page):
        yield decoder.raw_decode(page, match.end())[0]


def _compact_cells(page: str) -> set[str]:
    """The text each compact layer's popup or tooltip table shows, read from its JSON rows."""
    cells: set[str] = set()
    rows_of = list(_json_after(page, "var rows = "))
    lookups_of = list(_json_after(page, "lookups = "))
    labels_of = list(_json_after(page, "var labels = "))
    assert rows_of and len(rows_of) == len(lookups_of) == len(labels_of)
    for rows, lookups, labels in zip(rows_of, lookups_of, labels_of, strict=True):
        offset = len(rows[0]) - len(labels) if rows else 0
        for row in rows:
            for i, lookup in enumerate(lookups):
                value = row[offset + i]
                cells.add(html.unescape(lookup[value] if lookup is not None else value))
    return cells


def _geojson_cells(page: str) -> set[str]:
    """The property values of the page's GeoJSON layers, as their tooltips and popups show them."""
    cells: set[str] = set()
    for match in re.finditer(r"geo_json_[0-9a-f]+_add\(", page):
        collection = json.JSONDecoder().raw_decode(page, match.end())[0]
        for feature in collection.get("features", []):
            cells.update(
                html.unescape(v) for v in feature.get("properties", {}).values() if isinstance(v, str)
            )
    return cells


# --- (a) geoplan map, (d) geoplan export and indicators -----------------------------------------------------


def _invoke(*args: str) -> str:
    from click.testing import CliRunner

    from wuxi_atlas.cli import geoplan

    result = CliRunner().invoke(geoplan, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _layer_options(paths: Mapping[str, Path]) -> list[str]:
    return [item for kind, path in paths.items() for item in (f"--{kind.replace('_', '-')}", str(path))]


def test_cli_map_shows_file_text_verbatim(all_payloads_folder: Path, tmp_path: Path) -> None:
    paths = _paths(all_payloads_folder)
    overlays = [item for overlay in OVERLAYS for item in ("--overlay", overlay)]
    values = _values(list(PAYLOADS))
    for district in ([], ["--district", FOCUS]):
        page = tmp_path / f"map{len(district)}.html"
        _invoke("map", *overlays, *district, "--basemap", "none", *_layer_options(paths), "-o", str(page))
        text = page.read_text(encoding="utf-8")
        shown = [v for v in _shown(list(PAYLOADS)) if district or not v.startswith("buildings.")]
        names = [  # the city's own row is not drawn (its outline is the districts' union); the map is Chinese
            v for v in values if v.startswith("districts.name_zh.3202")
            and not v.startswith("districts.name_zh.320200")
        ]  # fmt: skip
        assert_inert_page(text, values, [*shown, *names])


@pytest.mark.parametrize("kind", VECTOR_KINDS)
def test_cli_export_keeps_file_text_as_data(kind: str, all_payloads_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / f"{kind}.geojson"
    _invoke("export", kind, "--from", str(_paths(all_payloads_folder)[kind]), "-o", str(out))
    collection = json.loads(out.read_text(encoding="utf-8"))
    for name in text_fields(kind):
        assert [f["properties"][name] for f in collection["features"]] == [
            tagged(f"{kind}.{name}.{i}", payload) for i, payload in enumerate(PAYLOADS)
        ]
    assert_never_evaluated(out.read_text(encoding="utf-8"), _values(list(PAYLOADS)))


def test_layer_to_geojson_keeps_file_text_as_data(all_payloads_folder: Path) -> None:
    paths = _paths(all_payloads_folder)
    boundaries = load_boundaries(paths["districts"])
    stations = read_vector("stations", paths["stations"])
    collection = json.loads(layer_to_geojson(stations, boundaries, FOCUS))
    assert {f["properties"]["name"] for f in collection["features"]} == {
        tagged(f"stations.name.{i}", payload) for i, payload in enumerate(PAYLOADS)
    }


@pytest.mark.parametrize("output_format", ["csv", "json", "geojson"])
def test_cli_indicators_keep_names_and_sources_as_data(
    output_format: str, all_payloads_folder: Path, tmp_path: Path
) -> None:
    paths = _paths(all_payloads_folder)
    out = tmp_path / f"indicators.{output_format}"
    _invoke("indicators", *_layer_options(paths), "-f", output_format, "-o", str(out))
    text = out.read_text(encoding="utf-8")
    assert_never_evaluated(text, _values(list(PAYLOADS)))
    if output_format == "csv":
        records = list(csv.DictReader(io.StringIO(text)))
    elif output_format == "json":
        records = json.loads(text)
    else:
        records = [f["properties"] for f in json.loads(text)["features"]]
    seen = {str(value) for record in records for value in record.values()}
    names = {v for v in _values(list(PAYLOADS)) if v.startswith("districts.name_zh.")}
    assert names & seen, "the district names come through as they are"
    if output_format != "geojson":  # the GeoJSON has the figures by district, not their sources
        assert any(paths["stations"].name in value for value in seen)  # the source label: the file name


def test_results_zip_keeps_text_as_data() -> None:
    result = IndicatorResult(
        indicator="charging_piles", adcode=FOCUS, district=COMBINED, value=4.0, unit="count", target=None,
        target_year=None, status="no_target", numerator=4.0, denominator=None, numerator_unit="piles",
        denominator_kind="", source=COMBINED, vintage=COMBINED, synthetic=False, method=COMBINED,
    )  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(results_zip([result], parameters={"note": COMBINED}))) as archive:
        record = json.loads(archive.read("indicators.json"))[0]
        assert record["district"] == record["source"] == COMBINED
        rows = list(csv.DictReader(io.StringIO(archive.read("indicators.csv").decode("utf-8-sig"))))
        assert rows[0]["district"] == rows[0]["source"] == COMBINED
        assert json.loads(archive.read("indicators.metadata.json"))["parameters"] == {"note": COMBINED}


# --- (c) the fact sheet -------------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", list(PAYLOADS))
def test_fact_sheet_shows_text_verbatim(payload: str) -> None:
    result = IndicatorResult(
        indicator="forest_coverage", adcode=FOCUS, district=payload, value=20.0, unit="%", target=27.8,
        target_year=2025, status="behind", numerator=20e6, denominator=100e6, numerator_unit="m2",
        denominator_kind="official", source=payload, vintage=payload, synthetic=True, method=payload,
        reason=tagged("reason", payload),
    )  # fmt: skip
    change = pd.DataFrame(
        {"class_label": [tagged("class", payload)], "gained_ha": [1.0], "lost_ha": [2.0], "net_ha": [-1.0]}
    )
    name = tagged("district", payload)
    page = fact_sheet_html(
        name, board_rows([result]), change=change, change_years=(2020, 2024), synthetic=True
    )
    values = {name: payload, tagged("class", payload): payload}
    assert_inert_page(page, values, [name, tagged("class", payload)])
    assert "<script" not in page


# --- (e) the app, with an upload staged on the Data page ----------------------------------------------------


def test_app_map_component_shows_uploaded_text_verbatim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stations staged on the Data page and wetlands from the catalog (imported from a file whose name is
    markdown and template syntax): the map component's script, header and HTML hold every shown value
    verbatim and nothing evaluated; the Methods page shows the file name as text, not as markdown."""
    from streamlit.testing.v1 import AppTest

    from wuxi_atlas.app import progressive
    from wuxi_atlas.layers.catalog import Catalog

    monkeypatch.setenv("GEOPLAN_CATALOG_DIR", str(tmp_path / "catalog"))
    files = write_layers(tmp_path / "files", list(PAYLOADS))
    hostile_file = files["wetlands"].with_name("wetlands [link](javascript:alert(1)) {{7*7}} **x**.geojson")
    files["wetlands"].rename(hostile_file)
    Catalog(tmp_path / "catalog").add("wetlands", hostile_file, user=STEWARD)
    app = str(Path(__file__).resolve().parents[2] / "geo_app.py")
    at = AppTest.from_file(app, default_timeout=180)
    at.query_params["page"] = "data"
    at.run()
    at.selectbox(key="upload_kind").set_value("stations").run()
    content = files["stations"].read_bytes()
    at.file_uploader(key="upload_stations").set_value((f"{COMBINED}.csv", content, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert set(at.session_state["_staged_layers"]) == {"stations"}
    at.sidebar.radio(key="page__zh").set_value("map").run()
    at.sidebar.multiselect(key="layers__zh").set_value(list(OVERLAYS)).run()
    progressive.settle()  # the overlays are drawn in the background, then the page reruns
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    components = [c for c in at.get("component_instance") if c.proto.component_name.endswith("st_folium")]
    assert components
    arguments = json.loads(components[0].proto.json_args)
    # The mounted base (script, header, html) and the overlays run in it (feature_group, layer_control).
    parts = ("script", "header", "html", "feature_group", "layer_control")
    page = "\n".join(str(arguments[key]) for key in parts)
    kinds = ("stations.", "wetlands.")
    values = {v: p for v, p in _values(list(PAYLOADS), districts=False).items() if v.startswith(kinds)}
    assert_inert_page(page, values, [v for v in _shown(list(PAYLOADS)) if v.startswith(kinds)])

    at.sidebar.radio(key="page__zh").set_value("methods").run()
    assert not at.exception, [e.value for e in at.exception]
    lines = [m.value for m in at.markdown if m.value.startswith("- `wetlands`")]
    assert len(lines) == 1
    assert hostile_file.name not in lines[0]  # every markdown character is escaped …
    assert hostile_file.name in re.sub(r"\\(.)", r"\1", lines[0])  # … and shows as written
    texts = " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.text, *at.info, *at.warning])
    assert not [marker for marker in RAN if marker in texts]


# --- configuration that reaches the page --------------------------------------------------------------------


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if p.startswith("{")])
def test_tile_url_with_template_syntax_is_refused(payload: str) -> None:
    """``GEOPLAN_TILE_URL`` goes into the page as it is, so one holding template syntax is refused."""
    import folium

    from wuxi_atlas.analysis.errors import LayerError
    from wuxi_atlas.maps.basemap import add_basemap

    with pytest.raises(LayerError, match="is not a tile URL template"):
        add_basemap(
            folium.Map(tiles=None),
            "internal",
            tile_url=f"http://tiles.intranet/{{z}}/{{x}}/{{y}}.png?{payload}",
        )
    add_basemap(folium.Map(tiles=None), "internal", tile_url="http://tiles.intranet/{z}/{x}/{y}.png")
