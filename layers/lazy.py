"""Layers read only when asked for: a read-only mapping that loads each value on first access, and
whether a GDAL vector file declares itself synthetic, from its metadata alone.

Front-ends use them to draw a page without reading the layers it does not show: the map of the default
view needs the boundaries and three vector layers, not the 40,000 buildings of the PV indicators.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from wuxi_atlas.layers.provenance import (
    json_declarations,
    lower_keys,
    manifest_beside,
    marks_synthetic,
    truthy,
)

__all__ = ["LazyMapping", "declares_synthetic"]

K = TypeVar("K")
V = TypeVar("V")


class LazyMapping(Mapping[K, V]):
    """A read-only mapping of known ``keys`` whose values come from ``load(key)`` on each access.

    Keys, ``len`` and ``in`` never load anything; ``[key]``, ``get`` and ``values`` do. ``load`` does
    its own caching (the app's loaders are cached per file identity), so this holds no state but the keys.

    Examples
    --------
    >>> squares = LazyMapping([1, 2, 3], lambda n: n * n)
    >>> sorted(squares), 2 in squares, squares[3]
    ([1, 2, 3], True, 9)
    """

    def __init__(self, keys: Iterable[K], load: Callable[[K], V]) -> None:
        self._keys = tuple(keys)
        self._load = load

    def __getitem__(self, key: K) -> V:
        if key not in self._keys:
            raise KeyError(key)
        return self._load(key)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[K]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"LazyMapping({list(self._keys)!r})"


def declares_synthetic(path: str | Path, layer: str | None = None) -> bool:
    """Whether :func:`layers.read.read_vector` would mark the layer synthetic, without reading its
    geometry: a true ``synthetic`` in the file's or the layer's metadata, in a ``MANIFEST.json`` next to
    it, at the top of a GeoJSON export, or in a ``synthetic`` field of a feature (only that field read)."""
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    local = Path(path)
    if json_declarations(local).get("synthetic"):
        return True
    if truthy(manifest_beside(local, []).get("synthetic", False)):
        return True
    try:
        info = pyogrio.read_info(local, layer=layer)
        metadata = {**lower_keys(info.get("dataset_metadata")), **lower_keys(info.get("layer_metadata"))}
        if truthy(metadata.get("synthetic", False)):
            return True
        marked = [str(f) for f in info.get("fields", ()) if str(f).strip().lower() == "synthetic"]
        if not marked:
            return False
        column = pyogrio.read_dataframe(local, layer=layer, columns=marked, read_geometry=False)
        return marks_synthetic(column)
    except (DataSourceError, DataLayerError, OSError):
        return False  # reading the layer itself will say what is wrong
