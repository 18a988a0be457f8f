"""Indicator results as tables, CSV, JSON and GeoJSON, with a metadata sidecar.

Every export says whether synthetic data went into it: the ``synthetic`` column is in every record, and
the metadata sidecar repeats it next to the sources, vintages, methods and parameters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wuxi_atlas.analysis.results import IndicatorResult
from wuxi_atlas.analysis.text_table import format_table

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "RECORD_COLUMNS",
    "UTF8_BOM",
    "format_results_table",
    "results_metadata",
    "results_to_csv",
    "results_to_frame",
    "results_to_geojson",
    "results_to_json",
]

#: Opens a CSV meant for Excel: without it, Excel on Chinese Windows reads UTF-8 as GBK and garbles the names.
UTF8_BOM = "\ufeff"

# The keys every JSON record has, in this order; ``extra`` follows as a nested object.
RECORD_COLUMNS: tuple[str, ...] = (
    "indicator",
    "adcode",
    "district",
    "value",
    "unit",
    "target",
    "target_year",
    "status",
    "numerator",
    "denominator",
    "numerator_unit",
    "denominator_kind",
    "source",
    "vintage",
    "synthetic",
    "method",
    "target_id",
    "reason",
    "valid_share",
)


def _record(result: IndicatorResult) -> dict[str, Any]:
    record = result.to_record()
    ordered = {key: record[key] for key in RECORD_COLUMNS}
    ordered["extra"] = record["extra"]
    return ordered


def results_to_frame(results: Sequence[IndicatorResult], *, flatten_extra: bool = False) -> pd.DataFrame:
    """One row per result. With ``flatten_extra``, scalar ``extra`` items become ``extra.NAME`` columns."""
    import pandas as pd

    frame = pd.DataFrame([_record(r) for r in results], columns=[*RECORD_COLUMNS, "extra"])
    if not flatten_extra:
        return frame
    scalars = [
        {f"extra.{k}": v for k, v in extra.items() if isinstance(v, str | int | float | bool) or v is None}
        for extra in frame["extra"]
    ]
    return pd.concat([frame.drop(columns="extra"), pd.DataFrame(scalars, index=frame.index)], axis=1)


def results_to_json(results: Sequence[IndicatorResult], *, indent: int | None = 2) -> str:
    """A JSON list of records with the keys of :data:`RECORD_COLUMNS` plus ``extra``."""
    return json.dumps([_record(r) for r in results], ensure_ascii=False, indent=indent, default=str)


def results_to_csv(results: Sequence[IndicatorResult], *, bom: bool = False) -> str:
    """CSV with one row per result; scalar ``extra`` items become ``extra.NAME`` columns. With ``bom``, the
    text starts with :data:`UTF8_BOM` (files and downloads, which Excel opens; not a pipe)."""
    text = results_to_frame(results, flatten_extra=True).to_csv(index=False, lineterminator="\n")
    return UTF8_BOM + text if bom else text


def results_to_geojson(results: Sequence[IndicatorResult], boundaries: gpd.GeoDataFrame) -> str:
    """An RFC 7946 FeatureCollection: one feature per unit, ``<indicator>`` and ``<indicator>_status``
    properties (with ``_<target_year>`` appended when an indicator has several target years), and
    ``<indicator>_valid_share`` (0–1) for a rate read from a raster."""
    import geopandas as gpd
    import pandas as pd

    wide: dict[str, dict[str, Any]] = {}
    for result in results:
        props = wide.setdefault(result.adcode, {"adcode": result.adcode, "district": result.district})
        key = result.indicator
        if key in props:
            key = f"{result.indicator}_{result.target_year}"
        props[key] = result.value
        props[f"{key}_status"] = result.status
        if result.valid_share is not None:
            props[f"{key}_valid_share"] = result.valid_share
        props["synthetic"] = bool(props.get("synthetic")) or result.synthetic
    frame = boundaries[["adcode", "name_en", "geometry"]].copy()
    frame["adcode"] = frame["adcode"].astype(str)
    frame = frame[frame["adcode"].isin(wide)].to_crs("EPSG:4326")
    properties = pd.DataFrame([wide[code] for code in frame["adcode"]], index=frame.index).drop(
        columns="adcode"
    )
    joined = gpd.GeoDataFrame(pd.concat([frame, properties], axis=1), geometry="geometry", crs="EPSG:4326")
    return joined.to_json(drop_id=True, to_wgs84=True, ensure_ascii=False)


def results_metadata(
    results: Sequence[IndicatorResult],
    *,
    parameters: Mapping[str, Any] | None = None,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """The sidecar for an export: sources, vintages, methods, parameters, the synthetic flag, the time."""
    by_indicator: dict[str, dict[str, Any]] = {}
    for result in results:
        if result.status == "not_computable":
            entry = by_indicator.setdefault(result.indicator, {"not_computable": {}})
            entry.setdefault("not_computable", {})[result.adcode] = result.reason
            continue
        if result.status == "insufficient_data":
            # Measured, but on too little of the unit to judge: the share of it with valid data.
            entry = by_indicator.setdefault(result.indicator, {})
            entry.setdefault("insufficient_data", {})[result.adcode] = result.valid_share
            for key, value in (("method", result.method), ("source", result.source)):
                entry.setdefault(key, value)
            continue
        entry = by_indicator.setdefault(result.indicator, {})
        entry.update(
            {
                "method": result.method,
                "unit": result.unit,
                "denominator_kind": result.denominator_kind,
                "source": result.source,
                "vintage": result.vintage,
                "synthetic": result.synthetic,
            }
        )
    synthetic = any(r.synthetic for r in results)
    return {
        "generator": "wuxi-carbon-peak-atlas (geoplan)",
        "generated_at": (generated_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "synthetic": synthetic,
        "synthetic_notice": (
            "Contains SYNTHETIC demo data generated by demo.generate; not real measurements."
            if synthetic
            else None
        ),
        "crs_for_areas": (
            "EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E), or the ellipsoid for geographic rasters"
        ),
        "parameters": dict(parameters or {}),
        "indicators": by_indicator,
    }


def _format_number(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.2f}%"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f} {unit}"


def format_results_table(results: Sequence[IndicatorResult]) -> str:
    """A terminal table: indicator, unit, value, target, status, denominator (or the reason)."""
    rows = [
        (
            r.indicator,
            r.adcode,
            r.district,
            _format_number(r.value, r.unit),
            "" if r.target is None else f"{_format_number(r.target, r.unit)} ({r.target_year})",
            r.status,
            r.reason if r.status in ("not_computable", "insufficient_data") else r.denominator_kind,
        )
        for r in results
    ]
    table = format_table(
        ("indicator", "adcode", "district", "value", "target", "status", "denominator / reason"),
        rows,
        right_align=(3, 4),
    )
    if any(r.synthetic for r in results):
        table += "\n\n[SYNTHETIC] demo data: figures illustrate the method, they are not measurements."
    return table
