"""The map's overlays by name, in the order a user picks them (the app's layer selector, ``geoplan map
--layer``). Imports nothing, so the CLI's ``--help`` can offer them without loading folium; the drawing
order is :data:`maps.atlas.OVERLAYS`, the same names."""

from __future__ import annotations

__all__ = ["OVERLAY_CHOICES"]

OVERLAY_CHOICES: tuple[str, ...] = (
    "districts",
    "landcover",
    "forest",
    "pv",
    "pv_sites",
    "wetlands",
    "protected",
    "builtup",
    "charging_gaps",
    "stations",
)
