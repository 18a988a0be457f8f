"""The atlas's six pages, one module each (map, board, district, export, methods, data). Each has
``render(ctx)``, which draws the page from the :class:`app.context.Context` the entry built; ``geo_app.py``
registers them with ``st.navigation``."""
