"""``geoplan users`` and who ``geoplan layers`` acts as: accounts managed without a password ever echoed
or stored, ``--user`` verified against the accounts file (``--password-stdin``), the local operator of a
catalog folder, and ``geoplan layers history`` / ``restore`` showing and undoing changes.

Every command runs through the console entry point, which turns errors into messages (exit 2)."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wuxi_atlas.layers.catalog import Catalog

PASSWORD = "s3cret-电池-pass"
BINHU_POINT = (120.1987, 31.4272)


def _geoplan(
    *args: str, monkeypatch: pytest.MonkeyPatch, stdin: str | None = None, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Run ``geoplan ARGS`` through :func:`wuxi_atlas.cli.main`; the exit code and stdout + stderr."""
    from wuxi_atlas import cli

    runner = CliRunner()
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    with runner.isolation(input=stdin) as streams:
        monkeypatch.setattr(sys, "argv", ["geoplan", *args])
        try:
            cli.main()
            code = 0
        except SystemExit as exited:
            code = exited.code if isinstance(exited.code, int) else 1
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return code, (out + err).decode("utf-8", "replace")


@pytest.fixture
def accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An accounts file (from $GEOPLAN_ACCOUNTS) with a steward, a Binhu officer and a viewer."""
    path = tmp_path / "config" / "accounts.json"
    monkeypatch.setenv("GEOPLAN_ACCOUNTS", str(path))
    for name, role, extra in (
        ("wang", "data_steward", []),
        ("li", "district_officer", ["--district", "滨湖"]),
        ("chen", "viewer", []),
    ):
        code, text = _geoplan(
            "users", "add", name, "--role", role, *extra, "--password-stdin",
            monkeypatch=monkeypatch, stdin=PASSWORD + "\n",
        )  # fmt: skip
        assert code == 0, text
        assert PASSWORD not in text
    return path


def _stations(folder: Path, name: str = "stations.csv") -> Path:
    lon, lat = BINHU_POINT
    path = folder / name
    path.write_text(
        f"name,type,piles,access,lon,lat\n滨湖站,charging,4,public,{lon},{lat}\n", encoding="utf-8"
    )
    return path


def test_users_are_listed_without_their_hash(accounts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, text = _geoplan("users", "list", monkeypatch=monkeypatch)
    assert code == 0, text
    assert "li" in text and "district_officer" in text and "320211" in text and "$argon2" not in text
    code, text = _geoplan("users", "list", "-f", "json", monkeypatch=monkeypatch)
    listed = json.loads(text)
    assert [(u["name"], u["role"], u["districts"]) for u in listed] == [
        ("chen", "viewer", []),
        ("li", "district_officer", ["320211"]),
        ("wang", "data_steward", []),
    ]
    assert PASSWORD not in accounts.read_text(encoding="utf-8")


def test_passwd_and_remove(accounts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, text = _geoplan(
        "users", "passwd", "chen", "--password-stdin", monkeypatch=monkeypatch, stdin="new-password\n"
    )
    assert code == 0 and "new-password" not in text
    catalog = str(tmp_path / "catalog")
    code, text = _geoplan(
        "layers", "history", "--catalog", catalog, "--user", "chen", monkeypatch=monkeypatch
    )  # reading needs no sign-in: the option is not even offered
    assert code == 2 and "No such option" in text
    code, text = _geoplan("users", "remove", "chen", monkeypatch=monkeypatch)
    assert code == 0 and "removed chen" in text
    code, text = _geoplan("users", "remove", "chen", monkeypatch=monkeypatch)
    assert code == 2 and "no account 'chen'" in text


def test_add_refuses_before_asking_for_a_password(accounts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, text = _geoplan("users", "add", "wang", "--role", "viewer", monkeypatch=monkeypatch)
    assert code == 2 and "already an account 'wang'" in text
    code, text = _geoplan("users", "add", "zhao", "--role", "district_officer", monkeypatch=monkeypatch)
    assert code == 2 and "needs --district" in text
    # No terminal (a pipe, as here) and no --password-stdin: a message, never a password on the line.
    code, text = _geoplan("users", "add", "zhao", "--role", "viewer", monkeypatch=monkeypatch)
    assert code == 2 and "--password-stdin" in text


def test_a_change_as_an_account_is_verified_and_enforced(
    accounts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = tmp_path / "catalog"
    source = str(_stations(tmp_path))
    add = ("layers", "add", "stations", source, "--catalog", str(catalog), "--password-stdin")

    code, text = _geoplan(*add, "--user", "wang", monkeypatch=monkeypatch, stdin="wrong password\n")
    assert code == 2 and "sign-in refused for 'wang'" in text and not catalog.exists()

    code, text = _geoplan(*add, "--user", "chen", monkeypatch=monkeypatch, stdin=PASSWORD + "\n")
    assert code == 2 and "chen (viewer) may not save stations" in text and "data_steward" in text

    code, text = _geoplan(
        *add, "--user", "li", "-m", "滨湖 2025", monkeypatch=monkeypatch, stdin=PASSWORD + "\n"
    )
    assert code == 0, text
    assert "as li (district_officer for 320211)" in text and PASSWORD not in text
    code, text = _geoplan(
        "layers", "rollback", "stations", "--catalog", str(catalog), "--password-stdin",
        monkeypatch=monkeypatch, stdin=PASSWORD + "\n", env={"GEOPLAN_USER": "li"},
    )  # fmt: skip
    assert code == 2 and "li (district_officer for 320211) may not roll back stations" in text
    [entry] = Catalog(catalog).history("stations")
    assert (entry.committed_by, entry.scope, entry.note) == ("li", ("320211",), "滨湖 2025")


def test_the_local_operator_of_a_folder_is_its_steward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = str(tmp_path / "catalog")
    code, text = _geoplan(
        "layers",
        "add",
        "stations",
        str(_stations(tmp_path)),
        "--catalog",
        catalog,
        "-m",
        "first",
        monkeypatch=monkeypatch,
    )
    assert code == 0, text
    [event] = Catalog(catalog).trail()
    assert (event.user, event.role, event.local) == (f"local:{getpass.getuser()}", "data_steward", True)
    code, text = _geoplan(
        "layers", "remove", "stations", "--catalog", catalog, monkeypatch=monkeypatch,
        env={"GEOPLAN_REQUIRE_ACCOUNT": "1"},
    )  # fmt: skip
    assert code == 2 and "GEOPLAN_REQUIRE_ACCOUNT" in text
    assert Catalog(catalog).kinds() == ["stations"]


def test_history_shows_the_trail_and_restore_undoes_a_removal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = str(tmp_path / "catalog")
    for name, note in (("a.csv", "first count"), ("b.csv", "second count")):
        code, text = _geoplan(
            "layers", "add", "stations", str(_stations(tmp_path, name)), "--catalog", catalog, "-m", note,
            monkeypatch=monkeypatch,
        )  # fmt: skip
        assert code == 0, text
    code, text = _geoplan(
        "layers", "remove", "stations", "--version", "2", "--catalog", catalog, "-m", "wrong \x1b[31mfile",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0 and "removed stations v2 (restorable)" in text
    code, text = _geoplan("layers", "history", "stations", "--catalog", catalog, monkeypatch=monkeypatch)
    assert code == 0, text
    assert "v2 (removed)" in text and "v1 *" in text
    lines = [line for line in text.splitlines() if line.startswith("20")]  # the trail: one line a change
    assert len(lines) == 3 and "saved v2 (was v1)" in lines[1] and "from b.csv sha256" in lines[1]
    assert "removed v2" in lines[2] and "why: wrong \\x1b[31mfile" in lines[2] and "\x1b" not in text
    code, text = _geoplan("layers", "restore", "stations", "2", "--catalog", catalog, monkeypatch=monkeypatch)
    assert code == 0 and "restored stations v2" in text and "current" in text
    code, text = _geoplan("layers", "history", "--catalog", catalog, "-f", "json", monkeypatch=monkeypatch)
    document = json.loads(text)
    assert document["versions"] == [] and [e["action"] for e in document["trail"]] == [
        "commit",
        "commit",
        "remove",
        "restore",
    ]
    assert Catalog(catalog).entry("stations").version == 2


def test_a_password_asked_on_the_terminal_is_confirmed_and_never_echoed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wuxi_atlas.cli import users
    from wuxi_atlas.layers.catalog.accounts import Accounts

    monkeypatch.setenv("GEOPLAN_ACCOUNTS", str(tmp_path / "accounts.json"))
    monkeypatch.setattr(users, "_interactive", lambda: True)
    typed = f"{PASSWORD}\nnot the same\n{PASSWORD}\n{PASSWORD}\n"  # a mismatch is asked again
    code, text = _geoplan(
        "users", "add", "wang", "--role", "data_steward", monkeypatch=monkeypatch, stdin=typed
    )
    assert code == 0, text
    assert "do not match" in text and PASSWORD not in text and "not the same" not in text
    assert Accounts().verify("wang", PASSWORD).name == "wang"
