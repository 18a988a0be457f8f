"""Sign-in in the app (AppTest): none shown when nothing is configured; a local account signs in with its
password (a wrong one is refused, and a name is locked after repeated failures) and out again; a single
sign-on user gets the role the [roles] table of the secrets gives their claims; a malformed table is a
message, never a traceback."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from wuxi_atlas.app.signin import MAX_FAILURES
from wuxi_atlas.layers.catalog.accounts import Accounts

APP = str(Path(__file__).resolve().parents[2] / "geo_app.py")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _empty_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOPLAN_CATALOG_DIR", str(tmp_path / "catalog"))


@pytest.fixture
def accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Accounts:
    store = Accounts(tmp_path / "accounts.json")
    monkeypatch.setenv("GEOPLAN_ACCOUNTS", str(store.path))
    return store


def _app(user: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"page": "methods"})  # a light page: sign-in is in the sidebar of every page
    if user is not None:
        at.user = user
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _captions(at: AppTest) -> list[str]:
    """The sidebar's captions as shown (names are escaped for markdown: ``sso\\:wang``)."""
    return [c.value.replace("\\", "") for c in at.sidebar.caption]


def _sidebar_texts(at: AppTest) -> list[str]:
    return _captions(at) + [e.label for e in at.sidebar.expander]


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.sidebar.text_input(key="signin_name").input(name)
    at.sidebar.text_input(key="signin_password").input(password)
    submit = next(b for b in at.sidebar.button if b.label == "登录")
    return submit.click().run()


def test_nothing_configured_shows_no_sign_in() -> None:
    at = _app()
    assert not any("登录" in text for text in _sidebar_texts(at))


def test_a_local_account_signs_in_and_out(accounts: Accounts) -> None:
    accounts.add("li", "district_officer", PASSWORD, ["320211"])
    at = _app()
    assert any(e.label == "登录" for e in at.sidebar.expander)
    _sign_in(at, "li", "wrong password")
    assert [e.value for e in at.sidebar.error] == ["登录失败:账号不存在或密码错误。"]
    assert not any(c.startswith("已登录") for c in _captions(at))
    _sign_in(at, "li", PASSWORD)
    assert not at.sidebar.error
    assert "已登录:li,区县管理员 (320211)" in _captions(at)
    assert at.session_state["signin_password"] == ""  # the password is not kept in the session
    at.sidebar.button(key="sign_out").click().run()
    assert not any(c.startswith("已登录") for c in _captions(at))


def test_a_removed_account_is_signed_out_at_once(accounts: Accounts) -> None:
    accounts.add("zhao", "data_steward", PASSWORD)
    at = _sign_in(_app(), "zhao", PASSWORD)
    assert any(c.startswith("已登录:zhao") for c in _captions(at))
    accounts.remove("zhao")
    at.run()
    assert not any(c.startswith("已登录") for c in _captions(at))


def test_repeated_wrong_passwords_lock_the_name(accounts: Accounts) -> None:
    accounts.add("sun", "data_steward", PASSWORD)
    at = _app()
    for _ in range(MAX_FAILURES):
        _sign_in(at, "sun", "not the password")
    _sign_in(at, "sun", PASSWORD)  # right, but too late
    assert any("错误次数过多" in e.value for e in at.sidebar.error)
    assert not any(c.startswith("已登录") for c in _captions(at))


def test_single_sign_on_maps_claims_to_roles() -> None:
    roles = {"users": {"wang@wuxi.gov.cn": "data_steward"}}
    at = _app(user={"is_logged_in": True, "email": "wang@wuxi.gov.cn"}, secrets={"roles": roles})
    assert "已登录:sso:wang@wuxi.gov.cn,数据管理员" in _captions(at)
    other = _app(user={"is_logged_in": True, "email": "x@wuxi.gov.cn"}, secrets={"roles": roles})
    assert "已登录:sso:x@wuxi.gov.cn,查看者" in _captions(other)
    # AppTest's default user has an email but is not signed in: anonymous.
    assert not any(c.startswith("已登录") for c in _captions(_app(secrets={"roles": roles})))


def test_single_sign_on_offers_its_button_when_configured() -> None:
    auth = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "not a real secret",
        "client_id": "atlas",
        "client_secret": "not a real secret",
        "server_metadata_url": "https://sso.example.gov.cn/.well-known/openid-configuration",
    }
    at = _app(secrets={"auth": auth})
    if importlib.util.find_spec("authlib") is None:  # st.login needs it: said, never a failing button
        assert any("Authlib" in e.value for e in at.sidebar.error)
        assert not any(b.label == "统一身份认证登录" for b in at.sidebar.button)
    else:
        assert any(b.label == "统一身份认证登录" for b in at.sidebar.button)


def test_a_malformed_roles_table_is_a_message() -> None:
    roles = {"users": {"wang@wuxi.gov.cn": "admin"}}
    at = _app(user={"is_logged_in": True, "email": "wang@wuxi.gov.cn"}, secrets={"roles": roles})
    assert any("unknown role 'admin'" in e.value for e in at.sidebar.error)


def test_an_expired_single_sign_on_acts_as_anonymous() -> None:
    roles = {"users": {"wang@wuxi.gov.cn": "data_steward"}}
    expired = {"is_logged_in": True, "email": "wang@wuxi.gov.cn", "exp": time.time() - 60}
    at = _app(user=expired, secrets={"roles": roles})
    assert not any(c.startswith("已登录") for c in _captions(at))
    assert any("登录已过期" in w.value for w in at.sidebar.warning)
    valid = {**expired, "exp": time.time() + 3600}
    assert "已登录:sso:wang@wuxi.gov.cn,数据管理员" in _captions(_app(user=valid, secrets={"roles": roles}))
