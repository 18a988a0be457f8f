"""The single sign-on's claims mapped to roles by the [roles] table of the secrets: users by name, groups
by membership, the strongest role winning, a viewer by default, and a malformed table refused naming the
entry."""

from __future__ import annotations

import pytest

from wuxi_atlas.app.oidc_roles import RolesConfigError, token_expired, user_from_claims
from wuxi_atlas.layers.catalog import Role, User

CONFIG = {
    "claim": "email",
    "groups_claim": "groups",
    "users": {"wang@wuxi.gov.cn": "data_steward", "li@wuxi.gov.cn": "district_officer:320211"},
    "groups": {"binhu-gis": "district_officer:320211,320213", "huishan-gis": "district_officer:320206"},
}


def test_a_user_listed_by_name() -> None:
    assert user_from_claims({"email": "wang@wuxi.gov.cn"}, CONFIG) == User(
        "sso:wang@wuxi.gov.cn", Role.DATA_STEWARD
    )


def test_nobody_listed_is_a_viewer_and_no_table_makes_everyone_one() -> None:
    assert user_from_claims({"email": "x@y.cn", "groups": ["other"]}, CONFIG).role is Role.VIEWER
    assert user_from_claims({"email": "wang@wuxi.gov.cn"}, None) == User("sso:wang@wuxi.gov.cn", Role.VIEWER)


def test_an_officer_gets_the_districts_of_every_match() -> None:
    claims = {"email": "li@wuxi.gov.cn", "groups": ["binhu-gis", "huishan-gis"]}
    assert user_from_claims(claims, CONFIG) == User(
        "sso:li@wuxi.gov.cn", Role.DISTRICT_OFFICER, ("320206", "320211", "320213")
    )


def test_the_strongest_role_wins() -> None:
    claims = {"email": "wang@wuxi.gov.cn", "groups": "binhu-gis"}  # a single group as a string
    assert user_from_claims(claims, CONFIG) == User("sso:wang@wuxi.gov.cn", Role.DATA_STEWARD)


def test_groups_count_only_with_a_groups_claim() -> None:
    config = {key: value for key, value in CONFIG.items() if key != "groups_claim"}
    assert user_from_claims({"email": "z@wuxi.gov.cn", "groups": ["binhu-gis"]}, config).role is Role.VIEWER


def test_another_naming_claim() -> None:
    config = {"claim": "preferred_username", "users": {"li": "district_officer:320211"}}
    assert user_from_claims({"preferred_username": "li", "email": "x"}, config).adcodes == ("320211",)
    with pytest.raises(RolesConfigError, match=r"no 'preferred_username' claim.*email"):
        user_from_claims({"email": "li@wuxi.gov.cn", "is_logged_in": True}, config)


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("admin", "unknown role 'admin'"),
        ("district_officer", "needs the adcodes of their districts"),
        ("district_officer:Binhu", "'Binhu' is not a 6-digit adcode"),
        ("data_steward:320211", "only a district officer takes districts"),
        (3, "must be text"),
    ],
)
def test_a_malformed_entry_is_refused_naming_it(role: object, message: str) -> None:
    config = {"users": {"someone@else.cn": role}}
    with pytest.raises(RolesConfigError, match=message) as caught:
        user_from_claims({"email": "wang@wuxi.gov.cn"}, config)  # checked even when it is not the user's
    assert "users.'someone@else.cn'" in str(caught.value)


def test_a_token_expires_by_its_exp_claim() -> None:
    assert token_expired({"exp": 1000}, now=1000.0)
    assert not token_expired({"exp": 1001}, now=1000.0)
    assert not token_expired({}, now=1e12)  # no exp: Streamlit's cookie alone decides
    assert not token_expired({"exp": True}, now=1e12) and not token_expired({"exp": "1000"}, now=1e12)
