"""The printable fact sheet: its map (drawn SVG of the district and its neighbours), progress chart,
sources, synthetic banner and city-wide note, with every file-derived name escaped; and the PDF of every
shipped district, printed by headless Chromium, opened with poppler (pdftotext, pdftoppm, pdffonts).

The fixture: three 1 km squares in a row (EPSG:4549) and a fourth far away; 滨湖 is the middle one, so its
map draws itself and its two neighbours, not the far one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from wuxi_atlas.analysis.results import IndicatorResult
from wuxi_atlas.maps.factsheet import district_fact_sheet
from wuxi_atlas.maps.factsheet_parts import district_map_svg

X0, Y0 = 500_000.0, 3_500_000.0
EVIL = "<b>{{ 6*7 }}</b>"


def _box(x1: float, x2: float) -> shapely.Polygon:
    return shapely.box(X0 + x1, Y0, X0 + x2, Y0 + 1000)


@pytest.fixture
def boundaries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "adcode": ["320200", "320205", "320211", "320213", "320282"],
            "name_zh": ["无锡市", "锡山区", "滨湖区", EVIL, "宜兴市"],
            "name_en": ["Wuxi", "Xishan", "Binhu", EVIL, "Yixing"],
        },
        geometry=[_box(0, 9000), _box(0, 1000), _box(1000, 2000), _box(2000, 3000), _box(8000, 9000)],
        crs="EPSG:4549",
    ).to_crs("EPSG:4326")


def _result(indicator: str, adcode: str, value: float, target: float | None, status: str) -> IndicatorResult:
    return IndicatorResult(
        indicator=indicator, adcode=adcode, district=adcode, value=value, unit="%" if indicator ==
        "forest_coverage" else "MW", target=target, target_year=2025 if target else None, status=status,  # type: ignore[arg-type]
        numerator=value * 1e4, denominator=1e6, numerator_unit="m2", denominator_kind="official",
        source=f"forest.tif {EVIL}", vintage="2024", synthetic=True, method="m",
    )  # fmt: skip


@pytest.fixture
def results() -> list[IndicatorResult]:
    forest = [
        _result("forest_coverage", code, value, 30.0, "behind")
        for code, value in (
            ("320200", 20.0),
            ("320205", 10.0),
            ("320211", 20.0),
            ("320213", 30.0),
            ("320282", 5.0),
        )
    ]
    pv = [_result("pv_installed_capacity", "320200", 900.0, 1000.0, "behind")]
    pv.append(_result("pv_installed_capacity", "320211", 50.0, None, "no_target"))
    return forest + pv


def test_map_draws_the_district_and_its_neighbours_only(boundaries: gpd.GeoDataFrame) -> None:
    values = {"320205": 10.0, "320211": 20.0, "320213": None, "320282": 5.0}
    svg = district_map_svg(boundaries, "320211", values, indicator="forest_coverage", unit="%")
    shapes = re.findall(r"<path d='M[^']*' fill='(#[0-9a-f]{6})'", svg)
    assert len(shapes) == 3  # 锡山, 滨湖, the evil name; not 宜兴 (7 km away)
    assert "#e0e0e0" in shapes and "宜兴市" not in svg  # no value: grey
    assert "20.00%" in svg and "&lt;b&gt;&#123;&#123; 6*7 &#125;&#125;&lt;/b&gt;" in svg and EVIL not in svg
    assert "stroke-width='2.4'" in svg  # the district itself is outlined
    # scale bar true to EPSG:4549: 3 km shown in 616 px, a quarter rounded down to 500 m = 102.7 px
    assert "h102.7'" in svg and "0.5 km" in svg


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_fact_sheet_has_map_chart_sources_banner_and_city_wide_note(
    boundaries: gpd.GeoDataFrame, results: list[IndicatorResult], lang: str
) -> None:
    page = district_fact_sheet(results, boundaries, "320211", lang=lang)
    assert "<svg" in page and "class='district-map'" in page and "class='progress-chart'" in page
    assert "67% ·" in page  # 20 of 30: the progress bar's label
    assert ("数据来源与年份" if lang == "zh" else "Data sources and vintages") in page
    assert "forest.tif &lt;b&gt;&#123;&#123;" in page and EVIL not in page
    assert "class='banner'" in page
    note = "目标是全市目标" if lang == "zh" else "are city-wide"
    assert note in page and ("光伏装机容量" if lang == "zh" else "PV") in page
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")


def _tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is missing: install it with `apt-get install poppler-utils`"
    return found


@pytest.mark.browser
def test_pdf_of_every_district_opens_with_its_name_and_table(tmp_path: Path) -> None:
    from wuxi_atlas.analysis.indicators import compute_indicators
    from wuxi_atlas.analysis.targets import load_targets
    from wuxi_atlas.layers.inputs import load_indicator_inputs
    from wuxi_atlas.maps.pdf import html_to_pdf

    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert "WenQuanYi Micro Hei" in listed, "install a TrueType CJK font: apt-get install fonts-wqy-microhei"
    inputs = load_indicator_inputs()
    results = compute_indicators(inputs, load_targets())
    for row in inputs.boundaries.itertuples(index=False):
        pdf = tmp_path / f"{row.adcode}.pdf"
        pdf.write_bytes(html_to_pdf(district_fact_sheet(results, inputs.boundaries, str(row.adcode))))
        text = subprocess.run([_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True)
        assert row.name_zh in text.stdout and "林木覆盖率" in text.stdout and "指标与差距" in text.stdout
        subprocess.run(
            [_tool("pdftoppm"), "-r", "20", "-png", str(pdf), str(tmp_path / row.adcode)], check=True
        )
        assert len(list(tmp_path.glob(f"{row.adcode}-*.png"))) >= 1
    fonts = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    embedded = [line.split()[-5] for line in fonts.splitlines()[2:]]
    assert embedded and set(embedded) == {"yes"}  # every font, the CJK glyphs included, is in the file
    # Real fonts, not glyph drawings: the CJK text is a subset of a TrueType font (CID), no Type 3 left.
    kinds = re.findall(r"\b(CID TrueType|CID Type 0C|Type 3|TrueType|Type 1C)\b", fonts)
    assert "CID TrueType" in kinds and "Type 3" not in kinds, fonts
    assert "WenQuanYiMicroHei" in fonts or "MicrosoftYaHei" in fonts, fonts
