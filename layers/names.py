"""The names of the layer kinds and coordinate datums a front-end offers, in a module that imports nothing
heavy, so that ``geoplan --help`` builds its choices without loading geopandas. :mod:`layers.inputs` and
:mod:`layers.geometry` re-export them."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["LONLAT_CRSS", "ROLE_NAMES", "VECTOR_KINDS", "LonLatCRS"]

#: The vector layers an indicator run reads besides the districts.
VECTOR_KINDS = ("wetlands", "protected", "builtup", "buildings", "pv_sites", "stations")

LonLatCRS = Literal["wgs84", "cgcs2000", "gcj02", "bd09"]
LONLAT_CRSS: tuple[LonLatCRS, ...] = get_args(LonLatCRS)

#: The roles a user may have (:class:`layers.catalog.roles.Role`), weakest first: ``geoplan users add
#: --role`` offers them without loading the catalog.
ROLE_NAMES = ("viewer", "district_officer", "data_steward")
