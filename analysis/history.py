"""Every indicator for every vintage held, and whether each unit is on track (监测预警).

Pure: the layers module (:mod:`layers.vintages`) says which vintages exist (:class:`Vintage`) and loads
them; this module plans the runs, computes each with :func:`analysis.indicators.compute_indicators`, and
returns typed records and outlooks. Nothing here reads a file.

**Runs** (:func:`plan_runs`). There is one run per year in which any layer has a vintage (and one per
land-cover series, when a raster and a land survey share a year). Each layer kind of the run is the
vintage of that year where there is one, else the latest vintage before it, else the nearest after it;
the run says which (:class:`VintageUse`: ``same_year``, ``latest_before`` or ``nearest_after``). In a run
whose land cover is a land survey (DLTB), the survey's own wetland classes are that year's wetlands, so
the wetland polygon layer is left out.

**Records** (:class:`HistoryRecord`). An indicator is reported for a run's year only when one of the
layers it reads (:func:`layers_read`) has a vintage of that year: a 2024 station layer gives no 2019
station count. Each record carries the vintage of every layer it read. Its status is judged against the
unit's trajectory (:mod:`analysis.trajectory`) at the record's year.

**Outlooks** (:class:`Outlook`). For each unit, indicator and series (a raster's land cover and a land
survey's are different measurements, so they are never mixed in one line): the trajectory from the
baseline (the plan's, for the city, where ``data/targets.toml`` gives one; else the first vintage) to the
targets, the least-squares trend of the vintages, the year it reaches each target, and 预警 where it
misses one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from wuxi_atlas.analysis.indicators import (
    INDICATOR_IDS,
    IndicatorInputs,
    IndicatorOptions,
    compute_indicators,
)
from wuxi_atlas.analysis.names import INDICATOR_LAYERS, kinds_for
from wuxi_atlas.analysis.outlook import Outlook, TargetOutlook, judged, outlooks
from wuxi_atlas.analysis.results import CITY_ADCODE, IndicatorResult

if TYPE_CHECKING:
    from wuxi_atlas.analysis.targets import Target

__all__ = [
    "INDICATOR_LAYERS",
    "LAND_SURVEY",
    "RASTER",
    "History",
    "HistoryRecord",
    "HistoryRun",
    "Outlook",
    "TargetOutlook",
    "Vintage",
    "VintageRule",
    "VintageUse",
    "compute_history",
    "compute_run",
    "kinds_for",
    "layers_read",
    "outlooks",
    "pick_vintage",
    "plan_runs",
]

VintageRule = Literal["same_year", "latest_before", "nearest_after"]
#: The series of a land cover read from a raster and from a land survey's parcels; other kinds have "".
RASTER, LAND_SURVEY = "raster", "land_survey"


@dataclass(frozen=True)
class Vintage:
    """One vintage of a layer: its ``kind``, the ``year`` it describes (None: unknown), a ``label`` for
    people (``DLTB_2021 in wuxi_history_demo.gpkg``, ``catalog v3, stations.csv``), its ``series`` (land
    cover: ``raster`` or ``land_survey``; "" for other kinds) and ``key``, the loader's handle on it."""

    kind: str
    year: int | None
    label: str
    series: str = ""
    key: tuple[Any, ...] = ()
    synthetic: bool = False


@dataclass(frozen=True)
class VintageUse:
    """The vintage a run used for one kind, and why: ``same_year``, ``latest_before`` (the latest vintage
    before the run's year) or ``nearest_after`` (none before: the earliest after)."""

    vintage: Vintage
    rule: VintageRule

    @property
    def text(self) -> str:
        """``2021 (DLTB_2021 in wuxi_history_demo.gpkg)``, with the rule when it is not the same year."""
        rule = "" if self.rule == "same_year" else f", {self.rule.replace('_', ' ')}"
        return f"{self.vintage.year} ({self.vintage.label}{rule})"


@dataclass(frozen=True)
class HistoryRun:
    """One computation: the ``year`` and the vintage of each kind it uses (``layers``)."""

    year: int
    layers: Mapping[str, VintageUse]

    @property
    def series(self) -> str:
        """The land cover's series (``raster``, ``land_survey``), or "" without land cover."""
        use = self.layers.get("landcover")
        return use.vintage.series if use is not None else ""

    def fresh(self, kind: str) -> bool:
        """Whether ``kind``'s vintage is of the run's year."""
        use = self.layers.get(kind)
        return use is not None and use.rule == "same_year"


def pick_vintage(vintages: Sequence[Vintage], year: int) -> VintageUse | None:
    """The vintage of ``year``; else the latest before it; else the nearest after it (None if none).

    Examples
    --------
    >>> held = [Vintage("stations", 2022, "a"), Vintage("stations", 2024, "b")]
    >>> [(u.vintage.year, u.rule) for u in (pick_vintage(held, y) for y in (2021, 2023, 2024))]
    [(2022, 'nearest_after'), (2022, 'latest_before'), (2024, 'same_year')]
    """
    dated = [v for v in vintages if v.year is not None]
    same = [v for v in dated if v.year == year]
    if same:
        return VintageUse(same[-1], "same_year")
    before = [v for v in dated if v.year is not None and v.year < year]
    if before:
        return VintageUse(max(before, key=lambda v: v.year or 0), "latest_before")
    after = [v for v in dated if v.year is not None and v.year > year]
    if after:
        return VintageUse(min(after, key=lambda v: v.year or 0), "nearest_after")
    return None


def plan_runs(vintages: Iterable[Vintage]) -> list[HistoryRun]:
    """The runs for ``vintages`` (see the module docstring), oldest first; a vintage of unknown year is in
    no run. Of several vintages of one kind, series and year, the last given is used."""
    by_kind: dict[str, list[Vintage]] = {}
    for vintage in vintages:
        if vintage.year is not None:
            by_kind.setdefault(vintage.kind, []).append(vintage)
    years = sorted({v.year for held in by_kind.values() for v in held if v.year is not None})
    runs: list[HistoryRun] = []
    for year in years:
        others = {
            kind: use
            for kind, held in by_kind.items()
            if kind != "landcover" and (use := pick_vintage(held, year)) is not None
        }
        landcover = by_kind.get("landcover", [])
        series = sorted({v.series for v in landcover if v.year == year})
        if series:
            uses = [pick_vintage([v for v in landcover if v.series == s], year) for s in series]
        else:
            uses = [pick_vintage(landcover, year)]
        for use in uses:
            layers = dict(others)
            if use is not None:
                layers["landcover"] = use
            runs.append(HistoryRun(year, layers))
    return runs


def layers_read(indicator: str, run: HistoryRun) -> tuple[str, ...]:
    """The kinds ``indicator`` reads in ``run``: the wetland rate reads the wetland polygons where the run
    has them, else the land cover (a land survey's run never uses the polygons); the 建成区 green cover
    needs a raster's vegetation, so a land survey's run gives none."""
    kinds = INDICATOR_LAYERS[indicator]
    if indicator == "builtup_green_coverage" and run.series == LAND_SURVEY:
        return ()
    if indicator == "wetland_protection_rate":
        uses_polygons = "wetlands" in run.layers and run.series != LAND_SURVEY
        kinds = ("protected", "wetlands") if uses_polygons else ("protected", "landcover")
    return tuple(kind for kind in kinds if kind in run.layers)


@dataclass(frozen=True)
class HistoryRecord:
    """One indicator for one unit in one year, with the vintage of every layer it read (``layers``: kind
    → :class:`VintageUse`) and its status against the unit's trajectory (``expected``: the line's value in
    ``year``)."""

    year: int
    adcode: str
    district: str
    indicator: str
    series: str
    value: float | None
    unit: str
    status: str
    layers: Mapping[str, VintageUse]
    result: IndicatorResult
    expected: float | None = None

    def to_record(self) -> dict[str, Any]:
        """A flat, JSON-ready record; ``layers`` maps each kind to its vintage's year, label and rule."""
        return {
            "year": self.year,
            "adcode": self.adcode,
            "district": self.district,
            "indicator": self.indicator,
            "series": self.series,
            "value": self.value,
            "unit": self.unit,
            "status": self.status,
            "expected": self.expected,
            "target": self.result.target,
            "target_year": self.result.target_year,
            "layers": {
                kind: {"year": use.vintage.year, "label": use.vintage.label, "rule": use.rule}
                for kind, use in self.layers.items()
            },
            "synthetic": self.result.synthetic,
            "method": self.result.method,
            "reason": self.result.reason,
        }


@dataclass(frozen=True)
class History:
    """What :func:`compute_history` returns: the runs, the records (by year, indicator, unit) and the
    outlooks, and the vintages of unknown year that could not be placed."""

    runs: tuple[HistoryRun, ...]
    records: tuple[HistoryRecord, ...]
    outlooks: tuple[Outlook, ...]
    unknown: tuple[Vintage, ...] = ()

    def outlook(self, indicator: str, adcode: str) -> list[Outlook]:
        return [o for o in self.outlooks if o.indicator == indicator and o.adcode == adcode]


#: Computes one run's indicators: ``compute(run, inputs, targets, options, indicators)``.
RunCompute = Callable[
    [HistoryRun, IndicatorInputs, Sequence["Target"], IndicatorOptions | None, Sequence[str]],
    list[IndicatorResult],
]


def compute_run(
    run: HistoryRun,
    inputs: IndicatorInputs,
    targets: Sequence[Target],
    options: IndicatorOptions | None,
    indicators: Sequence[str],
) -> list[IndicatorResult]:
    """One run's indicators with :func:`analysis.indicators.compute_indicators` (no cache)."""
    return compute_indicators(inputs, targets, options, only=indicators)


def compute_history(
    runs: Sequence[tuple[HistoryRun, IndicatorInputs]],
    targets: Sequence[Target] = (),
    options: IndicatorOptions | None = None,
    *,
    only: Sequence[str] | None = None,
    unknown: Sequence[Vintage] = (),
    progress: Callable[[int, int], None] | None = None,
    compute: RunCompute = compute_run,
) -> History:
    """Every indicator (or those in ``only``) for each run, judged on each unit's trajectory.

    ``runs`` pairs each :class:`HistoryRun` with the layers it names, loaded; ``unknown`` are the
    vintages of unknown year, carried through so the caller can say they were left out. ``compute``
    computes one run (:func:`compute_run`; a front-end may pass one that caches, as
    :func:`layers.vintages.cached_run` does).
    """
    wanted = tuple(only) if only else INDICATOR_IDS
    raw: dict[tuple[int, str, str, str], tuple[HistoryRun, IndicatorResult]] = {}
    for done, (run, inputs) in enumerate(runs, start=1):
        due = [i for i in wanted if any(run.fresh(k) for k in layers_read(i, run))]
        if due:
            if run.series == LAND_SURVEY:
                inputs = inputs.without("wetlands")
            for result in compute(run, inputs, targets, options, due):
                series = run.series if "landcover" in layers_read(result.indicator, run) else ""
                raw.setdefault((run.year, result.indicator, series, result.adcode), (run, result))
        if progress is not None:
            progress(done, len(runs))
    records = [
        HistoryRecord(
            year=year,
            adcode=adcode,
            district=result.district,
            indicator=indicator,
            series=series,
            value=result.value,
            unit=result.unit,
            status=result.status,
            layers={kind: run.layers[kind] for kind in layers_read(indicator, run)},
            result=result,
        )
        for (year, indicator, series, adcode), (run, result) in sorted(raw.items(), key=_record_order)
    ]
    found = outlooks(records, targets)
    return History(tuple(runs_of(runs)), tuple(judged(records, found)), tuple(found), tuple(unknown))


def runs_of(runs: Sequence[tuple[HistoryRun, IndicatorInputs]]) -> list[HistoryRun]:
    return [run for run, _ in runs]


def _record_order(item: tuple[tuple[int, str, str, str], Any]) -> tuple[int, int, str, int, str]:
    year, indicator, series, adcode = item[0]
    return (INDICATOR_IDS.index(indicator), adcode != CITY_ADCODE, adcode, year, series)
