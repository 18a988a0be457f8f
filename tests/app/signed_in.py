"""A session signed in for the AppTests that change the catalog (the catalog refuses anonymous users)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from wuxi_atlas.app.signin import SIGNED_IN
from wuxi_atlas.layers.catalog.accounts import Accounts


def sign_in_as_steward(at: AppTest, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign the session in as a data steward of a fresh accounts file in ``folder``, as the sidebar's
    sign-in does (it keeps the account's name in the session)."""
    accounts = Accounts(folder / "accounts.json")
    accounts.add("steward", "data_steward", "a steward's password")
    monkeypatch.setenv("GEOPLAN_ACCOUNTS", str(accounts.path))
    at.session_state[SIGNED_IN] = "steward"
