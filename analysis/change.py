"""Land-cover change between two years: area gained and lost per class per district.

Gross gains and losses need the pixel-by-pixel transition, not just the two years' totals: a district can
gain 300 ha of tree in one place and lose 280 ha in another. The two rasters must share a grid; their
codes are combined into one transition code per pixel (``from × 256 + to``) in a temporary tiled
GeoTIFF, block by block, and the exact zonal engine then measures each transition per district.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import rasterio

from wuxi_atlas.analysis.errors import DataFileError, LayerReadError
from wuxi_atlas.analysis.results import CITY_ADCODE
from wuxi_atlas.analysis.schemes import load_scheme
from wuxi_atlas.analysis.study_area import StudyArea
from wuxi_atlas.analysis.zonal import Progress, zonal_class_areas

if TYPE_CHECKING:
    from wuxi_atlas.analysis.sources import RasterSource

__all__ = ["LandCoverChange", "landcover_change"]

_CODE_BASE = 256


@dataclass(frozen=True)
class LandCoverChange:
    """Per unit and class: area in each year, gross gain, gross loss and net change, in hectares."""

    year_from: int | None
    year_to: int | None
    scheme: str
    synthetic: bool
    table: pd.DataFrame  # adcode, district, class_code, class_label, area_from_ha, area_to_ha, gained_ha,
    # lost_ha, net_ha
    transitions: pd.DataFrame  # adcode, from_code, to_code, area_ha (changed pixels only)

    def for_unit(self, adcode: str) -> pd.DataFrame:
        return self.table[self.table["adcode"] == adcode].reset_index(drop=True)


def _read(src: rasterio.DatasetReader, window: Any) -> np.ndarray:
    """Band 1 of one window; a block GDAL cannot decode is an error naming the file."""
    from rasterio.errors import RasterioError

    try:
        return np.asarray(src.read(1, window=window))
    except RasterioError as exc:
        reason = str(exc.__cause__ if exc.__cause__ is not None else exc)
        raise LayerReadError(
            f"{src.name}: cannot read the pixels at rows {int(window.row_off):,}–"
            f"{int(window.row_off + window.height):,} ({reason}); the file is truncated or damaged"
        ) from exc


def _write_transition_raster(before: Path, after: Path, out_path: Path) -> None:
    with rasterio.open(before) as src_a, rasterio.open(after) as src_b:
        if (src_a.crs, src_a.transform, src_a.shape) != (src_b.crs, src_b.transform, src_b.shape):
            raise DataFileError(
                f"land-cover rasters {before.name} ({src_a.crs}, {src_a.shape[1]}×{src_a.shape[0]} px) and "
                f"{after.name} ({src_b.crs}, {src_b.shape[1]}×{src_b.shape[0]} px) are not on the same grid; "
                "resample one onto the other's grid (e.g. gdalwarp -tap -tr) before comparing years"
            )
        nodata_a, nodata_b = src_a.nodata, src_b.nodata
        profile = {
            "driver": "GTiff",
            "dtype": "uint16",
            "count": 1,
            "width": src_a.width,
            "height": src_a.height,
            "crs": src_a.crs,
            "transform": src_a.transform,
            "nodata": _CODE_BASE * _CODE_BASE - 1,
            "tiled": True,
            "blockxsize": 512,
            "blockysize": 512,
        }
        with rasterio.open(out_path, "w", **profile) as dst:
            for _, window in dst.block_windows(1):
                a = _read(src_a, window).astype(np.uint16)
                b = _read(src_b, window).astype(np.uint16)
                combined = a * _CODE_BASE + b
                invalid = np.zeros(a.shape, dtype=bool)
                if nodata_a is not None:
                    invalid |= a == nodata_a
                if nodata_b is not None:
                    invalid |= b == nodata_b
                combined[invalid] = profile["nodata"]
                dst.write(combined, 1, window=window)


def landcover_change(
    before: RasterSource,
    after: RasterSource,
    study_area: StudyArea,
    *,
    progress: Progress | None = None,
) -> LandCoverChange:
    """Gross gain, loss and net change per class for the city and each district, in hectares."""
    if before.scheme != after.scheme:
        raise DataFileError(
            f"cannot compare {before.path.name} ({before.scheme}) with {after.path.name} ({after.scheme}): "
            "both years must use the same land-cover scheme"
        )
    scheme = load_scheme(before.scheme)
    with tempfile.TemporaryDirectory(prefix="geoplan-change-") as workdir:
        transition_path = Path(workdir) / "transitions.tif"
        _write_transition_raster(before.path, after.path, transition_path)
        table = zonal_class_areas(transition_path, study_area.districts, "adcode", progress=progress)
    records = [
        (zone.zone_id, code // _CODE_BASE, code % _CODE_BASE, area / 1e4)
        for zone in table.zones
        for code, area in zone.class_area_m2.items()
    ]
    transitions = pd.DataFrame(records, columns=["adcode", "from_code", "to_code", "area_ha"])
    city = transitions.groupby(["from_code", "to_code"], as_index=False)["area_ha"].sum()
    city.insert(0, "adcode", CITY_ADCODE)
    transitions = pd.concat([pd.DataFrame(city), transitions], ignore_index=True)

    rows = []
    for adcode, unit_transitions in transitions.groupby("adcode", sort=False):
        changed = unit_transitions[unit_transitions["from_code"] != unit_transitions["to_code"]]
        codes = sorted(set(unit_transitions["from_code"]) | set(unit_transitions["to_code"]))
        for code in codes:
            area_from = unit_transitions.loc[unit_transitions["from_code"] == code, "area_ha"].sum()
            area_to = unit_transitions.loc[unit_transitions["to_code"] == code, "area_ha"].sum()
            rows.append(
                {
                    "adcode": adcode,
                    "district": study_area.name_zh(str(adcode)),
                    "class_code": int(code),
                    "class_label": scheme.label(int(code)),
                    "area_from_ha": float(area_from),
                    "area_to_ha": float(area_to),
                    "gained_ha": float(changed.loc[changed["to_code"] == code, "area_ha"].sum()),
                    "lost_ha": float(changed.loc[changed["from_code"] == code, "area_ha"].sum()),
                    "net_ha": float(area_to - area_from),
                }
            )
    return LandCoverChange(
        year_from=before.year,
        year_to=after.year,
        scheme=scheme.name,
        synthetic=before.synthetic or after.synthetic,
        table=pd.DataFrame(rows),
        transitions=transitions[transitions["from_code"] != transitions["to_code"]].reset_index(drop=True),
    )
