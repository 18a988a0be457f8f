"""``geoplan users`` (add, list, remove, passwd): the local accounts file; and who the CLI acts as when
it changes the catalog (:func:`acting_user`, the options of :func:`acting_user_options`).

How the CLI authenticates (the README's "Accounts, roles and the audit trail" says the same):

- ``--user NAME`` (or ``$GEOPLAN_USER``) names an account of the accounts file; its password is asked on
  the terminal (hidden), or read from the first line of stdin with ``--password-stdin`` (scripts). The
  CLI then acts with that account's role, which the catalog enforces.
- Without a name, on a *folder* catalog, the CLI acts as the local operator ``local:<login>`` with the
  data_steward role: the folder's file permissions are what guard it (whoever can write it could edit
  ``manifest.json`` by hand), and the audit trail records the login. ``$GEOPLAN_REQUIRE_ACCOUNT=1``
  turns this off, so that every change names an account. A database catalog (``postgresql://``) is
  shared, and always needs ``--user``.

Whoever can write the accounts file manages the accounts (its permissions are checked on every read),
so ``geoplan users`` asks for no sign-in of its own.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from wuxi_atlas.analysis.errors import printable
from wuxi_atlas.analysis.text_table import format_table
from wuxi_atlas.cli.options import list_format, resolve_district, say, terminal_json
from wuxi_atlas.layers.names import ROLE_NAMES

if TYPE_CHECKING:
    from wuxi_atlas.layers.catalog import User
    from wuxi_atlas.layers.catalog.accounts import Accounts

__all__ = ["acting_user", "acting_user_options", "users_group"]

_NO_TERMINAL = "there is no terminal to ask the password on; pass --password-stdin and write it to stdin"


def _accounts_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--accounts",
        "accounts_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Accounts file. Default: $GEOPLAN_ACCOUNTS, else ~/.config/geoplan/accounts.json.",
    )(function)


def _password_stdin_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--password-stdin",
        is_flag=True,
        help="Read the password from the first line of stdin instead of asking for it.",
    )(function)


def _accounts(accounts_path: Path | None) -> Accounts:
    from wuxi_atlas.layers.catalog.accounts import Accounts

    return Accounts(accounts_path)


def _interactive() -> bool:
    """Whether a password can be asked for: stdin is a terminal (not a pipe or a file)."""
    return sys.stdin.isatty()


def _read_password(password_stdin: bool, *, confirm: bool, prompt: str = "Password") -> str:
    """The password from stdin's first line (its line break dropped), else asked twice (``confirm``) on
    the terminal without echo."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not _interactive():
        raise click.UsageError(_NO_TERMINAL)
    password: str = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return password


def acting_user_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--user NAME`` (``$GEOPLAN_USER``), ``--password-stdin`` and ``--accounts``: who a catalog change
    is made as (see the module docstring)."""
    function = _accounts_option(_password_stdin_option(function))
    return click.option(
        "--user",
        "user_name",
        envvar="GEOPLAN_USER",
        help="Act as this account (its password is asked, or read with --password-stdin). Default: on a "
        "catalog folder, you as its local operator (data_steward); see the README.",
    )(function)


def acting_user(
    user_name: str | None, password_stdin: bool, accounts_path: Path | None, catalog_location: str
) -> User:
    """Who the CLI acts as on the catalog at ``catalog_location`` (see the module docstring)."""
    from wuxi_atlas.layers.catalog import Role, User
    from wuxi_atlas.layers.catalog.protocol import is_database_url

    if user_name:
        accounts = _accounts(accounts_path)
        if not accounts.exists():
            raise click.UsageError(
                f"--user {printable(user_name)}: there is no accounts file at {printable(accounts.path)}; "
                "create the account with 'geoplan users add'"
            )
        return accounts.verify(user_name, _read_password(password_stdin, confirm=False))
    if is_database_url(catalog_location):
        raise click.UsageError("a database catalog is shared: name your account with --user NAME")
    if os.environ.get("GEOPLAN_REQUIRE_ACCOUNT", "").strip() not in ("", "0"):
        raise click.UsageError("GEOPLAN_REQUIRE_ACCOUNT is set: name your account with --user NAME")
    return User(f"local:{getpass.getuser()}", Role.DATA_STEWARD, local=True)


@click.group("users")
def users_group() -> None:
    """The local accounts (for a server without single sign-on): names, roles, password hashes."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLE_NAMES), required=True, help="What the account may do.")
@click.option(
    "--district",
    "districts",
    multiple=True,
    help="A district the officer answers for (adcode, 滨湖 or Binhu); repeatable; district_officer only.",
)
@_password_stdin_option
@_accounts_option
def users_add(
    name: str, role: str, districts: tuple[str, ...], password_stdin: bool, accounts_path: Path | None
) -> None:
    """Create the account NAME with ROLE; its password is asked twice (or read with --password-stdin)."""
    adcodes = [code for code in (resolve_district(text) for text in districts) if code is not None]
    if role == "district_officer" and not adcodes:
        raise click.UsageError("a district_officer needs --district (one or more)")
    if role != "district_officer" and adcodes:
        raise click.UsageError(f"--district is for a district_officer, not a {role}")
    accounts = _accounts(accounts_path)
    accounts.check_new(name, role, adcodes)  # before the password is asked for
    account = accounts.add(name, role, _read_password(password_stdin, confirm=True), adcodes)
    where = f" for {', '.join(account.adcodes)}" if account.adcodes else ""
    say(f"added {account.name} ({account.role.value}{where}) to {printable(accounts.path)}")


@users_group.command("list")
@_accounts_option
@list_format
def users_list(accounts_path: Path | None, output_format: str) -> None:
    """Every account: name, role, districts, when created and last changed (never the hash)."""
    accounts = _accounts(accounts_path).accounts()
    if output_format == "json":
        say(
            terminal_json(
                [
                    {
                        "name": a.name,
                        "role": a.role.value,
                        "districts": list(a.adcodes),
                        "created": a.created,
                        "updated": a.updated,
                    }
                    for a in accounts
                ]
            )
        )
        return
    rows = [[a.name, a.role.value, ", ".join(a.adcodes), a.created, a.updated] for a in accounts]
    say(format_table(["name", "role", "districts", "created (UTC)", "changed (UTC)"], rows))


@users_group.command("remove")
@click.argument("name")
@_accounts_option
def users_remove(name: str, accounts_path: Path | None) -> None:
    """Remove the account NAME (the audit trail keeps what it did)."""
    accounts = _accounts(accounts_path)
    account = accounts.remove(name)
    say(f"removed {account.name} ({account.role.value}) from {printable(accounts.path)}")


@users_group.command("passwd")
@click.argument("name")
@_password_stdin_option
@_accounts_option
def users_passwd(name: str, password_stdin: bool, accounts_path: Path | None) -> None:
    """Set a new password for NAME (asked twice, or read with --password-stdin)."""
    accounts = _accounts(accounts_path)
    accounts.require(name)  # before the password is asked for
    accounts.set_password(name, _read_password(password_stdin, confirm=True, prompt="New password"))
    say(f"changed the password of {printable(name)} in {printable(accounts.path)}")
