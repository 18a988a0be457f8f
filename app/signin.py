"""Who is using the app: sign-in through the bureau's single sign-on (Streamlit's OIDC, ``st.login``) or
a local account (the accounts file, :mod:`layers.catalog.accounts`), and :func:`current_user`, the
:class:`~layers.catalog.roles.User` every catalog change is made as.

Sign-in is optional: with neither an ``[auth]`` table in ``.streamlit/secrets.toml`` nor an accounts
file, the sidebar shows no sign-in and everyone is :data:`~layers.catalog.roles.ANONYMOUS`, who may look,
export and preview uploads but not change the catalog. The catalog enforces the roles; the app only
hides what the user's role would be refused.

- OIDC: a user signed in through ``st.login`` (``st.user.is_logged_in``) gets the role the ``[roles]``
  table of the secrets gives their claims (:mod:`app.oidc_roles`), else viewer. Their name is the naming
  claim prefixed ``sso:``, so they are never taken for a local account of the same name.
- Local accounts: name and password checked by :meth:`Accounts.verify` (Argon2id). The session keeps the
  name only and reads the account again on every run, so a removed account or a changed role takes
  effect at once. After :data:`MAX_FAILURES` wrong passwords for a name, that name is refused for
  :data:`LOCKOUT_S` seconds, across sessions.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Mapping
from typing import Any

import streamlit as st

from wuxi_atlas.analysis.errors import AtlasError
from wuxi_atlas.app.oidc_roles import SSO_PREFIX, token_expired, user_from_claims
from wuxi_atlas.app.widgets import plain
from wuxi_atlas.layers.catalog.accounts import Accounts, SignInError
from wuxi_atlas.layers.catalog.roles import ANONYMOUS, User
from wuxi_atlas.maps.text import t

__all__ = [
    "LOCKOUT_S",
    "MAX_FAILURES",
    "SIGNED_IN",
    "current_user",
    "oidc_providers",
    "role_text",
    "sign_in_panel",
]

SIGNED_IN = "_signed_in_account"  # session_state: the name of the local account signed in
_SIGN_IN_ERROR = "_sign_in_error"  # session_state: the message of the last refused sign-in
#: Wrong passwords for one name before it is refused for a while (a brake on guessing).
MAX_FAILURES = 5
#: Seconds a name is refused after :data:`MAX_FAILURES` wrong passwords.
LOCKOUT_S = 300.0


def _secrets_table(name: str) -> Mapping[str, Any]:
    """A table of ``.streamlit/secrets.toml`` (empty when there is no such table or no secrets file)."""
    try:
        table = st.secrets.get(name)
    except FileNotFoundError:  # no secrets file at all: Streamlit's StreamlitSecretNotFoundError
        return {}
    return table if isinstance(table, Mapping) else {}


def oidc_providers() -> tuple[str | None, ...]:
    """The OIDC providers configured in the secrets' ``[auth]`` table: ``None`` for the unnamed default
    (``client_id`` in ``[auth]`` itself), then each named ``[auth.NAME]``; empty without ``[auth]``."""
    auth = _secrets_table("auth")
    if not auth:
        return ()
    named = tuple(sorted(key for key, value in auth.items() if isinstance(value, Mapping)))
    return ((None,) if "client_id" in auth else ()) + named


@st.cache_resource
def _failures() -> tuple[threading.Lock, dict[str, list[float]]]:
    """Wrong-password times by account name, shared by the sessions of this server process."""
    return threading.Lock(), {}


def _locked_out(name: str, now: float) -> bool:
    lock, failures = _failures()
    with lock:
        recent = [moment for moment in failures.get(name, []) if now - moment < LOCKOUT_S]
        failures[name] = recent
        return len(recent) >= MAX_FAILURES


def _record_failure(name: str, now: float) -> None:
    lock, failures = _failures()
    with lock:
        failures.setdefault(name, []).append(now)


def _oidc_claims() -> dict[str, Any] | None:
    """The identity token's claims of a single sign-on user (None: not signed in that way)."""
    claims = st.user.to_dict()
    return claims if claims.get("is_logged_in") is True else None


def _oidc_user() -> User | None:
    claims = _oidc_claims()
    if claims is None or token_expired(claims, time.time()):  # an expired sign-in acts as anonymous
        return None
    return user_from_claims(claims, _secrets_table("roles"))


def current_user() -> User:
    """The user of this session: signed in through OIDC, else through a local account, else
    :data:`ANONYMOUS`. Raises :class:`~analysis.errors.AtlasError` for a malformed ``[roles]`` table or
    accounts file (the app shows it as a message)."""
    user = _oidc_user()
    if user is not None:
        return user
    name = st.session_state.get(SIGNED_IN)
    if name is None:
        return ANONYMOUS
    account = Accounts().find(name)
    if account is None:  # removed since the session signed in
        st.session_state.pop(SIGNED_IN, None)
        return ANONYMOUS
    return account.user


def _on_sign_in() -> None:
    name = (st.session_state.get("signin_name") or "").strip()
    password = st.session_state.get("signin_password") or ""
    st.session_state["signin_password"] = ""  # never kept in the session beyond this callback
    st.session_state.pop(_SIGN_IN_ERROR, None)
    lang = st.session_state.get("lang", "zh")
    now = time.monotonic()
    if _locked_out(name, now):
        st.session_state[_SIGN_IN_ERROR] = t("signin_locked", lang, minutes=round(LOCKOUT_S / 60))
        return
    try:
        user = Accounts().verify(name, password)
    except SignInError:
        _record_failure(name, now)
        st.session_state[_SIGN_IN_ERROR] = t("signin_refused", lang)
        return
    except AtlasError as exc:
        st.session_state[_SIGN_IN_ERROR] = t("error", lang, message=plain(str(exc)))
        return
    st.session_state[SIGNED_IN] = user.name


def _on_sign_out() -> None:
    st.session_state.pop(SIGNED_IN, None)


def role_text(user: User, lang: str) -> str:
    """The user's role in words, with an officer's districts' adcodes ("not signed in" for anonymous)."""
    if not user.signed_in:
        return t("role_anonymous", lang)
    text = t(f"role_{user.role.value}", lang)
    return f"{text} ({', '.join(user.adcodes)})" if user.adcodes else text


def sign_in_panel(lang: str) -> User:
    """The sidebar's sign-in (nothing when no sign-in is configured) and the user it gives."""
    try:
        user = current_user()
        accounts = Accounts().exists()
    except AtlasError as exc:
        st.error(t("error", lang, message=plain(str(exc))))
        return ANONYMOUS
    providers = oidc_providers()
    if user.signed_in:
        st.caption(t("signed_in_as", lang, name=plain(user.name), role=role_text(user, lang)))
        if user.name.startswith(SSO_PREFIX):
            st.button(t("sign_out", lang), key="sign_out", on_click=st.logout)
        else:
            st.button(t("sign_out", lang), key="sign_out", on_click=_on_sign_out)
        return user
    claims = _oidc_claims()
    if claims is not None:  # signed in through single sign-on, but the token has expired
        st.warning(t("sign_in_expired", lang))
        st.button(t("sign_out", lang), key="sign_out", on_click=st.logout)
        return user
    if not providers and not accounts:
        return user
    with st.expander(t("sign_in", lang)):
        if providers and importlib.util.find_spec("authlib") is None:
            st.error(t("sso_needs_authlib", lang))  # st.login would fail on the click
            providers = ()
        for provider in providers:
            label = t("sign_in_sso", lang) + (f" ({provider})" if provider else "")
            st.button(
                label,
                key=f"sign_in_sso_{provider or 'default'}",
                on_click=st.login,
                args=(() if provider is None else (provider,)),
            )
        if accounts:
            with st.form("sign_in_form", clear_on_submit=False, border=False):
                st.text_input(t("signin_name", lang), key="signin_name", autocomplete="username")
                st.text_input(
                    t("signin_password", lang),
                    key="signin_password",
                    type="password",
                    autocomplete="current-password",
                )
                st.form_submit_button(t("sign_in", lang), on_click=_on_sign_in)
        error = st.session_state.get(_SIGN_IN_ERROR)
        if error:
            st.error(error)
    return user
