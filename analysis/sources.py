"""Layers as the analysis sees them: data plus where it came from.

The readers in ``layers/`` build these; indicator functions take them, so every result can say which
file, which vintage and whether the data is synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["LAYER_KINDS", "LayerKind", "RasterSource", "VectorSource"]

LayerKind = Literal[
    "landcover", "districts", "wetlands", "protected", "builtup", "buildings", "pv_sites", "stations"
]
LAYER_KINDS: tuple[LayerKind, ...] = (
    "landcover",
    "districts",
    "wetlands",
    "protected",
    "builtup",
    "buildings",
    "pv_sites",
    "stations",
)


@dataclass(frozen=True)
class VectorSource:
    """A vector layer in EPSG:4326 with its provenance.

    ``vintage`` is the data's year or date as text ("2024"); ``source`` is a short human description
    ("synthetic demo, demo.generate seed 20240712" or the user's file name).
    """

    kind: LayerKind
    frame: gpd.GeoDataFrame
    source: str
    vintage: str
    synthetic: bool
    path: Path | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return len(self.frame) == 0


@dataclass(frozen=True)
class RasterSource:
    """A land-cover raster on disk with its scheme and provenance."""

    path: Path
    scheme: str
    year: int | None
    source: str
    synthetic: bool
    kind: LayerKind = "landcover"
