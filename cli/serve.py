"""``geoplan app``: start the Streamlit atlas from wherever the package is installed.

``streamlit run geo_app.py`` needs a checkout; an installed wheel keeps ``geo_app.py`` inside the package
(``wuxi_atlas/geo_app.py``), so this command finds it there and hands over to Streamlit. It starts
``geo_server.py``: the same app, plus the local tile route for an intranet basemap (``--tiles``), which
imports what the first page needs before it answers (:mod:`app.warmup`), so the first visitor of a new
server does not wait for those imports.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

__all__ = ["app_command"]


def app_script() -> Path:
    """The installed entry script, ``geo_server.py`` (it runs ``geo_app.py`` beside it)."""
    # Not resolve(): in a checkout cli/ is reached through the wuxi_atlas/cli symlink, and the package's own
    # symlinked scripts are the ones to run, wherever the checkout is.
    package_dir = Path(__file__).absolute().parent.parent
    return package_dir / "geo_server.py"


@click.command(
    "app",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.option(
    "--tiles",
    type=click.Path(exists=True, path_type=Path),
    help="An XYZ tile folder or an MBTiles file to serve as the 'local tiles' basemap (sets GEOPLAN_TILES).",
)
@click.pass_context
def app_command(ctx: click.Context, tiles: Path | None) -> None:
    """Start the atlas in the browser (Streamlit). Other options go to ``streamlit run``, for example
    ``geoplan app --server.port 8080 --server.headless true``."""
    environment = dict(os.environ)
    if tiles is not None:
        environment["GEOPLAN_TILES"] = str(tiles.resolve())
    command = [sys.executable, "-m", "streamlit", "run", str(app_script()), *ctx.args]
    # exec, not a child: Ctrl-C and the exit status belong to Streamlit, and no idle parent holds memory.
    os.execve(sys.executable, command, environment)
