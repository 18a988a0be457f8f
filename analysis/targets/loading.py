"""Reading the targets file and validating it against its schema, on every load.

A malformed file fails with a message that names the file, the entry and the field instead of surfacing
later as a wrong map; one run of ``geoplan targets validate`` lists every problem in the file.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from wuxi_atlas.analysis.errors import TargetsError
from wuxi_atlas.analysis.paths import targets_path
from wuxi_atlas.analysis.targets.model import (
    CHANGES,
    COMPARISONS,
    MEASURES,
    SECTORS,
    UNITS,
    Change,
    Comparison,
    Sector,
    Target,
)

__all__ = ["load_targets", "parse_targets", "validate_targets"]

# The plan's targets run from the 2005 CO2-intensity base to 2030; 2060 (carbon neutrality) bounds
# later editions without letting typos such as 20025 through.
_YEAR_RANGE = (2005, 2060)

# Clause references: 一, 二(七), 二(七)3. Full-width parentheses, as the plan prints them, are accepted
# and stored as ASCII so that the same clause always compares equal.
_CLAUSE_RE = re.compile(r"^([一二三四])(?:\(([一二三四五六七八])\)([1-9][0-9]*)?)?$")
_FULL_WIDTH_PARENS = str.maketrans({"（": "(", "）": ")"})

# Sections of the 2024 plan and how many numbered items each sub-section has, so a reference to a
# clause the plan does not have (二(二)9) is caught rather than shown to a planner.
_PLAN_OUTLINE: dict[str, dict[str, int]] = {
    "一": {},
    "二": {"一": 3, "二": 5, "三": 4, "四": 3, "五": 3, "六": 4, "七": 3, "八": 3},
    "三": {"一": 0, "二": 0, "三": 0, "四": 0, "五": 0},
    "四": {},
}

_ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")

# field -> (kind, required). The kinds are checked before any rule that reads the value.
_FIELDS: dict[str, tuple[str, bool]] = {
    "id": ("text", True),
    "name_zh": ("text", True),
    "name_en": ("text", True),
    "value": ("number", True),
    "unit": ("text", True),
    "change": ("text", True),
    "comparison": ("text", True),
    "year": ("integer", True),
    "clauses": ("text list", True),
    "measure": ("text", True),
    "sector": ("text", True),
    "baseline_year": ("integer", False),
    "baseline_value": ("number", False),
    "baseline_source": ("text", False),
    "note": ("text", False),
}

_PERCENT_CHANGES = ("reduction_pct", "increase_pct", "annual_growth_pct")


class _Problems:
    """Collects every problem in a file, so one run of ``validate`` shows them all."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.messages: list[str] = []

    def add(self, entry: str, field: str, message: str) -> None:
        self.messages.append(f"{entry}, field '{field}': {message}")

    def add_missing(self, entry: str, fields: Sequence[str]) -> None:
        # One line per entry, not one per field: a sparse entry would otherwise flood the report.
        if len(fields) == 1:
            self.add(entry, fields[0], "missing")
        elif fields:
            self.messages.append(f"{entry}, fields {', '.join(repr(f) for f in fields)}: missing")

    def raise_if_any(self) -> None:
        if not self.messages:
            return
        if len(self.messages) == 1:
            raise TargetsError(f"{self.source}: {self.messages[0]}")
        listed = "\n".join(f"  {message}" for message in self.messages)
        raise TargetsError(f"{self.source}: {len(self.messages)} problems\n{listed}")


def _entry_label(raw: Mapping[str, Any], index: int) -> str:
    entry_id = raw.get("id")
    if isinstance(entry_id, str) and entry_id.strip():
        return f"target '{entry_id}' (#{index})"
    return f"target #{index} (no id)"


def _kind_error(kind: str, item: object) -> str | None:
    """Why ``item`` is not of ``kind``, or None. Booleans are not numbers here: ``value = true`` is a typo."""
    if kind == "text":
        if not isinstance(item, str):
            return f"expected a string, got {type(item).__name__} {item!r}"
        return None if item.strip() else "must not be empty"
    if kind == "integer":
        if isinstance(item, bool) or not isinstance(item, int):
            return f"expected an integer, got {type(item).__name__} {item!r}"
        return None
    if kind == "number":
        if isinstance(item, bool) or not isinstance(item, int | float):
            return f"expected a number, got {type(item).__name__} {item!r}"
        return None if math.isfinite(item) else f"must be finite, got {item!r}"
    # text list
    if not isinstance(item, list):
        return f"expected a list of strings, got {type(item).__name__} {item!r}"
    if not item:
        return "must list at least one clause"
    bad = [element for element in item if not isinstance(element, str) or not element.strip()]
    return f"expected non-empty strings, got {bad[0]!r}" if bad else None


def _normalise_clause(clause: str) -> str:
    return clause.translate(_FULL_WIDTH_PARENS).replace(" ", "")


def _clause_error(clause: str) -> str | None:
    match = _CLAUSE_RE.match(clause)
    if match is None:
        return f"{clause!r} is not a clause reference like 一, 二(七) or 二(七)3"
    section, subsection, item = match.groups()
    outline = _PLAN_OUTLINE[section]
    if subsection is None:
        return None
    if subsection not in outline:
        return f"{clause!r}: section {section} of the plan has no sub-section ({subsection})"
    if item is not None and int(item) > outline[subsection]:
        return f"{clause!r}: {section}({subsection}) of the plan has {outline[subsection]} numbered items"
    return None


def _choice_error(item: str, allowed: Sequence[str]) -> str | None:
    if item in allowed:
        return None
    return f"must be one of {', '.join(allowed)}; got {item!r}"


def _parse_entry(raw: Mapping[str, Any], index: int, problems: _Problems) -> Target | None:
    label = _entry_label(raw, index)
    count_before = len(problems.messages)

    for field in raw:
        if field not in _FIELDS:
            problems.add(label, field, f"unknown field (allowed: {', '.join(_FIELDS)})")
    problems.add_missing(label, [f for f, (_, required) in _FIELDS.items() if required and f not in raw])
    usable: dict[str, Any] = {}
    for field, (kind, _) in _FIELDS.items():
        if field not in raw:
            continue
        error = _kind_error(kind, raw[field])
        if error:
            problems.add(label, field, error)
        else:
            usable[field] = raw[field]

    if "id" in usable and not _ID_RE.match(usable["id"]):
        problems.add(label, "id", f"must be snake_case ASCII (a-z, 0-9, _), got {usable['id']!r}")
    for field, allowed in (
        ("unit", UNITS),
        ("change", CHANGES),
        ("comparison", COMPARISONS),
        ("measure", MEASURES),
        ("sector", SECTORS),
    ):
        if field in usable and (error := _choice_error(usable[field], allowed)):
            problems.add(label, field, error)

    low, high = _YEAR_RANGE
    for field in ("year", "baseline_year"):
        if field in usable and not low <= usable[field] <= high:
            problems.add(label, field, f"must be between {low} and {high}, got {usable[field]}")
    if "year" in usable and "baseline_year" in usable and usable["baseline_year"] >= usable["year"]:
        problems.add(
            label,
            "baseline_year",
            f"must be before the target year {usable['year']}, got {usable['baseline_year']}",
        )
    # A baseline value without its year cannot place the start of the path to the target, and one
    # without a source cannot be told apart from the plan's own numbers.
    if "baseline_value" in raw and "baseline_year" not in raw:
        problems.add(label, "baseline_year", "required when baseline_value is given")
    if "baseline_value" in raw and "baseline_source" not in raw:
        problems.add(label, "baseline_source", "required when baseline_value is given")
    if "baseline_source" in raw and "baseline_value" not in raw:
        problems.add(label, "baseline_value", "missing: baseline_source describes a baseline_value")

    if "value" in usable:
        value = usable["value"]
        if value < 0:
            problems.add(label, "value", f"must not be negative, got {value!r} (use change for reductions)")
        elif usable.get("unit") == "%" and usable.get("change") == "level" and value > 100:
            problems.add(label, "value", f"a level in % must be at most 100, got {value!r}")
    if usable.get("change") in _PERCENT_CHANGES and "unit" in usable and usable["unit"] != "%":
        problems.add(label, "unit", f"must be '%' for change {usable['change']!r}, got {usable['unit']!r}")

    clauses: list[str] = []
    for clause in usable.get("clauses", []):
        normalised = _normalise_clause(clause)
        if error := _clause_error(normalised):
            problems.add(label, "clauses", error)
        elif normalised in clauses:
            problems.add(label, "clauses", f"{normalised!r} is listed twice")
        else:
            clauses.append(normalised)

    if len(problems.messages) > count_before:
        return None
    return Target(
        id=usable["id"],
        name_zh=usable["name_zh"].strip(),
        name_en=usable["name_en"].strip(),
        value=float(usable["value"]),
        unit=usable["unit"],
        change=cast(Change, usable["change"]),
        comparison=cast(Comparison, usable["comparison"]),
        year=usable["year"],
        clauses=tuple(clauses),
        measure=usable["measure"],
        sector=cast(Sector, usable["sector"]),
        baseline_year=usable.get("baseline_year"),
        baseline_value=float(usable["baseline_value"]) if "baseline_value" in usable else None,
        baseline_source=usable.get("baseline_source"),
        note=usable.get("note"),
    )


def parse_targets(document: Mapping[str, Any], source: str = "<targets>") -> tuple[Target, ...]:
    """Validate an already-parsed targets document (the dict ``tomllib`` returns).

    Parameters
    ----------
    document
        The parsed TOML: a single key ``target`` holding an array of tables.
    source
        How to name the document in error messages, usually its path.

    Returns
    -------
    tuple of Target
        In file order.

    Raises
    ------
    TargetsError
        Listing every problem found, each naming the entry (id, or index from 1) and the field.

    Examples
    --------
    >>> entry = {"id": "x_2025", "name_zh": "甲", "name_en": "X", "value": 1, "unit": "count",
    ...          "change": "level", "comparison": "at_least", "year": 2025, "clauses": ["二（四）2"],
    ...          "measure": "charging_piles", "sector": "transport"}
    >>> parse_targets({"target": [entry]})[0].clauses
    ('二(四)2',)
    """
    problems = _Problems(source)
    for key in document:
        if key != "target":
            raise TargetsError(f"{source}: unknown top-level key {key!r}; only [[target]] tables are allowed")
    entries = document.get("target")
    if entries is None:
        raise TargetsError(f"{source}: no [[target]] entries")
    if not isinstance(entries, list):
        raise TargetsError(f"{source}: 'target' must be an array of tables written [[target]]")

    parsed: list[Target] = []
    first_index_of_id: dict[str, int] = {}
    first_of_measure_year: dict[tuple[str, int], Target] = {}
    for index, raw in enumerate(entries, start=1):
        if not isinstance(raw, dict):
            problems.add(f"target #{index}", "(entry)", f"expected a table, got {type(raw).__name__}")
            continue
        entry_id = raw.get("id")
        if isinstance(entry_id, str):
            if entry_id in first_index_of_id:
                problems.add(
                    _entry_label(raw, index), "id", f"duplicate of entry #{first_index_of_id[entry_id]}"
                )
            else:
                first_index_of_id[entry_id] = index
        target = _parse_entry(raw, index, problems)
        if target is None:
            continue
        # target_for() must be unambiguous for the indicators the maps judge against.
        measure_year = (target.measure, target.year)
        if target.spatial and measure_year in first_of_measure_year:
            problems.add(
                _entry_label(raw, index),
                "year",
                f"a second {target.measure!r} target for {target.year} "
                f"(first: {first_of_measure_year[measure_year].id!r})",
            )
        first_of_measure_year.setdefault(measure_year, target)
        parsed.append(target)

    problems.raise_if_any()
    if not parsed:
        raise TargetsError(f"{source}: no [[target]] entries")
    return tuple(parsed)


_TOML_POSITION_RE = re.compile(r"^(?P<reason>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")


def load_targets(path: str | Path | None = None) -> tuple[Target, ...]:
    """Read and validate a targets file.

    Parameters
    ----------
    path
        A TOML file in the schema of ``data/targets.toml``; default :func:`analysis.paths.targets_path`.

    Returns
    -------
    tuple of Target
        In file order.

    Raises
    ------
    TargetsError
        The file is missing or unreadable, is not valid TOML (the message gives line and column), or
        breaks the schema (the message names each entry and field at fault).
    """
    file = Path(path) if path is not None else targets_path()
    try:
        with file.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise TargetsError(f"{file}: targets file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        # tomllib (3.11) only puts the position into the message; lift it out to the front.
        match = _TOML_POSITION_RE.match(str(exc))
        if match:
            raise TargetsError(
                f"{file}: line {match['line']}, column {match['column']}: not valid TOML: {match['reason']}"
            ) from exc
        raise TargetsError(f"{file}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise TargetsError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise TargetsError(f"{file}: cannot read the targets file: {exc.strerror or exc}") from exc
    return parse_targets(document, source=str(file))


def validate_targets(path: str | Path | None = None) -> list[Target]:
    """Check a targets file and return its targets; what ``geoplan targets validate`` runs.

    The checks are those of :func:`load_targets`, which validates on every load; this name exists so
    the command, the app and a reader of the code all point at the same call.

    Raises
    ------
    TargetsError
        As :func:`load_targets`.
    """
    return list(load_targets(path))
