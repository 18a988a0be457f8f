"""A layer version as a PostGIS table and back: :func:`write_table` creates the table and copies a
GeoDataFrame into it (``COPY``, inside the caller's transaction), :func:`read_table` reads it back as
the same frame: the same column names, dtypes and geometries.

A version's table has an integer key ``fid`` (QGIS wants one), the frame's columns typed
(``bigint``, ``double precision``, ``boolean``, ``timestamp``, else ``text``) and one geometry column
``geom`` of the layer's type in its CRS (EPSG:4326, or EPSG:4549 for a land survey's parcels), with a
GiST index. Polygons and multipolygons mixed in one layer are stored as multipolygons (as the folder
backend's GeoPackage does), so QGIS sees one geometry type per table.

PostgreSQL cuts identifiers at 63 bytes (21 Chinese characters), and ``fid`` and ``geom`` are taken;
a column whose name cannot be kept is stored under a shortened one, and the version's record keeps
the mapping (:data:`ColumnMap`), so the frame read back has the user's names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

__all__ = ["ColumnMap", "column_map", "read_table", "write_table"]

#: Per stored column: (the frame's name, the table's name, the pandas dtype to restore).
ColumnMap = list[list[str]]

_KEY, _GEOMETRY = "fid", "geom"
_MAX_IDENTIFIER = 63  # bytes: NAMEDATALEN - 1


def _pg_type(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    if kind == "b" or str(dtype) == "boolean":
        return "boolean"
    if kind in "iu" or str(dtype) in ("Int64", "Int32", "Int16", "Int8", "UInt32", "UInt16", "UInt8"):
        return "bigint"
    if kind == "f" or str(dtype) in ("Float64", "Float32"):
        return "double precision"
    if kind == "M":
        return "timestamptz" if getattr(dtype, "tz", None) is not None else "timestamp"
    return "text"


def _short_name(name: str, taken: set[str]) -> str:
    """A table column name for ``name``: itself when PostgreSQL can hold it, else cut and numbered."""
    candidate = name
    counter = 2
    while (
        candidate.lower() in taken
        or len(candidate.encode("utf-8")) > _MAX_IDENTIFIER
        or not candidate
        or "\x00" in candidate
    ):
        suffix = f"_{counter}"
        cut = name.replace("\x00", "")
        while len((cut + suffix).encode("utf-8")) > _MAX_IDENTIFIER:
            cut = cut[:-1]
        candidate, counter = cut + suffix, counter + 1
    taken.add(candidate.lower())
    return candidate


def column_map(frame: Any) -> ColumnMap:
    """How each of the frame's non-geometry columns is stored (see :data:`ColumnMap`)."""
    taken = {_KEY, _GEOMETRY}
    geometry_name = frame.geometry.name
    return [
        [str(column), _short_name(str(column), taken), str(frame[column].dtype)]
        for column in frame.columns
        if column != geometry_name
    ]


def _geometry_type(geometries: Any) -> str:
    """The PostGIS type of the column: the one type the geometries share, multi when single and multi
    types mix, else the generic ``Geometry``."""
    types = {str(t) for t in geometries.geom_type.dropna().unique()}
    if len(types) == 1:
        return types.pop()
    bases = {t.removeprefix("Multi") for t in types}
    if len(bases) == 1:
        return f"Multi{bases.pop()}"
    return "Geometry"


def _cell(value: Any) -> Any:
    """A value as COPY takes it: missing values as NULL, NumPy scalars as Python ones."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def write_table(connection: Any, schema: str, table: str, frame: Any, srid: int, columns: ColumnMap) -> None:
    """Create ``schema.table`` and copy ``frame`` into it, in the connection's open transaction."""
    import shapely
    from psycopg import sql

    geometry_type = _geometry_type(frame.geometry)
    definitions = [sql.SQL("{} bigint PRIMARY KEY").format(sql.Identifier(_KEY))]
    definitions += [
        sql.SQL("{} {}").format(sql.Identifier(stored), sql.SQL(_pg_type(frame[name].dtype)))
        for name, stored, _dtype in columns
    ]
    definitions.append(
        sql.SQL("{} geometry({}, {})").format(
            sql.Identifier(_GEOMETRY), sql.SQL(geometry_type), sql.Literal(srid)
        )
    )
    target = sql.Identifier(schema, table)
    connection.execute(sql.SQL("CREATE TABLE {} ({})").format(target, sql.SQL(", ").join(definitions)))
    geometries = np.asarray(frame.geometry.array, dtype=object)
    if geometry_type.startswith("Multi"):
        geometries = _as_multi(geometries, geometry_type)
    geometries = shapely.set_srid(geometries, srid)
    hexes = shapely.to_wkb(geometries, hex=True, include_srid=True)
    names = [sql.Identifier(_KEY), *(sql.Identifier(stored) for _n, stored, _d in columns)]
    names.append(sql.Identifier(_GEOMETRY))
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(target, sql.SQL(", ").join(names))
    values = [frame[name].tolist() for name, _stored, _dtype in columns]
    with connection.cursor() as cursor, cursor.copy(copy) as stream:
        for row in range(len(frame)):
            cells = [_cell(column[row]) for column in values]
            stream.write_row([row + 1, *cells, hexes[row]])
    connection.execute(
        sql.SQL("CREATE INDEX {} ON {} USING gist ({})").format(
            sql.Identifier(f"{table}_geom_idx"), target, sql.Identifier(_GEOMETRY)
        )
    )


def _as_multi(geometries: np.ndarray, geometry_type: str) -> np.ndarray:
    """Single geometries wrapped in their multi type, for a column of ``geometry_type``."""
    import shapely

    out = geometries.copy()
    for index, geometry in enumerate(geometries):
        if geometry is None or geometry.geom_type == geometry_type:
            continue
        if geometry_type == "MultiPolygon":
            out[index] = shapely.MultiPolygon([geometry])
        elif geometry_type == "MultiLineString":
            out[index] = shapely.MultiLineString([geometry])
        elif geometry_type == "MultiPoint":
            out[index] = shapely.MultiPoint([geometry])
    return out


def read_table(connection: Any, schema: str, table: str, columns: ColumnMap, srid: int) -> Any:
    """``schema.table`` as a GeoDataFrame with the frame's original column names and dtypes."""
    import geopandas as gpd
    import shapely
    from psycopg import sql

    selected: list[Any] = [sql.Identifier(stored) for _name, stored, _dtype in columns]
    selected.append(sql.SQL("ST_AsBinary({})").format(sql.Identifier(_GEOMETRY)))
    query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        sql.SQL(", ").join(selected), sql.Identifier(schema, table), sql.Identifier(_KEY)
    )
    rows = connection.execute(query).fetchall()
    data: dict[str, Any] = {}
    for position, (name, _stored, dtype) in enumerate(columns):
        data[name] = _restore([row[position] for row in rows], dtype)
    geometry = shapely.from_wkb([bytes(row[-1]) if row[-1] is not None else None for row in rows])
    return gpd.GeoDataFrame(data, geometry=geometry, crs=f"EPSG:{srid}")


def _restore(values: Sequence[Any], dtype: str) -> Any:
    """A column read back, in the dtype it had when it was stored."""
    series = pd.Series(list(values), dtype=object)
    if dtype == "object":
        return series.where(series.notna(), None)
    try:
        return series.astype(cast(Any, dtype))
    except (TypeError, ValueError):  # e.g. NULLs in a column stored as int64: keep what PostgreSQL gave
        return pd.Series(list(values))
