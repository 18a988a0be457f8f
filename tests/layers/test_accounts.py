"""layers.catalog.accounts: salted Argon2id hashes, never a password; the file refused when others could
read or change it; a wrong name and a wrong password refused alike."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from wuxi_atlas.layers.catalog import Role, User
from wuxi_atlas.layers.catalog.accounts import Accounts, AccountsError, SignInError, accounts_path

PASSWORD = "correct horse 电池"


@pytest.fixture
def accounts(tmp_path: Path) -> Accounts:
    store = Accounts(tmp_path / "config" / "accounts.json")
    store.add("li", "district_officer", PASSWORD, ["320211"])
    store.add("王伟", "data_steward", PASSWORD)
    return store


def test_passwords_are_stored_as_salted_hashes_only(accounts: Accounts) -> None:
    text = accounts.path.read_text(encoding="utf-8")
    assert PASSWORD not in text
    users = json.loads(text)["users"]
    hashes = [users["li"]["password_hash"], users["王伟"]["password_hash"]]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert hashes[0] != hashes[1]  # the same password, two salts
    assert stat.S_IMODE(accounts.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(accounts.path.parent.stat().st_mode) == 0o700


def test_verify_gives_the_user_with_their_role(accounts: Accounts) -> None:
    assert accounts.verify("li", PASSWORD) == User("li", Role.DISTRICT_OFFICER, ("320211",))
    assert accounts.verify("王伟", PASSWORD).role is Role.DATA_STEWARD
    with pytest.raises(SignInError) as wrong_password:
        accounts.verify("li", PASSWORD + "x")
    with pytest.raises(SignInError) as wrong_name:
        accounts.verify("nobody", PASSWORD)
    # The two refusals say the same, so a caller cannot learn which names exist.
    assert str(wrong_password.value).replace("'li'", "NAME") == str(wrong_name.value).replace(
        "'nobody'", "NAME"
    )


def test_list_remove_and_passwd(accounts: Accounts) -> None:
    assert [(a.name, a.role.value, a.adcodes) for a in accounts.accounts()] == [
        ("li", "district_officer", ("320211",)),
        ("王伟", "data_steward", ()),
    ]
    accounts.set_password("li", "a new password")
    with pytest.raises(SignInError):
        accounts.verify("li", PASSWORD)
    assert accounts.verify("li", "a new password").name == "li"
    assert accounts.remove("li").name == "li"
    with pytest.raises(AccountsError, match=r"no account 'li' .*accounts: 王伟"):
        accounts.remove("li")
    with pytest.raises(AccountsError, match="already an account"):
        accounts.add("王伟", "viewer", PASSWORD)


@pytest.mark.parametrize(
    ("name", "role", "adcodes", "problem"),
    [
        ("anonymous", "viewer", [], "reserved"),
        ("local:wang", "viewer", [], "reserved"),
        ("a b", "viewer", [], "letters, digits"),
        ("", "viewer", [], "1 to 64"),
        ("zhao", "district_officer", [], "at least one district"),
        ("zhao", "viewer", ["320211"], "only a district officer"),
        ("zhao", "district_officer", ["Binhu"], "6-digit adcode"),
    ],
)
def test_bad_accounts_are_refused(
    accounts: Accounts, name: str, role: str, adcodes: list[str], problem: str
) -> None:
    before = accounts.path.read_bytes()
    with pytest.raises(AccountsError, match=problem):
        accounts.add(name, role, PASSWORD, adcodes)
    assert accounts.path.read_bytes() == before


def test_a_short_password_is_refused(accounts: Accounts) -> None:
    with pytest.raises(AccountsError, match="at least 8 characters"):
        accounts.add("zhao", "viewer", "short")


@pytest.mark.parametrize("mode", [0o644, 0o620, 0o602, 0o666])
def test_a_file_others_can_read_or_change_is_refused(accounts: Accounts, mode: int) -> None:
    os.chmod(accounts.path, mode)
    with pytest.raises(AccountsError, match=r"open to others .*chmod 600"):
        accounts.verify("li", PASSWORD)


def test_a_file_readable_by_the_group_is_accepted_and_kept_so(accounts: Accounts) -> None:
    os.chmod(accounts.path, 0o640)  # a service account in the owner's group reads it
    accounts.set_password("li", "another password")
    assert stat.S_IMODE(accounts.path.stat().st_mode) == 0o640


def test_a_symlink_or_a_file_of_another_user_is_refused(accounts: Accounts, tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(accounts.path)
    with pytest.raises(AccountsError, match="symlink is refused"):
        Accounts(link).accounts()
    if os.geteuid() == 0:  # only root can give a file away
        os.chown(accounts.path, 65534, 65534)
        with pytest.raises(AccountsError, match="belongs to another user"):
            accounts.accounts()


def test_a_plain_text_password_in_the_file_is_refused(accounts: Accounts) -> None:
    document = json.loads(accounts.path.read_text(encoding="utf-8"))
    document["users"]["li"]["password_hash"] = PASSWORD
    accounts.path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(AccountsError, match=r"users\.li\.password_hash must be an Argon2 hash"):
        accounts.verify("li", PASSWORD)


def test_the_file_is_found_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOPLAN_ACCOUNTS", str(tmp_path / "a.json"))
    assert accounts_path() == tmp_path / "a.json"
    monkeypatch.delenv("GEOPLAN_ACCOUNTS")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert accounts_path() == tmp_path / "xdg" / "geoplan" / "accounts.json"
    assert Accounts().accounts() == []  # no file yet: no accounts, nothing created
    assert not (tmp_path / "xdg").exists()
