r"""Errors of the atlas: one root, specific subclasses that also inherit a builtin.

Front-ends (cli.py, geo_app.py) catch :class:`AtlasError` in one place and show its message; the
message alone must tell the user what is wrong and how to fix it.

Names that come from a user's file (its file name, its column, layer and sheet names) may hold terminal
control codes (``ESC[31m``, ``\r``, BEL) or bidi overrides (U+202E) that would repaint a terminal or
reorder the line around them. Every message shows them through :func:`printable`, which makes such
characters visible as ``\x1b``-style escapes; an :class:`AtlasError`'s text always goes through it.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

__all__ = [
    "AliasError",
    "AtlasError",
    "BoundaryError",
    "CRSError",
    "DataFileError",
    "LayerError",
    "LayerReadError",
    "LayerWriteError",
    "NotComputableError",
    "SchemeError",
    "TargetsError",
    "printable",
]

# Control (Cc), format (Cf: bidi overrides, zero-width), surrogate (Cs: undecodable bytes of a file
# name) and line/paragraph separators (Zl, Zp): what a terminal acts on or what reorders a line.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _hidden(character: str) -> bool:
    return unicodedata.category(character) in _HIDDEN_CATEGORIES


def printable(text: object, *, keep_newlines: bool = False, style: Literal["repr", "json"] = "repr") -> str:
    r"""``text`` with every control, format and bidi character made visible, for showing to a user.

    ``style="repr"`` writes them as Python's ``repr`` does (``\x1b``, ``\r``, ``\u202e``); ``"json"``
    as JSON escapes (``\u001b``), for text that is JSON already (its values decode unchanged). Other
    characters, Chinese text and ideographic spaces included, are left as they are. ``keep_newlines``
    keeps ``\n`` (a message of several lines); a name never keeps one.

    Examples
    --------
    >>> print(printable("stations\x1b[31m.csv"))
    stations\x1b[31m.csv
    >>> print(printable("锡山\u202e充电站"))
    锡山\u202e充电站
    """
    text = str(text)
    if text.isprintable() or not any(_hidden(c) for c in text):
        return text
    shown = []
    for character in text:
        if not _hidden(character) or (keep_newlines and character == "\n"):
            shown.append(character)
        elif style == "json":
            code = ord(character)
            if code > 0xFFFF:  # a pair of UTF-16 surrogates, as JSON spells it
                code -= 0x10000
                shown.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
            else:
                shown.append(f"\\u{code:04x}")
        else:
            shown.append(repr(character)[1:-1])
    return "".join(shown)


class AtlasError(Exception):
    """Root of every error the atlas raises on purpose.

    Its text is :func:`printable` (newlines kept), so a name quoted from a user's file cannot send
    control codes to the terminal or the page that shows the message.
    """

    def __str__(self) -> str:
        return printable(super().__str__(), keep_newlines=True)


class DataFileError(AtlasError, ValueError):
    """A data file is missing, malformed or unusable. The message names the file and the problem."""


class TargetsError(DataFileError):
    """The targets file is malformed. The message names the entry and the field."""


class BoundaryError(DataFileError):
    """A boundaries file is missing, malformed or in the wrong CRS."""


class SchemeError(DataFileError):
    """A land-cover scheme is malformed or unknown."""


class AliasError(DataFileError):
    """A value alias file (``data/aliases.toml`` or ``$GEOPLAN_ALIASES``) is malformed or missing."""


class CRSError(AtlasError, ValueError):
    """A CRS is missing or two CRSs do not match. The message names both."""


class LayerError(AtlasError):
    """A layer cannot be used as the kind it was given as."""


class LayerReadError(LayerError, OSError):
    """A layer file cannot be read."""


class LayerWriteError(LayerError, OSError):
    """The layer catalog cannot be written (a read-only folder or file system, a full disk)."""


class NotComputableError(AtlasError, LookupError):
    """An indicator cannot be computed because an input layer is missing or empty."""
