"""A layer's attributes: the file's columns matched to the kind's fields, then typed and checked.

:func:`resolve_columns` renames columns to field names (the caller's ``column_map`` first, then each
field's aliases, without regard to case or surrounding spaces); :func:`coerce_fields` turns each field
into its type, column by column: text stripped and its choices normalised (``公共`` → ``public``),
numbers parsed from text with thousands separators, whole numbers checked, values below a field's
minimum treated as missing. Whatever is changed or doubted is added to ``notes``; a value that cannot
be what its field says (text in a number column) is a :class:`~analysis.errors.LayerError` naming the
rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import LayerError
from layers.messages import MAX_LISTED, RowLabels, listing
from layers.spec import FieldSpec, LayerSpec

__all__ = ["coerce_fields", "missing_fields_message", "parse_numbers", "resolve_columns"]


def _column_key(name: object) -> str:
    return str(name).strip().lower()


def resolve_columns(
    frame: pd.DataFrame,
    spec: LayerSpec,
    column_map: Mapping[str, str] | None,
    coordinate_targets: Mapping[str, tuple[str, ...]],
    file_name: str,
    notes: list[str],
) -> pd.DataFrame:
    """Rename the file's columns to the spec's field names (``column_map`` first, then aliases), and
    ``coordinate_targets`` (a table's ``lon`` and ``lat``) likewise; the renames are noted."""
    geometry_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    columns = [column for column in frame.columns if column != geometry_name]
    targets: dict[str, tuple[str, ...]] = {f.name: (f.name, *f.aliases) for f in spec.fields}
    targets.update(coordinate_targets)
    renames: dict[str, str] = {}
    for source_column, target in (column_map or {}).items():
        if source_column not in columns:
            raise LayerError(
                f"{file_name}: column_map names column {source_column!r}, which the file does not have; "
                f"its columns are: {listing(columns, 50)}"
            )
        if target not in targets:
            raise LayerError(
                f"{file_name}: column_map maps {source_column!r} to {target!r}, which is not a field of "
                f"{spec.kind} layers; map to one of: {', '.join(targets)}"
            )
        renames[source_column] = target
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(_column_key(column), column)
    for target, names in targets.items():
        if target in renames.values():
            continue
        for name in names:
            found = by_key.get(_column_key(name))
            if found is not None and found not in renames:
                renames[found] = target
                break
    # A column already called like a target but not chosen for it must step aside.
    for column in columns:
        if column in renames.values() and column not in renames:
            renames[column] = f"{column}_original"
    renamed = frame.rename(columns=renames)
    _note_renames(list(frame.columns), list(renamed.columns), notes)
    return renamed


def _note_renames(before: Sequence[object], after: Sequence[object], notes: list[str]) -> None:
    renamed = [f"{old!s} → {new!s}" for old, new in zip(before, after, strict=True) if old != new]
    if renamed:
        notes.append(f"mapped columns to fields: {listing(renamed, 50)}")


def missing_fields_message(
    file_name: str, spec: LayerSpec, missing: Sequence[FieldSpec], columns: Sequence[str]
) -> str:
    """The error for required fields the file lacks: what each needs, the file's columns, the names
    accepted for each and the ``column_map`` that would fix it."""
    accepted = "; ".join(f"{f.name}: {', '.join(dict.fromkeys((f.name, *f.aliases)))}" for f in missing)
    example = ", ".join(f"'<your column>': '{f.name}'" for f in missing)
    return (
        f"{file_name}: a {spec.kind} layer needs field(s) {', '.join(f.describe() for f in missing)}, "
        f"which are missing; the file has columns: {listing(columns, 50) or 'none'}. "
        f"Rename the columns or pass column_map={{{example}}} (accepted names: {accepted})"
    )


def _as_text(series: pd.Series) -> pd.Series:
    def one(value: object) -> object:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            return None
        if isinstance(value, float | np.floating) and float(value).is_integer():
            return str(int(value))
        text = str(value).strip()
        return text or None

    return series.map(one).astype(object)


def parse_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers from a column of text or numbers; also the mask of non-empty values that are not numbers."""
    if pd.api.types.is_numeric_dtype(series):
        numbers = pd.to_numeric(series, errors="coerce").astype(float)
        return numbers, pd.Series(False, index=series.index)
    text = _as_text(series)
    cleaned = text.map(lambda value: None if value is None else re.sub(r"[,\s，]", "", str(value)))
    numbers = pd.to_numeric(cleaned, errors="coerce").astype(float)
    bad = text.notna() & numbers.isna()
    return numbers, bad


def coerce_fields(
    frame: pd.DataFrame, spec: LayerSpec, rows: RowLabels, file_name: str, notes: list[str]
) -> pd.DataFrame:
    """Each of the kind's fields in ``frame`` typed as its spec says (see the module docstring)."""
    frame = frame.copy()
    for field_spec in spec.fields:
        if field_spec.name not in frame:
            continue
        column = frame[field_spec.name]
        if field_spec.dtype == "str":
            text = _as_text(column)
            if field_spec.value_aliases or field_spec.allowed:
                normalised = text.map(
                    lambda value, f=field_spec: None if value is None else f.normalise(value)
                )
                unknown = text.notna() & normalised.isna()
                if unknown.any():
                    counts = text[unknown].value_counts()
                    shown = listing(f"{value!r} ({count})" for value, count in counts.items())
                    notes.append(
                        f"{int(unknown.sum())} {spec.kind} feature(s) have {field_spec.name} values that are "
                        f"none of {', '.join(field_spec.allowed)}: {shown} ({rows(text.index[unknown])}); "
                        "they are kept as given and are left out of anything counted by "
                        f"{field_spec.name}"
                    )
                    normalised = normalised.where(~unknown, text)
                text = normalised
            frame[field_spec.name] = text
        else:
            numbers, bad = parse_numbers(column)
            if bad.any():
                samples = listing(repr(value) for value in column[bad].head(MAX_LISTED))
                raise LayerError(
                    f"{file_name}: {field_spec.name} must be a number; text found in "
                    f"{rows(column.index[bad])}: {samples}; fix those cells"
                )
            if field_spec.dtype == "int":
                fractional = numbers.notna() & (numbers % 1 != 0)
                if fractional.any():
                    raise LayerError(
                        f"{file_name}: {field_spec.name} must be a whole number; fractions found in "
                        f"{rows(numbers.index[fractional])}"
                    )
            if field_spec.minimum is not None:
                low = (
                    numbers <= field_spec.minimum
                    if field_spec.minimum_exclusive
                    else numbers < field_spec.minimum
                )
                if low.any():
                    notes.append(
                        f"{int(low.sum())} {spec.kind} feature(s) have {field_spec.describe()} out of range "
                        f"({rows(numbers.index[low])}); their {field_spec.name} is treated as missing"
                    )
                    numbers = numbers.mask(low)
            frame[field_spec.name] = numbers.astype("Int64") if field_spec.dtype == "int" else numbers
        if field_spec.required:
            empty = frame[field_spec.name].isna()
            if empty.any():
                notes.append(
                    f"{int(empty.sum())} {spec.kind} feature(s) have no {field_spec.name} "
                    f"({rows(frame.index[empty])})"
                )
    return frame
