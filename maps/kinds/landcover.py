"""土地覆盖 land cover: a class-code raster drawn as a PNG overlay in the scheme's palette.

The overlay is read at a decimated size (GDAL serves it from the COG's overviews), reprojected with
nearest-neighbour to Web Mercator so it lines up with the basemap tiles, coloured by the scheme's
palette and placed with the EPSG:4326 bounds of the Mercator image. The ``forest`` variant colours only
the woody classes that the 林木覆盖率 proxy counts (tree, shrub, and orchard where the scheme has one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import folium
import folium.raster_layers
import numpy as np

from wuxi_atlas.analysis.errors import LayerReadError
from wuxi_atlas.analysis.sources import RasterSource
from wuxi_atlas.layers.kinds.landcover import SPEC
from wuxi_atlas.maps.draw import LegendEntry, Parent, check_opacity, feature_group, group_name
from wuxi_atlas.maps.text import t

__all__ = [
    "FOREST_ROLES",
    "SchemeClass",
    "Variant",
    "draw",
    "overlay_image",
    "scheme_classes",
    "style",
]

Variant = Literal["classes", "forest"]
#: Roles coloured by the forest-cover variant, as counted by the 林木覆盖率 proxy in analysis.forest.
FOREST_ROLES: tuple[str, ...] = ("tree", "shrub", "orchard")

_WEB_MERCATOR = "EPSG:3857"
_DEFAULT_COLOUR = "#9e9e9e"


@dataclass(frozen=True)
class SchemeClass:
    """One class of a land-cover scheme as the map shows it."""

    code: int
    role: str
    label_zh: str
    label_en: str
    colour: str


def _attr(item: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(item, Mapping) and name in item:
            return item[name]
        if hasattr(item, name):
            return getattr(item, name)
    return default


def scheme_classes(scheme: str | Any) -> list[SchemeClass]:
    """The classes of ``scheme`` (a name, a scheme file or a loaded scheme), ordered by code."""
    from wuxi_atlas.analysis.schemes import load_scheme

    loaded = load_scheme(scheme) if isinstance(scheme, str | Path) else scheme
    classes = _attr(loaded, "classes", default=())
    # A mapping code → class (the TOML layout) or a sequence of classes that carry their code.
    items: Iterable[tuple[Any, Any]] = (
        classes.items() if isinstance(classes, Mapping) else ((None, item) for item in classes)
    )
    found = []
    for key, item in items:
        label = str(_attr(item, "label", "name", "en", default="") or "")
        found.append(
            SchemeClass(
                code=int(_attr(item, "code", default=key)),
                role=str(_attr(item, "role", default="") or ""),
                label_zh=str(_attr(item, "label_zh", "zh", default=label) or label),
                label_en=str(_attr(item, "label_en", "en", default=label) or label),
                colour=str(_attr(item, "colour", "color", default=_DEFAULT_COLOUR) or _DEFAULT_COLOUR),
            )
        )
    return sorted(found, key=lambda cls: cls.code)


def _shown(classes: list[SchemeClass], variant: Variant) -> list[SchemeClass]:
    if variant == "forest":
        return [cls for cls in classes if cls.role in FOREST_ROLES]
    return classes


def style(source: RasterSource | str, *, variant: Variant = "classes") -> list[LegendEntry]:
    """Legend entries from the scheme's palette (of ``source``, or a scheme name); woody classes only
    for ``variant="forest"``."""
    scheme = source.scheme if isinstance(source, RasterSource) else source
    return [
        LegendEntry(cls.label_zh, cls.label_en, cls.colour) for cls in _shown(scheme_classes(scheme), variant)
    ]


def _rgb(colour: str) -> tuple[int, int, int]:
    text = colour.lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def overlay_image(
    source: RasterSource, *, variant: Variant = "classes", max_size: int = 1024
) -> tuple[np.ndarray, list[list[float]]]:
    """The coloured overlay of ``source``: an RGBA ``uint8`` array in Web Mercator and its bounds.

    Parameters
    ----------
    source : RasterSource
        The land-cover raster.
    variant : {"classes", "forest"}
        Every class of the scheme, or only the woody ones (:data:`FOREST_ROLES`).
    max_size : int
        The longest side of the decimated read, in pixels.

    Returns
    -------
    (image, bounds)
        ``image`` of shape (rows, cols, 4), transparent where there is no data or the class is not
        shown; ``bounds`` as ``[[south, west], [north, east]]`` in degrees (EPSG:4326).
    """
    import rasterio
    from affine import Affine
    from pyproj import Transformer
    from rasterio.enums import Resampling
    from rasterio.errors import RasterioError
    from rasterio.transform import array_bounds
    from rasterio.warp import calculate_default_transform, reproject

    classes = _shown(scheme_classes(source.scheme), variant)
    try:
        with rasterio.open(source.path) as dataset:
            scale = max(1.0, max(dataset.width, dataset.height) / max_size)
            rows, cols = max(1, math.ceil(dataset.height / scale)), max(1, math.ceil(dataset.width / scale))
            codes = dataset.read(1, out_shape=(rows, cols), resampling=Resampling.nearest)
            fill = dataset.nodata if dataset.nodata is not None else 0
            src_transform = dataset.transform @ Affine.scale(dataset.width / cols, dataset.height / rows)
            dst_transform, dst_cols, dst_rows = calculate_default_transform(
                dataset.crs, _WEB_MERCATOR, cols, rows, *dataset.bounds
            )
            mercator = np.full((int(dst_rows), int(dst_cols)), fill, dtype=codes.dtype)
            reproject(
                codes,
                mercator,
                src_transform=src_transform,
                src_crs=dataset.crs,
                src_nodata=fill,
                dst_transform=dst_transform,
                dst_crs=_WEB_MERCATOR,
                dst_nodata=fill,
                resampling=Resampling.nearest,
            )
    except RasterioError as exc:
        raise LayerReadError(f"{source.path.name}: cannot read it to draw ({exc})") from exc
    image = np.zeros((*mercator.shape, 4), dtype=np.uint8)
    for cls in classes:
        if cls.code == fill:
            continue
        image[mercator == cls.code] = (*_rgb(cls.colour), 255)
    west, south, east, north = array_bounds(mercator.shape[0], mercator.shape[1], dst_transform)
    to_degrees = Transformer.from_crs(_WEB_MERCATOR, "EPSG:4326", always_xy=True)
    west_deg, south_deg = to_degrees.transform(west, south)
    east_deg, north_deg = to_degrees.transform(east, north)
    return image, [[float(south_deg), float(west_deg)], [float(north_deg), float(east_deg)]]


def draw(
    parent: Parent,
    source: RasterSource,
    *,
    variant: Variant = "classes",
    opacity: float = 0.7,
    max_size: int = 1024,
    show: bool = True,
    lang: str = "zh",
) -> folium.FeatureGroup:
    """Add the land-cover overlay (all classes, or ``variant="forest"``); returns the group."""
    opacity = check_opacity(opacity)
    suffix = f" {source.year}" if source.year else ""
    suffix += f" {t('map_woody', lang)}" if variant == "forest" else ""
    group = feature_group(parent, group_name(SPEC, source, suffix, lang=lang), show=show)
    image, bounds = overlay_image(source, variant=variant, max_size=max_size)
    folium.raster_layers.ImageOverlay(
        image=image, bounds=bounds, opacity=opacity, mercator_project=False, pixelated=True
    ).add_to(group)
    return group
