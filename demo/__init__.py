"""The seeded synthetic demo generator: the land cover and vector layers shipped in ``data/`` as SYNTHETIC.

``geoplan demo-data`` runs :func:`demo.generate.generate_demo_data`. Nothing in ``analysis/`` or
``layers/`` imports this package: the app and the engine only read the files it wrote
(``data/demo/MANIFEST.json``, the GeoPackage and the rasters). It reads the engine (boundaries, CRS) and
the loader's file and layer names (:mod:`layers.defaults`), so it writes what the app reads.

- :mod:`demo.generate`: the entry point; :mod:`demo.targets`: what the data is calibrated to;
- :mod:`demo.geography`, :mod:`demo.shapes`, :mod:`demo.fields`, :mod:`demo.world`: the landscape model;
- :mod:`demo.codes`, :mod:`demo.classify`, :mod:`demo.calibrate`: its WorldCover classes per year;
- :mod:`demo.placement`, :mod:`demo.land_layers`, :mod:`demo.building_layers`, :mod:`demo.energy_layers`:
  the vector layers derived from the 2024 classes;
- :mod:`demo.rasters`, :mod:`demo.gpkg`, :mod:`demo.manifest`: the files, labelled synthetic.
"""
