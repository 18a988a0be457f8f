"""Class areas of a land survey's parcels (地类图斑 DLTB) per district, by either of two methods.

``tabulation`` (:func:`tabulate`) is the statistical method, the one official figures use: the parcels'
``TBDLMJ`` (else ``TBMJ``) summed by ``DLBM`` and by the county the parcel lies in, the first 6 characters
of its ``ZLDWDM``, with no geometry at all. Parcels whose county is no district of the study area are
reported as unassigned, never dropped silently.

``geometry`` (:func:`intersect`) cuts the parcels with the district boundaries in EPSG:4549 and measures
what lies inside each (:func:`analysis.parcel_overlay.overlay_areas`); parcel area outside every district
is reported as unassigned.

Both give a :class:`ParcelAreas`; :func:`parcel_areas` picks the method (tabulation when the fields exist)
and the indicator families (:mod:`analysis.forest`, :mod:`analysis.wetland`) report the two side by side.
:func:`protected_areas` gives the wetland area inside protected areas, which needs geometry either way.
The parcels come from :func:`layers.formats.land_survey.read_land_survey`.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from wuxi_atlas.analysis.crs import METRIC_CRS
from wuxi_atlas.analysis.errors import CRSError, LayerError
from wuxi_atlas.analysis.parcel_overlay import overlay_areas
from wuxi_atlas.analysis.schemes import ClassCode, LandCoverScheme, UnknownCodesWarning, load_scheme
from wuxi_atlas.analysis.sources import LandSurveySource
from wuxi_atlas.analysis.study_area import StudyArea

__all__ = [
    "LAND_SURVEY_METHODS",
    "METHOD_CHOICES",
    "LandSurveyMethod",
    "MethodChoice",
    "ParcelAreas",
    "choose_method",
    "intersect",
    "land_survey_scheme",
    "parcel_areas",
    "protected_areas",
    "tabulate",
    "unknown_dlbm",
    "warn_unknown_dlbm",
]

LandSurveyMethod = Literal["tabulation", "geometry"]
#: What a caller may ask for: ``auto`` (tabulation when the fields exist, else geometry) or a method.
MethodChoice = Literal["auto", "tabulation", "geometry"]
LAND_SURVEY_METHODS: tuple[LandSurveyMethod, ...] = get_args(LandSurveyMethod)
METHOD_CHOICES: tuple[MethodChoice, ...] = get_args(MethodChoice)

_OUTSIDE = "outside"


@dataclass(frozen=True)
class ParcelAreas:
    """Areas (m²) of the land survey's classes in each district, by one method.

    Attributes
    ----------
    method
        ``tabulation`` or ``geometry``.
    basis
        What was summed: ``TBDLMJ`` or ``TBMJ`` (tabulation), ``EPSG:4549 geometry``.
    by_district
        District adcode → DLBM code → area (m²); every district of the study area is present.
    surveyed
        District adcode → the area of all its parcels (m²): ``TBMJ`` (else the summed field) for
        tabulation, the parcels' area inside the district for geometry. The ground the survey covers.
    unassigned
        Area (m²) of parcels in no district: by county prefix of ``ZLDWDM`` (tabulation), or under
        ``"outside"`` for the parcel area outside every district (geometry).
    """

    method: LandSurveyMethod
    basis: str
    by_district: Mapping[str, Mapping[str, float]]
    surveyed: Mapping[str, float]
    unassigned: Mapping[str, float]

    def area_of(self, adcode: str, codes: Collection[ClassCode]) -> float:
        """The area (m²) of the parcels of ``codes`` in district ``adcode``."""
        return float(sum(area for code, area in self.by_district.get(adcode, {}).items() if code in codes))

    def totals(self, codes: Collection[ClassCode]) -> dict[str, float]:
        """District adcode → the area (m²) of the parcels of ``codes`` there."""
        return {adcode: self.area_of(adcode, codes) for adcode in self.by_district}

    @property
    def unassigned_m2(self) -> float:
        """All parcel area (m²) in no district."""
        return float(sum(self.unassigned.values()))

    def unassigned_text(self) -> str:
        """One clause for a method line: how much parcel area no district holds, and where it is ('' if none).

        Examples
        --------
        >>> ParcelAreas("tabulation", "TBDLMJ", {}, {}, {"320100": 2.5e6}).unassigned_text()
        '2.5 km² of parcels unassigned (ZLDWDM counties that are no district here: 320100 2.5 km²)'
        """
        if self.unassigned_m2 <= 0:
            return ""
        if self.method == "geometry":
            return f"{self.unassigned_m2 / 1e6:.4g} km² of parcel area outside every district, unassigned"
        listed = ", ".join(f"{prefix} {area / 1e6:.4g} km²" for prefix, area in self.unassigned.items())
        return (
            f"{self.unassigned_m2 / 1e6:.4g} km² of parcels unassigned (ZLDWDM counties that are no "
            f"district here: {listed})"
        )


def land_survey_scheme(source: LandSurveySource) -> LandCoverScheme:
    """The scheme of ``source``; a raster scheme (whole-number codes) is a :class:`LayerError`."""
    scheme = load_scheme(source.scheme)
    if not scheme.text_codes:
        raise LayerError(
            f"scheme {scheme.name!r} has whole-number raster codes; a land survey's parcels need a scheme "
            'of DLBM text codes: --scheme sandiao (the default) or a scheme file with codes = "text"'
        )
    return scheme


def choose_method(source: LandSurveySource, method: MethodChoice = "auto") -> LandSurveyMethod:
    """The method to run: ``tabulation`` by default when the parcels carry its fields, else ``geometry``.

    Raises
    ------
    LayerError
        ``tabulation`` was asked for but a field it needs is missing; the message names the field and the
        fix.
    """
    if method not in METHOD_CHOICES:
        raise ValueError(f"method must be one of {', '.join(METHOD_CHOICES)}, not {method!r}")
    if method == "geometry":
        return "geometry"
    if source.can_tabulate:
        return "tabulation"
    if method == "auto":
        return "geometry"
    missing = "ZLDWDM (坐落单位代码)" if "ZLDWDM" not in source.frame else "TBDLMJ or TBMJ (图斑面积)"
    raise LayerError(
        f"{source.source}: tabulation needs the field {missing}, which the parcels lack; add it to the "
        "file, or compute by geometry instead (--landcover-method geometry)"
    )


def tabulate(source: LandSurveySource, district_adcodes: Collection[str]) -> ParcelAreas:
    """The statistical method: ``TBDLMJ`` (else ``TBMJ``) summed by ``DLBM`` and by county.

    A parcel belongs to the district whose adcode is the first 6 characters of its ``ZLDWDM``; parcels of
    other counties are :attr:`ParcelAreas.unassigned`. The city is the sum of its districts.

    Examples
    --------
    >>> import geopandas as gpd
    >>> frame = gpd.GeoDataFrame({"DLBM": ["0301", "0101", "0301"],
    ...     "ZLDWDM": ["3202050010010000000", "3202050010010000000", "3201000000000000000"],
    ...     "TBMJ": [120.0, 80.0, 50.0], "TBDLMJ": [100.0, 75.0, 50.0]}, geometry=[None] * 3, crs=4549)
    >>> areas = tabulate(LandSurveySource(frame, 2023, "test", False), ["320205"])
    >>> dict(areas.by_district["320205"]), areas.surveyed["320205"], dict(areas.unassigned)
    ({'0101': 75.0, '0301': 100.0}, 200.0, {'320100': 50.0})
    """
    field = source.area_field
    if field is None or "ZLDWDM" not in source.frame:
        choose_method(source, "tabulation")  # raises, naming the missing field
        raise AssertionError("unreachable")
    frame = source.frame
    county = frame["ZLDWDM"].astype(str).str.slice(0, 6)
    table = pd.DataFrame(
        {
            "county": county.to_numpy(),
            "code": frame["DLBM"].astype(str).to_numpy(),
            "area": frame[field].to_numpy(dtype=np.float64),
            "total": frame["TBMJ" if "TBMJ" in frame else field].to_numpy(dtype=np.float64),
        }
    )
    wanted = set(district_adcodes)
    by_class = table.groupby(["county", "code"], sort=True)["area"].sum()
    totals = table.groupby("county", sort=True)[["area", "total"]].sum()
    by_district: dict[str, dict[str, float]] = {adcode: {} for adcode in sorted(wanted)}
    for county_code, code, area in by_class.reset_index().itertuples(index=False):
        if county_code in wanted:
            by_district[str(county_code)][str(code)] = float(area)
    surveyed = {adcode: float(totals["total"].get(adcode, 0.0)) for adcode in sorted(wanted)}
    unassigned = {
        str(county_code): float(area)
        for county_code, area in totals["area"].items()
        if county_code not in wanted and area > 0
    }
    return ParcelAreas("tabulation", field, by_district, surveyed, unassigned)


def _metric_geometries(source: LandSurveySource, study_area: StudyArea) -> np.ndarray:
    frame = source.frame
    if frame.crs is None:
        raise CRSError(f"{source.source}: the parcels have no CRS; expected {METRIC_CRS}")
    if frame.crs != study_area.districts.crs:
        raise CRSError(
            f"{source.source}: the parcels are in {frame.crs.to_string()}, the districts in "
            f"{study_area.districts.crs.to_string()}; read the parcels with read_land_survey, which "
            f"puts them in {METRIC_CRS}"
        )
    return np.asarray(frame.geometry.to_numpy(), dtype=object)


def intersect(source: LandSurveySource, study_area: StudyArea) -> ParcelAreas:
    """The geometric method: each parcel's area inside each district, in EPSG:4549.

    Parcels wholly inside a district count with their whole area, and only those that cross a district
    boundary are cut (:func:`analysis.parcel_overlay.overlay_areas`). Parcel area outside every district is
    :attr:`ParcelAreas.unassigned`.
    """
    geometries = _metric_geometries(source, study_area)
    districts = study_area.districts
    adcodes = [str(code) for code in districts["adcode"]]
    parcel, zone, area = overlay_areas(geometries, np.asarray(districts.geometry.to_numpy(), dtype=object))
    codes = source.frame["DLBM"].astype(str).to_numpy()[parcel]
    table = pd.DataFrame({"district": np.asarray(adcodes, dtype=object)[zone], "code": codes, "area": area})
    by_class = table.groupby(["district", "code"], sort=True)["area"].sum()
    by_district: dict[str, dict[str, float]] = {adcode: {} for adcode in sorted(adcodes)}
    for adcode, code, value in by_class.reset_index().itertuples(index=False):
        by_district[str(adcode)][str(code)] = float(value)
    surveyed = {adcode: float(sum(classes.values())) for adcode, classes in by_district.items()}
    outside = float(shapely.area(geometries).sum()) - float(area.sum())
    # Rounding leaves a few square millimetres "outside" when every parcel lies inside.
    unassigned = {_OUTSIDE: outside} if outside > 1e-9 * max(float(area.sum()), 1.0) else {}
    return ParcelAreas("geometry", f"{METRIC_CRS} geometry", by_district, surveyed, unassigned)


def parcel_areas(source: LandSurveySource, study_area: StudyArea, method: LandSurveyMethod) -> ParcelAreas:
    """The class areas of ``source`` per district by ``method`` (see :func:`choose_method`)."""
    if method == "tabulation":
        return tabulate(source, study_area.districts["adcode"].astype(str).tolist())
    return intersect(source, study_area)


def protected_areas(
    source: LandSurveySource,
    codes: Collection[ClassCode],
    protected: BaseGeometry,
    study_area: StudyArea,
    method: LandSurveyMethod,
) -> dict[str, tuple[float, float]]:
    """District adcode → (area of the parcels of ``codes`` inside ``protected``, their total area), m².

    ``geometry``: both cut with the districts in EPSG:4549. ``tabulation``: the total is the tabulated area,
    and each parcel counts inside ``protected`` with the share of its geometry that lies there, times its
    tabulated area (TBDLMJ × protected share), assigned by ``ZLDWDM``; the survey's fields carry no
    protection, so the share is geometric either way.
    """
    geometries = _metric_geometries(source, study_area)
    chosen = np.flatnonzero(source.frame["DLBM"].astype(str).isin([str(code) for code in codes]).to_numpy())
    adcodes = sorted(study_area.districts["adcode"].astype(str))
    pieces = np.asarray(shapely.get_parts(protected), dtype=object)
    subset = dataclasses.replace(source, frame=source.frame.iloc[chosen])
    if method == "geometry":
        totals = intersect(subset, study_area)
        zones = study_area.clip(protected)
        zone_adcodes = np.asarray(zones["adcode"].astype(str).tolist(), dtype=object)
        _, zone, area = overlay_areas(geometries[chosen], np.asarray(zones.geometry.to_numpy(), dtype=object))
        inside = pd.Series(area).groupby(zone_adcodes[zone]).sum()
        return {a: (float(inside.get(a, 0.0)), totals.surveyed.get(a, 0.0)) for a in adcodes}
    totals = tabulate(subset, adcodes)
    parcel, _, area = overlay_areas(geometries[chosen], pieces)
    inside_share = np.bincount(parcel, weights=area, minlength=len(chosen))
    own_area = shapely.area(geometries[chosen])
    share = np.divide(inside_share, own_area, out=np.zeros(len(chosen)), where=own_area > 0)
    field = source.area_field
    assert field is not None
    frame = source.frame.iloc[chosen]
    weighted = pd.Series(frame[field].to_numpy(dtype=np.float64) * np.minimum(share, 1.0))
    inside = weighted.groupby(frame["ZLDWDM"].astype(str).str.slice(0, 6).to_numpy()).sum()
    return {
        a: (float(inside.get(a, 0.0)), float(sum(totals.by_district.get(a, {}).values()))) for a in adcodes
    }


def unknown_dlbm(source: LandSurveySource, scheme: LandCoverScheme) -> dict[str, tuple[int, float]]:
    """DLBM codes of the parcels that ``scheme`` does not define → (parcel count, their area in m²).

    The area is the tabulated one when the parcels carry an area field, else the geometric one.
    """
    codes = source.frame["DLBM"].astype(str)
    unknown = ~codes.isin([str(code) for code in scheme.classes])
    if not unknown.any():
        return {}
    field = source.area_field
    areas = (
        source.frame.loc[unknown, field].to_numpy(dtype=np.float64)
        if field is not None
        else shapely.area(source.frame.geometry[unknown].to_numpy())
    )
    grouped = pd.DataFrame({"code": codes[unknown].to_numpy(), "area": areas}).groupby("code")["area"]
    counts, sums = grouped.size(), grouped.sum()
    return {str(code): (int(counts[code]), float(sums[code])) for code in counts.index}


def warn_unknown_dlbm(
    source: LandSurveySource, scheme: LandCoverScheme, *, stacklevel: int = 2
) -> dict[str, tuple[int, float]]:
    """Warn (:class:`~analysis.schemes.UnknownCodesWarning`) about DLBM codes ``scheme`` does not define.

    Their parcels count toward no role; the warning names each code with its parcel count and area.
    """
    found = unknown_dlbm(source, scheme)
    if found:
        listed = ", ".join(
            f"{code!r} ({count} parcel{'s' if count > 1 else ''}, {area / 1e6:.3g} km²)"
            for code, (count, area) in found.items()
        )
        warnings.warn(
            f"{source.source} holds DLBM codes that scheme {scheme.name!r} does not define: {listed}; they "
            "count toward no role (add them to a copy of the scheme and pass it with --scheme FILE)",
            UnknownCodesWarning,
            stacklevel=stacklevel,
        )
    return found
