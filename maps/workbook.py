"""The board as an Excel workbook (.xlsx, openpyxl): one row per unit × indicator with the status word in
its status colour, the gap in physical units and the source, and a notes sheet that says what the scope
is, that city-wide targets are not apportioned to districts and, first of all, when the figures come from
synthetic demo data.

Cells hold text and numbers only: openpyxl would store text from a user's file that starts with ``=`` as a
formula, so every such cell is written back as a plain string (:func:`_no_formulas`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from wuxi_atlas.analysis.board import board_rows, city_only_targets
from wuxi_atlas.analysis.results import IndicatorResult
from wuxi_atlas.maps.status_style import STATUS_STYLES
from wuxi_atlas.maps.text import catalogue, format_gap, indicator_name, t, unit_word

__all__ = ["board_workbook"]


def _no_formulas(book: Workbook) -> None:
    """Every cell that openpyxl took for a formula (text starting with ``=``) becomes a string again."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def board_workbook(
    results: Sequence[IndicatorResult], *, lang: str = "zh", scope_name: str = "", synthetic: bool = False
) -> bytes:
    """The board of ``results`` (already reduced to the units in scope) as .xlsx bytes.

    Sheets: the notes (scope, the synthetic notice when ``synthetic`` or any result is synthetic, the
    city-wide targets) and the board (indicator, unit, adcode, value, unit, target, target year, status
    word with its colour, gap, gap unit, note, source, vintage, synthetic).
    """
    synthetic = synthetic or any(r.synthetic for r in results)
    city_wide = city_only_targets(results)
    book = Workbook()
    notes = book.active
    notes.title = t("xlsx_notice", lang)
    lines = [t("xlsx_scope", lang, name=scope_name)] if scope_name else []
    if synthetic:
        lines.insert(0, t("synthetic_banner", lang).replace("**", ""))
    shown = [i for i in dict.fromkeys(r.indicator for r in results) if i in city_wide]
    if shown:
        names = "、" if lang != "en" else ", "
        lines.append(
            t("fs_city_wide_note", lang, indicators=names.join(indicator_name(i, lang) for i in shown))
        )
    for line in lines:
        notes.append([(line)])
    if synthetic:
        notes["A1"].font = Font(bold=True, color="664D03")
        notes["A1"].fill = PatternFill("solid", fgColor="FFF3CD")
    notes.column_dimensions["A"].width = 120

    board = book.create_sheet(t("xlsx_board", lang))
    header = (
        "col_indicator", "col_district", "col_adcode", "col_value", "col_unit", "col_target", "col_year",
        "col_status", "col_gap", "col_gap_unit", "col_note", "fs_source", "fs_vintage", "col_synthetic",
    )  # fmt: skip
    board.append([t(h, lang) for h in header])
    for cell in board[1]:
        cell.font = Font(bold=True)
    words = catalogue(lang)["status"]
    by_key = {(r.indicator, r.adcode, r.target_year): r for r in results}
    for row in board_rows(results):
        result = by_key[(row.indicator, row.adcode, row.target_year)]
        note = format_gap(row, lang) or (row.reason or "")
        if row.status == "no_target" and not row.is_city and row.indicator in city_wide:
            note = t("fs_city_wide_row", lang)
        unit = unit_word(row.unit, lang, row.indicator) or row.unit
        gap_unit = unit_word(row.gap_unit, lang, row.indicator) if row.gap_unit else ""
        board.append(
            [
                indicator_name(row.indicator, lang),
                (row.district),
                row.adcode,
                row.value,
                unit,
                row.target,
                row.target_year,
                words.get(row.status, row.status),
                row.gap,
                gap_unit,
                (note),
                (result.source),
                (result.vintage),
                row.synthetic,
            ]
        )
        style = STATUS_STYLES.get(row.status)
        if style is not None:
            status_cell = board.cell(row=board.max_row, column=8)
            status_cell.fill = PatternFill("solid", fgColor=style.background.lstrip("#").upper())
            status_cell.font = Font(color=style.text.lstrip("#").upper())
    for column, width in zip(
        "ABCDEFGHIJKLMN", (22, 10, 10, 12, 8, 10, 8, 10, 10, 8, 30, 30, 10, 8), strict=True
    ):
        board.column_dimensions[column].width = width
    board.freeze_panes = "A2"
    _no_formulas(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
