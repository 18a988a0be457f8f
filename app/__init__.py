"""The Streamlit front-end behind ``geo_app.py``: everything the entry does not do itself.

:mod:`app.context` (what every page gets, and the view kept in the URL), :mod:`app.loaders` (where each
layer comes from, and the cached loaders and results keyed on file identity), :mod:`app.map_component`
(the map, rendered once per view and cached), :mod:`app.widgets` (the board and the banners),
:mod:`app.upload_flow` (the Data page's callbacks) and :mod:`app.pages`, one module per page.
``streamlit`` is imported only here and in ``geo_app.py``.
"""
