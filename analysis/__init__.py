"""Pure computation for the Wuxi Carbon-Peak Atlas: zonal statistics, indicators, targets, exports.

Nothing in this package imports streamlit or folium, nor anything above it (``layers``, ``maps``, the
front-ends): the app and the CLI are thin front-ends over it.

``indicators.compute_indicators``
    the one entry point of an indicator run: it builds one :class:`~analysis.study_area.StudyArea`
    (the city and its districts) and hands it to each family;
``forest``, ``wetland``, ``green``, ``pv``, ``charging``; ``change``, ``pv_grid``
    one module per indicator family; land-cover change between two years; rooftop PV on a square grid;
``land_survey``, ``parcel_overlay``, ``survey_indicators``
    a land survey's parcels (DLTB) as land cover: class areas by tabulation or geometry, the fast
    parcel–district overlay, and 林木覆盖率 / 湿地保护率 from them (handed over by ``forest``, ``wetland``);
``results``
    :class:`~analysis.results.IndicatorResult`, built from a Figure, its Provenance and the Goal it is
    judged against, and the status rule;
``zonal/``
    the exact zonal-statistics engine (coverage, planning, counting, tables; on Dask in ``distributed``);
``targets/``
    the plan's targets file: what a target is, loading and validation, lookup;
``board``, ``report``, ``export``, ``result_cache``
    what is made of results: the target board, tables and files, the on-disk cache;
``boundaries``, ``sources``, ``schemes``, ``crs``, ``coords``, ``paths``, ``errors``, ``text_table``
    the ground every module stands on.
"""
