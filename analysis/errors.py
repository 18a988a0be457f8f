"""Errors of the atlas: one root, specific subclasses that also inherit a builtin.

Front-ends (cli.py, geo_app.py) catch :class:`AtlasError` in one place and show its message; the
message alone must tell the user what is wrong and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "AtlasError",
    "BoundaryError",
    "CRSError",
    "DataFileError",
    "LayerError",
    "LayerReadError",
    "NotComputableError",
    "SchemeError",
    "TargetsError",
]


class AtlasError(Exception):
    """Root of every error the atlas raises on purpose."""


class DataFileError(AtlasError, ValueError):
    """A data file is missing, malformed or unusable. The message names the file and the problem."""


class TargetsError(DataFileError):
    """The targets file is malformed. The message names the entry and the field."""


class BoundaryError(DataFileError):
    """A boundaries file is missing, malformed or in the wrong CRS."""


class SchemeError(DataFileError):
    """A land-cover scheme is malformed or unknown."""


class CRSError(AtlasError, ValueError):
    """A CRS is missing or two CRSs do not match. The message names both."""


class LayerError(AtlasError):
    """A layer cannot be used as the kind it was given as."""


class LayerReadError(LayerError, OSError):
    """A layer file cannot be read."""


class NotComputableError(AtlasError, LookupError):
    """An indicator cannot be computed because an input layer is missing or empty."""
