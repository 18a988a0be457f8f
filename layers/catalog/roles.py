"""Who may change the catalog: users, their roles, and the checks every backend makes before a change.

A front-end authenticates (the CLI against the accounts file, :mod:`layers.catalog.accounts`; the app
through its sign-in) and hands the catalog a :class:`User`. The catalog itself then decides what that
user may do, so a front-end that forgets a check still cannot change the city's data:

- ``viewer`` (and :data:`ANONYMOUS`, anyone not signed in): reads and exports, changes nothing;
- ``district_officer`` for one or more district adcodes: saves vector layers scoped to those districts
  (the file is clipped to them and merged into the city layer, :mod:`layers.catalog.district_scope`);
- ``data_steward``: saves city-wide layers, rolls back, removes and restores versions.

A refusal is a :class:`CatalogPermissionError` naming the user, their role, what they tried and what
they would need.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from wuxi_atlas.analysis.errors import AtlasError, LayerError, printable
from wuxi_atlas.layers.names import VECTOR_KINDS

__all__ = [
    "ANONYMOUS",
    "DISTRICT_SCOPED_KINDS",
    "ROLES",
    "CatalogPermissionError",
    "Role",
    "User",
    "check_name",
    "require_steward",
    "scope_of_commit",
]


class Role(enum.StrEnum):
    """What a user may do with the catalog (see the module docstring)."""

    VIEWER = "viewer"
    DISTRICT_OFFICER = "district_officer"
    DATA_STEWARD = "data_steward"


ROLES: tuple[str, ...] = tuple(role.value for role in Role)

#: The kinds a district officer may save for their districts: features that lie in one district or are
#: cut at its boundary. Land cover (one raster or survey of the whole city) and the district boundaries
#: themselves are city-wide: only a data steward replaces them.
DISTRICT_SCOPED_KINDS: tuple[str, ...] = VECTOR_KINDS

#: Names the front-ends use for users that are not accounts; no account may take them.
_RESERVED_NAMES = ("anonymous",)
_RESERVED_PREFIX = "local:"
_NAME_PUNCTUATION = set("._-@")


def check_name(name: str) -> str:
    """An account name as given, or :class:`ValueError` saying what is wrong with it.

    Letters (any script: 王伟 is a name), digits and ``. _ - @``, 1 to 64 characters; not ``anonymous``
    nor ``local:…``, which name users who are not accounts.
    """
    if name.lower() in _RESERVED_NAMES or name.lower().startswith(_RESERVED_PREFIX):
        raise ValueError(
            f"{printable(repr(name))} is reserved for users who are not accounts; choose another name"
        )
    if not name or len(name) > 64:
        raise ValueError(
            f"an account name has 1 to 64 characters; {printable(repr(name[:70]))} has {len(name)}"
        )
    odd = sorted({c for c in name if not (c.isalnum() or c in _NAME_PUNCTUATION)})
    if odd:
        shown = ", ".join(printable(repr(c)) for c in odd)
        raise ValueError(
            f"an account name holds letters, digits and . _ - @ only; {printable(repr(name))} has {shown}"
        )
    if unicodedata.normalize("NFC", name) != name:
        raise ValueError(f"the account name {printable(repr(name))} is not in Unicode normal form (NFC)")
    return name


@dataclass(frozen=True)
class User:
    """The user acting on the catalog.

    ``adcodes`` are the districts (6-digit adcodes, ``320211``) a ``district_officer`` answers for; other
    roles have none. ``signed_in`` is False only for :data:`ANONYMOUS`. ``local`` marks the operator of a
    folder catalog on its own machine, whom the CLI lets act as data steward without an account (see the
    README, "Accounts, roles and the audit trail"); the audit trail records that.
    """

    name: str
    role: Role = Role.VIEWER
    adcodes: tuple[str, ...] = ()
    signed_in: bool = True
    local: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        object.__setattr__(self, "adcodes", tuple(sorted({str(a) for a in self.adcodes})))
        if self.role is Role.DISTRICT_OFFICER and not self.adcodes:
            raise ValueError(f"the district officer {self.name!r} needs at least one district adcode")
        if self.role is not Role.DISTRICT_OFFICER and self.adcodes:
            raise ValueError(f"{self.name!r} is a {self.role.value}; only a district officer has districts")
        bad = [a for a in self.adcodes if not (len(a) == 6 and a.isdigit())]
        if bad:
            raise ValueError(f"a district is a 6-digit adcode (320211), not {', '.join(map(repr, bad))}")

    @property
    def label(self) -> str:
        """The user and role as a message names them: ``li (district_officer for 320211)``."""
        if not self.signed_in:
            return f"{printable(self.name)} (not signed in)"
        if self.role is Role.DISTRICT_OFFICER:
            return f"{printable(self.name)} (district_officer for {', '.join(self.adcodes)})"
        return f"{printable(self.name)} ({self.role.value})"


#: Anyone who has not signed in: may read and export, never change the catalog.
ANONYMOUS = User("anonymous", Role.VIEWER, signed_in=False)


class CatalogPermissionError(AtlasError, PermissionError):
    """The acting user's role does not allow a change to the catalog.

    ``user`` is who tried, ``action`` what (``save stations``), ``needed`` the role that would allow it.
    """

    def __init__(self, user: User, action: str, needed: str, where: str = "", why: str = "") -> None:
        self.user, self.action, self.needed = user, action, needed
        text = f"{user.label} may not {action}" + (f" in the catalog {where}" if where else "")
        text += f": {why + '; ' if why else ''}that needs {needed}"
        if not user.signed_in:
            text += ". Sign in (the app), or name an account that has it (geoplan layers … --user NAME)"
        super().__init__(text)


def _as_user(user: object) -> User:
    """The acting user, refusing anything else: a catalog change is never made without one."""
    if not isinstance(user, User):
        raise TypeError(
            f"a catalog change takes the acting user (layers.catalog.User), not {type(user).__name__}"
        )
    return user


def require_steward(user: object, action: str, where: str = "") -> User:
    """``user`` when a data steward; else :class:`CatalogPermissionError` (``action``: ``roll back
    stations``)."""
    acting = _as_user(user)
    if acting.role is not Role.DATA_STEWARD:
        raise CatalogPermissionError(acting, action, "the data_steward role", where)
    return acting


def scope_of_commit(
    user: object, kind: str, districts: Iterable[str] | None = None, where: str = ""
) -> tuple[str, ...]:
    """The districts a commit by ``user`` replaces: ``()`` for the whole city (a data steward saving
    city-wide), else the officer's adcodes (or the subset ``districts`` asks for).

    Refused (:class:`CatalogPermissionError`) for a viewer or anonymous user, for an officer saving a
    city-wide kind (land cover, district boundaries) or naming a district not theirs.
    """
    acting = _as_user(user)
    asked = tuple(sorted({str(a) for a in districts})) if districts is not None else None
    action = f"save {kind}"
    if asked and kind not in DISTRICT_SCOPED_KINDS:
        raise LayerError(
            f"{kind} is a city-wide layer: it is saved whole, not for some districts only (the kinds saved "
            f"by district are {', '.join(DISTRICT_SCOPED_KINDS)})"
        )
    if acting.role is Role.DATA_STEWARD:
        return asked or ()
    if acting.role is not Role.DISTRICT_OFFICER:
        raise CatalogPermissionError(
            acting,
            action,
            "the data_steward role (city-wide) or district_officer (for their districts)",
            where,
        )
    if kind not in DISTRICT_SCOPED_KINDS:
        raise CatalogPermissionError(
            acting,
            action,
            "the data_steward role",
            where,
            why=f"{kind} is a city-wide layer (a district officer saves {', '.join(DISTRICT_SCOPED_KINDS)})",
        )
    if asked is not None:
        foreign = [a for a in asked if a not in acting.adcodes]
        if foreign:
            raise CatalogPermissionError(
                acting,
                f"save {kind} for {', '.join(foreign)}",
                f"district_officer for {', '.join(foreign)}, or the data_steward role",
                where,
            )
        return asked
    return acting.adcodes
