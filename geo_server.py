"""The atlas with its local tile endpoint: ``streamlit run geo_server.py`` serves the app (``geo_app.py``)
and, at ``/tiles/{z}/{x}/{y}``, the tiles of the XYZ folder or MBTiles file ``GEOPLAN_TILES`` names, for
the "local tiles" basemap of an intranet install (README, "Basemaps on an intranet"). Without
``GEOPLAN_TILES`` it is the same app as ``streamlit run geo_app.py``, which starts a little slower for its
first visitor: this server imports what the first page needs before it says it is up
(:mod:`app.warmup`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import streamlit as st

from wuxi_atlas.app.tiles import TILE_ROUTES
from wuxi_atlas.app.warmup import import_first_page


@contextlib.asynccontextmanager
async def _startup(_app: st.App) -> AsyncIterator[None]:
    # Blocking the event loop is intended: the server takes no request until the imports are done.
    import_first_page()
    yield


# An absolute path: the server may be started from any directory, or from the installed package.
app = st.App(str(Path(__file__).with_name("geo_app.py")), routes=TILE_ROUTES, lifespan=_startup)
