"""A layer's attributes: the file's columns matched to the kind's fields, then typed and checked.

:func:`resolve_columns` renames columns to field names (the caller's ``column_map``, the CLI's ``--map``,
first, then each field's :attr:`~layers.spec.FieldSpec.column_names`, without regard to case or
surrounding spaces); :func:`coerce_fields` turns each field into its type, column by column: text
stripped and its values normalised through the value alias table (``公共`` → ``public``,
:mod:`layers.aliases`), numbers parsed from text with thousands separators, whole numbers checked, values
below a field's minimum treated as missing. Each column is converted once per distinct value, not once
per row. Whatever is changed or doubted is added to ``notes``; a value that cannot be what its field
says (text in a number column) is a :class:`~analysis.errors.LayerError` naming the rows.

Messages name the command-line options (``--map``), which the app's Data page maps to its own controls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.layers.aliases import ALIASES_ENV, alias_table, map_distinct, normalise_values
from wuxi_atlas.layers.messages import MAX_LISTED, RowLabels, listing
from wuxi_atlas.layers.spec import FieldSpec, LayerSpec

__all__ = ["coerce_fields", "missing_fields_message", "parse_numbers", "resolve_columns"]


_THOUSANDS = re.compile(r"[,\s，]")


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
    targets: dict[str, tuple[str, ...]] = {f.name: f.column_names for f in spec.fields}
    targets.update(coordinate_targets)
    renames: dict[str, str] = {}
    for source_column, target in (column_map or {}).items():
        if source_column not in columns:
            raise LayerError(
                f"{file_name}: --map names column {source_column!r}, which the file does not have; "
                f"its columns are: {listing(columns, 50)}"
            )
        if target not in targets:
            raise LayerError(
                f"{file_name}: --map maps {source_column!r} to {target!r}, which is not a field of "
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
    accepted for each and the ``--map`` options that would fix it."""
    accepted = "; ".join(f"{f.name}: {', '.join(f.column_names)}" for f in missing)
    example = " ".join(f"--map '<your column>={f.name}'" for f in missing)
    return (
        f"{file_name}: a {spec.kind} layer needs field(s) {', '.join(f.describe() for f in missing)}, "
        f"which are missing; the file has columns: {listing(columns, 50) or 'none'}. "
        f"Rename the columns or map them: {example} (accepted names: {accepted})"
    )


def _one_text(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _as_text(series: pd.Series) -> pd.Series:
    """Stripped text, None where empty; whole floats (``12.0``, as GDAL reads a code) written as ``12``.
    Each distinct value is converted once."""
    return map_distinct(series, _one_text)


def parse_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers from a column of text or numbers; also the mask of non-empty values that are not numbers."""
    if pd.api.types.is_numeric_dtype(series):
        numbers = pd.to_numeric(series, errors="coerce").astype(float)
        return numbers, pd.Series(False, index=series.index)
    text = _as_text(series)
    cleaned = map_distinct(text, lambda value: _THOUSANDS.sub("", value))
    numbers = pd.to_numeric(cleaned, errors="coerce").astype(float)
    bad = text.notna() & numbers.isna()
    return numbers, bad


def _normalised(
    text: pd.Series, spec: LayerSpec, field_spec: FieldSpec, rows: RowLabels, notes: list[str]
) -> pd.Series:
    """``text`` in the values the field uses (:func:`layers.aliases.normalise_values`); text that spells
    none of a restricted field's values is kept as given, with a note on how to map it."""
    normalised = normalise_values(text, spec, field_spec)
    if normalised.by_user:
        notes.append(
            f"{normalised.by_user} {field_spec.name} value(s) read through the value aliases of "
            f"{alias_table().user_file} (${ALIASES_ENV})"
        )
    unknown = normalised.unknown
    if not unknown.any():
        return normalised.values
    counts = text[unknown].value_counts()
    shown = listing(f"{value!r} ({count})" for value, count in counts.items())
    notes.append(
        f"{int(unknown.sum())} {spec.kind} feature(s) have {field_spec.name} values that are "
        f"none of {', '.join(field_spec.allowed)}: {shown} ({rows(text.index[unknown])}); "
        f"they are kept as given and are left out of anything counted by {field_spec.name}. If they "
        f"mean one of those values, list them in a value alias file named by ${ALIASES_ENV} "
        f'([{spec.kind}.{field_spec.name}] VALUE = ["spelling", …])'
    )
    return normalised.values.where(~unknown, text)


def coerce_fields(
    frame: pd.DataFrame, spec: LayerSpec, rows: RowLabels, file_name: str, notes: list[str]
) -> pd.DataFrame:
    """Each of the kind's fields in ``frame`` typed as its spec says (see the module docstring)."""
    frame = frame.copy()
    aliased = {field for kind, field in alias_table().fields() if kind == spec.kind}
    for field_spec in spec.fields:
        if field_spec.name not in frame:
            continue
        column = frame[field_spec.name]
        if field_spec.dtype == "str":
            text = _as_text(column)
            if field_spec.allowed or field_spec.name in aliased:
                text = _normalised(text, spec, field_spec, rows, notes)
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
