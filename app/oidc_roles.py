"""Who a user signed in through the bureau's single sign-on (Streamlit's OIDC, ``st.login``) is to the
atlas: the identity token's claims mapped to a role by the ``[roles]`` table of
``.streamlit/secrets.toml``::

    [roles]
    claim = "email"            # the claim that names the user (default "email")
    groups_claim = "groups"    # optional: a claim listing the user's groups
    [roles.users]              # by the user's name (the value of `claim`)
    "wang@wuxi.gov.cn" = "data_steward"
    "li@wuxi.gov.cn" = "district_officer:320211"
    [roles.groups]             # by group, for every member
    "atlas-stewards" = "data_steward"
    "binhu-gis" = "district_officer:320211,320213"

A role is ``viewer``, ``data_steward``, or ``district_officer:`` followed by the adcodes of the districts
the officer may change. A user who matches nothing is a viewer; one who matches several entries gets the
strongest role (a steward over an officer), and an officer the districts of every matching entry. The
roles themselves are enforced by the catalog, not here.

Pure (no Streamlit), so the mapping is tested on plain dictionaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from wuxi_atlas.analysis.errors import AtlasError
from wuxi_atlas.layers.catalog.roles import ROLES, Role, User

__all__ = ["SSO_PREFIX", "RolesConfigError", "token_expired", "user_from_claims"]

#: Put before a single sign-on user's name, so that they are never taken for a local account.
SSO_PREFIX = "sso:"
_ADCODE = re.compile(r"^\d{6}$")


class RolesConfigError(AtlasError, ValueError):
    """The ``[roles]`` table of the secrets is malformed; the message names the entry."""


def _parse_role(text: object, where: str) -> tuple[str, tuple[str, ...]]:
    if not isinstance(text, str):
        raise RolesConfigError(f"[roles] {where}: the role must be text, not {type(text).__name__}")
    role, _, codes = text.strip().partition(":")
    role = role.strip()
    if role not in ROLES:
        raise RolesConfigError(f"[roles] {where}: unknown role {role!r}; the roles are {', '.join(ROLES)}")
    districts = tuple(code.strip() for code in codes.split(",") if code.strip())
    if role == "district_officer" and not districts:
        raise RolesConfigError(
            f"[roles] {where}: a district officer needs the adcodes of their districts, "
            "e.g. 'district_officer:320211'"
        )
    if role != "district_officer" and districts:
        raise RolesConfigError(f"[roles] {where}: only a district officer takes districts ({text!r})")
    bad = [code for code in districts if not _ADCODE.match(code)]
    if bad:
        raise RolesConfigError(f"[roles] {where}: {', '.join(map(repr, bad))} is not a 6-digit adcode")
    return role, districts


def _table(config: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = config.get(name, {})
    if not isinstance(table, Mapping):
        raise RolesConfigError(f'[roles] {name} must be a table of name = "role"')
    return table


def _claim_values(claims: Mapping[str, Any], claim: str) -> list[str]:
    value = claims.get(claim)
    if value is None:
        return []
    items: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
    return [str(item) for item in items]


def token_expired(claims: Mapping[str, Any], now: float) -> bool:
    """Whether the identity token's ``exp`` claim (seconds since the epoch) is past at ``now``. Streamlit
    keeps the sign-in cookie without checking it, so the app does; a token without ``exp`` never expires.
    """
    expiry = claims.get("exp")
    return isinstance(expiry, int | float) and not isinstance(expiry, bool) and expiry <= now


def user_from_claims(claims: Mapping[str, Any], config: Mapping[str, Any] | None) -> User:
    """The user whose identity token carries ``claims`` (``st.user``): named ``sso:`` and the naming
    claim, with the role ``config`` gives them (the ``[roles]`` table; None or empty: everyone is a
    viewer).

    Raises :class:`RolesConfigError` for a malformed table and for a token without the naming claim.

    Examples
    --------
    >>> config = {"users": {"li@wuxi.gov.cn": "district_officer:320211"}}
    >>> user_from_claims({"email": "li@wuxi.gov.cn"}, config).label
    'sso:li@wuxi.gov.cn (district_officer for 320211)'
    >>> user_from_claims({"email": "someone@else.cn"}, config).role.value
    'viewer'
    """
    config = config or {}
    claim = str(config.get("claim", "email"))
    names = _claim_values(claims, claim)
    if not names or not names[0].strip():
        raise RolesConfigError(
            f"the sign-in's identity token has no {claim!r} claim to name the user; set [roles] claim to one "
            f"it has ({', '.join(sorted(k for k in claims if k != 'is_logged_in')) or 'none'})"
        )
    name = names[0].strip()
    # Every entry is checked, matched or not, so a typo shows on the first sign-in, not on the user's.
    users = {key: _parse_role(value, f"users.{key!r}") for key, value in _table(config, "users").items()}
    groups = {key: _parse_role(value, f"groups.{key!r}") for key, value in _table(config, "groups").items()}
    grants = [users[name]] if name in users else []
    groups_claim = config.get("groups_claim")
    if groups_claim:
        grants += [groups[group] for group in _claim_values(claims, str(groups_claim)) if group in groups]
    if not grants:
        return User(SSO_PREFIX + name, Role.VIEWER)
    strongest = max(ROLES.index(role) for role, _ in grants)
    role = ROLES[strongest]
    districts = sorted({code for granted, codes in grants if granted == role for code in codes})
    return User(SSO_PREFIX + name, Role(role), tuple(districts))
