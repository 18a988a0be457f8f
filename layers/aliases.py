"""Other spellings of a text field's values, as data: the shipped table ``data/aliases.toml``, extended by
the user's own file named by ``$GEOPLAN_ALIASES``.

A table maps, per layer kind and field, each value the atlas uses (``charging``, ``public``, ``river``)
to the spellings read as it (``充电站``, ``公用``, ``河流水面``, ``1101``)::

    [stations.access]
    public = ["公共", "公用"]

Both files are checked when read (:class:`~analysis.errors.AliasError` names the file, the entry and the
problem) and read once per change of either file. :func:`normalise_values` turns a column of text into
those values in one pass over its distinct values, then one :meth:`pandas.Series.map`.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wuxi_atlas.analysis.errors import AliasError
from wuxi_atlas.layers.shipped import ALIASES_ENV, shipped_aliases_path, user_aliases_path
from wuxi_atlas.layers.spec import LAYER_SPECS, FieldSpec, LayerSpec

__all__ = [
    "ALIASES_ENV",
    "AliasTable",
    "Normalised",
    "alias_table",
    "map_distinct",
    "normalise_values",
    "read_alias_file",
    "shipped_aliases_path",
    "value_key",
]

_SEPARATORS = re.compile(r"[\s\-_]+")

# (kind, field) -> canonical value -> its aliases, as a file spells them.
_Entries = dict[tuple[str, str], dict[str, list[str]]]


def value_key(value: object) -> str:
    """How a value is compared: full-width forms folded (NFKC), case and surrounding spaces ignored, runs
    of spaces, dashes and underscores read as one ``_``.

    Examples
    --------
    >>> value_key(" Tidal-flat ") == value_key("ＴＩＤＡＬ_FLAT")
    True
    """
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    return _SEPARATORS.sub("_", text)


@dataclass(frozen=True)
class AliasTable:
    """The value aliases in force: ``lookup[(kind, field)]`` maps a :func:`value_key` to the value the
    atlas uses; ``user_keys`` are the keys that came from the user's file, and ``user_file`` that file."""

    lookup: Mapping[tuple[str, str], Mapping[str, str]]
    user_keys: Mapping[tuple[str, str], frozenset[str]]
    user_file: Path | None = None

    def fields(self) -> tuple[tuple[str, str], ...]:
        return tuple(self.lookup)


@dataclass(frozen=True)
class Normalised:
    """A column after :func:`normalise_values`: ``values`` (None where the text is empty, or spells no
    allowed value of a restricted field), ``unknown`` (the mask of such text) and ``by_user`` (how many
    values were read through the user's alias file)."""

    values: pd.Series
    unknown: pd.Series
    by_user: int


def _fail(path: Path, where: str, problem: str) -> AliasError:
    return AliasError(f"value alias file {path}: {where}: {problem}")


def _field_of(path: Path, kind: str, field_name: str) -> FieldSpec:
    spec: LayerSpec | None = LAYER_SPECS.get(kind)  # type: ignore[call-overload]
    if spec is None or spec.raster:
        kinds = ", ".join(k for k, s in LAYER_SPECS.items() if not s.raster)
        raise _fail(path, f"[{kind}]", f"{kind!r} is not a vector layer kind; the kinds are: {kinds}")
    for field_spec in spec.fields:
        if field_spec.name == field_name:
            if field_spec.dtype != "str":
                raise _fail(
                    path, f"[{kind}.{field_name}]", f"{field_name} is a {field_spec.dtype} field, not text"
                )
            return field_spec
    names = ", ".join(f.name for f in spec.fields if f.dtype == "str")
    raise _fail(path, f"[{kind}.{field_name}]", f"{kind} layers have no text field {field_name!r}: {names}")


def read_alias_file(path: str | Path) -> _Entries:
    """The entries of one alias file, checked: every kind and field exists and is text, every value of a
    restricted field is one of its allowed values, every alias is non-empty text and names one value only.

    Raises
    ------
    AliasError
        The file is missing, is not TOML, or breaks one of the rules above; the message names the entry.
    """
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AliasError(f"value alias file {path}: cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise AliasError(f"value alias file {path}: is not UTF-8 text ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise AliasError(f"value alias file {path}: is not valid TOML ({exc})") from exc
    entries: _Entries = {}
    for kind, fields in document.items():
        if not isinstance(fields, dict):
            raise _fail(path, kind, "expected a table [KIND.FIELD] of VALUE = [aliases]")
        for field_name, values in fields.items():
            where = f"[{kind}.{field_name}]"
            field_spec = _field_of(path, kind, field_name)
            if not isinstance(values, dict):
                raise _fail(path, where, 'expected VALUE = ["alias", …] lines')
            entries[(kind, field_name)] = _checked_values(path, where, field_spec, values)
    return entries


def _checked_values(
    path: Path, where: str, field_spec: FieldSpec, values: Mapping[str, Any]
) -> dict[str, list[str]]:
    allowed = {value_key(value): value for value in field_spec.allowed}
    seen: dict[str, str] = {}
    checked: dict[str, list[str]] = {}
    for canonical, aliases in values.items():
        if allowed and canonical not in field_spec.allowed:
            raise _fail(
                path,
                f"{where} {canonical}",
                f"{canonical!r} is not a value of {field_spec.name}; "
                f"use one of {', '.join(field_spec.allowed)}",
            )
        if not isinstance(aliases, list):
            raise _fail(path, f"{where} {canonical}", f"expected a list of spellings, got {aliases!r}")
        for position, alias in enumerate(aliases):
            spot = f"{where} {canonical}[{position}]"
            if not isinstance(alias, str | int) or isinstance(alias, bool) or not str(alias).strip():
                raise _fail(path, spot, f"an alias must be non-empty text, got {alias!r}")
            key = value_key(alias)
            if key in allowed and allowed[key] != canonical:
                problem = f"{alias!r} is the value {allowed[key]!r} itself; it cannot also mean {canonical!r}"
                raise _fail(path, spot, problem)
            if seen.get(key, canonical) != canonical:
                raise _fail(path, spot, f"{alias!r} is already an alias of {seen[key]!r}")
            seen[key] = canonical
        checked[canonical] = [str(alias) for alias in aliases]
    return checked


def _file_state(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def alias_table() -> AliasTable:
    """The aliases in force: the shipped table plus the file ``$GEOPLAN_ALIASES`` names (its spellings win
    where both give one). Read again only when either file changes.

    Raises
    ------
    AliasError
        Either file is malformed, or ``$GEOPLAN_ALIASES`` names a file that does not exist.
    """
    user = user_aliases_path()
    user_state = _file_state(user) if user is not None else None
    return _load(_file_state(shipped_aliases_path()), user_state)


@functools.lru_cache(maxsize=4)
def _load(shipped: tuple[str, int, int], user: tuple[str, int, int] | None) -> AliasTable:
    lookup: dict[tuple[str, str], dict[str, str]] = {}
    user_keys: dict[tuple[str, str], frozenset[str]] = {}
    sources = [Path(shipped[0])]
    if user is not None:
        if user[1] < 0:
            raise AliasError(f"{ALIASES_ENV} names {user[0]}, which is not a readable file")
        sources.append(Path(user[0]))
    for number, path in enumerate(sources):
        for field, values in read_alias_file(path).items():
            table = lookup.setdefault(field, {})
            keys = {value_key(alias): canonical for canonical, aliases in values.items() for alias in aliases}
            keys.update({value_key(canonical): canonical for canonical in values})
            table.update(keys)
            if number == 1:
                user_keys[field] = frozenset(keys)
    return AliasTable(lookup, user_keys, Path(user[0]) if user is not None else None)


def map_distinct(series: pd.Series, function: Callable[[Any], object]) -> pd.Series:
    """``function`` of each value of ``series``, called once per distinct value (missing values give
    None): one pass to find the distinct values, one ``take`` to spread the results over the rows.

    Examples
    --------
    >>> map_distinct(pd.Series(["a", "b", "a", None]), str.upper).tolist()
    ['A', 'B', 'A', None]
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)
    results[:-1] = [function(value) for value in uniques]
    results[-1] = None  # code -1: a missing value
    return pd.Series(results[codes], index=series.index, dtype=object)


def normalise_values(text: pd.Series, spec: LayerSpec, field_spec: FieldSpec) -> Normalised:
    """``text`` (stripped text, None where empty) as the values ``field_spec`` of ``spec.kind`` uses.

    A value that spells an allowed value or one of its aliases becomes that value; any other text becomes
    None in a restricted field (see ``unknown``) and stays as it is in an open one. Each distinct value
    is looked up once.

    Examples
    --------
    >>> stations = LAYER_SPECS["stations"]
    >>> text = pd.Series(["公用", " Public", "V2G", None])
    >>> out = normalise_values(text, stations, stations.field("access"))
    >>> out.values.tolist(), out.unknown.tolist()
    (['public', 'public', None, None], [False, False, True, False])
    """
    table = alias_table()
    field = (spec.kind, field_spec.name)
    lookup = dict(table.lookup.get(field, {}))
    lookup.update({value_key(value): value for value in field_spec.allowed})
    user_keys = table.user_keys.get(field, frozenset()) - {value_key(v) for v in field_spec.allowed}
    from_user: list[object] = []

    def one(value: object) -> object:
        key = value_key(value)
        found = lookup.get(key)
        if found is not None and key in user_keys:
            from_user.append(value)
        return found if found is not None or field_spec.allowed else str(value).strip()

    values = map_distinct(text, one)
    unknown = text.notna() & values.isna()
    by_user = int(text.isin(from_user).sum()) if from_user else 0
    return Normalised(values, unknown, by_user)
