"""``geoplan history``'s outputs: a terminal table of each unit's values year by year with its line, trend
and 预警, and the records as CSV or JSON.

The table has one row per unit, indicator and series: the value of every vintage year, where the line
from the baseline says it should be in the latest year (``line``), the status then, each target, the
year the trend reaches it (``reaches``: ``never`` when the trend moves away from it, ``–`` with one
vintage) and 预警 where the trend misses a target year. Below it, the vintages each year's figures used.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from wuxi_atlas.analysis.history import History, HistoryRecord, Outlook, TargetOutlook, Vintage
from wuxi_atlas.analysis.text_table import format_table

__all__ = ["WARNING_LABEL", "history_table", "history_to_csv", "history_to_json", "reaches_text"]

#: How 预警 is shown in the terminal table and the CSV.
WARNING_LABEL = "预警 warning"
_SERIES = {"raster": "raster", "land_survey": "DLTB", "": ""}
CSV_COLUMNS: tuple[str, ...] = (
    "year",
    "adcode",
    "district",
    "indicator",
    "series",
    "value",
    "unit",
    "status",
    "expected",
    "target",
    "target_year",
    "projected_year",
    "warning",
    "layers",
    "synthetic",
    "method",
    "reason",
)


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def reaches_text(target: TargetOutlook) -> str:
    """The year the trend reaches a target: ``2024.6``, ``after 2100``, ``never``, ``met`` (the latest
    value meets it), or ``–`` without a trend."""
    if target.met:
        return "met"
    if target.warning is None:
        return "–"
    if target.projected_year is None:
        return "never"
    return "after 2100" if target.projected_year > 2100 else f"{target.projected_year:.1f}"


def _warning_text(outlook: Outlook) -> str:
    return {True: WARNING_LABEL, False: "on time", None: "–"}[outlook.warning]


def _latest_status(history: History, outlook: Outlook) -> str:
    year = outlook.years[-1]
    for record in history.records:
        if (record.indicator, record.adcode, record.series, record.year) == (
            outlook.indicator,
            outlook.adcode,
            outlook.series,
            year,
        ):
            return record.status
    return "–"


def _used(history: History) -> list[str]:
    """One line per year and series: the vintage of each layer its figures read."""
    lines: dict[tuple[int, str], dict[str, str]] = {}
    for record in history.records:
        uses = lines.setdefault((record.year, _SERIES[record.series]), {})
        for kind, use in record.layers.items():
            uses[kind] = use.text
    return [
        f"  {year}{' ' + series if series else ''}: " + "; ".join(f"{k} {t}" for k, t in sorted(uses.items()))
        for (year, series), uses in sorted(lines.items())
    ]


def _left_out(unknown: Sequence[Vintage]) -> list[str]:
    if not unknown:
        return []
    names = "; ".join(f"{v.kind} ({v.label})" for v in unknown)
    return [
        f"left out, their year is unknown: {names}. Give the year with 'geoplan layers add KIND FILE --year "
        "YYYY' (the file states none)"
    ]


def history_table(history: History) -> str:
    """The terminal table (see the module docstring), then the vintages used and those left out."""
    years = sorted({y for o in history.outlooks for y in o.years})
    rows = []
    for outlook in history.outlooks:
        values = dict(zip(outlook.years, outlook.values, strict=True))
        line = outlook.trajectory
        rows.append(
            [
                f"{outlook.indicator} ({outlook.unit})",
                outlook.district,
                _SERIES[outlook.series],
                *(_number(values.get(year), outlook.unit) for year in years),
                "–" if line is None else _number(line.expected(outlook.years[-1]), outlook.unit),
                _latest_status(history, outlook),
                "; ".join(f"{_number(t.value, outlook.unit)} ({t.year})" for t in outlook.targets) or "–",
                "; ".join(reaches_text(t) for t in outlook.targets) or "–",
                _warning_text(outlook),
            ]
        )
    headers = [
        "indicator",
        "unit",
        "series",
        *map(str, years),
        "line",
        "status",
        "target",
        "reaches",
        "预警",
    ]
    right = tuple(range(3, 4 + len(years)))
    parts = [format_table(headers, rows, right_align=right) if rows else "no indicator has a vintage"]
    used = _used(history)
    if used:
        parts.append("vintages used (a later or earlier one where a layer has none of that year):")
        parts += used
    parts += _left_out(history.unknown)
    return "\n".join(parts)


def _layers_text(record: HistoryRecord) -> str:
    return "; ".join(f"{kind}: {use.text}" for kind, use in record.layers.items())


def history_to_csv(history: History, *, bom: bool = False) -> str:
    """One row per record (:data:`CSV_COLUMNS`), its unit's projection and 预警 repeated on each row."""
    by_key = {(o.indicator, o.adcode, o.series): o for o in history.outlooks}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in history.records:
        outlook = by_key.get((record.indicator, record.adcode, record.series))
        primary = outlook.targets[0] if outlook is not None and outlook.targets else None
        warning = None if outlook is None else outlook.warning
        writer.writerow(
            [
                record.year,
                record.adcode,
                record.district,
                record.indicator,
                record.series,
                "" if record.value is None else repr(record.value),
                record.unit,
                record.status,
                "" if record.expected is None else repr(record.expected),
                "" if record.result.target is None else record.result.target,
                record.result.target_year or "",
                "" if primary is None or primary.projected_year is None else round(primary.projected_year, 2),
                "" if warning is None else str(warning).lower(),
                _layers_text(record),
                str(record.result.synthetic).lower(),
                record.result.method,
                record.result.reason or "",
            ]
        )
    return ("\ufeff" if bom else "") + buffer.getvalue()


def history_to_json(history: History, *, indent: int | None = 2) -> str:
    """``{"records": [...], "outlooks": [...], "left_out": [...]}``."""
    document = {
        "records": [record.to_record() for record in history.records],
        "outlooks": [outlook.to_record() for outlook in history.outlooks],
        "left_out": [{"kind": v.kind, "label": v.label} for v in history.unknown],
    }
    return json.dumps(document, ensure_ascii=False, indent=indent, default=str)
