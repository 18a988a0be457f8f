"""A throwaway PostgreSQL + PostGIS cluster for the catalog tests: ``initdb`` into a private temporary
folder, ``pg_ctl start`` on a free port of 127.0.0.1, one database per test cloned from a template that
holds the ``postgis`` extension, and everything stopped and deleted at the end. No mock, no server
shared with anything else on the machine.

PostgreSQL refuses to run as root. Run as root (CI on a fresh Debian machine), the cluster belongs to
the ``postgres`` system user that Debian's packages create, and every server command runs through
``runuser -u postgres``; run as anyone else, it is theirs. The binaries are found through
``$GEOPLAN_PG_BINDIR``, then ``PATH``, then Debian's ``/usr/lib/postgresql/<major>/bin`` (highest
major first). Missing binaries, a missing ``postgres`` user under root, or a missing PostGIS are a
failure naming what to install, never a skip: CI installs ``postgresql-15-postgis-3`` (``.ci/run``).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PostgisServer", "running_postgis"]

_INSTALL = (
    "install Debian's postgresql-15-postgis-3 (apt-get install postgresql-15-postgis-3), as .ci/run does"
)
_TEMPLATE = "geoplan_template"


class PostgisUnavailable(RuntimeError):
    """The machine cannot start a PostGIS cluster; the message says what to install or change."""


def _bindir() -> Path:
    configured = os.environ.get("GEOPLAN_PG_BINDIR", "").strip()
    candidates = [Path(configured)] if configured else []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        majors = sorted(
            (p for p in debian.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True
        )
        candidates += [major / "bin" for major in majors]
    for folder in candidates:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    raise PostgisUnavailable(
        "the PostGIS catalog tests need PostgreSQL's initdb, pg_ctl and postgres, found neither through "
        f"$GEOPLAN_PG_BINDIR, PATH nor /usr/lib/postgresql/*/bin; {_INSTALL}"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgisServer:
    """A running throwaway cluster: ``url(database)`` to connect, ``new_database()`` for a test."""

    folder: Path
    port: int
    bindir: Path
    as_user: str | None
    databases: list[str] = field(default_factory=list)

    def url(self, database: str = "postgres") -> str:
        # Trust authentication on 127.0.0.1 only: the cluster lives for one test session.
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.as_user, "--"] if self.as_user else []
        return subprocess.run(
            [*prefix, *command], capture_output=True, text=True, check=False, cwd=self.folder, timeout=120
        )

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            connection.execute(statement)  # type: ignore[arg-type]  # test helper, literal SQL

    def new_database(self) -> str:
        """A fresh database with PostGIS, cloned from the template (fast: a file copy)."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE}")
        self.databases.append(name)
        return self.url(name)

    def drop_databases(self) -> None:
        while self.databases:
            self.sql(f"DROP DATABASE IF EXISTS {self.databases.pop()} WITH (FORCE)")


def _owner() -> str | None:
    """The user the cluster runs as: None (the current user) unless we are root, then ``postgres``."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgisUnavailable(
            "running as root, the test cluster must belong to another user (PostgreSQL refuses root), and "
            f"there is no 'postgres' user; {_INSTALL} (it creates the user)"
        ) from None
    if shutil.which("runuser") is None:
        raise PostgisUnavailable("running as root, the test cluster needs runuser (util-linux) to drop root")
    return "postgres"


def _start(folder: Path, bindir: Path, owner: str | None) -> PostgisServer:
    data = folder / "data"
    server = PostgisServer(folder=folder, port=0, bindir=bindir, as_user=owner)
    made = server._run(
        str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"
    )
    if made.returncode != 0:
        raise PostgisUnavailable(f"initdb failed in {folder}: {made.stderr.strip() or made.stdout.strip()}")
    settings = {
        "listen_addresses": "'127.0.0.1'",
        "unix_socket_directories": f"'{folder}'",
        "max_connections": "40",
        "shared_buffers": "16MB",
        "dynamic_shared_memory_type": "mmap",
        # A throwaway cluster: losing it on a power cut costs nothing, and fsync would slow every test.
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
    }
    with (data / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
        conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
    for _attempt in range(5):  # another process may take the free port between probe and start
        server.port = _free_port()
        started = server._run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(folder / "server.log"),
            "-o",
            f"-p {server.port}",
            "-w",
            "-t",
            "60",
            "start",
        )
        if started.returncode == 0:
            return server
    log = (folder / "server.log").read_text(encoding="utf-8", errors="replace")[-2000:]
    raise PostgisUnavailable(f"pg_ctl could not start the test cluster: {started.stderr.strip()}\n{log}")


def _stop(server: PostgisServer) -> None:
    server._run(str(server.bindir / "pg_ctl"), "-D", str(server.folder / "data"), "-m", "immediate", "stop")


@contextlib.contextmanager
def running_postgis() -> Iterator[PostgisServer]:
    """Start a private cluster with a PostGIS template database; stop it and delete its folder after."""
    bindir = _bindir()
    owner = _owner()
    folder = Path(tempfile.mkdtemp(prefix="geoplan-pg-"))
    try:
        if owner is not None:
            shutil.chown(folder, user=owner)
        server = _start(folder, bindir, owner)
        try:
            server.sql(f"CREATE DATABASE {_TEMPLATE}")
            try:
                server.sql("CREATE EXTENSION postgis", _TEMPLATE)
            except Exception as exc:
                raise PostgisUnavailable(f"PostgreSQL runs but has no PostGIS ({exc}); {_INSTALL}") from exc
            yield server
        finally:
            _stop(server)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
