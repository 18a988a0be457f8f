"""Tables of points: CSV or tab/semicolon/pipe-separated text (``.csv``, ``.txt``) and Excel workbooks
(``.xlsx``), with longitude and latitude columns.

Every cell is read as text; :mod:`layers.fields` types it later. Text files without a declared encoding
are tried as UTF-8 (with or without a BOM), then as GBK (GB18030), which is what Excel and WPS save on a
Chinese Windows; the delimiter is sniffed. A workbook is read from its first sheet unless ``layer``
names another.
"""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pandas as pd

from wuxi_atlas.analysis.errors import LayerError, LayerReadError
from wuxi_atlas.layers.formats.base import RawLayer, VectorFormat
from wuxi_atlas.layers.messages import RowLabels, listing
from wuxi_atlas.layers.spec import LayerSpec

__all__ = ["TEXT", "WORKBOOK"]


def _decode_text(path: Path, encoding: str | None) -> tuple[str, str]:
    """The file's text and the encoding that decoded it: ``encoding``, else UTF-8, else GB18030."""
    raw = path.read_bytes()
    encodings = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    text: str | None = None
    used = ""
    for candidate in encodings:
        try:
            text = raw.decode(candidate)
            used = candidate
            break
        except (UnicodeDecodeError, LookupError) as exc:
            if encoding:
                raise LayerReadError(
                    f"{path.name}: cannot decode the file as {encoding} ({exc}); "
                    "try --encoding utf-8 or --encoding gbk"
                ) from exc
    if text is None:
        raise LayerReadError(
            f"{path.name}: the file is neither UTF-8 nor GBK text; give its encoding with --encoding"
        )
    return text, used


def _read_text(
    path: Path, spec: LayerSpec, layer: str | None, encoding: str | None, notes: list[str]
) -> RawLayer:
    """A delimited text file, rows named as its lines (the header is line 1)."""
    text, used = _decode_text(path, encoding)
    if not text.strip():
        raise LayerReadError(f"{path.name}: the file has no rows")
    try:
        delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    try:
        frame = pd.read_csv(StringIO(text), sep=delimiter, dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LayerReadError(f"{path.name}: not a readable CSV table ({exc})") from exc
    if used == "gb18030":
        notes.append(f"{path.name} is not UTF-8; read it as GBK (GB18030)")
    return RawLayer(_checked(frame, path), RowLabels("line", 2))


def _read_workbook(
    path: Path, spec: LayerSpec, layer: str | None, encoding: str | None, notes: list[str]
) -> RawLayer:
    """One sheet of an ``.xlsx`` workbook (``layer``, else the first), rows named as in Excel."""
    try:
        with pd.ExcelFile(path, engine="openpyxl") as workbook:
            sheets = [str(name) for name in workbook.sheet_names]
            if layer is not None and layer not in sheets:
                raise LayerError(f"{path.name} has no sheet {layer!r}; its sheets are: {listing(sheets)}")
            sheet = layer if layer is not None else sheets[0]
            if layer is None and len(sheets) > 1:
                notes.append(f"read the first sheet {sheet!r} of {len(sheets)}; choose another with --layer")
            frame = pd.read_excel(workbook, sheet_name=sheet, dtype=str)
    except LayerError:
        raise
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors on bad files
        raise LayerReadError(f"{path.name}: not a readable .xlsx workbook ({exc})") from exc
    return RawLayer(_checked(frame, path), RowLabels("row", 2))


def _checked(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    frame.columns = [str(column).strip() for column in frame.columns]
    if frame.empty:
        raise LayerReadError(f"{path.name}: the table has a header but no data rows")
    return frame


#: Delimited text (``.csv``, ``.txt``).
TEXT = VectorFormat("text table", _read_text)
#: An Excel workbook (``.xlsx``).
WORKBOOK = VectorFormat("Excel workbook", _read_workbook)
