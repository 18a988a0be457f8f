"""Where each layer of an indicator run is read from, worked out from the paths alone: the key of the
run's entries in the result cache (:mod:`analysis.indicator_cache`, :mod:`analysis.cached_run`).

:func:`layer_origins` reads no layer and imports no vector reader, so a run can ask the cache before it
reads anything. A layer has an origin when it is one regular file the cache can identify (its path,
size, modification time and content): a user's file, or the shipped one. A layer from a
catalog, a folder (a File Geodatabase) or a Shapefile with side files has none, and the results that
read it are not cached. The value alias files (the shipped table and ``$GEOPLAN_ALIASES``) are among
every layer's files: they decide what a text value is read as (which stations are 充电站, say); so is
the ``MANIFEST.json`` beside a file, which gives its vintage and whether it is synthetic.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.analysis.indicator_cache import LayerOrigin
from wuxi_atlas.analysis.names import kinds_for
from wuxi_atlas.layers.limits import current_limits
from wuxi_atlas.layers.names import VECTOR_KINDS
from wuxi_atlas.layers.provenance import manifest_path
from wuxi_atlas.layers.shipped import default_sources, shipped_aliases_path, user_aliases_path

__all__ = ["layer_origins"]


def layer_origins(
    *,
    districts: Path | None = None,
    layer_paths: Mapping[str, Path | None] | None = None,
    stations_crs: str | None = None,
    without: Iterable[str] = (),
    in_catalog: Collection[str] = (),
    indicators: Sequence[str] | None = None,
) -> dict[str, LayerOrigin | None]:
    """The origin of the districts and of each vector kind, as :func:`layers.inputs.load_indicator_inputs`
    reads them with the same arguments (``in_catalog``: the kinds the catalog holds): None for a kind
    the run leaves out or none of ``indicators`` reads, and no entry for a kind with no identifiable
    file."""
    given_paths = dict(layer_paths or {})
    wanted = set(kinds_for(indicators)) - set(without)
    shipped = {str(kind): path for kind, path in default_sources().items()}
    aliases = tuple(str(p) for p in (shipped_aliases_path(), user_aliases_path()) if p is not None)
    origins: dict[str, LayerOrigin | None] = {}
    for kind in ("districts", *VECTOR_KINDS):
        if kind != "districts" and kind not in wanted:
            origins[kind] = None
            continue
        given = districts if kind == "districts" else given_paths.get(kind)
        if given is None and kind in in_catalog:
            continue  # a catalog's version: its files are the catalog's business
        path = given if given is not None else shipped[kind]
        if path.is_file() and path.suffix.lower() != ".shp":  # a Shapefile's side files could change alone
            # The manifest beside a file gives its provenance (vintage, synthetic), read with it.
            files = (str(path), str(manifest_path(path)), *aliases)
            origins[kind] = LayerOrigin(files, _reading(kind, given, stations_crs))
    return origins


def _reading(kind: str, given: Path | None, stations_crs: str | None) -> str:
    """How a layer's file is read, apart from the file: under the size limits in force
    (``GEOPLAN_MAX_UPLOAD_MB``…: a run under a lower one refuses a user's file, or a dataset's file not
    stored the atlas's way, so it must not be served what a run under a higher one computed), a user's
    station table in its datum."""
    try:
        limits = repr(current_limits())
    except LayerError:  # a malformed GEOPLAN_MAX_*: the reader of a user's file says so, as before
        limits = "malformed limits"
    return f"{limits} lonlat_crs={stations_crs}" if kind == "stations" and given is not None else limits
