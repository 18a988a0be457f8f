"""Reading back a vector layer the atlas wrote itself, after validating it: the shipped demo layers and
the layer catalog's versions.

:func:`layers.read.read_vector` treats a file as hostile: it matches columns to fields, normalises text
through the value aliases, parses numbers, repairs geometry and checks where it lies. A layer the atlas
stored was put through all of that when it was written, and stored typed: the kind's field names, text
as text, whole numbers as integers, in EPSG:4326. Reading it back does not do it again, value by value.
:func:`read_stored_vector` reads the file and checks its *schema* only (one look per column: the field
names, their types, the CRS), which costs the same for ten features or a million; a file whose schema is
not what the atlas writes (an older version, a file edited by hand) goes through
:func:`~layers.read.read_vector` instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.provenance import lower_keys, manifest_beside, vector_source
from wuxi_atlas.layers.spec import FieldSpec, LayerSpec, get_spec

__all__ = ["STORED_NOTES_KEY", "read_stored_vector", "stored_notes_metadata"]

#: Layer metadata key under which the atlas stores the notes made when the layer was validated (JSON list).
STORED_NOTES_KEY = "geoplan_notes"
_CRS = "EPSG:4326"


def stored_notes_metadata(notes: tuple[str, ...] | list[str]) -> dict[str, str]:
    """The layer metadata that carries validation ``notes`` to :func:`read_stored_vector`."""
    return {STORED_NOTES_KEY: json.dumps(list(notes), ensure_ascii=False)}


def _typed_as_stored(kind_dtype: str, column_dtype: Any) -> bool:
    """Whether a column as GDAL reads it back holds the field's type (``str``, ``int``, ``float``)."""
    if kind_dtype == "str":
        return pd.api.types.is_string_dtype(column_dtype) or pd.api.types.is_object_dtype(column_dtype)
    if kind_dtype == "int":
        # GeoPackage integers come back as int64; an all-empty column as float64 or object.
        return pd.api.types.is_integer_dtype(column_dtype) or pd.api.types.is_float_dtype(column_dtype)
    return pd.api.types.is_numeric_dtype(column_dtype) and not pd.api.types.is_bool_dtype(column_dtype)


def _as_field(column: pd.Series, field_spec: FieldSpec) -> pd.Series:
    """``column`` in the dtype :func:`layers.fields.coerce_fields` gives the field: text as objects with
    None where missing, whole numbers as ``Int64``, numbers as ``float64``. One conversion per column."""
    if field_spec.dtype == "str":
        # Objects with None for missing values, as the readers give text (not pandas' "str" dtype).
        values = column.astype(object)
        return values.where(column.notna(), None)
    if field_spec.dtype == "int":
        return column.astype("Int64")
    return column.astype("float64")


def _schema_fits(info: dict[str, Any], spec: LayerSpec) -> bool:
    """Whether the layer ``info`` describes is stored the way the atlas writes ``spec``'s kind."""
    crs = str(info.get("crs") or "")
    if crs.upper() != _CRS or info.get("features", 0) <= 0:
        return False
    dtypes = dict(zip(info.get("fields", ()), info.get("dtypes", ()), strict=True))
    required = [f.name for f in spec.required_fields]
    if any(name not in dtypes for name in required):
        return False
    return all(_typed_as_stored(f.dtype, np.dtype(dtypes[f.name])) for f in spec.fields if f.name in dtypes)


def read_stored_vector(kind: str, path: str | Path, *, layer: str | None = None) -> VectorSource:
    """A vector layer the atlas wrote after validating it (the shipped demo data, a catalog version),
    read back typed, without validating it again.

    Gives what :func:`layers.read.read_vector` gives for the same file: the same frame (fields in the
    types the readers give them, features numbered from 0), the same ``source``, ``vintage`` and
    ``synthetic``; ``notes`` are the ones stored with the layer (:func:`stored_notes_metadata`). Only
    the schema is checked; a file whose schema is not the atlas's is read by ``read_vector`` instead.

    Examples
    --------
    >>> from layers.defaults import DEMO_LAYER_NAMES, default_sources
    >>> stations = read_stored_vector("stations", default_sources()["stations"], layer="stations")
    >>> str(stations.frame["piles"].dtype), stations.synthetic
    ('Int64', True)
    """
    import pyogrio

    from wuxi_atlas.layers.read import read_vector

    spec = get_spec(kind)
    local = Path(path)
    try:
        info = pyogrio.read_info(local, layer=layer)
    except Exception:  # pyogrio's DataSourceError, DataLayerError …: the full reader says what is wrong
        return read_vector(kind, local, layer=layer)
    if not _schema_fits(info, spec):
        return read_vector(kind, local, layer=layer)
    frame = pyogrio.read_dataframe(local, layer=layer, use_arrow=True)
    if frame.geometry.name != "geometry":
        frame = frame.rename_geometry("geometry")
    for field_spec in spec.fields:
        if field_spec.name in frame:
            frame[field_spec.name] = _as_field(frame[field_spec.name], field_spec)
    metadata = {**lower_keys(info.get("dataset_metadata")), **lower_keys(info.get("layer_metadata"))}
    notes: list[str] = []
    manifest = manifest_beside(local, notes)
    try:
        stored = json.loads(metadata.get(STORED_NOTES_KEY, "[]"))
    except ValueError:
        stored = []
    notes += [str(note) for note in stored] if isinstance(stored, list) else []
    chosen = info.get("layer_name") or layer
    return vector_source(spec.kind, frame, local, chosen, metadata, manifest, notes)
