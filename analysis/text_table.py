"""Plain-text tables that line up when cells mix Chinese and Latin text.

A CJK character takes two terminal columns, so padding by ``len`` misaligns every row with a district
name in it; widths here follow Unicode's East Asian Width property.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

__all__ = ["display_width", "format_table"]


def display_width(text: str) -> int:
    """Terminal columns that ``text`` occupies (wide and full-width characters count twice).

    >>> display_width("滨湖区"), display_width("Binhu")
    (6, 5)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, right_align: Sequence[int] = ()
) -> str:
    """Rows under a header and a rule, columns padded to their widest cell; ``None`` prints as ``–``."""
    cells = [[str(h) for h in headers]] + [["–" if c is None else str(c) for c in row] for row in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        padded = []
        for i, cell in enumerate(row):
            gap = " " * (widths[i] - display_width(cell))
            padded.append(gap + cell if i in right_align else cell + gap)
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])
