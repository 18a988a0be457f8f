"""Which vintages of each layer kind exist, and loading them: the inputs of ``geoplan history``.

:func:`history_vintages` lists them as :class:`analysis.history.Vintage` records: the shipped demo data's
(the land-cover rasters of each year, the land survey's ``DLTB_<year>`` layers and the station snapshots
of the history GeoPackage, and the other demo layers with the year their metadata states), with every
kind the user's catalog holds replaced by all of the catalog's versions of it. Of several catalog
versions of one year the latest import is used (a re-import corrects the earlier one). A version of
unknown year stays in the list, with ``year`` None, so the caller can say it was left out.

:func:`history_inputs` loads each vintage once (:func:`load_vintage`) and pairs each planned run
(:func:`analysis.history.plan_runs`) with its layers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from wuxi_atlas.analysis.boundaries import load_boundaries
from wuxi_atlas.analysis.history import LAND_SURVEY, RASTER, HistoryRun, Vintage, compute_run, plan_runs
from wuxi_atlas.analysis.indicators import IndicatorInputs, IndicatorOptions
from wuxi_atlas.analysis.paths import demo_dir
from wuxi_atlas.analysis.results import IndicatorResult
from wuxi_atlas.analysis.sources import LAYER_KINDS
from wuxi_atlas.layers import defaults
from wuxi_atlas.layers.catalog import CatalogBackend, CatalogEntry, open_catalog
from wuxi_atlas.layers.inputs import VECTOR_KINDS
from wuxi_atlas.layers.provenance import lower_keys, year_of

__all__ = [
    "cached_run",
    "catalog_vintages",
    "history_inputs",
    "history_vintages",
    "load_vintage",
    "shipped_vintages",
    "vintage_files",
]

#: The kinds that have vintages (the district boundaries are one fixed layer).
VINTAGE_KINDS: tuple[str, ...] = tuple(kind for kind in LAYER_KINDS if kind != "districts")


def _layer_year(path: Path, layer: str) -> int | None:
    """The year a GeoPackage layer's metadata states (``vintage`` or ``year``), else its name's."""
    import pyogrio

    try:
        metadata = lower_keys(pyogrio.read_info(path, layer=layer).get("layer_metadata"))
    except Exception:  # the layer is read properly later; here only its year is wanted
        metadata = {}
    return year_of(metadata.get("vintage", metadata.get("year", ""))) or year_of(layer)


def shipped_vintages() -> list[Vintage]:
    """The demo data's vintages (files that have not been generated are left out)."""
    found: list[Vintage] = []
    for year, path in defaults.default_landcover_series().items():
        found.append(Vintage("landcover", year, path.name, RASTER, ("raster", str(path), None), True))
    history = demo_dir() / defaults.DEMO_HISTORY_GPKG
    if history.is_file():
        import pyogrio

        for name, _ in pyogrio.list_layers(history):
            for kind, prefix in defaults.HISTORY_LAYER_PREFIXES.items():
                match = re.fullmatch(rf"{prefix}_(\d{{4}})", str(name))
                if match:
                    series = LAND_SURVEY if kind == "landcover" else ""
                    label = f"{name} in {history.name}"
                    key = ("survey" if kind == "landcover" else "vector", str(history), str(name))
                    found.append(Vintage(kind, _layer_year(history, str(name)), label, series, key, True))
    gpkg = demo_dir() / defaults.DEMO_GPKG
    if gpkg.is_file():
        for kind, layer in defaults.DEMO_LAYER_NAMES.items():
            label = f"{layer} in {gpkg.name}"
            found.append(
                Vintage(kind, _layer_year(gpkg, layer), label, "", ("vector", str(gpkg), layer), True)
            )
    return found


def _catalog_vintage(catalog: CatalogBackend, entry: CatalogEntry) -> Vintage:
    series = ""
    if entry.kind == "landcover":
        series = RASTER if entry.file.endswith((".tif", ".tiff")) else LAND_SURVEY
    label = f"catalog v{entry.version}, {entry.original_name}"
    key = ("catalog", catalog.location, entry.kind, entry.version)
    return Vintage(entry.kind, entry.year, label, series, key, entry.synthetic)


def catalog_vintages(catalog: CatalogBackend) -> list[Vintage]:
    """Every stored version of every kind but the districts, removed versions left out; of one kind,
    series and year, the latest import only. Versions of unknown year are kept (``year`` None)."""
    found: list[Vintage] = []
    for kind in VINTAGE_KINDS:
        latest: dict[tuple[str, int], Vintage] = {}
        for entry in catalog.history(kind):
            if entry.removed:  # a removed version is kept for the audit trail, not computed with
                continue
            vintage = _catalog_vintage(catalog, entry)
            if vintage.year is None:
                found.append(vintage)
            else:
                latest[(vintage.series, vintage.year)] = vintage  # versions come oldest first
        found += sorted(latest.values(), key=lambda v: (v.year or 0, v.series))
    return found


def history_vintages(catalog: CatalogBackend | None = None) -> list[Vintage]:
    """The vintages ``geoplan history`` computes: the shipped ones, each kind the catalog holds replaced
    by the catalog's versions of it."""
    stored = catalog_vintages(catalog) if catalog is not None else []
    replaced = {v.kind for v in stored}
    return [v for v in shipped_vintages() if v.kind not in replaced] + stored


def load_vintage(vintage: Vintage) -> Any:
    """The layer of one vintage: a :class:`~analysis.sources.VectorSource`, a land-cover raster or a
    land survey's parcels, read and validated."""
    origin, *where = vintage.key or ("",)
    if origin == "catalog":
        root, layer_kind, version = where
        return open_catalog(root).get(layer_kind, version)
    if origin == "raster":
        from wuxi_atlas.layers.formats import read_landcover
        from wuxi_atlas.layers.limits import trusted

        # A shipped raster, checked when it was generated: its header is read, not every block again.
        with trusted():
            return read_landcover(where[0])
    if origin == "survey":
        from wuxi_atlas.layers.formats.land_survey import read_land_survey

        return read_land_survey(where[0], layer=where[1])
    if origin == "vector":
        from dataclasses import replace

        from wuxi_atlas.layers.stored import read_stored_vector

        # A shipped layer, validated when it was generated and stored typed.
        source = read_stored_vector(vintage.kind, where[0], layer=where[1])
        return replace(source, vintage=str(vintage.year or source.vintage))
    raise ValueError(f"not a vintage this module made: {vintage!r}")


def history_inputs(
    vintages: Sequence[Vintage],
    boundaries: Any = None,
    load: Callable[[Vintage], Any] = load_vintage,
) -> list[tuple[HistoryRun, IndicatorInputs]]:
    """Each planned run with its layers, every vintage loaded once (``load``: :func:`load_vintage`)."""
    boundaries = load_boundaries() if boundaries is None else boundaries
    loaded: dict[Any, Any] = {}

    def layer(run: HistoryRun, kind: str) -> Any:
        use = run.layers.get(kind)
        if use is None:
            return None
        if use.vintage.key not in loaded:
            loaded[use.vintage.key] = load(use.vintage)
        return loaded[use.vintage.key]

    return [
        (
            run,
            IndicatorInputs(
                boundaries=boundaries,
                landcover=layer(run, "landcover"),
                **{kind: layer(run, kind) for kind in VECTOR_KINDS},
            ),
        )
        for run in plan_runs(vintages)
    ]


def vintage_files(vintage: Vintage) -> list[Path]:
    """The file a vintage is read from (a catalog version's stored file)."""
    origin, *where = vintage.key or ("",)
    if origin == "catalog":
        root, kind, version = where
        return [open_catalog(root).path(kind, version)]
    return [Path(where[0])] if where else []


def _options_text(options: IndicatorOptions | None) -> str:
    """The method choices as text, the zonal engine left out (it gives the same results either way)."""
    options = options or IndicatorOptions()
    return repr(
        [(f.name, getattr(options, f.name)) for f in dataclasses.fields(options) if f.name != "zonal"]
    )


def _boundaries_digest(inputs: IndicatorInputs) -> str:
    frame = inputs.boundaries
    digest = hashlib.sha256(frame.drop(columns=frame.geometry.name).to_json().encode())
    for geometry in frame.geometry:
        digest.update(geometry.wkb)
    return digest.hexdigest()


def cached_run(
    run: HistoryRun,
    inputs: IndicatorInputs,
    targets: Sequence[Any],
    options: IndicatorOptions | None,
    indicators: Sequence[str],
) -> list[IndicatorResult]:
    """:func:`analysis.history.compute_run`, kept in the on-disk result cache
    (:mod:`analysis.result_cache`) under the identity of the run's files, the schemes, the targets, the
    boundaries and the method: a second ``geoplan history`` (or the app) reads what the first computed."""
    from wuxi_atlas.analysis.result_cache import load_results, results_key, store_results
    from wuxi_atlas.analysis.schemes import schemes_dir

    files = sorted({str(p) for use in run.layers.values() for p in vintage_files(use.vintage)})
    files += sorted(str(p) for p in schemes_dir().glob("*.toml"))
    layers = sorted((kind, repr(use.vintage.key), use.rule) for kind, use in run.layers.items())
    parts = (
        "history",
        run.year,
        layers,
        _options_text(options),
        repr(tuple(targets)),
        _boundaries_digest(inputs),
    )
    key = results_key(tuple(indicators), files, parts)
    cached = load_results(key)
    if cached is not None:
        return cached
    results = compute_run(run, inputs, targets, options, indicators)
    store_results(key, results)
    return results
