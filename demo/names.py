"""The generator's default seed, in a module that imports nothing heavy (``geoplan demo-data --help`` shows
it without loading the generator). :mod:`demo.manifest` re-exports it."""

from __future__ import annotations

__all__ = ["DEFAULT_SEED"]

DEFAULT_SEED = 20240712
