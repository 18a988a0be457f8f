"""What the zonal engine hands back: per-zone class areas and continuous statistics, in m².

Every per-zone result reports three areas: ``zone_area_m2`` (the part of the zone on the raster grid),
``valid_area_m2`` (the part of that with data) and ``polygon_area_m2`` (the whole polygon, measured as
the raster's pixels are), and the two shares they give, ``valid_fraction`` and ``footprint_fraction``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ClassAreaTable",
    "ContinuousTable",
    "Progress",
    "ZonalFunction",
    "ZoneClassAreas",
    "ZoneContinuous",
]

# Called with ``(blocks_done, blocks_total)`` as a raster is read.
Progress = Callable[[int, int], None]


class _OnGridShares:
    """The two shares every per-zone result reports, from its three areas (m²)."""

    zone_area_m2: float
    valid_area_m2: float
    polygon_area_m2: float

    @property
    def valid_fraction(self) -> float:
        """Share of the zone's on-grid area that has data (0–1; NaN for a zone off the grid)."""
        return self.valid_area_m2 / self.zone_area_m2 if self.zone_area_m2 > 0 else math.nan

    @property
    def footprint_fraction(self) -> float:
        """Share of the zone polygon that lies on the raster grid (0–1; 1 when wholly inside)."""
        return self.zone_area_m2 / self.polygon_area_m2 if self.polygon_area_m2 > 0 else math.nan


@dataclass(frozen=True)
class ZoneClassAreas(_OnGridShares):
    """Area of each class code inside one zone, in m².

    Attributes
    ----------
    zone_id
        The zone's identifier (the ``zone_id`` column, as text).
    class_area_m2
        Class code → area in m² of valid pixels of that class inside the zone (coverage-weighted).
    zone_area_m2
        Area of the zone that lies on the raster grid, m² (coverage fractions × pixel areas).
    valid_area_m2
        Part of ``zone_area_m2`` with data (not nodata, not masked), m². Equals the sum of
        ``class_area_m2``.
    polygon_area_m2
        Ground area of the whole zone polygon, m², measured as the raster's pixels are, whether or not
        it lies on the grid.
    """

    zone_id: str
    class_area_m2: Mapping[int, float]
    zone_area_m2: float
    valid_area_m2: float
    polygon_area_m2: float

    def area_of(self, codes: int | set[int] | frozenset[int] | list[int] | tuple[int, ...]) -> float:
        """Total area in m² of the given class code(s) in this zone.

        Examples
        --------
        >>> zone = ZoneClassAreas("320205", {10: 300.0, 20: 100.0}, 500.0, 400.0, 500.0)
        >>> zone.area_of({10, 20}), zone.valid_fraction
        (400.0, 0.8)
        """
        wanted = {codes} if isinstance(codes, int) else set(codes)
        return float(sum(area for code, area in self.class_area_m2.items() if code in wanted))


@dataclass(frozen=True)
class ClassAreaTable:
    """Class areas of every zone, with the raster they came from.

    Attributes
    ----------
    zones
        One :class:`ZoneClassAreas` per zone, in the order of the input GeoDataFrame.
    raster_crs
        The raster's CRS as ``AUTHORITY:CODE`` when it has one, else WKT.
    raster_path
        The raster file that was read.
    pixel_size
        ``(width, height)`` of a pixel in the raster CRS's units (degrees for a geographic grid).
    geographic
        Whether the raster grid is in longitude/latitude (areas then vary by row).
    """

    zones: tuple[ZoneClassAreas, ...]
    raster_crs: str
    raster_path: str
    pixel_size: tuple[float, float]
    geographic: bool

    def by_zone(self, zone_id: str | int) -> ZoneClassAreas:
        """The result of one zone; ``KeyError`` naming the known ids if there is no such zone.

        Examples
        --------
        >>> table = ClassAreaTable((ZoneClassAreas("1", {10: 5.0}, 5.0, 5.0, 5.0),), "EPSG:4549", "x.tif",
        ...                        (10.0, 10.0), False)
        >>> table.by_zone(1).class_area_m2[10]
        5.0
        """
        wanted = str(zone_id)
        for zone in self.zones:
            if zone.zone_id == wanted:
                return zone
        raise KeyError(f"no zone {wanted!r}; zones are {[z.zone_id for z in self.zones]}")

    def codes_present(self) -> frozenset[int]:
        """Class codes with a positive area in at least one zone (nodata excluded)."""
        return frozenset(code for z in self.zones for code, area in z.class_area_m2.items() if area > 0)

    def to_frame(self) -> pd.DataFrame:
        """Long table with columns ``zone_id``, ``class_code``, ``area_m2`` (one row per zone and code)."""
        import pandas as pd

        rows = [
            (zone.zone_id, int(code), float(area))
            for zone in self.zones
            for code, area in sorted(zone.class_area_m2.items())
        ]
        frame = pd.DataFrame(rows, columns=["zone_id", "class_code", "area_m2"])
        return frame.astype({"zone_id": "string", "class_code": "int64", "area_m2": "float64"})


# Anything called like :func:`zonal_class_areas` (``raster_path, zones, zone_id, *, band, progress``): the
# engine itself, or the Dask variant bound to a scheduler (``analysis.zonal.distributed.zonal_strategy``).
ZonalFunction = Callable[..., ClassAreaTable]


@dataclass(frozen=True)
class ZoneContinuous(_OnGridShares):
    """Coverage-weighted statistics of a continuous raster inside one zone.

    Attributes
    ----------
    zone_id
        The zone's identifier (as text).
    weighted_sum
        Σ fraction × value over valid pixels (exactextract's ``sum``), in the raster's value units.
    weighted_count
        Σ fraction over valid pixels (exactextract's ``count``), in pixels.
    mean
        Area-weighted mean value over the valid part of the zone. On a grid of equal pixel areas it
        equals ``weighted_sum / weighted_count``; elsewhere (geographic, Web Mercator, UTM …) each pixel
        also weighs by its true area. NaN when the zone has no valid pixel.
    zone_area_m2, valid_area_m2, polygon_area_m2
        As in :class:`ZoneClassAreas`, m².
    """

    zone_id: str
    weighted_sum: float
    weighted_count: float
    mean: float
    zone_area_m2: float
    valid_area_m2: float
    polygon_area_m2: float


@dataclass(frozen=True)
class ContinuousTable:
    """Continuous statistics of every zone, with the raster they came from (fields as in
    :class:`ClassAreaTable`)."""

    zones: tuple[ZoneContinuous, ...]
    raster_crs: str
    raster_path: str
    pixel_size: tuple[float, float]
    geographic: bool

    def by_zone(self, zone_id: str | int) -> ZoneContinuous:
        """The result of one zone; ``KeyError`` naming the known ids if there is no such zone."""
        wanted = str(zone_id)
        for zone in self.zones:
            if zone.zone_id == wanted:
                return zone
        raise KeyError(f"no zone {wanted!r}; zones are {[z.zone_id for z in self.zones]}")

    def to_frame(self) -> pd.DataFrame:
        """One row per zone: ``zone_id``, the statistics, ``valid_fraction`` and ``footprint_fraction``."""
        import pandas as pd

        frame = pd.DataFrame(
            [
                {
                    "zone_id": z.zone_id,
                    "weighted_sum": z.weighted_sum,
                    "weighted_count": z.weighted_count,
                    "mean": z.mean,
                    "zone_area_m2": z.zone_area_m2,
                    "valid_area_m2": z.valid_area_m2,
                    "polygon_area_m2": z.polygon_area_m2,
                    "valid_fraction": z.valid_fraction,
                    "footprint_fraction": z.footprint_fraction,
                }
                for z in self.zones
            ]
        )
        return frame.astype({"zone_id": "string"}) if len(frame) else frame
