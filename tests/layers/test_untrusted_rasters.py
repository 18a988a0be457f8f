"""Land-cover rasters that lie: ``check`` refuses what the indicators would later fail on.

A raster is judged from its header first (a CRS that places it on the ground, blocks of a sane size,
a footprint that overlaps Wuxi, a ``SCHEME`` tag that names a known scheme), then every block is decoded
once, block by block, for its class codes. Nothing large is written: the files only claim to be large.
"""

from __future__ import annotations

import builtins
import io
import pathlib
import resource
import struct
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import rasterio.shutil
import shapely
from rasterio.crs import CRS
from rasterio.transform import from_origin

from wuxi_atlas.analysis.errors import LayerError, LayerReadError, SchemeError
from wuxi_atlas.analysis.schemes import BUILTIN_SCHEMES, load_scheme, schemes_dir
from wuxi_atlas.analysis.zonal import zonal_class_areas
from wuxi_atlas.layers.catalog import check_layer
from wuxi_atlas.layers.formats import read_landcover
from wuxi_atlas.layers.uploads import UploadOptions, stage_upload

# Inside 梁溪/新吴, in EPSG:4549.
X0, Y0 = 528_000, 3_494_000
WORLDCOVER = np.array([10, 20, 30, 40, 50, 80], dtype=np.uint8)


def _raster(
    folder: Path,
    name: str = "landcover.tif",
    data: np.ndarray | None = None,
    tags: dict[str, str] | None = None,
    **profile: Any,
) -> Path:
    """A 16×16 raster of WorldCover codes in EPSG:4549 inside Wuxi; ``profile`` overrides."""
    values = np.resize(WORLDCOVER, (16, 16)) if data is None else data
    options: dict[str, Any] = {
        "driver": "GTiff",
        "width": values.shape[1],
        "height": values.shape[0],
        "count": 1,
        "dtype": values.dtype.name,
        "crs": "EPSG:4549",
        "transform": from_origin(X0, Y0, 30, 30),
    }
    options.update(profile)
    path = folder / name
    with rasterio.open(path, "w", **options) as dataset:
        dataset.write(values, 1)
        if tags:
            dataset.update_tags(**tags)
    return path


def _cog(folder: Path, name: str = "cog.tif") -> Path:
    """A 1024×1024 Cloud-Optimized GeoTIFF of random WorldCover codes (256 px tiles, overviews)."""
    data = np.random.default_rng(9).choice(WORLDCOVER, (1024, 1024))
    plain = _raster(folder, "plain.tif", data)
    path = folder / name
    with rasterio.open(plain) as source:
        rasterio.shutil.copy(
            source, path, driver="COG", compress="DEFLATE", blocksize=256, overview_resampling="nearest"
        )
    return path


def _truncated(path: Path, keep: float) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------- scheme tags and files


class _OpenSpy:
    """Every path opened through open(), Path.open() or tomllib.load() while active; devices never open."""

    def __init__(self) -> None:
        self.active = False
        self.paths: list[str] = []

    def seen(self, target: object) -> None:
        if not self.active:
            return
        text = str(getattr(target, "name", target))
        self.paths.append(text)
        if text.startswith("/dev/") or text == "/etc/passwd":
            raise AssertionError(f"{text} was opened")

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and args and isinstance(args[0], str | Path):
            self.seen(args[0])

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def spied(target: Any, *args: Any, **kwargs: Any) -> Any:
            self.seen(target)
            return function(target, *args, **kwargs)

        return spied


_SPY = _OpenSpy()
sys.addaudithook(_SPY.audit)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[_OpenSpy]:
    monkeypatch.setattr(builtins, "open", _SPY.wrap(builtins.open))
    monkeypatch.setattr(io, "open", _SPY.wrap(io.open))
    monkeypatch.setattr(pathlib.Path, "open", _SPY.wrap(pathlib.Path.open))
    monkeypatch.setattr(tomllib, "load", _SPY.wrap(tomllib.load))
    _SPY.active, _SPY.paths = True, []
    try:
        yield _SPY
    finally:
        _SPY.active = False


@pytest.mark.parametrize(
    "tag",
    ["/etc/passwd", "/dev/zero", "../x.toml", "worldcover.toml", str(schemes_dir() / "worldcover.toml")],
)
def test_a_scheme_tag_must_name_a_known_scheme_and_no_file_is_opened(
    tag: str, tmp_path: Path, spy: _OpenSpy
) -> None:
    path = _raster(tmp_path, tags={"SCHEME": tag})
    before = _peak_rss_mb()
    report = check_layer("landcover", path)
    with pytest.raises(LayerError, match="SCHEME tag") as raised:
        read_landcover(path)
    spy.active = False
    assert not report.usable and report.error is not None
    assert "SCHEME tag" in report.error and all(name in report.error for name in BUILTIN_SCHEMES)
    assert "--scheme" in str(raised.value)
    assert not any(
        opened in ("/dev/zero", "/etc/passwd") or opened.endswith("x.toml") for opened in spy.paths
    )
    assert _peak_rss_mb() - before < 200


def test_a_scheme_tag_names_a_scheme_in_any_case(tmp_path: Path) -> None:
    assert read_landcover(_raster(tmp_path, tags={"SCHEME": " WorldCover "})).scheme == "worldcover"


def test_a_scheme_given_by_the_caller_wins_over_the_tag(tmp_path: Path) -> None:
    path = _raster(tmp_path, tags={"SCHEME": "/dev/zero"})
    assert read_landcover(path, scheme="worldcover").scheme == "worldcover"


def test_load_scheme_opens_only_small_regular_files(tmp_path: Path, spy: _OpenSpy) -> None:
    with pytest.raises(SchemeError, match="not a regular file"):
        load_scheme("/dev/zero")
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (2 << 20))
    with pytest.raises(SchemeError, match="too large"):
        load_scheme(big)
    assert "/dev/zero" not in spy.paths


def test_a_scheme_file_from_the_command_line_is_used_downstream(tmp_path: Path) -> None:
    from wuxi_atlas.analysis.boundaries import load_boundaries
    from wuxi_atlas.analysis.forest import forest_coverage
    from wuxi_atlas.analysis.study_area import StudyArea

    scheme_file = tmp_path / "mine.toml"
    scheme_file.write_text(
        'name = "mine"\nsource = "survey"\n[classes]\n'
        + "".join(
            f'{code} = {{ role = "{role}", en = "{role}", zh = "{role}", color = "#00aa00" }}\n'
            for code, role in zip(
                WORLDCOVER.tolist(), ["tree", "shrub", "grass", "crop", "built_up", "water"], strict=True
            )
        ),
        encoding="utf-8",
    )
    source = read_landcover(_raster(tmp_path), scheme=str(scheme_file))
    assert load_scheme(source.scheme).name == "mine"
    # The raster is a speck of the city: judge it whatever its share, to see the scheme's roles counted.
    city = forest_coverage(source, StudyArea.from_boundaries(load_boundaries()), min_valid_share=0.0)[0]
    assert city.extra["woody_area_ha"] * 1e4 == pytest.approx(16 * 16 * 900 * 2 / 6, rel=0.01)


def test_an_upload_takes_only_a_scheme_name(tmp_path: Path) -> None:
    content = _raster(tmp_path).read_bytes()
    with pytest.raises(LayerError, match="known scheme"):
        stage_upload(
            "landcover",
            "lc.tif",
            content,
            UploadOptions(scheme="/etc/passwd"),
            folder=tmp_path / "uploads",
        )


# ------------------------------------------------------------------------------ every block decoded


def test_a_truncated_cog_is_refused_at_check_naming_the_file(tmp_path: Path) -> None:
    path = _truncated(_cog(tmp_path), 0.7)
    report = check_layer("landcover", path)
    assert not report.usable
    assert report.error is not None and "cog.tif" in report.error and "truncated" in report.error


def test_a_read_error_in_the_indicators_names_the_file(tmp_path: Path) -> None:
    path = _truncated(_cog(tmp_path), 0.7)
    zones = gpd.GeoDataFrame(
        {"adcode": ["1"]}, geometry=[shapely.box(X0, Y0 - 30_720, X0 + 30_720, Y0)], crs="EPSG:4549"
    )
    with pytest.raises(LayerReadError, match=r"cog\.tif") as raised:
        zonal_class_areas(path, zones)
    assert "truncated" in str(raised.value)


def test_a_read_error_in_the_land_cover_change_names_the_file(tmp_path: Path) -> None:
    from wuxi_atlas.analysis.boundaries import load_boundaries
    from wuxi_atlas.analysis.change import landcover_change
    from wuxi_atlas.analysis.sources import RasterSource
    from wuxi_atlas.analysis.study_area import StudyArea

    intact = _cog(tmp_path, "cog_2020.tif")
    broken = _truncated(_cog(tmp_path, "cog_2024.tif"), 0.7)
    sources = [
        RasterSource(path=path, scheme="worldcover", year=year, source=path.name, synthetic=False)
        for path, year in ((intact, 2020), (broken, 2024))
    ]
    with pytest.raises(LayerReadError, match=r"cog_2024\.tif") as raised:
        landcover_change(*sources, StudyArea.from_boundaries(load_boundaries()))
    assert "truncated" in str(raised.value)


def test_an_intact_cog_passes(tmp_path: Path) -> None:
    assert check_layer("landcover", _cog(tmp_path)).usable


def test_fractional_class_codes_are_refused(tmp_path: Path) -> None:
    data = np.full((16, 16), 10.0, dtype="float32")
    data[3, 4] = 10.5
    report = check_layer("landcover", _raster(tmp_path, data=data))
    assert not report.usable and report.error is not None
    assert "whole-number class codes" in report.error and "10.5" in report.error


def test_whole_number_codes_in_a_float_raster_are_read(tmp_path: Path) -> None:
    data = np.resize(WORLDCOVER, (16, 16)).astype("float32")
    data[0, 0] = np.nan
    source = read_landcover(_raster(tmp_path, data=data))
    assert source.scheme == "worldcover"


@pytest.mark.parametrize(
    ("crs", "transform"),
    [
        ("EPSG:4549", from_origin(500_000, 4_500_000, 30, 30)),  # 40°N
        ("EPSG:4326", from_origin(100.0, 31.5, 0.001, 0.001)),  # Sichuan
        ("EPSG:4549", from_origin(500_000, 3_500_000, 30, 30)),  # 6 km west of the boundary
    ],
    ids=["far-north", "far-west", "just-outside"],
)
def test_a_raster_outside_wuxi_is_refused(crs: str, transform: Any, tmp_path: Path) -> None:
    report = check_layer("landcover", _raster(tmp_path, crs=crs, transform=transform))
    assert not report.usable and report.error is not None and "outside Wuxi" in report.error


def test_a_raster_partly_over_wuxi_passes(tmp_path: Path) -> None:
    # Straddles the city's northern edge on the Yangtze.
    report = check_layer(
        "landcover", _raster(tmp_path, crs="EPSG:4326", transform=from_origin(120.3, 32.1, 0.01, 0.01))
    )
    assert report.usable, report.error


@pytest.mark.parametrize(
    ("crs", "named"),
    [
        (
            CRS.from_wkt('LOCAL_CS["site grid",UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'),
            "site grid",
        ),
        (None, "no georeference"),
    ],
    ids=["local", "none"],
)
def test_a_raster_needs_a_crs_on_the_earth(crs: Any, named: str, tmp_path: Path) -> None:
    report = check_layer("landcover", _raster(tmp_path, crs=crs))
    assert not report.usable and report.error is not None and named in report.error


def _single_strip_claiming(folder: Path, side: int) -> Path:
    """A tiny DEFLATE single-strip uint16 TIFF whose header claims ``side × side`` pixels in one strip."""
    path = _raster(
        folder,
        "strip.tif",
        np.resize(WORLDCOVER.astype("uint16"), (16, 16)),
        compress="deflate",
        blockysize=16,
    )
    data = bytearray(path.read_bytes())
    assert data[:2] == b"II"
    offset = struct.unpack_from("<I", data, 4)[0]
    for index in range(struct.unpack_from("<H", data, offset)[0]):
        entry = offset + 2 + 12 * index
        tag = struct.unpack_from("<H", data, entry)[0]
        if tag in (256, 257, 278):  # ImageWidth, ImageLength, RowsPerStrip as one LONG
            struct.pack_into("<HHII", data, entry, tag, 4, 1, side)
    path.write_bytes(bytes(data))
    return path


def test_a_single_strip_that_decodes_to_gigabytes_is_refused_from_its_header(tmp_path: Path) -> None:
    path = _single_strip_claiming(tmp_path, 40_000)  # 1.6e9 pixels, under the pixel limit; 3.2 GB strip
    with rasterio.open(path) as dataset:
        assert dataset.block_shapes == [(40_000, 40_000)] and path.stat().st_size < 10_000
    before = _peak_rss_mb()
    report = check_layer("landcover", path)
    assert not report.usable and report.error is not None
    assert "GEOPLAN_MAX_BLOCK_MB" in report.error and "strip.tif" in report.error
    assert _peak_rss_mb() - before < 200


def test_the_block_limit_has_an_environment_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _raster(tmp_path)
    assert check_layer("landcover", path).usable
    monkeypatch.setenv("GEOPLAN_MAX_BLOCK_MB", "0.0001")
    report = check_layer("landcover", path)
    assert not report.usable and report.error is not None and "GEOPLAN_MAX_BLOCK_MB" in report.error
