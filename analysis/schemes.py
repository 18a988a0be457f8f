"""Land-cover schemes as data: what each class code of a product means for the indicators.

A scheme is a TOML file (``data/schemes/<name>.toml``, or one a user brings) that maps every class
code to a *role* — one of :data:`ROLES` — plus a Chinese and an English label and a display colour.
Indicators ask for roles ("tree", "shrub", "orchard"), never for codes, so a new product needs a new
file, not new code. The built-in schemes follow DOMAIN.md §4.

File format::

    name = "worldcover"
    title = "ESA WorldCover 10 m"
    source = "where the codes and colours come from"
    nodata = 0                      # optional
    notes = ["caveats shown with results"]

    [classes]
    10 = { role = "tree", en = "Tree cover", zh = "林地", color = "#006400" }

The land survey's scheme (``sandiao``, for the parcels of a DLTB layer) keys its classes by the text
``DLBM`` code instead: ``codes = "text"`` at the top level, keys such as ``"0301"`` or ``"1104A"`` (leading
zeros and letters kept), and no ``nodata``. A class may also list, in ``also``, further roles it counts
toward: 0303 红树林地 is ``wetland`` and also ``tree``, so 湿地保护率 and 林木覆盖率 both count it::

    codes = "text"
    [classes]
    "0303" = { role = "wetland", also = ["tree"], en = "Mangrove forest", zh = "红树林地", color = "#00a884" }

Raster schemes (:data:`BUILTIN_SCHEMES`) have whole-number codes; land-survey schemes
(:data:`LAND_SURVEY_SCHEMES`) text codes. :attr:`LandCoverScheme.text_codes` tells them apart, and each
reader refuses the other kind.
"""

from __future__ import annotations

import re
import tomllib
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuxi_atlas.analysis.errors import SchemeError
from wuxi_atlas.analysis.paths import shipped_data_dir

if TYPE_CHECKING:
    from wuxi_atlas.analysis.zonal import ClassAreaTable

__all__ = [
    "BUILTIN_SCHEMES",
    "LAND_SURVEY_SCHEMES",
    "ROLES",
    "WORLDCOVER_CODES",
    "ClassCode",
    "LandCoverScheme",
    "SchemeClass",
    "UnknownCodesWarning",
    "closest_scheme",
    "guess_scheme",
    "load_scheme",
    "scheme_candidates",
    "schemes_dir",
    "unknown_codes",
    "warn_unknown_codes",
]

ROLES = (
    "tree",
    "shrub",
    "orchard",
    "grass",
    "crop",
    "wetland",
    "water",
    "aquaculture",
    "built_up",
    "bare",
    "other",
)
#: The raster schemes (whole-number class codes); :func:`guess_scheme` chooses among these only.
BUILTIN_SCHEMES = ("worldcover", "clcd", "glc_fcs30d", "dynamic_world", "esri_lulc")
#: The land survey's schemes (text DLBM codes), for DLTB parcel layers (:mod:`analysis.land_survey`).
LAND_SURVEY_SCHEMES = ("sandiao",)

#: A class code: a whole number in a raster scheme, a DLBM text code (``"0301"``) in a land-survey scheme.
ClassCode = int | str

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# A DLBM code: two to six digits and capital letters ("09", "0301", "1104A", "08H2A").
_TEXT_CODE = re.compile(r"^[0-9A-Z]{2,6}$")
# A scheme lists tens of classes in a few kB; anything far larger is not a scheme.
_MAX_SCHEME_BYTES = 1 << 20


class UnknownCodesWarning(UserWarning):
    """A raster (or a land survey's parcels) holds class codes that its scheme does not define; they count
    toward no role."""


@dataclass(frozen=True)
class SchemeClass:
    """One class of a scheme: its code, role, labels and display colour (``#rrggbb``).

    ``also`` lists further roles the class counts toward (empty for every raster class).
    """

    code: ClassCode
    role: str
    label_en: str
    label_zh: str
    color: str
    also: tuple[str, ...] = ()

    @property
    def roles(self) -> tuple[str, ...]:
        """The class's role and the roles in ``also``."""
        return (self.role, *self.also)


@dataclass(frozen=True)
class LandCoverScheme:
    """Class codes of one land-cover product and the role each plays in the indicators.

    Attributes
    ----------
    name
        Short identifier (``worldcover``).
    title
        Product name for display.
    source
        Where the codes, labels and colours come from.
    nodata
        The product's nodata code, or None when it has none (Dynamic World masks instead; a land survey
        has none).
    classes
        Class code → :class:`SchemeClass`: whole numbers for a raster scheme, DLBM text codes for a land
        survey's (``text_codes``).
    notes
        Caveats to show next to results computed with this scheme.
    path
        The TOML file it was read from.
    """

    name: str
    title: str
    source: str
    nodata: int | None
    classes: Mapping[ClassCode, SchemeClass]
    notes: tuple[str, ...]
    path: str
    text_codes: bool = False

    @property
    def codes(self) -> frozenset[ClassCode]:
        """All class codes of the scheme (nodata excluded)."""
        return frozenset(self.classes)

    def _key(self, code: ClassCode) -> ClassCode:
        return str(code).strip() if self.text_codes else int(code)

    def role_of(self, code: ClassCode) -> str | None:
        """Role of a class code, or None for a code the scheme does not define.

        Examples
        --------
        >>> scheme = load_scheme("worldcover")
        >>> scheme.role_of(10), scheme.role_of(95), scheme.role_of(7)
        ('tree', 'wetland', None)
        """
        found = self.classes.get(self._key(code))
        return found.role if found else None

    def codes_for(self, roles: Iterable[str]) -> frozenset[ClassCode]:
        """Class codes whose role, or one of whose ``also`` roles, is one of ``roles``; an unknown role is
        a :class:`SchemeError`.

        Examples
        --------
        >>> sorted(load_scheme("glc_fcs30d").codes_for(["shrub", "orchard"]))
        [12, 120, 121, 122]
        >>> sorted(load_scheme("sandiao").codes_for(["shrub"]))
        ['0305', '0306']
        """
        wanted = set(roles)
        unknown = wanted - set(ROLES)
        if unknown:
            raise SchemeError(f"unknown role(s) {sorted(unknown)}; roles are {list(ROLES)}")
        return frozenset(code for code, cls in self.classes.items() if wanted.intersection(cls.roles))

    def roles_to_codes(self, *roles: str) -> frozenset[ClassCode]:
        """Same as :meth:`codes_for`, with the roles as arguments.

        Examples
        --------
        >>> sorted(load_scheme("worldcover").roles_to_codes("wetland", "water"))
        [80, 90, 95]
        """
        return self.codes_for(roles)

    def label(self, code: ClassCode, language: str = "zh") -> str:
        """Label of a class code in ``zh`` or ``en``; unknown codes read ``code 7``."""
        found = self.classes.get(self._key(code))
        if found is None:
            return f"code {code}"
        return found.label_zh if language == "zh" else found.label_en


def schemes_dir() -> Path:
    """Directory of the built-in scheme files: the shipped ``data/schemes``.

    Not under ``$GEOPLAN_DATA_DIR``: the built-in schemes describe products, not a dataset, so pointing the
    atlas at other data must not make ``worldcover`` unknown.
    """
    return shipped_data_dir() / "schemes"


def _fail(path: Path, where: str, problem: str) -> SchemeError:
    return SchemeError(f"land-cover scheme {path}: {where}: {problem}")


def _text(path: Path, table: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = table.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, where, f"field {key!r} must be a non-empty string; got {value!r}")
    return value.strip()


def _parse_code(path: Path, key: str, text_codes: bool) -> ClassCode:
    if text_codes:
        if not _TEXT_CODE.match(key):
            raise _fail(
                path,
                f"class {key!r}",
                'a text class code (codes = "text") is 2 to 6 digits or capital letters, such as '
                '"0301" or "1104A"',
            )
        return key
    try:
        return int(key)
    except ValueError:
        raise _fail(
            path,
            f"class {key!r}",
            'the class code must be a whole number (a land survey\'s text codes need codes = "text")',
        ) from None


def _parse_also(path: Path, where: str, role: str, value: Any) -> tuple[str, ...]:
    also = [value] if isinstance(value, str) else value
    if not isinstance(also, list) or not all(isinstance(item, str) and item in ROLES for item in also):
        raise _fail(path, where, f"field 'also' must be a list of roles from {list(ROLES)}; got {value!r}")
    return tuple(dict.fromkeys(item for item in also if item != role))


def _parse_class(path: Path, key: str, entry: Any, text_codes: bool = False) -> SchemeClass:
    code = _parse_code(path, key, text_codes)
    where = f"class {code}"
    if not isinstance(entry, Mapping):
        raise _fail(path, where, "must be a table with fields role, en, zh, color")
    unknown_fields = set(entry) - {"role", "en", "zh", "color", "also"}
    if unknown_fields:
        raise _fail(
            path, where, f"unknown field(s) {sorted(unknown_fields)}; fields are role, en, zh, color, also"
        )
    role = entry.get("role")
    if role not in ROLES:
        raise _fail(path, where, f"field 'role' must be one of {list(ROLES)}; got {role!r}")
    color = entry.get("color")
    if not isinstance(color, str) or not _COLOR.match(color):
        raise _fail(path, where, f"field 'color' must look like '#1a2b3c'; got {color!r}")
    return SchemeClass(
        code=code,
        role=str(role),
        label_en=_text(path, entry, "en", where),
        label_zh=_text(path, entry, "zh", where),
        color=color.lower(),
        also=_parse_also(path, where, str(role), entry.get("also", [])),
    )


def _parse_scheme(path: Path, document: Mapping[str, Any]) -> LandCoverScheme:
    name = _text(path, document, "name", "top level")
    source = _text(path, document, "source", "top level")
    title = _text(path, document, "title", "top level", required=False) or name
    code_type = document.get("codes", "integer")
    if code_type not in ("integer", "text"):
        raise _fail(path, "top level", f'field \'codes\' must be "integer" or "text"; got {code_type!r}')
    text_codes = code_type == "text"
    nodata = document.get("nodata")
    if nodata is not None and (isinstance(nodata, bool) or not isinstance(nodata, int)):
        raise _fail(path, "top level", f"field 'nodata' must be a whole number; got {nodata!r}")
    if nodata is not None and text_codes:
        raise _fail(path, "top level", "a scheme with text codes (a land survey's) has no 'nodata'")
    notes_value = document.get("notes", [])
    notes = [notes_value] if isinstance(notes_value, str) else notes_value
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise _fail(path, "top level", "field 'notes' must be a string or a list of strings")
    raw_classes = document.get("classes")
    if not isinstance(raw_classes, Mapping) or not raw_classes:
        raise _fail(path, "top level", "needs a non-empty [classes] table")
    classes: dict[ClassCode, SchemeClass] = {}
    for key, entry in raw_classes.items():
        parsed = _parse_class(path, key, entry, text_codes)
        if parsed.code in classes:
            raise _fail(path, f"class {parsed.code}", "the code is listed twice")
        if parsed.code == nodata:
            raise _fail(path, f"class {parsed.code}", "the code is also the scheme's nodata value")
        classes[parsed.code] = parsed
    return LandCoverScheme(
        name=name,
        title=title,
        source=source,
        nodata=nodata,
        classes=dict(sorted(classes.items(), key=lambda item: str(item[0]) if text_codes else item[0])),
        notes=tuple(notes),
        path=str(path),
        text_codes=text_codes,
    )


def load_scheme(name_or_path: str | PathLike[str]) -> LandCoverScheme:
    """Load a built-in scheme by name, or a user's scheme from a TOML file.

    Parameters
    ----------
    name_or_path
        One of :data:`BUILTIN_SCHEMES` or :data:`LAND_SURVEY_SCHEMES`, or the path of a ``.toml`` file in
        the same format.

    Raises
    ------
    SchemeError
        Unknown name, unreadable file, a path that is not a regular file (a device, a FIFO, a folder)
        or is over 1 MB, or a malformed scheme; the message names the file, the class code and the field.

    Examples
    --------
    >>> scheme = load_scheme("worldcover")
    >>> scheme.nodata, scheme.classes[80].label_en, scheme.classes[10].color
    (0, 'Permanent water bodies', '#006400')
    """
    text = str(name_or_path)
    if text in BUILTIN_SCHEMES or text in LAND_SURVEY_SCHEMES:
        path = schemes_dir() / f"{text}.toml"
    else:
        path = Path(text)
        if not path.suffix and not path.exists():
            raise SchemeError(
                f"unknown land-cover scheme {text!r}; built-in schemes are "
                f"{list(BUILTIN_SCHEMES + LAND_SURVEY_SCHEMES)}"
            )
    try:
        # Judged before opening: /dev/zero or a FIFO would never end, and opening a FIFO blocks.
        if path.exists() and not path.is_file():
            raise SchemeError(f"land-cover scheme {path} is not a regular file; give a .toml scheme file")
        if path.exists() and path.stat().st_size > _MAX_SCHEME_BYTES:
            raise SchemeError(f"land-cover scheme {path} is too large for a scheme file (over 1 MB)")
        with path.open("rb") as handle:
            content = handle.read(_MAX_SCHEME_BYTES + 1)
        if len(content) > _MAX_SCHEME_BYTES:
            raise SchemeError(f"land-cover scheme {path} is too large for a scheme file (over 1 MB)")
        document = tomllib.loads(content.decode("utf-8"))
    except FileNotFoundError:
        raise SchemeError(f"land-cover scheme file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SchemeError(f"land-cover scheme {path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise SchemeError(f"cannot read land-cover scheme {path}: {exc}") from exc
    return _parse_scheme(path, document)


#: WorldCover's class codes (DOMAIN.md §4). Codes all within them are WorldCover, whatever else they fit.
WORLDCOVER_CODES: frozenset[int] = frozenset({10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100})


def _fits(scheme: LandCoverScheme, present: set[int]) -> bool:
    """Whether ``scheme`` names every present code (its nodata code aside) and at least one of them."""
    considered = present - ({scheme.nodata} if scheme.nodata is not None else set())
    return bool(considered) and considered <= scheme.codes


def scheme_candidates(codes_present: Iterable[int]) -> tuple[str, ...]:
    """The built-in schemes that define every code found in a raster (its nodata code aside).

    Codes all within :data:`WORLDCOVER_CODES` (0 may be among them: WorldCover's nodata) are WorldCover
    alone: a raster of only 10 and 40 is tree and cropland, not Esri's water and clouds. Otherwise every
    scheme that defines all the codes is a candidate; more than one means the codes cannot tell them
    apart, and the user must say which (``--scheme``).

    Examples
    --------
    >>> scheme_candidates({10, 40}), scheme_candidates({10})
    (('worldcover',), ('worldcover',))
    >>> scheme_candidates({1, 2, 4, 5, 8})
    ('clcd', 'dynamic_world', 'esri_lulc')
    >>> scheme_candidates({300, 301})
    ()
    """
    present = {int(c) for c in codes_present}
    if present - {0} and present <= WORLDCOVER_CODES | {0}:
        return ("worldcover",)
    return tuple(name for name in BUILTIN_SCHEMES if _fits(load_scheme(name), present))


def closest_scheme(codes_present: Iterable[int]) -> tuple[str, tuple[int, ...]] | None:
    """The built-in scheme that defines the most of the codes found, and the codes it lacks; None when
    no scheme defines any of them. For messages only: a scheme that lacks codes is never guessed."""
    present = {int(c) for c in codes_present}
    best: tuple[int, str, tuple[int, ...]] | None = None
    for name in BUILTIN_SCHEMES:
        scheme = load_scheme(name)
        considered = present - ({scheme.nodata} if scheme.nodata is not None else set())
        known = len(considered & scheme.codes)
        if known and (best is None or known > best[0]):
            best = (known, name, tuple(sorted(considered - scheme.codes)))
    return None if best is None else (best[1], best[2])


def guess_scheme(codes_present: Iterable[int]) -> str | None:
    """The one built-in scheme the codes found in a raster can belong to, or None: guessed right, or not
    at all.

    The scheme is the sole candidate of :func:`scheme_candidates`. None when no scheme defines every code
    (a stray code, another product) or when several do (ask the user which one).

    Examples
    --------
    >>> guess_scheme({10, 30, 40, 50, 80, 90}), guess_scheme({10, 40}), guess_scheme({1, 2, 3, 4, 5, 8, 9})
    ('worldcover', 'worldcover', 'clcd')
    >>> guess_scheme({1, 2, 4, 5, 8}), guess_scheme({0, 1, 2, 6}), guess_scheme({300, 301})
    (None, None, None)
    """
    candidates = scheme_candidates(codes_present)
    return candidates[0] if len(candidates) == 1 else None


def unknown_codes(table: ClassAreaTable, scheme: LandCoverScheme) -> dict[int, float]:
    """Class codes in a zonal table that the scheme does not define → their area in m².

    Areas are summed over the table's zones (overlapping zones count twice). The scheme's nodata
    code never appears: the zonal engine leaves nodata out already.

    Examples
    --------
    >>> from analysis.zonal import ClassAreaTable, ZoneClassAreas
    >>> zone = ZoneClassAreas("320205", {10: 5e6, 255: 2.5e5}, 5.25e6, 5.25e6, 5.25e6)
    >>> table = ClassAreaTable((zone,), "EPSG:4549", "lc.tif", (10.0, 10.0), False)
    >>> unknown_codes(table, load_scheme("worldcover"))
    {255: 250000.0}
    """
    totals: dict[int, float] = {}
    for zone in table.zones:
        for code, area in zone.class_area_m2.items():
            if code not in scheme.classes and code != scheme.nodata and area > 0:
                totals[int(code)] = totals.get(int(code), 0.0) + float(area)
    return dict(sorted(totals.items()))


def warn_unknown_codes(
    table: ClassAreaTable, scheme: LandCoverScheme, *, stacklevel: int = 2
) -> dict[int, float]:
    """Warn (:class:`UnknownCodesWarning`) about codes the scheme does not define; return them.

    Unknown codes are not an error: the rest of the raster is still usable, but their area counts
    toward no role, so the user should know how much of it there is.

    Examples
    --------
    >>> import warnings
    >>> from analysis.zonal import ClassAreaTable, ZoneClassAreas
    >>> zone = ZoneClassAreas("320205", {10: 5e6, 255: 2.5e5}, 5.25e6, 5.25e6, 5.25e6)
    >>> table = ClassAreaTable((zone,), "EPSG:4549", "lc.tif", (10.0, 10.0), False)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = warn_unknown_codes(table, load_scheme("worldcover"))
    >>> found = str(caught[0].message)
    >>> "scheme 'worldcover' does not define: 255 (0.25 km²)" in found
    True
    """
    found = unknown_codes(table, scheme)
    if found:
        listed = ", ".join(f"{code} ({area / 1e6:.3g} km²)" for code, area in found.items())
        warnings.warn(
            f"{table.raster_path} holds class codes that scheme {scheme.name!r} does not define: {listed}; "
            "they count toward no role",
            UnknownCodesWarning,
            stacklevel=stacklevel,
        )
    return found
