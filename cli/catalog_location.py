"""``--catalog``: a layer catalog folder, or a ``postgresql://`` address of a shared PostGIS catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

__all__ = ["CatalogLocation"]

_DATABASE = ("postgresql://", "postgres://")


class CatalogLocation(click.ParamType):
    """A catalog folder (a :class:`Path`; ``exists``: it must exist) or a database address (kept as the
    text given, and never echoed back with its password)."""

    name = "FOLDER|postgresql://…"

    def __init__(self, exists: bool = False) -> None:
        self.folder = click.Path(exists=exists, file_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.strip().lower().startswith(_DATABASE):
            return value.strip()
        return self.folder.convert(value, param, ctx)
