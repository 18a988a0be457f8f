"""``geoplan targets``: the plan's quantified targets (data/targets.toml), listed and validated."""

from __future__ import annotations

import json
from pathlib import Path

import click

from wuxi_atlas.analysis.paths import targets_path
from wuxi_atlas.analysis.targets import (
    MEASURES,
    load_targets,
    select_targets,
    targets_table,
    validate_targets,
)
from wuxi_atlas.cli.options import list_format

__all__ = ["targets_group"]


@click.group("targets")
def targets_group() -> None:
    """The plan's quantified targets (data/targets.toml): list them, validate a targets file."""


@targets_group.command("list")
@list_format
@click.option(
    "--measure",
    type=click.Choice(MEASURES),
    help="Only targets tracked by this spatial indicator (or 'statistic').",
)
@click.option("--year", type=int, help="Only targets for this target year.")
@click.option(
    "--file",
    "targets_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Targets file. Default: the shipped data/targets.toml.",
)
def targets_list(
    output_format: str, measure: str | None, year: int | None, targets_file: Path | None
) -> None:
    """List the plan's targets, each with the clause it comes from."""
    selected = select_targets(load_targets(targets_file), measure=measure, year=year)
    if output_format == "json":
        click.echo(json.dumps([t.to_record() for t in selected], ensure_ascii=False, indent=2))
    else:
        click.echo(targets_table(selected))


@targets_group.command("validate")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def targets_validate(file: Path | None) -> None:
    """Check a targets FILE against the schema.

    FILE defaults to the shipped data/targets.toml. Prints "OK: N targets in FILE", or every problem
    found (each naming the entry and the field) and exits with code 2.
    """
    checked = file if file is not None else targets_path()
    click.echo(f"OK: {len(validate_targets(checked))} targets in {checked}")
