"""The contract every vector format's reader answers, as rio-tiler's ``io/base.py`` is for its readers.

A reader turns one kind of file into a :class:`RawLayer`: the rows as the file holds them, named the
way the user counts them, with the file's metadata. It knows nothing of fields or display CRSs;
:func:`layers.read.read_vector` takes it from there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd

from wuxi_atlas.layers.messages import RowLabels
from wuxi_atlas.layers.spec import LayerSpec

__all__ = ["RawLayer", "VectorFormat", "VectorReader"]


@dataclass(frozen=True)
class RawLayer:
    """A file's rows as read, before its fields and geometry are checked.

    ``frame`` is a GeoDataFrame in the file's own CRS for the formats GDAL reads, or a table of text
    cells whose points come from its coordinate columns (then :attr:`has_geometry` is False). ``rows``
    names its rows as the user counts them (CSV lines from 2, features from 1); ``layer`` is the layer
    read from a multi-layer file (None for a table); ``metadata`` holds the file's and the layer's
    metadata, keys in lower case.
    """

    frame: pd.DataFrame
    rows: RowLabels
    layer: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def has_geometry(self) -> bool:
        return isinstance(self.frame, gpd.GeoDataFrame)


class VectorReader(Protocol):
    """Read ``path`` for a layer of ``spec``: ``layer`` names a layer or sheet, ``encoding`` the text
    encoding (None: the reader finds out); what the reader assumes or doubts is added to ``notes``."""

    def __call__(
        self, path: Path, spec: LayerSpec, layer: str | None, encoding: str | None, notes: list[str]
    ) -> RawLayer: ...


@dataclass(frozen=True)
class VectorFormat:
    """One vector file format: its name, its reader and, for the formats GDAL reads, the path to give
    GDAL for a checked local file (a zip's member, say), checked for what GDAL would fetch or unpack."""

    name: str
    read: VectorReader
    gdal_target: Callable[[Path], str] | None = None
