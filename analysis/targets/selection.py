"""Looking targets up: by measure and year, the one an indicator is judged against, and as a table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from wuxi_atlas.analysis.errors import TargetsError
from wuxi_atlas.analysis.targets.loading import load_targets
from wuxi_atlas.analysis.targets.model import MEASURES, STATISTIC, Target
from wuxi_atlas.analysis.text_table import format_table

__all__ = ["primary_target", "select_targets", "target_for", "targets_for", "targets_table"]


def _check_measure(measure: str) -> None:
    if measure not in MEASURES:
        raise TargetsError(f"unknown measure {measure!r}; known: {', '.join(MEASURES)}")


def select_targets(
    targets: Iterable[Target] | None = None, *, measure: str | None = None, year: int | None = None
) -> tuple[Target, ...]:
    """Targets matching ``measure`` and ``year`` (either may be None for any), in file order.

    ``targets`` defaults to the shipped file.
    """
    if measure is not None:
        _check_measure(measure)
    pool = load_targets() if targets is None else targets
    return tuple(
        target
        for target in pool
        if (measure is None or target.measure == measure) and (year is None or target.year == year)
    )


def targets_for(measure: str, targets: Iterable[Target] | None = None) -> tuple[Target, ...]:
    """All targets of one measure (a spatial indicator id or ``statistic``), in file order.

    Examples
    --------
    >>> [(t.year, t.value) for t in targets_for("pv_installed_capacity")]
    [(2025, 2.53), (2030, 3.1)]
    """
    return select_targets(targets, measure=measure)


def target_for(measure: str, year: int, targets: Iterable[Target] | None = None) -> Target | None:
    """The target a spatial indicator is judged against in year ``year``, or None if the plan sets none.

    Loading guarantees at most one target per spatial indicator and year.

    Examples
    --------
    >>> target_for("forest_coverage", 2025).clauses
    ('一', '二(七)3')
    >>> target_for("forest_coverage", 2030) is None
    True
    """
    if measure == STATISTIC:
        raise TargetsError("target_for() needs a spatial indicator id; use targets_for('statistic')")
    matches = select_targets(targets, measure=measure, year=year)
    return matches[0] if matches else None


def primary_target(targets: Sequence[Target], measure: str, data_year: int | None) -> Target | None:
    """The target of ``measure`` that matters now: the earliest one not before the data's year.

    When every target year has passed, the latest target is returned, so a 2026 dataset is still judged
    against 2025.
    """
    matching = sorted((t for t in targets if t.measure == measure), key=lambda t: t.year)
    if not matching:
        return None
    if data_year is None:
        return matching[0]
    upcoming = [t for t in matching if t.year >= data_year]
    return upcoming[0] if upcoming else matching[-1]


# -- plain-text table -----------------------------------------------------------------------------

_COMPARISON_SYMBOLS = {"at_least": ">=", "at_most": "<=", "about": "~"}
_TABLE_COLUMNS = ("id", "clauses", "name_zh", "target", "year", "baseline", "measure")


def _number(value: float) -> str:
    # Shortest form that round-trips: 200000 not 200000.0, 2.53 not 2.5300.
    return str(int(value)) if value.is_integer() else repr(value)


def _target_text(target: Target) -> str:
    symbol = _COMPARISON_SYMBOLS[target.comparison]
    amount = _number(target.value)
    unit = "%" if target.unit == "%" else f" {target.unit}"
    if target.change == "reduction_pct":
        return f"{symbol} {amount}% cut"
    if target.change == "increase_pct":
        return f"{symbol} {amount}% rise"
    if target.change == "annual_growth_pct":
        return f"{symbol} {amount}%/yr"
    if target.change == "added":
        return f"{symbol} +{amount}{unit}"
    return f"{symbol} {amount}{unit}"


def _baseline_text(target: Target) -> str | None:
    if target.baseline_value is not None:
        return f"{_number(target.baseline_value)} ({target.baseline_year})"
    return f"vs {target.baseline_year}" if target.baseline_year is not None else None


def targets_table(targets: Iterable[Target]) -> str:
    """Targets as an aligned plain-text table; Chinese names line up (see :mod:`analysis.text_table`).

    Columns: id, clauses, name_zh, target (comparison, value, unit, e.g. ``>= 14% cut``), year,
    baseline (``27.71 (2019)``, or ``vs 2020`` when the plan gives only the year; ``–`` for none), measure.
    """
    rows = [
        [
            target.id,
            ", ".join(target.clauses),
            target.name_zh,
            _target_text(target),
            target.year,
            _baseline_text(target),
            target.measure,
        ]
        for target in targets
    ]
    return format_table(_TABLE_COLUMNS, rows)
