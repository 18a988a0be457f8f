"""One module per layer kind: how it is drawn, its ``draw()`` (a folium layer) and ``style()`` (its legend).

Each module answers the same small contract (``draw``, ``style``), looked up by kind with :func:`drawer`;
what a kind is and how it is read is :mod:`layers.kinds`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from wuxi_atlas.layers.spec import get_spec

__all__ = ["drawer"]


def drawer(kind: str) -> ModuleType:
    """The drawing module of ``kind`` (``maps.kinds.stations`` …), which answers ``draw`` and ``style``;
    imported on demand.

    Examples
    --------
    >>> drawer("wetlands").__name__
    'wuxi_atlas.maps.kinds.wetlands'
    """
    return importlib.import_module(f"wuxi_atlas.maps.kinds.{get_spec(kind).kind}")
