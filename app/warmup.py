"""What a new server imports before it says it is up (``geo_server.py``'s startup): the libraries and the
atlas modules that the first page of the first visitor needs, so their import is not part of that
visitor's wait.

On a cold server, the first page's script run spent over a second importing geopandas, pandas, folium and
the atlas's drawing code before it drew anything (issue #12). Streamlit runs the script only when a
browser connects, so ``geo_server.py`` imports them at startup (its ``lifespan``), and the server answers
its health check once they are imported. No layer is read and nothing is computed here: the result cache
stays as empty as it was.

Only modules that do not use Streamlit: the app's own modules declare cached functions and the map
component, which belong to the script runs.
"""

from __future__ import annotations

import importlib

__all__ = ["FIRST_PAGE_MODULES", "import_first_page"]

#: The atlas modules the map page's first run imports, with the libraries behind them (geopandas, pandas,
#: shapely, pyproj, folium, branca, numpy), none of them importing Streamlit.
FIRST_PAGE_MODULES: tuple[str, ...] = (
    "wuxi_atlas.analysis.board",
    "wuxi_atlas.analysis.boundaries",
    "wuxi_atlas.analysis.charging",
    "wuxi_atlas.analysis.pv_grid",
    "wuxi_atlas.analysis.result_cache",
    "wuxi_atlas.layers.catalog",
    "wuxi_atlas.layers.uploads",
    "wuxi_atlas.maps.atlas",
    "wuxi_atlas.maps.basemap",
    "wuxi_atlas.maps.choropleth",
    "wuxi_atlas.maps.providers",
    "wuxi_atlas.maps.status_style",
    "wuxi_atlas.maps.text",
)


def import_first_page() -> None:
    """Import :data:`FIRST_PAGE_MODULES` (a module already imported costs nothing)."""
    for name in FIRST_PAGE_MODULES:
        importlib.import_module(name)
