"""What a layer kind is and how its files are read: one module per kind in ``layers/kinds/`` (schema and
``read()``), the readers and checks behind them, and the catalog. Never imports streamlit, folium or
:mod:`maps` (how a kind is drawn lives in :mod:`maps.kinds`).

- :mod:`layers.spec`: each kind's :class:`~layers.spec.LayerSpec` (fields, aliases, geometry types);
- :mod:`layers.read`: :func:`~layers.read.read_vector`, from a path to a checked
  :class:`~analysis.sources.VectorSource`, through :mod:`layers.paths` (which files may be opened),
  :mod:`layers.formats` (one reader per file format, land-cover rasters included), :mod:`layers.fields`
  (columns to typed fields), :mod:`layers.geometry` (EPSG:4326, repairs) and :mod:`layers.provenance`;
- :mod:`layers.catalog`: the user's stored layers, every version kept;
- :mod:`layers.limits`, :mod:`layers.offline`, :mod:`layers.raster_checks`: what a file may ask of the
  machine, no network, what a land-cover raster must be;
- :mod:`layers.inputs`, :mod:`layers.defaults`, :mod:`layers.uploads`, :mod:`layers.lazy`: where the
  front-ends get their layers (a file given, the catalog, the shipped demo data, an upload).
"""
