"""Write the vector indicators' results, the raster pass's zones and the city outline of a data
directory's layers, as they are written (:mod:`analysis.shipped_results` says why and how they are read back).

The results are those of the production path itself: a full ``compute_indicators`` run with the
default method choices and the directory's targets, filling an empty, temporary result cache, whose
entries are then filed under their content keys. Nothing is computed twice and nothing is derived by
another route, so what a run reads back is what it would have computed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from wuxi_atlas.analysis.cached_run import ZONES, zone_keys
from wuxi_atlas.analysis.errors import AtlasError, DataFileError
from wuxi_atlas.analysis.indicator_cache import VECTOR_FAMILIES, VectorResultCache
from wuxi_atlas.analysis.result_cache import code_identity, load_entry
from wuxi_atlas.analysis.shipped_results import (
    FILE_NAME,
    computed_afresh,
    format_shipped_results,
    is_shipped_data_dir,
)
from wuxi_atlas.analysis.sources import RasterSource

__all__ = ["shipped_results_text", "write_shipped_results"]

_WETLAND = ("wetland_protection_rate",)


def shipped_results_text(data_dir: Path) -> str:
    """The text of ``data_dir/demo/vector_results.json`` for the layers now in ``data_dir`` (what it
    lacks of a data directory, such as the boundaries in a ``demo-data --out`` folder, is the shipped
    one's)."""
    with tempfile.TemporaryDirectory(prefix="geoplan-shipped-") as scratch:
        view = _data_view(data_dir, Path(scratch) / "data")
        environment = _environment(
            GEOPLAN_DATA_DIR=str(view),
            GEOPLAN_CACHE_DIR=str(Path(scratch) / "cache"),
            GEOPLAN_CACHE_MAX_MB=None,
            # The results of a run with the default reading, whatever the shell that runs demo-data sets:
            # a value alias file or a size limit would be in every key, and no default run served them.
            **dict.fromkeys(_reading_variables(), None),
        )
        try:
            with environment, computed_afresh():
                entries = _entries()
        except AtlasError as exc:  # named with the folder's files, not the view's links to them
            raise DataFileError(_as_given(str(exc), view)) from exc
    # Stamped with the code, but in the shipped data directory, whose file the tests recompute (its
    # stamp would change with every module and library, and hold in no other installation).
    return format_shipped_results(entries, None if is_shipped_data_dir(data_dir) else code_identity())


def _entries() -> dict[str, dict[str, Any]]:
    """The entries of the data directory ``$GEOPLAN_DATA_DIR``, from a full run into an empty cache."""
    from wuxi_atlas.analysis.indicators import IndicatorOptions, compute_indicators
    from wuxi_atlas.analysis.paths import boundaries_path
    from wuxi_atlas.analysis.targets import load_targets
    from wuxi_atlas.layers.inputs import load_indicator_inputs
    from wuxi_atlas.layers.origins import layer_origins
    from wuxi_atlas.layers.raster_checks import OUTLINE, outline_keys, outline_wkb

    entries: dict[str, dict[str, Any]] = {"indicators": {}, ZONES: {}, OUTLINE: {}}
    targets, options = load_targets(), IndicatorOptions()
    inputs = load_indicator_inputs()
    compute_indicators(inputs, targets, options, cache=True)
    origins = layer_origins()
    vector = VectorResultCache(origins, targets, options)
    for family in VECTOR_FAMILIES:
        kind = RasterSource.__name__ if family == _WETLAND else ""
        keys = vector.key(family, landcover_kind=kind)
        _file(entries["indicators"], keys, load_entry("indicators", keys.local) if keys else None, family)
    for keys in zone_keys(origins):
        _file(entries[ZONES], keys, load_entry(ZONES, keys.local), ZONES)
    # The outline every raster's check reads (layers.raster_checks).
    boundaries = str(boundaries_path())
    _file(entries[OUTLINE], outline_keys(boundaries), outline_wkb(boundaries), OUTLINE)
    return entries


def _reading_variables() -> list[str]:
    """The environment variables set now that change how a layer is read (its key's reading and files,
    :func:`layers.origins.layer_origins`): the value alias file and the size limits."""
    from wuxi_atlas.layers.shipped import ALIASES_ENV

    return [name for name in os.environ if name == ALIASES_ENV or name.startswith("GEOPLAN_MAX_")]


def write_shipped_results(data_dir: Path) -> Path:
    """Write :func:`shipped_results_text` to ``data_dir/demo/vector_results.json`` (atomically); returns
    its path.

    In this process, after ``geoplan demo-data``'s stages have freed their arrays (its peak RSS stays
    that of the raster stage, ~375 MB). A child process looked lighter by its own peak RSS, but the
    parent's ~330 MB stayed resident beside it: both together held ~610 MB, which no one process's
    figure shows."""
    _write(data_dir)
    return data_dir / "demo" / FILE_NAME


def _write(data_dir: Path) -> None:
    text = shipped_results_text(data_dir)
    # This process's own temporary name: two demo-data runs into one folder must not share one.
    temporary = data_dir / "demo" / f".{FILE_NAME}.{os.getpid()}.tmp"
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(data_dir / "demo" / FILE_NAME)  # never half a file, which no run would read


def _data_view(data_dir: Path, view: Path) -> Path:
    """A data directory at ``view`` made of links to ``data_dir``'s parts, else to the shipped ones. The
    keys name files by their names, not their folders, so the results hold for ``data_dir`` itself."""
    from wuxi_atlas.analysis.paths import shipped_data_dir

    view.mkdir()
    for part in ("boundaries", "demo", "rasters", "schemes", "targets.toml", "aliases.toml"):
        own = data_dir / part
        (view / part).symlink_to((own if own.exists() else shipped_data_dir() / part).resolve())
    return view


def _as_given(message: str, view: Path) -> str:
    """``message`` with the parts of the data directory ``view`` named as the files they link to."""
    for part in view.iterdir():
        message = message.replace(str(part), os.readlink(part))
    return message


def _file(entries: dict[str, Any], keys: Any, value: Any, what: object) -> None:
    if keys is None or value is None:
        # Every shipped layer is one file the cache can name: a miss here is a bug, not a choice.
        raise RuntimeError(f"the run stored no result for {what}: nothing to ship")
    entries[keys.content] = value


@contextlib.contextmanager
def _environment(**values: str | None) -> Iterator[None]:
    """Within: the environment variables ``values`` set (None: unset), restored after."""
    before = {name: os.environ.get(name) for name in values}
    try:
        _set_environment(values)
        yield
    finally:
        _set_environment(before)


def _set_environment(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
