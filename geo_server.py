"""The atlas with its local tile endpoint: ``streamlit run geo_server.py`` serves the app (``geo_app.py``)
and, at ``/tiles/{z}/{x}/{y}``, the tiles of the XYZ folder or MBTiles file ``GEOPLAN_TILES`` names, for
the "local tiles" basemap of an intranet install (README, "Basemaps on an intranet"). Without
``GEOPLAN_TILES`` it is the same app as ``streamlit run geo_app.py``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from wuxi_atlas.app.tiles import TILE_ROUTES

# An absolute path: the server may be started from any directory, or from the installed package.
app = st.App(str(Path(__file__).with_name("geo_app.py")), routes=TILE_ROUTES)
