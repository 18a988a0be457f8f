"""The project's two CRSs and the checks that keep layers in them.

Areas and distances are measured in :data:`METRIC_CRS` (EPSG:4549, CGCS2000 / 3-degree Gauss-Kruger
CM 120E, whose zone 118.5–121.5°E covers all of Wuxi); display and RFC 7946 GeoJSON use
:data:`DISPLAY_CRS` (EPSG:4326). A mismatch is an error that names both CRSs, never a silent
reprojection.
"""

from __future__ import annotations

from typing import Any

from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from wuxi_atlas.analysis.errors import CRSError

__all__ = ["DISPLAY_CRS", "METRIC_CRS", "check_same_crs", "crs_label", "require_crs"]

METRIC_CRS = "EPSG:4549"
DISPLAY_CRS = "EPSG:4326"


def _as_crs(obj: Any, what: str) -> CRS | None:
    # GeoDataFrames and GeoSeries carry their CRS in ``.crs``; anything else is taken as a CRS itself.
    crs_like = obj.crs if hasattr(obj, "crs") else obj
    if crs_like is None:
        return None
    try:
        return CRS.from_user_input(crs_like)
    except PyprojCRSError as exc:
        raise CRSError(f"{what}: {crs_like!r} is not a CRS pyproj understands ({exc})") from exc


def crs_label(crs: Any) -> str:
    """A short human label for a CRS: ``"EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E)"``.

    Parameters
    ----------
    crs : pyproj.CRS, str, int, GeoDataFrame, GeoSeries or None
        Anything :meth:`pyproj.CRS.from_user_input` accepts, or an object with a ``.crs``.

    Returns
    -------
    str
        ``"AUTHORITY:CODE (name)"`` when the CRS has an authority code, else its name; ``"no CRS"`` for None.

    Examples
    --------
    >>> crs_label("EPSG:4326")
    'EPSG:4326 (WGS 84)'
    >>> crs_label(None)
    'no CRS'
    """
    parsed = _as_crs(crs, "crs_label")
    if parsed is None:
        return "no CRS"
    authority = parsed.to_authority()
    if authority is None:
        return parsed.name
    return f"{authority[0]}:{authority[1]} ({parsed.name})"


def _same(a: CRS, b: CRS) -> bool:
    # geopandas always stores x=lon, y=lat, so OGC:CRS84 and EPSG:4326 describe the same coordinates.
    return a.equals(b, ignore_axis_order=True)


def require_crs(obj: Any, expected: Any, what: str) -> None:
    """Raise :class:`~analysis.errors.CRSError` unless ``obj`` is in the ``expected`` CRS.

    Axis order is ignored (``OGC:CRS84`` counts as ``EPSG:4326``) because geopandas always holds
    coordinates as x, y.

    Parameters
    ----------
    obj : GeoDataFrame, GeoSeries, pyproj.CRS, str or None
        The layer (or CRS) to check. A layer without a CRS fails.
    expected : pyproj.CRS or str
        The CRS it must be in, e.g. :data:`METRIC_CRS`.
    what : str
        What ``obj`` is, for the message (``"land-cover zones"``).

    Raises
    ------
    CRSError
        Naming ``what``, the CRS found and the CRS expected.

    Examples
    --------
    >>> require_crs("EPSG:4549", METRIC_CRS, "districts")
    >>> require_crs("EPSG:4326", METRIC_CRS, "districts")
    Traceback (most recent call last):
    ...
    analysis.errors.CRSError: districts is in EPSG:4326 (WGS 84), expected EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E); reproject it with .to_crs('EPSG:4549')
    """  # noqa: E501
    found = _as_crs(obj, what)
    wanted = _as_crs(expected, "expected CRS")
    if wanted is None:
        raise CRSError(f"require_crs: no expected CRS given for {what}")
    if found is None:
        raise CRSError(f"{what} has no CRS, expected {crs_label(wanted)}; set it with .set_crs(...)")
    if not _same(found, wanted):
        raise CRSError(
            f"{what} is in {crs_label(found)}, expected {crs_label(wanted)}; "
            f"reproject it with .to_crs({wanted.to_string()!r})"
        )


def check_same_crs(a: Any, b: Any, what_a: str, what_b: str) -> None:
    """Raise :class:`~analysis.errors.CRSError` unless ``a`` and ``b`` share one CRS.

    Both missing a CRS is also an error: two layers without a CRS cannot be known to match.

    Parameters
    ----------
    a, b : GeoDataFrame, GeoSeries, pyproj.CRS, str or None
        The two layers (or CRSs) that are about to be combined.
    what_a, what_b : str
        What they are, for the message.

    Raises
    ------
    CRSError
        Naming both layers and both CRSs.

    Examples
    --------
    >>> check_same_crs("EPSG:4549", "EPSG:4549", "districts", "stations")
    >>> check_same_crs("EPSG:4549", "EPSG:4490", "districts", "stations")
    Traceback (most recent call last):
    ...
    analysis.errors.CRSError: CRS mismatch: districts is in EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E) but stations is in EPSG:4490 (China Geodetic Coordinate System 2000)
    """  # noqa: E501
    crs_a = _as_crs(a, what_a)
    crs_b = _as_crs(b, what_b)
    if crs_a is None or crs_b is None or not _same(crs_a, crs_b):
        raise CRSError(
            f"CRS mismatch: {what_a} is in {crs_label(crs_a)} but {what_b} is in {crs_label(crs_b)}"
        )
