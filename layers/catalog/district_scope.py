"""A district officer's save: their file clipped to their districts, merged into the city layer.

The city layer is one layer per kind; an officer answers for some districts only. So a save scoped to
districts (:func:`~layers.catalog.roles.scope_of_commit`) replaces exactly those districts' part of the
current city layer and leaves every other district's features as they were:

    new version = (current layer cut to outside the districts) + (the officer's file cut to inside them)

Cutting is done in EPSG:4549 (:data:`~analysis.crs.METRIC_CRS`), as the district exports do. A point
belongs to the districts when it lies in them or on their boundary (so each point is on exactly one
side); a polygon or line wholly on one side keeps its own coordinates, and one that crosses the boundary
is cut there, each side keeping the part of its own type (a polygon's sliver along the boundary that
degenerates to a line is dropped). The officer's features outside their districts are dropped, and the
version's notes say how many; a file with nothing inside their districts is refused, since saving it
would erase their districts' features rather than update them.

Backends call :func:`merge_into_city` under their write lock, with the current version read inside it,
so that two officers saving different districts at once both keep their change.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, cast

from wuxi_atlas.analysis.crs import DISPLAY_CRS, METRIC_CRS
from wuxi_atlas.analysis.errors import LayerError, printable
from wuxi_atlas.analysis.sources import VectorSource
from wuxi_atlas.layers.catalog.entries import StagedLayer
from wuxi_atlas.layers.catalog.roles import CatalogPermissionError, User

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["districts_area", "merge_into_city", "split_at"]


def districts_area(boundaries: gpd.GeoDataFrame, adcodes: tuple[str, ...]) -> Any:
    """The union of the districts ``adcodes`` in EPSG:4549; :class:`LayerError` naming an adcode the
    boundaries do not hold."""
    codes = boundaries["adcode"].astype(str)
    missing = [a for a in adcodes if a not in set(codes)]
    if missing:
        raise LayerError(
            f"no district {', '.join(missing)} in the district boundaries (known: {', '.join(codes)})"
        )
    return boundaries[codes.isin(adcodes)].to_crs(METRIC_CRS).geometry.union_all()


def _parts_of_dimension(geometry: Any, dimension: int) -> Any:
    """The parts of ``geometry`` of ``dimension`` (0 points, 1 lines, 2 polygons) as one geometry, or
    None when there are none (a polygon cut at a boundary it only touches leaves a line)."""
    import shapely

    parts = [part for part in shapely.get_parts(geometry) if shapely.get_dimensions(part) == dimension]
    if not parts:
        return None
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def split_at(frame: gpd.GeoDataFrame, area: Any, inside: bool) -> gpd.GeoDataFrame:
    """``frame``'s part inside ``area`` (EPSG:4549) when ``inside``, else its part outside, in
    EPSG:4326: features wholly on that side as they are, crossing ones cut at the boundary."""
    import geopandas as gpd
    import shapely

    if frame.crs is None:
        raise LayerError("a layer without a CRS cannot be cut to districts")
    projected = frame.geometry.to_crs(METRIC_CRS)
    present = projected.notna() & ~projected.is_empty
    covered = present & projected.covered_by(area)
    touching = present & projected.intersects(area)
    whole = covered if inside else present & ~touching
    crossing = present & touching & ~covered
    dimensions = shapely.get_dimensions(projected[crossing].to_numpy())
    cut = projected[crossing].intersection(area) if inside else projected[crossing].difference(area)
    kept = {
        index: part
        for index, geometry, dimension in zip(cut.index, cut.to_numpy(), dimensions, strict=True)
        if (part := _parts_of_dimension(geometry, int(dimension))) is not None
    }
    shown = frame.to_crs(DISPLAY_CRS)
    if kept:
        pieces = gpd.GeoSeries(list(kept.values()), index=list(kept.keys()), crs=METRIC_CRS).to_crs(
            DISPLAY_CRS
        )
        shown.loc[pieces.index, shown.geometry.name] = pieces
    return cast("gpd.GeoDataFrame", shown[whole | shown.index.isin(list(kept))])


def merge_into_city(
    staged: StagedLayer,
    current: VectorSource | None,
    current_version: int | None,
    boundaries: gpd.GeoDataFrame,
    adcodes: tuple[str, ...],
    user: User,
) -> StagedLayer:
    """``staged`` as a new city layer in which only the districts ``adcodes`` come from the file.

    ``current`` is the kind's current version (None: the catalog has none, so the districts' features are
    the whole layer). The result is a staged layer ready to store: its frame merged, its feature count
    and notes updated (how many of the file's features were kept, how many of the other districts' were
    carried over from ``current_version``). :class:`CatalogPermissionError` when the file has nothing
    inside the districts.
    """
    import pandas as pd

    if not isinstance(staged.source, VectorSource) or staged.kind == "districts":
        raise LayerError(f"a {staged.kind} layer is city-wide; it cannot be saved for some districts only")
    area = districts_area(boundaries, adcodes)
    ours = split_at(staged.source.frame, area, inside=True)
    where = ", ".join(adcodes)
    if ours.empty:
        raise CatalogPermissionError(
            user,
            f"save {staged.kind} outside {where}",
            "the data_steward role",
            why=f"none of the {len(staged.source.frame)} features of {printable(staged.original_name)} lies "
            f"in {where}",
        )
    others = split_at(current.frame, area, inside=False) if current is not None else ours.iloc[0:0]
    merged = pd.concat([others, ours], ignore_index=True)
    frame = type(ours)(merged, geometry=ours.geometry.name, crs=DISPLAY_CRS)
    dropped = len(staged.source.frame) - len(ours)
    note = (
        f"district scope: {len(ours)} of the {len(staged.source.frame)} features of "
        f"{printable(staged.original_name)} in {where}"
        + (f" ({dropped} outside dropped)" if dropped else "")
        + (
            f"; the other districts' {len(others)} features carried over unchanged from v{current_version}"
            # The new version takes the file's year; say which year the carried-over part describes.
            + (f" (year {printable(current.vintage)})" if current.vintage else " (year unknown)")
            if current is not None
            else "; no city layer before it"
        )
    )
    source = dataclasses.replace(staged.source, frame=frame)
    return dataclasses.replace(
        staged,
        source=source,
        feature_count=len(frame),
        notes=(*staged.notes, note),
        options={**staged.options, "districts": list(adcodes)},
    )
