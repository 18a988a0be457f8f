"""The target board: each unit × indicator with its status, its progress and its gap in physical units.

A rate short of its target is hard to act on ("27.6% against 27.8%"); the gap in the quantity a
department manages is not ("312 ha more tree cover"). For a rate, the gap is
``target% × denominator − numerator`` in hectares; for a capacity or a count it is the target minus the
value. Everything here is numbers and keys, no language: :mod:`maps.text` turns a row into text.

Statistical targets (``measure == "statistic"``: energy intensity, shares of renewables…) have no layer
to compute them from. Their figures can be given as a CSV of ``id,value[,year]`` and are judged with the
same rule as the spatial indicators (:func:`analysis.results.judge_status`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from wuxi_atlas.analysis.errors import DataFileError
from wuxi_atlas.analysis.results import CITY_ADCODE, IndicatorResult, Status, judge_status
from wuxi_atlas.analysis.targets import STATISTIC, Target

__all__ = [
    "GAP_UNITS",
    "STATUS_ORDER",
    "BoardRow",
    "StatisticFigure",
    "StatisticRow",
    "board_frame",
    "board_rows",
    "city_only_targets",
    "judge_statistics",
    "parse_statistic_figures",
    "statistic_rows",
]

#: The unit of the gap per indicator: hectares for area rates, MW, or a count of things.
GAP_UNITS: dict[str, str] = {
    "forest_coverage": "ha",
    "wetland_protection_rate": "ha",
    "builtup_green_coverage": "ha",
    "pv_installed_capacity": "MW",
    "charging_piles": "piles",
    "battery_swap_stations": "stations",
    "hydrogen_stations": "stations",
}
STATUS_ORDER: tuple[Status, ...] = (
    "met",
    "on_track",
    "behind",
    "no_target",
    "insufficient_data",
    "not_computable",
)

_RATE_INDICATORS = ("forest_coverage", "wetland_protection_rate", "builtup_green_coverage")
_MAX_CSV_BYTES = 1_000_000


@dataclass(frozen=True)
class BoardRow:
    """One unit × indicator (× target year) on the board.

    ``gap`` is what is still needed to reach the target, in ``gap_unit`` (``ha``, ``MW``, ``piles``,
    ``stations``); 0 when the target is met, None without a target or a value. ``progress`` is
    value / target (1.0 = reached), None without a target. ``valid_share`` is the share (0–1) of the
    unit's area with valid raster data (None for a figure not read from a raster), and
    ``min_valid_share`` the share an ``insufficient_data`` row fell short of.
    """

    indicator: str
    adcode: str
    district: str
    value: float | None
    unit: str
    target: float | None
    target_year: int | None
    status: Status
    gap: float | None
    gap_unit: str
    progress: float | None
    reason: str | None
    synthetic: bool
    is_city: bool
    valid_share: float | None = None
    min_valid_share: float | None = None


def _gap(result: IndicatorResult) -> float | None:
    if result.value is None or result.target is None or result.indicator not in GAP_UNITS:
        return None
    if result.status == "met":
        return 0.0
    if result.indicator in _RATE_INDICATORS:
        if result.numerator is None or result.denominator is None:
            return None
        # m² → ha; the numerator and denominator are the areas the rate was computed from.
        return max(result.target / 100.0 * result.denominator - result.numerator, 0.0) / 1e4
    return max(result.target - result.value, 0.0)


def _row(result: IndicatorResult) -> BoardRow:
    progress = None
    if result.value is not None and result.target:
        progress = result.value / result.target
    return BoardRow(
        indicator=result.indicator,
        adcode=result.adcode,
        district=result.district,
        value=result.value,
        unit=result.unit,
        target=result.target,
        target_year=result.target_year,
        status=result.status,
        gap=_gap(result),
        gap_unit=GAP_UNITS.get(result.indicator, ""),
        progress=progress,
        reason=result.reason,
        synthetic=result.synthetic,
        is_city=result.adcode == CITY_ADCODE,
        valid_share=result.valid_share,
        min_valid_share=result.extra.get("min_valid_share"),
    )


def board_rows(results: Sequence[IndicatorResult], *, adcode: str | None = None) -> list[BoardRow]:
    """Board rows for every result (or those of the unit ``adcode``), in the results' order."""
    return [_row(r) for r in results if adcode is None or r.adcode == str(adcode)]


def city_only_targets(results: Sequence[IndicatorResult]) -> frozenset[str]:
    """The indicators whose target is the city's alone: the city's row has a target, no district's does
    (the plan sets PV, charging, swap and hydrogen targets for Wuxi as a whole and does not apportion them).
    A district row of such an indicator says ``no_target`` because there is none to judge it by."""
    city = {r.indicator for r in results if r.adcode == CITY_ADCODE and r.target is not None}
    district = {r.indicator for r in results if r.adcode != CITY_ADCODE and r.target is not None}
    return frozenset(city - district)


def board_frame(results: Sequence[IndicatorResult], *, adcode: str | None = None) -> pd.DataFrame:
    """:func:`board_rows` as a frame, one column per :class:`BoardRow` field."""
    rows = board_rows(results, adcode=adcode)
    return pd.DataFrame([row.__dict__ for row in rows], columns=list(BoardRow.__dataclass_fields__))


# --- statistical targets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatisticFigure:
    """A reported figure for one statistical target: ``value`` in the target's unit, for ``year``."""

    target_id: str
    value: float
    year: int | None = None


@dataclass(frozen=True)
class StatisticRow:
    """A statistical target with its reported figure (if any) and the judged status."""

    target: Target
    value: float | None
    year: int | None
    status: Status | None  # None when no figure was given


def statistic_rows(targets: Sequence[Target], figures: Sequence[StatisticFigure] = ()) -> list[StatisticRow]:
    """Every statistical target, judged against its figure where one was given."""
    return judge_statistics([t for t in targets if t.measure == STATISTIC], figures)


#: Targets whose value is counted from the baseline year: the reduction, the rise or the number added so
#: far is 0 in that year, so the straight-line path runs from 0 to the target.
_COUNTED_FROM_BASELINE = ("reduction_pct", "increase_pct", "added")


def _path_start(target: Target) -> float | None:
    """Where the straight-line path to ``target`` starts, in the target's own terms: the baseline level of
    a level target, 0 for a change counted from the baseline year, None without a path (an average
    growth rate has no straight line to follow)."""
    if target.change == "level":
        return target.baseline_value
    if target.change in _COUNTED_FROM_BASELINE and target.baseline_year is not None:
        return 0.0
    return None


def judge_statistics(targets: Sequence[Target], figures: Sequence[StatisticFigure]) -> list[StatisticRow]:
    """Judge each target with its figure (the last one given for its id) by the plan's status rule.

    The figure is compared in the target's own terms: for a reduction target of 14% (``change =
    reduction_pct``) the figure is the reduction achieved so far, in percent.
    """
    by_id = {figure.target_id: figure for figure in figures}
    rows = []
    for target in targets:
        figure = by_id.get(target.id)
        if figure is None:
            rows.append(StatisticRow(target, None, None, None))
            continue
        status = judge_status(
            figure.value,
            target.value,
            target.year,
            target.comparison,
            data_year=figure.year,
            baseline_value=_path_start(target),
            baseline_year=target.baseline_year,
        )
        rows.append(StatisticRow(target, figure.value, figure.year, status))
    return rows


def parse_statistic_figures(text: str | bytes, targets: Sequence[Target]) -> list[StatisticFigure]:
    """Read figures for statistical targets from CSV text with columns ``id,value[,year]``.

    Raises :class:`DataFileError` listing every problem (line and column) at once: a missing column, an
    unknown or non-statistical target id, a value that is not a number, a year that is not a year.

    Examples
    --------
    >>> from analysis.targets import load_targets
    >>> figures = parse_statistic_figures("id,value,year\\nenergy_intensity_reduction_2025,12.5,2024\\n",
    ...                                   load_targets())  # doctest: +SKIP
    """
    if isinstance(text, bytes):
        if len(text) > _MAX_CSV_BYTES:
            raise DataFileError(f"the figures file is {len(text):,} bytes; the limit is {_MAX_CSV_BYTES:,}")
        raw = text
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise DataFileError("the figures file is neither UTF-8 nor GB18030 text") from exc
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise DataFileError("the figures file is empty; expected a header line 'id,value[,year]'")
    header = [cell.strip().lower() for cell in rows[0]]
    missing = [name for name in ("id", "value") if name not in header]
    if missing:
        raise DataFileError(
            f"the figures file has no {' or '.join(repr(m) for m in missing)} column; "
            f"expected a header 'id,value[,year]', found {','.join(header)!r}"
        )
    statistical = {t.id for t in targets if t.measure == STATISTIC}
    spatial = {t.id for t in targets} - statistical
    col_id, col_value = header.index("id"), header.index("value")
    col_year = header.index("year") if "year" in header else None
    problems: list[str] = []
    figures: list[StatisticFigure] = []
    for line_number, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row] + [""] * len(header)
        target_id, raw_value = cells[col_id], cells[col_value]
        raw_year = cells[col_year] if col_year is not None else ""
        if not target_id:
            problems.append(f"line {line_number}: the id is empty")
            continue
        if target_id in spatial:
            problems.append(
                f"line {line_number}: {target_id} is tracked by a map indicator, not a statistic; "
                "its value is computed from the layers"
            )
            continue
        if target_id not in statistical:
            problems.append(f"line {line_number}: unknown target id {target_id!r}")
            continue
        try:
            value = float(raw_value.replace(",", "").rstrip("%"))
        except ValueError:
            problems.append(f"line {line_number}: value {raw_value!r} of {target_id} is not a number")
            continue
        if value != value or value in (float("inf"), float("-inf")):
            problems.append(f"line {line_number}: value of {target_id} must be a finite number")
            continue
        year = None
        if raw_year:
            try:
                year = int(float(raw_year))
            except ValueError:
                problems.append(f"line {line_number}: year {raw_year!r} is not a year")
                continue
            if not 2000 <= year <= 2060:
                problems.append(f"line {line_number}: year {year} is outside 2000–2060")
                continue
        figures.append(StatisticFigure(target_id, value, year))
    if problems:
        shown = problems[:20]
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise DataFileError("the figures file has problems:\n" + "\n".join(shown) + more)
    return figures
