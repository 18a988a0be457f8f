"""The atlas with its local tile endpoint: ``streamlit run geo_server.py`` serves the app (``geo_app.py``)
and, at ``/tiles/{z}/{x}/{y}``, the tiles of the XYZ folder or MBTiles file ``GEOPLAN_TILES`` names, for
the "local tiles" basemap of an intranet install (README, "Basemaps on an intranet"). Without
``GEOPLAN_TILES`` it is the same app as ``streamlit run geo_app.py``.
"""

from __future__ import annotations

import streamlit as st

from app.tiles import TILE_ROUTES

app = st.App("geo_app.py", routes=TILE_ROUTES)
