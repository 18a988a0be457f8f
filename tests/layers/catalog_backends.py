"""How the catalog suite sees a backend: :class:`Backend`, one catalog location (a folder, or a database
of the throwaway PostGIS cluster) with a snapshot of everything it stores."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Backend", "files_of"]


def files_of(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): "dir"
        if path.is_dir()
        else hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
    }


@dataclass
class Backend:
    """One catalog location and how to look at everything it stores."""

    name: str
    location: str
    rasters: Path | None = None

    def open(self) -> Any:
        """A new catalog object on the location (as another process or request would make)."""
        from wuxi_atlas.layers.catalog.protocol import open_catalog

        return open_catalog(self.location)

    def snapshot(self) -> dict[str, Any]:
        """Everything the catalog holds: its files, and for PostGIS every table, view, row and trigger
        of its schema (a failed import must leave all of it as it was)."""
        if self.name == "folder":
            return files_of(Path(self.location))
        import psycopg

        from wuxi_atlas.layers.catalog.postgis_store import parse_address

        address = parse_address(self.location)
        state: dict[str, Any] = {"rasters": files_of(self.rasters) if self.rasters else {}}
        with psycopg.connect(address.url) as connection:
            relations = connection.execute(
                "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s ORDER BY c.relname",
                (address.schema,),
            ).fetchall()
            state["relations"] = relations
            state["triggers"] = connection.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2"
            ).fetchall()
            for name, relkind in relations:
                if relkind in ("r", "v"):
                    rows = connection.execute(f'SELECT * FROM "{address.schema}"."{name}"').fetchall()
                    state[name] = sorted(repr(row) for row in rows)
        return state
