"""The local basemap's tile endpoint, ``/tiles/{z}/{x}/{y}``: tiles from the XYZ folder or MBTiles file
``GEOPLAN_TILES`` names (:mod:`layers.tiles`), added to Streamlit's own server by ``geo_server.py``
(``st.App(..., routes=TILE_ROUTES)``). Only that operator-configured path is read; the route takes three
integers, so no request text reaches a file path or a query.
"""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wuxi_atlas.layers.tiles import TileSource, configured_tile_source, read_tile

__all__ = ["TILE_PATH", "TILE_ROUTES", "tile_endpoint"]

#: Where the browser asks for a tile (the URL template of the "local" basemap).
TILE_PATH = "/tiles/{z:int}/{x:int}/{y:int}"


@functools.cache
def _source() -> TileSource | None:
    return configured_tile_source()


async def tile_endpoint(request: Request) -> Response:
    """One tile, or 404 (no ``GEOPLAN_TILES``, or no tile there: Leaflet then leaves the square blank)."""
    source = _source()
    params = request.path_params
    tile = None if source is None else read_tile(source, int(params["z"]), int(params["x"]), int(params["y"]))
    if source is None or tile is None:
        return Response(status_code=404)
    headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return Response(tile, media_type=source.media_type, headers=headers)


TILE_ROUTES = [Route(TILE_PATH, tile_endpoint, methods=["GET"])]
