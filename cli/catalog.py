"""``geoplan layers`` (add, list, history, remove, rollback, restore) and ``geoplan check``: a user's own
layers in the layer catalog, who changed them and why, and the check of a file before it is imported.

The commands that change the catalog act as the user of :func:`wuxi_atlas.cli.users.acting_user`
(``--user``, else the local operator of a catalog folder), and the catalog enforces that user's role."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from wuxi_atlas.analysis.errors import printable
from wuxi_atlas.analysis.sources import LAYER_KINDS
from wuxi_atlas.analysis.text_table import format_table
from wuxi_atlas.cli.catalog_location import CatalogLocation
from wuxi_atlas.cli.catalog_migrate import layers_migrate
from wuxi_atlas.cli.options import (
    StageProgressBar,
    list_format,
    quiet_option,
    resolve_district,
    say,
    terminal_json,
)
from wuxi_atlas.cli.users import acting_user, acting_user_options
from wuxi_atlas.layers.names import LONLAT_CRSS

if TYPE_CHECKING:
    from wuxi_atlas.layers.catalog import CatalogBackend, CatalogEntry, User

__all__ = ["check", "layers_group"]


def _catalog_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--catalog",
        "catalog_path",
        type=CatalogLocation(),
        help="Layer catalog: a folder, or a shared PostGIS catalog's postgresql://user@host/db address. "
        "Default: $GEOPLAN_CATALOG_URL, else $GEOPLAN_CATALOG_DIR, else ~/.local/share/geoplan/catalog.",
    )(function)


def _open(catalog_path: Path | str | None) -> CatalogBackend:
    # The catalog (and geopandas behind it) is imported when a command runs, not for --help.
    from wuxi_atlas.layers.catalog import open_catalog

    return open_catalog(catalog_path)


def _note_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-m",
        "--note",
        default="",
        help="Why: a short note kept in the audit trail with the change (geoplan layers history).",
    )(function)


def _as_user(catalog: CatalogBackend, change: dict[str, Any]) -> User:
    """Who a change is made as, from the ``--user`` options (popped from ``change``)."""
    return acting_user(
        change.pop("user_name"), change.pop("password_stdin"), change.pop("accounts_path"), catalog.location
    )


def _column_map(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str] | None:
    mapping: dict[str, str] = {}
    for value in values:
        # Field names never hold '=', column names might: split at the last one.
        column, separator, field_name = value.rpartition("=")
        if not separator or not column or not field_name:
            raise click.BadParameter(f"{value!r} is not FILE_COL=FIELD")
        mapping[column] = field_name
    return mapping or None


def _read_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = (
        click.option("--layer", help="Layer of a multi-layer file (or sheet of a workbook)."),
        click.option(
            "--map",
            "column_map",
            multiple=True,
            metavar="FILE_COL=FIELD",
            callback=_column_map,
            help="Read a file column as a field (e.g. 充电枪=piles; lon/lat name a table's coordinate "
            "columns). Repeatable.",
        ),
        click.option(
            "--lonlat-crs",
            type=click.Choice(LONLAT_CRSS),
            help="Datum of longitude/latitude coordinates (Amap/Tencent: gcj02, Baidu: bd09). Default: as "
            "declared; for tables WGS84, GCJ-02 for an Amap POI export.",
        ),
        click.option("--scheme", help="Land-cover scheme (land cover only). Default: tag, else guessed."),
        click.option("--encoding", help="Text encoding of a CSV or Shapefile (e.g. gbk). Default: detected."),
    )
    for option in reversed(options):
        function = option(function)
    return function


#: ``--year``: the year a layer's data describe, for a file that states none (or states it wrongly).
_year_option = click.option(
    "--year",
    type=click.IntRange(1900, 2100),
    help="The year the data describe (its vintage). Default: the year the file states (GeoTIFF tags such "
    "as YEAR or TIFFTAG_DATETIME, GeoPackage metadata, a MANIFEST.json beside it), else unknown; never the "
    "file's modification time. Every kind keeps versions of several years: see 'geoplan history'.",
)


def _year_text(entry: CatalogEntry) -> str:
    return "unknown" if entry.year is None else str(entry.year)


def _kind_argument(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.argument("kind", type=click.Choice(LAYER_KINDS))(function)


def _entry_row(entry: CatalogEntry) -> list[object]:
    return [
        entry.kind,
        f"v{entry.version}" + (" *" if entry.current else ""),
        entry.feature_count,
        _year_text(entry),
        printable(entry.original_name),
        printable(entry.imported_at),
        printable(entry.source_crs),
        "yes" if entry.synthetic else "no",
        printable(entry.sha256[:12]),
    ]


def _entries_output(entries: list[CatalogEntry], output_format: str) -> str:
    if output_format == "json":
        return terminal_json([entry.to_record() for entry in entries])
    headers = [
        "kind",
        "version",
        "features",
        "year",
        "file",
        "imported (UTC)",
        "source CRS",
        "synthetic",
        "sha256",
    ]
    return format_table(headers, [_entry_row(entry) for entry in entries], right_align=(2,))


@click.group("layers")
def layers_group() -> None:
    """Your own layers, kept in a catalog: every version, with where it came from."""


@layers_group.command("add")
@_kind_argument
@click.argument("path", type=click.Path(path_type=Path))
@_read_options
@_year_option
@click.option(
    "--district",
    "districts",
    multiple=True,
    help="Replace only this district's part of the city layer (adcode, 滨湖 or Binhu); repeatable. A "
    "district officer's save is always scoped to their districts.",
)
@_note_option
@acting_user_options
@_catalog_option
@quiet_option
def layers_add(
    kind: str,
    path: Path,
    catalog_path: Path | str | None,
    quiet: bool,
    districts: tuple[str, ...],
    note: str,
    **options: Any,
) -> None:
    """Import PATH as the new current KIND layer; the previous version is kept.

    Land cover in tiles is one PATH: a folder or a zip of the tiles, stored as one mosaic."""
    catalog = _open(catalog_path)
    user = _as_user(catalog, options)
    adcodes = [code for code in (resolve_district(text) for text in districts) if code is not None]
    if kind == "landcover":
        StageProgressBar(quiet).stage(f"checking and storing {printable(path.name)}")
    entry = catalog.add(kind, path, user=user, note=note, districts=adcodes or None, **options)
    count = f"{entry.feature_count} features" if entry.feature_count is not None else f"scheme {entry.scheme}"
    year = f"year {entry.year} from {entry.year_source}" if entry.year is not None else "year unknown"
    say(
        f"added {entry.kind} v{entry.version} ({count}, {year}) from {printable(entry.original_name)} to "
        f"{printable(catalog.location)} as {user.label}"
    )
    if entry.year is None and entry.kind != "districts" and not any("--year" in n for n in entry.notes):
        say(
            f"  note: {printable(entry.original_name)} states no year; 'geoplan history' leaves this version "
            "out until it has one: add it again with --year YYYY",
            err=True,
        )
    for label, lines in (("conversion", entry.conversion), ("note", entry.remarks), ("", entry.warnings)):
        for line in lines:
            say(f"  {label + ': ' if label else ''}{printable(line)}", err=True)


@layers_group.command("list")
@_catalog_option
@list_format
def layers_list(catalog_path: Path | str | None, output_format: str) -> None:
    """The current version of each kind in the catalog."""
    say(_entries_output(_open(catalog_path).list(), output_format))


@layers_group.command("history")
@click.argument("kind", type=click.Choice(LAYER_KINDS), required=False)
@_catalog_option
@list_format
def layers_history(kind: str | None, catalog_path: Path | str | None, output_format: str) -> None:
    """The audit trail: every save, rollback, removal and restore (of KIND, or of every kind), oldest
    first, with who, when, which file and why; with KIND, first its versions (* marks the current one)."""
    from wuxi_atlas.layers.catalog.audit import trail_line

    catalog = _open(catalog_path)
    versions = catalog.history(kind) if kind is not None else []
    trail = catalog.trail(kind)
    if output_format == "json":
        say(
            terminal_json(
                {
                    "versions": [entry.to_record() for entry in versions],
                    "trail": [event.to_record() for event in trail],
                }
            )
        )
        return
    if kind is not None:
        say(_history_table(versions))
        say("")
    say("\n".join(trail_line(event) for event in trail) if trail else "no change recorded")


def _history_table(entries: list[CatalogEntry]) -> str:
    headers = ["version", "features", "year", "file", "saved (UTC)", "by", "why", "sha256"]
    rows = [
        [
            f"v{entry.version}" + (" *" if entry.current else "") + (" (removed)" if entry.removed else ""),
            entry.feature_count,
            _year_text(entry),
            printable(entry.original_name),
            printable(entry.imported_at),
            printable(entry.committed_by or "(before the audit trail)"),
            printable(entry.note),
            printable(entry.sha256[:12]),
        ]
        for entry in entries
    ]
    return format_table(headers, rows, right_align=(1,))


@layers_group.command("remove")
@_kind_argument
@click.option("--version", "version", type=click.IntRange(min=1), help="Remove only this version.")
@_note_option
@acting_user_options
@_catalog_option
def layers_remove(
    kind: str, version: int | None, note: str, catalog_path: Path | str | None, **options: Any
) -> None:
    """Remove KIND (every version, or only --version N); nothing is deleted: a removed version is kept,
    marked removed, and 'geoplan layers restore' brings it back."""
    catalog = _open(catalog_path)
    removed = catalog.remove(kind, version, user=_as_user(catalog, options), note=note)
    say(f"removed {kind} {', '.join(f'v{entry.version}' for entry in removed)} (restorable)")


@layers_group.command("rollback")
@_kind_argument
@_note_option
@acting_user_options
@_catalog_option
def layers_rollback(kind: str, note: str, catalog_path: Path | str | None, **options: Any) -> None:
    """Make the version of KIND before the current one current again."""
    catalog = _open(catalog_path)
    entry = catalog.rollback(kind, user=_as_user(catalog, options), note=note)
    say(f"{kind} is now v{entry.version} ({printable(entry.original_name)}, imported {entry.imported_at})")


@layers_group.command("restore")
@_kind_argument
@click.argument("version", type=click.IntRange(min=1))
@_note_option
@acting_user_options
@_catalog_option
def layers_restore(
    kind: str, version: int, note: str, catalog_path: Path | str | None, **options: Any
) -> None:
    """Bring back the removed VERSION of KIND (current again if newer than the current one)."""
    catalog = _open(catalog_path)
    entry = catalog.restore(kind, version, user=_as_user(catalog, options), note=note)
    state = "current" if entry.current else "kept, not current"
    say(f"restored {kind} v{entry.version} ({printable(entry.original_name)}; {state})")


@click.command("check")
@_kind_argument
@click.argument("path", type=click.Path(path_type=Path))
@_read_options
@_year_option
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.pass_context
def check(ctx: click.Context, kind: str, path: Path, output_format: str, **read_options: Any) -> None:
    """Check that PATH is usable as a KIND layer and report what was found, without importing it.

    Prints the CRS, the feature count, the fields found and missing, the conversions that would be
    applied and every note and warning. Exits 0 when the file is usable, 2 when it is not.
    """
    from wuxi_atlas.layers.catalog import check_layer

    report = check_layer(kind, path, **read_options)
    if output_format == "json":
        say(terminal_json(report.to_record()))
    else:
        say("\n".join(report.lines()))
    ctx.exit(0 if report.usable else 2)


layers_group.add_command(layers_migrate)
