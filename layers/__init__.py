"""What a layer kind is and how its files are read: one module per kind in ``layers/kinds/`` (schema and
``read()``), the readers and checks behind them, and the catalog. Never imports streamlit, folium or
:mod:`maps` (how a kind is drawn lives in :mod:`maps.kinds`)."""
