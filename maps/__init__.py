"""How things are drawn: the folium atlas map (:mod:`maps.atlas`, its cacheable pieces in
:mod:`maps.providers`), each layer kind's colours, legend and layer (:mod:`maps.kinds`), the shared folium
building blocks (:mod:`maps.draw`), basemaps, the vendored Leaflet assets (``maps/static/``), the district
fact sheet, and the interface text (:mod:`maps.text`, with its catalogues in ``maps/i18n/``).

This package sits beside the front-ends, above :mod:`layers` and :mod:`analysis`: it may import them,
and they never import it.
"""
