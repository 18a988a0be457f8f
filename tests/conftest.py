"""Suite-wide settings: the tests never read or write the user's own caches or catalog, and the code is
imported the way the installed wheel has it."""

from __future__ import annotations

import importlib.abc
import os
import sys
import tempfile

import pytest

#: The design card's folders. Installed, they exist only as wuxi_atlas.<folder>; from a checkout, the
#: repository root on sys.path would also make them importable by their bare names and hide a module (or a
#: resources.files("maps")) that breaks in the wheel. So the suite refuses the bare names outright.
_BARE_FOLDERS = frozenset({"analysis", "layers", "maps", "app", "cli", "demo"})


class _RefuseBareFolders(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
        if fullname.split(".")[0] in _BARE_FOLDERS:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: import it as 'wuxi_atlas.{fullname}' (the installed name)",
                name=fullname,
            )
        return None


sys.meta_path.insert(0, _RefuseBareFolders())


@pytest.fixture(autouse=True, scope="session")
def _private_result_cache():
    """Point the on-disk result cache at a fresh folder for the session, so a stale cache in
    ``~/.cache/geoplan`` can neither make a test pass nor be polluted by one."""
    previous = os.environ.get("GEOPLAN_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="geoplan-test-cache-") as folder:
        os.environ["GEOPLAN_CACHE_DIR"] = folder
        yield folder
    if previous is None:
        os.environ.pop("GEOPLAN_CACHE_DIR", None)
    else:
        os.environ["GEOPLAN_CACHE_DIR"] = previous


@pytest.fixture(autouse=True, scope="session")
def _no_accounts_of_the_user():
    """Point the accounts file at a path that does not exist and forget a ``GEOPLAN_USER``, so that the
    developer's own accounts never decide who a test acts as."""
    saved = {
        name: os.environ.get(name) for name in ("GEOPLAN_ACCOUNTS", "GEOPLAN_USER", "GEOPLAN_REQUIRE_ACCOUNT")
    }
    with tempfile.TemporaryDirectory(prefix="geoplan-test-accounts-") as folder:
        os.environ["GEOPLAN_ACCOUNTS"] = os.path.join(folder, "accounts.json")
        os.environ.pop("GEOPLAN_USER", None)
        os.environ.pop("GEOPLAN_REQUIRE_ACCOUNT", None)
        yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def postgis_server():
    """A throwaway PostgreSQL + PostGIS cluster for this test process (tests/postgis_server.py): started
    the first time a test asks for it, stopped and deleted at the end; a test takes a fresh database with
    ``postgis_server.new_database()``."""
    from postgis_server import running_postgis

    with running_postgis() as server:
        yield server
