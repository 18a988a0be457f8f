"""``python -m cli``: the ``geoplan`` command."""

from wuxi_atlas.cli import main

main()
