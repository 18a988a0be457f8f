"""The indicators that read no raster, kept in the on-disk result cache between runs.

湿地保护率 from wetland polygons, the PV indicators, the station counts and the charging service coverage
are computed from vector layers only, and overlaying those (wetlands with protected areas, buildings with
districts, service areas with the built-up area) is most of the time of a ``geoplan indicators`` run
once the raster is read. Their results depend only on the files the layers are read from, the
boundaries, the targets and the method choices, so :class:`VectorResultCache` keeps them in
:mod:`analysis.result_cache` under exactly those, one entry per family of indicators that is computed
together. For the shipped layers they were computed when the layers were written
(:mod:`analysis.shipped_results`), which a run with an empty cache reads.

What reads the land-cover raster is never served from here: 林木覆盖率 and 建成区绿化覆盖率 are always
computed, and 湿地保护率 is stored only when it came from wetland polygons (not from the raster's classes
for want of them, nor from a land survey's parcels, which the key tells apart from a raster).

A layer can be cached only when its files are known (:attr:`analysis.indicators.IndicatorInputs.origins`,
which :func:`layers.inputs.load_indicator_inputs` fills); a layer given as a frame, or from a PostGIS
catalog, makes its families uncached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from wuxi_atlas.analysis.result_cache import EntryKeys, results_keys, results_of, store_results
from wuxi_atlas.analysis.shipped_results import load_keyed

if TYPE_CHECKING:
    from wuxi_atlas.analysis.results import IndicatorResult
    from wuxi_atlas.analysis.targets import Target

__all__ = ["VECTOR_FAMILIES", "LayerOrigin", "VectorResultCache"]


class LayerOrigin(NamedTuple):
    """Where a layer of a run is read from: its files, and how they are read (``stations_crs`` for a
    station table, say), which changes the layer as much as the file does."""

    files: tuple[str, ...]
    reading: str = ""


#: Each family of indicators computed together from vector layers only, with the kinds it reads (the
#: districts apart, which every family reads) and the method choices (fields of
#: :class:`analysis.indicators.IndicatorOptions`) its results depend on.
VECTOR_FAMILIES: Mapping[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("wetland_protection_rate",): (("protected", "wetlands"), ("min_valid_share",)),
    ("pv_installed_capacity",): (("pv_sites",), ()),
    ("pv_rooftop_potential",): (("buildings",), ("pv",)),
    ("charging_piles", "battery_swap_stations", "hydrogen_stations"): (("stations",), ()),
    ("charging_service_coverage",): (("stations", "builtup"), ("service_radius_m",)),
}


class VectorResultCache:
    """The cache entries of one run's vector families, keyed on its layers' origins.

    ``origins`` gives each layer kind of the run (``districts`` included) its :class:`LayerOrigin`, or
    None where the kind is missing; a kind absent from ``origins`` has no known files, and the families
    that read it are not cached.
    """

    def __init__(
        self,
        origins: Mapping[str, LayerOrigin | None],
        targets: Sequence[Target],
        options: Any,
    ) -> None:
        self._origins = dict(origins)
        self._targets = repr(tuple(targets))
        self._options = options

    def key(self, family: tuple[str, ...], *, landcover_kind: str = "") -> EntryKeys | None:
        """The entry of ``family`` (a key of :data:`VECTOR_FAMILIES`), or None when one of its layers has
        no known files. ``landcover_kind`` names the kind of land cover for the wetland family, whose
        source changes with it (a land survey's parcels take precedence over the wetland polygons)."""
        kinds, option_names = VECTOR_FAMILIES[family]
        files: list[str] = []
        layers: list[tuple[str, str, int]] = []
        for kind in ("districts", *kinds):
            if kind not in self._origins:
                return None
            origin = self._origins[kind]
            if origin is None:
                layers.append((kind, "missing", 0))
                continue
            layers.append((kind, origin.reading, len(origin.files)))
            files += origin.files
        choices = tuple((name, repr(getattr(self._options, name))) for name in option_names)
        parts = ("vector-family", tuple(layers), choices, self._targets, landcover_kind)
        return results_keys(family, files, parts)

    def load(self, key: EntryKeys | None) -> list[IndicatorResult] | None:
        """The results stored under ``key`` in the result cache, else among the results written with the
        shipped data (:mod:`analysis.shipped_results`); None: in neither, or no key."""
        return None if key is None else results_of(load_keyed("indicators", key))

    def store(self, key: EntryKeys | None, results: Sequence[IndicatorResult]) -> None:
        """Store ``results`` under ``key`` in the result cache (nothing without a key)."""
        if key is not None:
            store_results(key.local, results)
