"""``python -m cli``: the ``geoplan`` command."""

from cli import main

main()
