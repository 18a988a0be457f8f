"""``geoplan layers migrate --from FOLDER --to postgresql://…``: a folder catalog moved into a shared
PostGIS catalog with every version, its provenance and the audit trail (:mod:`layers.catalog.migrate`)."""

from __future__ import annotations

from pathlib import Path

import click

from wuxi_atlas.cli.options import quiet_option, say

__all__ = ["layers_migrate"]


@click.command("migrate")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The folder catalog to copy (only read).",
)
@click.option(
    "--to",
    "target",
    required=True,
    metavar="postgresql://…",
    help="The PostGIS catalog to copy it into (with ?rasters=FOLDER when the folder holds land-cover "
    "rasters).",
)
@quiet_option
def layers_migrate(source: Path, target: str, quiet: bool) -> None:
    """Copy a folder catalog into a PostGIS catalog: every version under its own number (removed ones
    stay removed), its provenance, each kind's current version and the audit trail, in one transaction."""
    from wuxi_atlas.layers.catalog.folder import Catalog
    from wuxi_atlas.layers.catalog.migrate import migrate
    from wuxi_atlas.layers.catalog.postgis import PostgisCatalog
    from wuxi_atlas.layers.catalog.postgis_store import is_database_url

    if not is_database_url(target):
        raise click.BadParameter(f"{target!r} is not a postgresql:// address", param_hint="--to")
    folder, database = Catalog(source), PostgisCatalog(target)
    report = migrate(
        folder, database, progress=(lambda _line: None) if quiet else lambda line: say(line, err=True)
    )
    say(f"migrated {folder.location} to {database.location}:")
    for line in report.lines():
        say(f"  {line}")
