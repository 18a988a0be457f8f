"""Every spatial indicator for the city and its districts, from one set of input layers.

This is the one entry point the CLI (``geoplan indicators``) and the app share. Each family lives in its
own module (:mod:`analysis.forest`, :mod:`analysis.wetland`, :mod:`analysis.green`, :mod:`analysis.pv`,
:mod:`analysis.charging`); this module builds the run's :class:`~analysis.study_area.StudyArea` once,
routes it and the inputs to them, and reports missing inputs as not computable, never as 0.

Two things keep a run to the work its indicators need. The layers are read only when an indicator reads
them (:class:`IndicatorInputs`; which kinds each indicator may read is
:data:`analysis.names.INDICATOR_LAYERS`). And the land-cover raster is read once for every indicator
that needs it: 林木覆盖率, 建成区绿化覆盖率 and the raster fallback of 湿地保护率 share one zonal pass
(:func:`analysis.landcover_pass.landcover_pass`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar, cast, overload

from wuxi_atlas.analysis.cached_run import forest_of_pass, green_of_pass, store_zones
from wuxi_atlas.analysis.green import builtup_by_district
from wuxi_atlas.analysis.indicator_cache import LayerOrigin, VectorResultCache
from wuxi_atlas.analysis.landcover_pass import LandCoverTables, landcover_pass
from wuxi_atlas.analysis.names import DEFAULT_SERVICE_RADIUS_M, INDICATOR_IDS, Denominator, Variant
from wuxi_atlas.analysis.pv import PVParameters, pv_installed_capacity, pv_rooftop_potential
from wuxi_atlas.analysis.results import DEFAULT_MIN_VALID_SHARE, IndicatorResult
from wuxi_atlas.analysis.sources import LAYER_KINDS, LandSurveySource, RasterSource, VectorSource
from wuxi_atlas.analysis.study_area import StudyArea
from wuxi_atlas.analysis.zonal import ZonalFunction, zonal_class_areas

if TYPE_CHECKING:
    import geopandas as gpd

    from wuxi_atlas.analysis.land_survey import MethodChoice
    from wuxi_atlas.analysis.result_cache import EntryKeys
    from wuxi_atlas.analysis.targets import Target

__all__ = [
    "INDICATOR_IDS",
    "LAYER_KINDS_READ",
    "IndicatorInputs",
    "IndicatorOptions",
    "StageProgress",
    "compute_indicators",
]

# (stage label, blocks done, blocks total): one call per raster block of each pass over the raster.
StageProgress = Callable[[str, int, int], None]
#: The layers an indicator run may read besides the boundaries, as :class:`IndicatorInputs` names them.
LAYER_KINDS_READ: tuple[str, ...] = tuple(kind for kind in LAYER_KINDS if kind != "districts")
LayerSource = RasterSource | LandSurveySource | VectorSource
T = TypeVar("T")


class _Layer(Generic[T]):
    """One layer of :class:`IndicatorInputs`: its value, read through the layer's loader on first access."""

    kind: str

    def __set_name__(self, owner: type, name: str) -> None:
        self.kind = name

    @overload
    def __get__(self, inputs: None, owner: type) -> _Layer[T]: ...

    @overload
    def __get__(self, inputs: IndicatorInputs, owner: type) -> T | None: ...

    def __get__(self, inputs: IndicatorInputs | None, owner: type) -> _Layer[T] | T | None:
        if inputs is None:
            return self
        return cast("T | None", inputs.layer(self.kind))


class IndicatorInputs:
    """The layers an indicator run reads; any but ``boundaries`` may be missing. ``landcover`` is a
    class-code raster or a land survey's parcels (DLTB, :class:`~analysis.sources.LandSurveySource`).

    Each layer is given as it is (``IndicatorInputs(boundaries, landcover=raster)``), or as a loader
    (:meth:`deferred`), called the first time an indicator reads the layer and only then: a run of
    林木覆盖率 alone never reads the 40,000 buildings. :attr:`read_kinds` says which loaders ran.
    """

    landcover = _Layer[RasterSource | LandSurveySource]()
    wetlands = _Layer[VectorSource]()
    protected = _Layer[VectorSource]()
    builtup = _Layer[VectorSource]()
    buildings = _Layer[VectorSource]()
    pv_sites = _Layer[VectorSource]()
    stations = _Layer[VectorSource]()

    def __init__(
        self,
        boundaries: gpd.GeoDataFrame,
        landcover: RasterSource | LandSurveySource | None = None,
        wetlands: VectorSource | None = None,
        protected: VectorSource | None = None,
        builtup: VectorSource | None = None,
        buildings: VectorSource | None = None,
        pv_sites: VectorSource | None = None,
        stations: VectorSource | None = None,
    ) -> None:
        self.boundaries = boundaries
        #: The files each layer kind (``districts`` included) is read from, where they are known; the
        #: vector results are kept in the on-disk cache only for those (:mod:`analysis.indicator_cache`).
        self.origins: dict[str, LayerOrigin | None] = {}
        self._values: dict[str, LayerSource | None] = {
            "landcover": landcover,
            "wetlands": wetlands,
            "protected": protected,
            "builtup": builtup,
            "buildings": buildings,
            "pv_sites": pv_sites,
            "stations": stations,
        }
        self._loaders: dict[str, Callable[[], LayerSource | None]] = {}
        self._read: list[str] = []

    @classmethod
    def deferred(
        cls,
        boundaries: gpd.GeoDataFrame,
        loaders: Mapping[str, Callable[[], LayerSource | None]],
        origins: Mapping[str, LayerOrigin | None] | None = None,
    ) -> IndicatorInputs:
        """Inputs whose layers are read by ``loaders`` (kind → function), each once, when first read;
        a kind with no loader is missing. ``origins``: the files of the layers, where known
        (:attr:`origins`)."""
        unknown = sorted(set(loaders) - set(LAYER_KINDS_READ))
        if unknown:
            raise ValueError(
                f"unknown layer kind(s) {', '.join(unknown)}; expected {', '.join(LAYER_KINDS_READ)}"
            )
        inputs = cls(boundaries)
        inputs._loaders = dict(loaders)
        inputs.origins = dict(origins or {})
        return inputs

    def layer(self, kind: str) -> LayerSource | None:
        """The layer of ``kind`` (None when missing), read now if it has a loader that has not run."""
        loader = self._loaders.pop(kind, None)
        if loader is not None:
            self._values[kind] = loader()
            self._read.append(kind)
        return self._values[kind]

    @property
    def read_kinds(self) -> tuple[str, ...]:
        """The kinds whose loaders have run, in the order they ran."""
        return tuple(self._read)

    def without(self, *kinds: str) -> IndicatorInputs:
        """These inputs with the layers of ``kinds`` missing (the others as they are, loaded or not)."""
        copy = IndicatorInputs(self.boundaries)
        copy._values = {kind: None if kind in kinds else value for kind, value in self._values.items()}
        copy._loaders = {kind: load for kind, load in self._loaders.items() if kind not in kinds}
        copy._read = list(self._read)
        copy.origins = {kind: None if kind in kinds else origin for kind, origin in self.origins.items()}
        return copy

    def __repr__(self) -> str:
        present = [
            kind for kind in LAYER_KINDS_READ if self._values[kind] is not None or kind in self._loaders
        ]
        return f"IndicatorInputs(layers={present}, read={self.read_kinds})"


@dataclass(frozen=True)
class IndicatorOptions:
    """The method choices, with DOMAIN.md's defaults.

    ``zonal`` is the engine of every pass over the land-cover raster: the single-machine one, or
    ``analysis.zonal.distributed.zonal_strategy(scheduler)`` to run them on Dask (same results).
    ``min_valid_share`` is the share (0–1) of a unit's area the raster must cover with valid data for its
    rates to be judged; below it they are ``insufficient_data`` (``--min-coverage`` in percent).
    ``landcover_method`` and ``include_aquaculture`` apply to a land survey as land cover
    (:mod:`analysis.land_survey`): tabulation or geometry (``auto``: tabulation when the parcels carry its
    fields), and whether 1104A 养殖坑塘 counts toward 湿地保护率.
    """

    forest_denominator: Denominator = "official"
    forest_variant: Variant = "linmu"
    pv: PVParameters = field(default_factory=PVParameters)
    service_radius_m: float = DEFAULT_SERVICE_RADIUS_M
    min_valid_share: float = DEFAULT_MIN_VALID_SHARE
    zonal: ZonalFunction = zonal_class_areas
    landcover_method: MethodChoice = "auto"
    include_aquaculture: bool = False


def compute_indicators(
    inputs: IndicatorInputs,
    targets: Sequence[Target] = (),
    options: IndicatorOptions | None = None,
    *,
    only: Sequence[str] | None = None,
    progress: StageProgress | None = None,
    cache: bool = False,
) -> list[IndicatorResult]:
    """All spatial indicators (or those in ``only``) for the city and every district.

    Results come grouped by indicator, the city first within each group. Only the layers the wanted
    indicators read are read, and the land-cover raster once (see the module docstring). ``cache``: keep
    the results of the indicators that read no raster in the on-disk result cache, and take them from it
    when their files, the targets and the method choices are unchanged (:mod:`analysis.indicator_cache`;
    only the layers with known :attr:`IndicatorInputs.origins`). What reads the raster is always computed.
    """
    # The vector families are imported when computed: a module of options and inputs stays light.
    from wuxi_atlas.analysis.charging import charging_service_coverage, station_counts
    from wuxi_atlas.analysis.wetland import wetland_protection_rate

    options = options or IndicatorOptions()
    wanted = tuple(only) if only else INDICATOR_IDS
    unknown = sorted(set(wanted) - set(INDICATOR_IDS))
    if unknown:
        raise ValueError(f"unknown indicator(s) {', '.join(unknown)}; choose from {', '.join(INDICATOR_IDS)}")

    # The units and the district polygons in EPSG:4549, made once and read by every family.
    study_area = StudyArea.from_boundaries(inputs.boundaries)
    families = _VectorFamilies(inputs, targets, options, wanted, cache)
    # A wetland rate from the cache needs no protected zones in the raster pass.
    in_pass = [i for i in wanted if not (i == "wetland_protection_rate" and families.wetland_cached)]
    tables = _shared_raster_pass(inputs, study_area, in_pass, options, progress, keep_zones=cache)

    def without_landcover(indicator: str) -> list[IndicatorResult]:
        return study_area.not_computable(indicator, "%", "no land-cover raster was given")

    results: list[IndicatorResult] = []
    if "forest_coverage" in wanted:
        if inputs.landcover is None:
            results += without_landcover("forest_coverage")
        else:
            results += forest_of_pass(inputs.landcover, study_area, targets, options, tables)
    if "wetland_protection_rate" in wanted:
        results += families.wetland(
            lambda: wetland_protection_rate(
                study_area,
                inputs.protected,
                targets,
                wetlands=inputs.wetlands,
                min_valid_share=options.min_valid_share,
                landcover=inputs.landcover,
                zonal=options.zonal,
                method=options.landcover_method,
                include_aquaculture=options.include_aquaculture,
                raster_tables=tables if tables.protected is not None else None,
            )
        )
    if "builtup_green_coverage" in wanted:
        if inputs.landcover is None:
            results += without_landcover("builtup_green_coverage")
        elif isinstance(inputs.landcover, LandSurveySource):
            reason = (
                "needs a land-cover raster: the vertical projection of vegetation is not a land-survey class "
                "(give the raster with --landcover, the land survey for 林木覆盖率 and 湿地保护率)"
            )
            results += study_area.not_computable("builtup_green_coverage", "%", reason)
        else:
            results += green_of_pass(inputs.landcover, inputs.builtup, study_area, targets, options, tables)
    if "pv_installed_capacity" in wanted:
        results += families.get(
            _PV_SITES, lambda: pv_installed_capacity(inputs.pv_sites, study_area, targets)
        )
    if "pv_rooftop_potential" in wanted:
        results += families.get(
            _ROOFTOPS, lambda: pv_rooftop_potential(inputs.buildings, study_area, options.pv)
        )
    if set(_STATION_COUNTS) & set(wanted):
        counts = families.get(_STATION_COUNTS, lambda: station_counts(inputs.stations, study_area, targets))
        results += [r for r in counts if r.indicator in wanted]
    if "charging_service_coverage" in wanted:
        results += families.get(
            _SERVICE,
            lambda: charging_service_coverage(
                inputs.stations, inputs.builtup, study_area, radius_m=options.service_radius_m
            ),
        )
    return results


_WETLAND = ("wetland_protection_rate",)
_PV_SITES = ("pv_installed_capacity",)
_ROOFTOPS = ("pv_rooftop_potential",)
_STATION_COUNTS = ("charging_piles", "battery_swap_stations", "hydrogen_stations")
_SERVICE = ("charging_service_coverage",)


class _VectorFamilies:
    """The run's families of indicators that read no raster: from the cache when it holds them (and the
    run asks for it), else computed, and stored when ``cache`` (see :mod:`analysis.indicator_cache`)."""

    def __init__(
        self,
        inputs: IndicatorInputs,
        targets: Sequence[Target],
        options: IndicatorOptions,
        wanted: Sequence[str],
        cache: bool,
    ) -> None:
        self.inputs = inputs
        self.cache = VectorResultCache(inputs.origins, targets, options) if cache else None
        self._wetland_key: EntryKeys | None = None
        self._wetland: list[IndicatorResult] | None = None
        if self.cache is not None and "wetland_protection_rate" in wanted:
            # A land survey's parcels replace the wetland polygons: the land cover's kind is in the key.
            kind = type(inputs.landcover).__name__
            self._wetland_key = self.cache.key(_WETLAND, landcover_kind=kind)
            self._wetland = self.cache.load(self._wetland_key)

    @property
    def wetland_cached(self) -> bool:
        return self._wetland is not None

    def wetland(self, compute: Callable[[], list[IndicatorResult]]) -> list[IndicatorResult]:
        """湿地保护率, stored only when it came from wetland polygons (not from the land cover)."""
        if self._wetland is not None:
            return self._wetland
        results = compute()
        landcover, protected = self.inputs.landcover, self.inputs.protected
        from_landcover = isinstance(landcover, LandSurveySource) or (
            landcover is not None and protected is not None and not _has_features(self.inputs.wetlands)
        )
        if self.cache is not None and not from_landcover:
            self.cache.store(self._wetland_key, results)
        return results

    def get(
        self, family: tuple[str, ...], compute: Callable[[], list[IndicatorResult]]
    ) -> list[IndicatorResult]:
        """The results of ``family``: cached, else computed (and stored)."""
        if self.cache is None:
            return compute()
        key = self.cache.key(family)
        cached = self.cache.load(key)
        if cached is not None:
            return cached
        results = compute()
        self.cache.store(key, results)
        return results


def _has_features(source: VectorSource | None) -> bool:
    return source is not None and not source.empty


def _shared_raster_pass(
    inputs: IndicatorInputs,
    study_area: StudyArea,
    wanted: Sequence[str],
    options: IndicatorOptions,
    progress: StageProgress | None,
    keep_zones: bool = False,
) -> LandCoverTables:
    """The one zonal pass over the land-cover raster that every wanted raster indicator reads (empty
    tables when none needs the raster, or the land cover is a land survey). ``keep_zones``: keep the
    districts and built-up zones in the result cache for a run from it (:mod:`analysis.cached_run`)."""
    from wuxi_atlas.analysis.wetland import protected_by_district

    need_raster = {"forest_coverage", "builtup_green_coverage"} & set(wanted)
    wetland_fallback = (
        "wetland_protection_rate" in wanted
        and not _has_features(inputs.wetlands)
        and inputs.protected is not None
    )
    if not (need_raster or wetland_fallback):
        return LandCoverTables()
    landcover = inputs.landcover
    if not isinstance(landcover, RasterSource):
        return LandCoverTables()
    served = [i for i in ("forest_coverage", "builtup_green_coverage") if i in wanted]
    green = "builtup_green_coverage" in wanted and _has_features(inputs.builtup)
    protected = inputs.protected if wetland_fallback else None
    if protected is not None:
        served.append("wetland_protection_rate")
    label = ", ".join(served)
    builtup = builtup_by_district(cast(VectorSource, inputs.builtup), study_area) if green else None
    if keep_zones and "forest_coverage" in wanted:
        store_zones(
            inputs.origins,
            study_area,
            inputs.builtup if "builtup_green_coverage" in wanted else None,
            builtup,
        )
    return landcover_pass(
        landcover.path,
        study_area,
        districts="forest_coverage" in wanted or wetland_fallback,
        builtup=builtup,
        protected=protected_by_district(protected, study_area) if protected is not None else None,
        zonal=options.zonal,
        progress=None if progress is None else lambda done, total: progress(label, done, total),
    )
