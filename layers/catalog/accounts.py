"""The local accounts file: users, their roles and salted password hashes, for a server without SSO.

``$GEOPLAN_ACCOUNTS``, else ``$XDG_CONFIG_HOME/geoplan/accounts.json`` (``~/.config/geoplan/
accounts.json``). ``geoplan users add|list|remove|passwd`` manages it; the CLI (``--user``) and the app's
local sign-in verify against it (:meth:`Accounts.verify`). ::

    {
      "format": "geoplan-accounts/1",
      "users": {
        "li": {"role": "district_officer", "adcodes": ["320211"],
               "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$…", "created": "…", "updated": "…"}
      }
    }

A password is stored only as an Argon2id hash (argon2-cffi: a random salt per hash, the parameters in
the hash), never as text. Because whoever can write this file can make themselves a data steward, and
whoever can read it can try to guess passwords offline, the file is refused unless it is a regular file
(not a symlink) owned by the user reading it (or root) and neither writable by group or others nor
readable by others (``chmod 600``, or ``640`` for a service account in the owner's group). It is
written ``0600``, through a temporary file renamed into place, under an ``flock`` of
``accounts.json.lock`` so that two ``geoplan users`` commands do not lose each other's change.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import stat
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wuxi_atlas.analysis.errors import AtlasError, printable
from wuxi_atlas.layers.catalog.entries import utc_now
from wuxi_atlas.layers.catalog.roles import ROLES, Role, User, check_name

__all__ = [
    "ACCOUNTS_FORMAT",
    "MIN_PASSWORD_LENGTH",
    "Account",
    "Accounts",
    "AccountsError",
    "SignInError",
    "accounts_path",
]

ACCOUNTS_FORMAT = "geoplan-accounts/1"
MIN_PASSWORD_LENGTH = 8


class AccountsError(AtlasError, ValueError):
    """The accounts file is malformed or unsafe, or a change to it is refused. Names the file."""


class SignInError(AtlasError, PermissionError):
    """A name and password do not match an account (which of the two is wrong is not said)."""


def accounts_path() -> Path:
    """The accounts file: ``$GEOPLAN_ACCOUNTS``, else ``$XDG_CONFIG_HOME/geoplan/accounts.json``."""
    configured = os.environ.get("GEOPLAN_ACCOUNTS", "").strip()
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME", "").strip() or Path.home() / ".config"
    return Path(base) / "geoplan" / "accounts.json"


@functools.cache
def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()  # Argon2id with the library's (RFC 9106) defaults and a 16-byte random salt


@functools.cache
def _decoy_hash() -> str:
    """A hash to verify against for an unknown name, so a wrong name costs what a wrong password does."""
    return str(_hasher().hash(uuid.uuid4().hex))


@dataclass(frozen=True)
class Account:
    """One account as ``geoplan users list`` shows it (never with its hash)."""

    name: str
    role: Role
    adcodes: tuple[str, ...]
    created: str
    updated: str

    @property
    def user(self) -> User:
        return User(self.name, self.role, self.adcodes)


def check_password(password: str) -> str:
    """``password`` when acceptable; :class:`AccountsError` when shorter than
    :data:`MIN_PASSWORD_LENGTH` or holding a line break (a pasted password with its newline)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountsError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if "\n" in password or "\r" in password:
        raise AccountsError("a password cannot hold a line break")
    return password


class Accounts:
    """The accounts file at ``path`` (default :func:`accounts_path`); see the module docstring."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else accounts_path()

    def __repr__(self) -> str:
        return f"Accounts({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.exists() or self.path.is_symlink()

    # -- reading

    def _read(self) -> dict[str, Any]:
        try:
            handle = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            return {"format": ACCOUNTS_FORMAT, "users": {}}
        except OSError as exc:
            raise AccountsError(
                f"cannot read the accounts file {self.path} ({exc.strerror}; a symlink is refused)"
            ) from exc
        with os.fdopen(handle, "rb") as stream:
            self._check_safe(os.fstat(stream.fileno()))
            text = stream.read()
        try:
            document = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise AccountsError(f"the accounts file {self.path} is not UTF-8 JSON ({exc})") from exc
        self._check_document(document)
        return dict(document)

    def _check_safe(self, status: os.stat_result) -> None:
        if not stat.S_ISREG(status.st_mode):
            raise AccountsError(f"the accounts file {self.path} is not a regular file")
        if status.st_uid not in (os.geteuid(), 0):
            raise AccountsError(
                f"the accounts file {self.path} belongs to another user (uid {status.st_uid}); whoever owns "
                "it can make themselves a data steward, so it must be yours (or root's)"
            )
        mode = stat.S_IMODE(status.st_mode)
        if mode & (stat.S_IWGRP | stat.S_IWOTH | stat.S_IROTH):
            raise AccountsError(
                f"the accounts file {self.path} is open to others (mode {mode:o}): anyone who can write it "
                "can make themselves a data steward, anyone who can read it can guess passwords offline; run "
                f"'chmod 600 {self.path}'"
            )

    def _check_document(self, document: object) -> None:
        where = f"the accounts file {self.path}"
        if not isinstance(document, dict) or document.get("format") != ACCOUNTS_FORMAT:
            raise AccountsError(f"{where} is not a {ACCOUNTS_FORMAT} file")
        users = document.get("users")
        if not isinstance(users, dict):
            raise AccountsError(f"{where}: users must be an object")
        for name, record in users.items():
            key = f"{where}: users.{printable(name)}"
            if not isinstance(record, dict):
                raise AccountsError(f"{key} must be an object")
            if record.get("role") not in ROLES:
                raise AccountsError(f"{key}.role must be one of {', '.join(ROLES)}")
            hashed = record.get("password_hash")
            if not isinstance(hashed, str) or not hashed.startswith("$argon2"):
                raise AccountsError(f"{key}.password_hash must be an Argon2 hash (never a password)")
            adcodes = record.get("adcodes", [])
            if not isinstance(adcodes, list) or not all(isinstance(a, str) for a in adcodes):
                raise AccountsError(f"{key}.adcodes must be a list of adcodes")
            try:
                check_name(name)
                User(name, Role(record["role"]), tuple(adcodes))
            except ValueError as exc:
                raise AccountsError(f"{key}: {exc}") from None

    def accounts(self) -> list[Account]:
        """Every account, by name."""
        users = self._read()["users"]
        return [_account(name, users[name]) for name in sorted(users)]

    def find(self, name: str) -> Account | None:
        record = self._read()["users"].get(name)
        return _account(name, record) if record is not None else None

    def verify(self, name: str, password: str) -> User:
        """The user ``name`` when ``password`` is theirs; :class:`SignInError` otherwise."""
        from argon2.exceptions import InvalidHashError, VerificationError

        record = self._read()["users"].get(name)
        decoy = _decoy_hash()  # made on the first sign-in of the process, whichever name it is for
        try:
            _hasher().verify(record["password_hash"] if record else decoy, password)
        except (VerificationError, InvalidHashError):
            record = None
        if record is None:
            raise SignInError(
                f"sign-in refused for {printable(repr(name))}: unknown account or wrong password"
            )
        return _account(name, record).user

    # -- changing

    @contextlib.contextmanager
    def _changing(self) -> Iterator[dict[str, Any]]:
        """The document to change, written back (0600, atomically) when the block ends without error."""
        import fcntl  # POSIX only, as the catalog's own lock

        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(parents=True, mode=0o700)
        with (folder / f"{self.path.name}.lock").open("a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            document = self._read()
            yield document
            temporary = folder / f".tmp-{os.getpid()}-{uuid.uuid4().hex}-{self.path.name}"
            handle = os.open(
                temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600
            )
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(document, stream, ensure_ascii=False, indent=2)
                    stream.write("\n")
                    stream.flush()
                    os.fsync(stream.fileno())
                with contextlib.suppress(FileNotFoundError):  # keep a 640 the owner chose (checked safe)
                    os.chmod(temporary, stat.S_IMODE(os.stat(self.path, follow_symlinks=False).st_mode))
                os.replace(temporary, self.path)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise

    def require(self, name: str) -> Account:
        """The account ``name``; :class:`AccountsError` naming the accounts there are when none."""
        document = self._read()
        record = document["users"].get(name)
        if record is None:
            raise AccountsError(self._unknown(name, document))
        return _account(name, record)

    def check_new(self, name: str, role: str | Role, adcodes: Iterable[str] = ()) -> User:
        """The user a new account would be; :class:`AccountsError` when the name is taken or invalid,
        or the role and districts do not fit (an officer needs districts, no one else has any). A
        front-end calls it before asking for the password."""
        try:
            user = User(check_name(name), Role(role), tuple(adcodes))
        except ValueError as exc:
            raise AccountsError(str(exc)) from None
        if name in self._read()["users"]:
            raise AccountsError(f"there is already an account {printable(repr(name))} in {self.path}")
        return user

    def add(self, name: str, role: str | Role, password: str, adcodes: Iterable[str] = ()) -> Account:
        """A new account (see :meth:`check_new` for what is refused)."""
        user = self.check_new(name, role, adcodes)
        hashed = _hasher().hash(check_password(password))
        with self._changing() as document:
            if name in document["users"]:
                raise AccountsError(f"there is already an account {printable(repr(name))} in {self.path}")
            now = utc_now()
            document["users"][name] = {
                "role": user.role.value,
                "adcodes": list(user.adcodes),
                "password_hash": hashed,
                "created": now,
                "updated": now,
            }
        return _account(name, document["users"][name])

    def remove(self, name: str) -> Account:
        """Take the account ``name`` out; :class:`AccountsError` when there is none. The catalog's audit
        trail keeps the name wherever it acted."""
        with self._changing() as document:
            record = document["users"].pop(name, None)
            if record is None:
                raise AccountsError(self._unknown(name, document))
        return _account(name, record)

    def set_password(self, name: str, password: str) -> None:
        """Replace the password of ``name`` (a new salt and hash)."""
        hashed = _hasher().hash(check_password(password))
        with self._changing() as document:
            record = document["users"].get(name)
            if record is None:
                raise AccountsError(self._unknown(name, document))
            record["password_hash"], record["updated"] = hashed, utc_now()

    def _unknown(self, name: str, document: dict[str, Any]) -> str:
        known = ", ".join(sorted(document["users"])) or "none"
        return f"no account {printable(repr(name))} in {self.path} (accounts: {printable(known)})"


def _account(name: str, record: dict[str, Any]) -> Account:
    return Account(
        name,
        Role(record["role"]),
        tuple(record.get("adcodes", ())),
        record.get("created", ""),
        record.get("updated", ""),
    )
