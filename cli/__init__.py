"""``geoplan``: the command-line front-end. Thin: each command body is one library call.

The click group is here; each command group lives in its own module (:mod:`cli.indicators`,
:mod:`cli.history`, :mod:`cli.change`, :mod:`cli.targets`, :mod:`cli.catalog` for ``layers`` and ``check``,
:mod:`cli.maps` for ``map`` and ``export``, :mod:`cli.factsheet`, :mod:`cli.demo`, :mod:`cli.serve` for
``app``, :mod:`cli.users` for ``users`` and who a catalog change is made as), sharing the options of
:mod:`cli.options`. Errors of the atlas (:class:`analysis.errors.AtlasError`) are turned into a one-line
message and exit code 2 in one place, :func:`main`; nothing else here catches exceptions. Text that may
quote a user's file (names, notes, errors) is printed through :func:`cli.options.say` or
:func:`cli.options.terminal_json`, which show control codes as escapes (:func:`analysis.errors.printable`)
so that a file name cannot drive the terminal.
"""

from __future__ import annotations

import os
import sys

import click

from wuxi_atlas.analysis.errors import AtlasError
from wuxi_atlas.cli import catalog, change, demo, factsheet, history, indicators, maps, serve, targets, users
from wuxi_atlas.cli.options import say

__all__ = ["geoplan", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wuxi-carbon-peak-atlas")
def geoplan() -> None:
    """Wuxi Carbon-Peak Atlas (无锡碳达峰空间监测): spatial indicators toward the 2024 carbon-peak plan."""


for _command in (
    indicators.indicators,
    history.history,
    change.change,
    targets.targets_group,
    catalog.layers_group,
    catalog.check,
    users.users_group,
    maps.map_command,
    maps.export_command,
    factsheet.factsheet_command,
    demo.demo_data,
    serve.app_command,
):
    geoplan.add_command(_command)


def main() -> None:
    """Console-script entry point: run the group, translating atlas errors to messages."""
    try:
        exit_code = geoplan.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except AtlasError as exc:
        say(f"Error: {exc}", err=True)
        sys.exit(2)
    except (OSError, ValueError) as exc:
        # Bad input that slipped past the readers' own checks (a permission error, a value a library
        # rejected): still a message, not a traceback. GEOPLAN_DEBUG=1 shows the traceback.
        if os.environ.get("GEOPLAN_DEBUG"):
            raise
        say(f"Error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)
    if isinstance(exit_code, int):
        sys.exit(exit_code)
