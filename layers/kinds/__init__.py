"""One module per layer kind: its :class:`~layers.spec.LayerSpec` (``SPEC``) and its ``read()``.

Each module answers the same small contract (``SPEC``, ``read``), looked up by kind with
:func:`layers.spec.layer_module`. How a kind is drawn (its colours, legend and folium layer) lives in
:mod:`maps.kinds`; nothing here imports folium.
"""
