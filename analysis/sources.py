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

__all__ = [
    "LAND_SURVEY_FIELDS",
    "LAYER_KINDS",
    "LandCoverSource",
    "LandSurveySource",
    "LayerKind",
    "LayerNote",
    "RasterSource",
    "VectorSource",
]

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
class LayerNote:
    """What an indicator's provenance reads of a vector layer (its source, whether it is synthetic,
    whether it is empty), kept beside the layer's zones in the result cache in place of the layer."""

    kind: str
    source: str
    synthetic: bool
    empty: bool

    @classmethod
    def of(cls, layer: VectorSource) -> LayerNote:
        return cls(layer.kind, layer.source, layer.synthetic, layer.empty)


@dataclass(frozen=True)
class RasterSource:
    """A land-cover raster on disk with its scheme and provenance."""

    path: Path
    scheme: str
    year: int | None
    source: str
    synthetic: bool
    kind: LayerKind = "landcover"


#: The fields of a land survey's parcel layer (地类图斑 DLTB) the atlas reads, by their survey names.
LAND_SURVEY_FIELDS: tuple[str, ...] = ("BSM", "DLBM", "DLMC", "ZLDWDM", "TBMJ", "TBDLMJ")


@dataclass(frozen=True)
class LandSurveySource:
    """A land survey's parcel layer (地类图斑 DLTB, 三调 or an annual 国土变更调查) as a land-cover source.

    ``frame`` holds the parcels in EPSG:4549 with the fields of :data:`LAND_SURVEY_FIELDS` that the file
    has, under those names: ``DLBM`` (class code, text such as ``"0301"``) always; ``ZLDWDM`` (the unit
    the parcel lies in, text; its first 6 characters are the county adcode), ``TBDLMJ`` and ``TBMJ``
    (ellipsoidal areas in m²), ``DLMC`` and ``BSM`` when present. ``scheme`` names the land-survey scheme
    (``sandiao``, or the absolute path of a scheme file) mapping DLBM codes to roles. ``layer`` is the
    layer read from a multi-layer file.
    """

    frame: gpd.GeoDataFrame
    year: int | None
    source: str
    synthetic: bool
    scheme: str = "sandiao"
    path: Path | None = None
    layer: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    kind: LayerKind = "landcover"

    @property
    def area_field(self) -> str | None:
        """The field tabulation sums: ``TBDLMJ`` (parcel land-class area), else ``TBMJ``, else None."""
        return next((name for name in ("TBDLMJ", "TBMJ") if name in self.frame.columns), None)

    @property
    def can_tabulate(self) -> bool:
        """Whether the statistical method can run: the parcels carry ``ZLDWDM`` and an area field."""
        return "ZLDWDM" in self.frame.columns and self.area_field is not None


#: A land-cover source: a class-code raster, or a land survey's parcels.
LandCoverSource = RasterSource | LandSurveySource
