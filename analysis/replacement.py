"""What replacing a city-wide layer would change, worked out before anything is saved.

A layer in the catalog feeds every user's board, so the Data page shows, before a save, what the new
version does to the data and to the indicators, and warns when the new layer covers much less of the
city than the current one (a 5-station file about to replace 6,147 stations):

- :func:`feature_change`: features in each layer, how many the new one adds and how many it drops
  (features compared by geometry and attributes, as a multiset, so duplicates count);
- :func:`district_counts`: features per district (a feature belongs to the district that holds its
  representative point);
- :func:`indicator_moves`: the indicators whose value or status differs, with the change in the unit's
  own unit;
- :func:`coverage_changes`: for land cover, which has no features to count, the share of each unit's
  area with valid data before and after (the ``valid_share`` of the land-cover rates);
- :func:`compare_replacement` puts them together in a :class:`ReplacementReport`, whose ``shrinks``
  says whether to warn.

Pure: frames and results in, typed records out; the wording is the front-end's.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from wuxi_atlas.analysis.results import CITY_ADCODE, IndicatorResult

__all__ = [
    "MIN_KEPT_SHARE",
    "CoverageChange",
    "DistrictCount",
    "FeatureChange",
    "IndicatorMove",
    "ReplacementReport",
    "compare_replacement",
    "coverage_changes",
    "district_counts",
    "feature_change",
    "indicator_moves",
]

#: A new layer with fewer than this share of the current layer's features is a warning: it is far more
#: likely a partial file (one district, a sample) than the city's new data.
MIN_KEPT_SHARE = 0.5
# Coordinates are compared to 1e-7° (about 1 cm), so a round trip through a file format that rewrites the
# last digits does not count as a changed feature.
_GRID_SIZE = 1e-7
# Two indicator values closer than this (relative) are the same figure: sums in another order.
_SAME_VALUE = 1e-9


@dataclass(frozen=True)
class FeatureChange:
    """Features in the current and the new layer; ``added`` are in the new one only, ``removed`` in the
    current one only (compared by geometry and attributes)."""

    current: int
    new: int
    added: int
    removed: int

    @property
    def kept_share(self) -> float | None:
        """The new layer's feature count as a fraction of the current one's (None: no current features)."""
        return None if self.current == 0 else self.new / self.current


@dataclass(frozen=True)
class DistrictCount:
    """Features of each layer in one district (``adcode``)."""

    adcode: str
    current: int
    new: int


@dataclass(frozen=True)
class IndicatorMove:
    """An indicator of one unit whose value or status the new layer changes. Values are in ``unit``;
    ``change`` is None when either side has no value."""

    indicator: str
    adcode: str
    unit: str
    before: float | None
    after: float | None
    status_before: str
    status_after: str

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class CoverageChange:
    """The share (0–1) of a unit's area with valid land-cover data, before and after (None: no figure)."""

    adcode: str
    before: float | None
    after: float | None

    @property
    def shrinks(self) -> bool:
        """Whether the unit keeps under :data:`MIN_KEPT_SHARE` of the valid data it has now."""
        return bool(self.before) and (self.after or 0.0) < MIN_KEPT_SHARE * (self.before or 0.0)


@dataclass(frozen=True)
class ReplacementReport:
    """What saving a new version of ``kind`` changes (see the module docstring).

    ``features`` and ``districts`` are empty for a raster (it has no features), which has ``coverage``
    instead (the city first); ``districts_lost`` are the districts with features today and none in the
    new layer, or, for land cover, the units left with under :data:`MIN_KEPT_SHARE` of their valid data;
    ``shrinks`` is the warning: the new layer keeps under :data:`MIN_KEPT_SHARE` of the features, or
    leaves districts empty, or takes most of a unit's valid land cover away.
    """

    kind: str
    features: FeatureChange | None
    districts: tuple[DistrictCount, ...]
    moves: tuple[IndicatorMove, ...]
    coverage: tuple[CoverageChange, ...] = ()

    @property
    def districts_lost(self) -> tuple[str, ...]:
        empty = tuple(d.adcode for d in self.districts if d.current > 0 and d.new == 0)
        return empty + tuple(c.adcode for c in self.coverage if c.shrinks)

    @property
    def shrinks(self) -> bool:
        share = None if self.features is None else self.features.kept_share
        return (share is not None and share < MIN_KEPT_SHARE) or bool(self.districts_lost)


def _feature_keys(frame: gpd.GeoDataFrame, fields: Sequence[str]) -> Counter[Hashable]:
    """One key per feature: its geometry (normalised, on a 1e-7 grid, as WKB) and its ``fields``."""
    geometry = shapely.normalize(shapely.set_precision(frame.geometry.values, _GRID_SIZE))
    shapes = shapely.to_wkb(geometry, hex=True)
    columns = [name for name in fields if name in frame.columns]
    values = frame[columns].astype(str).itertuples(index=False, name=None) if columns else ((),) * len(frame)
    return Counter(zip(shapes, values, strict=True))


def feature_change(
    current: gpd.GeoDataFrame | None, new: gpd.GeoDataFrame, fields: Sequence[str] = ()
) -> FeatureChange:
    """Count the features the new layer adds and drops against the current one.

    Two features are the same when their geometries agree on a 1e-7° grid (both frames in the same CRS)
    and their ``fields`` (those present in each frame) agree. Without a current layer every feature is
    added.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> old = gpd.GeoDataFrame({"piles": [4, 2]}, geometry=[Point(120, 31), Point(120.1, 31)], crs=4326)
    >>> new = gpd.GeoDataFrame({"piles": [4, 8]}, geometry=[Point(120, 31), Point(120.1, 31)], crs=4326)
    >>> feature_change(old, new, ["piles"])
    FeatureChange(current=2, new=2, added=1, removed=1)
    """
    if current is None:
        return FeatureChange(current=0, new=len(new), added=len(new), removed=0)
    if current.crs is not None and new.crs is not None and current.crs != new.crs:
        new = new.to_crs(current.crs)
    shared = [name for name in fields if name in current.columns and name in new.columns]
    before, after = _feature_keys(current, shared), _feature_keys(new, shared)
    return FeatureChange(
        current=len(current),
        new=len(new),
        added=sum((after - before).values()),
        removed=sum((before - after).values()),
    )


def _per_district(frame: gpd.GeoDataFrame | None, districts: gpd.GeoDataFrame) -> pd.Series:
    if frame is None or frame.empty:
        return pd.Series(0, index=districts["adcode"].astype(str), dtype="int64")
    if frame.crs is not None and districts.crs is not None and frame.crs != districts.crs:
        frame = frame.to_crs(districts.crs)
    points = gpd.GeoDataFrame(geometry=frame.geometry.representative_point(), crs=frame.crs)
    joined = gpd.sjoin(points, districts[["adcode", "geometry"]], how="inner", predicate="within")
    counts = joined["adcode"].astype(str).value_counts()
    return counts.reindex(districts["adcode"].astype(str), fill_value=0).astype("int64")


def district_counts(
    current: gpd.GeoDataFrame | None, new: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame
) -> tuple[DistrictCount, ...]:
    """Features of each layer per district of ``boundaries`` (its city row, adcode 320200, left out).

    A feature counts in the district that holds its representative point (a polygon's point inside it);
    features outside every district count nowhere.
    """
    districts = boundaries[boundaries["adcode"].astype(str) != CITY_ADCODE]
    before, after = _per_district(current, districts), _per_district(new, districts)
    return tuple(
        DistrictCount(adcode=adcode, current=int(before[adcode]), new=int(after[adcode]))
        for adcode in before.index
    )


def _same(before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return before is after
    if math.isnan(before) or math.isnan(after):
        return math.isnan(before) and math.isnan(after)
    return math.isclose(before, after, rel_tol=_SAME_VALUE, abs_tol=_SAME_VALUE)


def _value(result: IndicatorResult | None) -> float | None:
    if result is None or result.value is None or math.isnan(result.value):
        return None
    return float(result.value)


def indicator_moves(
    before: Iterable[IndicatorResult], after: Iterable[IndicatorResult]
) -> tuple[IndicatorMove, ...]:
    """The (indicator, unit) pairs whose value or status differs between two runs, the city first, in
    the order of ``after``."""
    old: Mapping[tuple[str, str], IndicatorResult] = {(r.indicator, r.adcode): r for r in before}
    moves = []
    for result in after:
        previous = old.get((result.indicator, result.adcode))
        value_before, value_after = _value(previous), _value(result)
        status_before = "" if previous is None else previous.status
        if _same(value_before, value_after) and status_before == result.status:
            continue
        moves.append(
            IndicatorMove(
                indicator=result.indicator,
                adcode=result.adcode,
                unit=result.unit,
                before=value_before,
                after=value_after,
                status_before=status_before,
                status_after=result.status,
            )
        )
    moves.sort(key=lambda move: move.adcode != CITY_ADCODE)  # stable: the city's rows first
    return tuple(moves)


def _valid_shares(results: Iterable[IndicatorResult]) -> dict[str, float]:
    """Each unit's valid share, from the first of its results that reports one (every land-cover rate of
    a unit is read from the same land cover)."""
    shares: dict[str, float] = {}
    for result in results:
        if result.valid_share is not None and result.adcode not in shares:
            shares[result.adcode] = float(result.valid_share)
    return shares


def coverage_changes(
    before: Iterable[IndicatorResult], after: Iterable[IndicatorResult]
) -> tuple[CoverageChange, ...]:
    """The valid share of each unit with one on either side, before and after, the city first.

    Examples
    --------
    >>> import dataclasses
    >>> from wuxi_atlas.analysis.results import not_computable
    >>> row = not_computable("forest_coverage", "320211", "Binhu", "%", "test")
    >>> whole, partial = (dataclasses.replace(row, valid_share=share) for share in (1.0, 0.3))
    >>> coverage_changes([whole], [partial])
    (CoverageChange(adcode='320211', before=1.0, after=0.3),)
    """
    old, new = _valid_shares(before), _valid_shares(after)
    units = sorted(set(old) | set(new), key=lambda adcode: (adcode != CITY_ADCODE, adcode))
    return tuple(CoverageChange(adcode, old.get(adcode), new.get(adcode)) for adcode in units)


def compare_replacement(
    kind: str,
    current: gpd.GeoDataFrame | None,
    new: gpd.GeoDataFrame | None,
    boundaries: gpd.GeoDataFrame,
    results_before: Iterable[IndicatorResult],
    results_after: Iterable[IndicatorResult],
    fields: Sequence[str] = (),
) -> ReplacementReport:
    """What replacing ``current`` by ``new`` as the city's ``kind`` layer changes.

    ``current`` is None when the catalog has no such layer (the new one adds every feature); ``new`` is
    None for land cover, which is compared by its indicators and by the valid share of each unit.
    ``fields`` are the kind's attribute fields that make two features different.
    """
    results_before, results_after = list(results_before), list(results_after)
    if new is None:
        moves = indicator_moves(results_before, results_after)
        return ReplacementReport(kind, None, (), moves, coverage_changes(results_before, results_after))
    return ReplacementReport(
        kind=kind,
        features=feature_change(current, new, fields),
        districts=district_counts(current, new, boundaries),
        moves=indicator_moves(results_before, results_after),
    )
