"""How a reader talks about a user's file: names from it listed safely, rows counted the way the user
counts them, and the boundary that turns any third-party failure into one error naming the file."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from wuxi_atlas.analysis.errors import AtlasError, LayerReadError, printable

__all__ = ["MAX_LISTED", "RowLabels", "listing", "reader_boundary"]

#: How many names a message lists before it says how many more there are.
MAX_LISTED = 8


def listing(values: Iterable[object], limit: int = MAX_LISTED) -> str:
    """Names from a file (columns, layers, sheets, members), shown safely: see :func:`printable`."""
    items = [printable(value) for value in values]
    shown = ", ".join(items[:limit])
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


class RowLabels:
    """Names rows the way the user sees them: CSV lines, spreadsheet rows or features."""

    def __init__(self, word: str, offset: int) -> None:
        self.word = word
        self.offset = offset

    def __call__(self, index: Iterable[Any]) -> str:
        numbers = [int(position) + self.offset for position in index]
        return f"{self.word}{'s' if len(numbers) > 1 else ''} {listing(numbers)}"


_P = ParamSpec("_P")
_R = TypeVar("_R")


def reader_boundary(reader: Callable[_P, _R]) -> Callable[_P, _R]:
    """Let the atlas's own errors through and turn anything a third-party reader raises (GDAL, openpyxl,
    pandas, shapely, a MemoryError …) into :class:`LayerReadError` naming the file, so that no front-end
    ever shows a traceback for a bad file."""
    signature = inspect.signature(reader)

    @functools.wraps(reader)
    def read(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return reader(*args, **kwargs)
        except AtlasError:
            raise
        except Exception as exc:
            path = signature.bind(*args, **kwargs).arguments.get("path", "the file")
            raise LayerReadError(
                f"{Path(str(path)).name}: cannot be read ({type(exc).__name__}: {exc}); the file may be "
                "damaged or not what its name says"
            ) from exc

    return read
