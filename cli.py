"""``geoplan``: the command-line front-end. Thin: each command body is one library call.

Errors of the atlas (:class:`analysis.errors.AtlasError`) are turned into a one-line message and exit
code 2 in one place, :func:`main`; nothing else here catches exceptions.
"""

from __future__ import annotations

import sys

import click

from analysis.errors import AtlasError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wuxi-carbon-peak-atlas")
def geoplan() -> None:
    """Wuxi Carbon-Peak Atlas (无锡碳达峰空间监测): spatial indicators toward the 2024 carbon-peak plan."""


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
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    if isinstance(exit_code, int):
        sys.exit(exit_code)


if __name__ == "__main__":
    main()
