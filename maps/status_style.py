"""The status palette: the one place that says which colour each status has, on every page, chart, card,
table and the fact sheet.

Colour carries the status, never an emoji (emoji render as empty boxes on desktops and servers without an
emoji font, common on a bureau's intranet), and the word always stands beside the colour (for readers who
do not see colour, and for tests). 达标 is green, 进度正常 amber, 滞后 red; 数据不足, 无目标 and 无法计算
are grey. Each status has a strong colour (chart marks, dots), a light background (table cells) and the
nearest of Streamlit's named colours (badges in markdown, which accept only those names).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CHANGE_COLOURS",
    "PROGRESS_BAR_COLOUR",
    "STATUS_STYLES",
    "StatusStyle",
    "cell_css",
    "status_colour",
    "status_dot_html",
    "status_style",
]


@dataclass(frozen=True)
class StatusStyle:
    """How one status looks: ``colour`` for marks and dots, ``background`` and ``text`` for a table cell,
    ``named`` for Streamlit's markdown badges (``:green-badge[…]``, ``st.badge(color=…)``)."""

    colour: str
    background: str
    text: str
    named: Literal["red", "orange", "yellow", "blue", "green", "violet", "gray"]


_GREY = StatusStyle(colour="#9e9e9e", background="#eeeeee", text="#424242", named="gray")

#: Every status, in board order: met green, on track amber, behind red, the rest grey.
STATUS_STYLES: dict[str, StatusStyle] = {
    "met": StatusStyle(colour="#2e7d32", background="#c8e6c9", text="#1b5e20", named="green"),
    "on_track": StatusStyle(colour="#f9a825", background="#fff3c4", text="#7a5200", named="orange"),
    "behind": StatusStyle(colour="#c62828", background="#ffcdd2", text="#8e0000", named="red"),
    "insufficient_data": _GREY,
    "no_target": _GREY,
    "not_computable": _GREY,
}


#: Land-cover change: (gained, lost), the same in every language.
CHANGE_COLOURS: tuple[str, str] = ("#2e7d32", "#c62828")

#: The progress bar's colour: neutral, so that it never contradicts the status cell beside it.
PROGRESS_BAR_COLOUR = "#546e7a"


def status_style(status: str | None) -> StatusStyle:
    """The style of ``status``: grey for an unknown or missing one."""
    return STATUS_STYLES.get(status or "", _GREY)


def status_colour(status: str | None) -> str:
    """The strong colour of ``status`` (grey for an unknown or missing one)."""
    return status_style(status).colour


def cell_css(status: str | None) -> str:
    """CSS for a table cell holding ``status``: light background, dark text (pandas Styler, HTML)."""
    style = status_style(status)
    return f"background-color: {style.background}; color: {style.text}"


def status_dot_html(status: str | None) -> str:
    """An inline coloured dot for HTML pages (the fact sheet); the caller writes the word beside it."""
    return (
        f"<span class='dot' style='display:inline-block;width:.8em;height:.8em;border-radius:50%;"
        f"background:{status_colour(status)};margin-right:.35em;vertical-align:-.05em;"
        f"-webkit-print-color-adjust:exact;print-color-adjust:exact'></span>"
    )
