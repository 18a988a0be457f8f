"""HTML to PDF with headless Chromium's print-to-PDF, the engine that lays out the fact sheet exactly as
the browser shows it (A4 from the page's ``@page`` rule, CJK fonts embedded from the system's fonts).

**Fonts.** Chromium (Skia's PDF back end) embeds a TrueType-outline font as a real font: a subset,
``CID TrueType`` in ``pdffonts``, searchable, copyable and small. It cannot embed CFF-outline OpenType
fonts (Noto Sans CJK, Source Han Sans: Skia's subsetter takes TrueType ``glyf`` outlines only), variable
fonts, nor a bold it has to make up for a font without a bold face (synthetic bold): those it draws as
``Type 3`` fonts, glyph by glyph, which print the same but are larger and lose font hinting. So the fact
sheet asks for TrueType CJK fonts first (WenQuanYi Micro Hei, ``apt-get install fonts-wqy-microhei``;
Microsoft YaHei on Windows), forbids synthetic bold (``font-synthesis: none``) and prints no emoji; a
machine with only Noto CJK still gets a correct PDF, with Type 3 CJK glyphs
(``maps.factsheet.PRINT_FONTS``).

Chromium is found at ``$GEOPLAN_CHROMIUM``, else as ``chromium``, ``chromium-browser`` or
``google-chrome`` on the PATH. Without it, :class:`PdfEngineMissing` says how to install it; the front-ends
show that message, never a traceback. The page is written to a private temporary folder and printed from
there with a throw-away profile; nothing is fetched from the network (the page has no external links).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from wuxi_atlas.analysis.errors import AtlasError

__all__ = ["PdfEngineMissing", "PdfError", "chromium_path", "html_to_pdf", "require_chromium"]

INSTALL_HINT = "apt-get install chromium fonts-wqy-microhei"
_NAMES = ("chromium", "chromium-browser", "google-chrome")


class PdfError(AtlasError, RuntimeError):
    """Chromium ran but made no PDF."""


class PdfEngineMissing(PdfError, FileNotFoundError):
    """No Chromium to print with."""


def chromium_path() -> Path | None:
    """The Chromium executable to print with, or None."""
    configured = os.environ.get("GEOPLAN_CHROMIUM")
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def require_chromium() -> Path:
    """The Chromium executable; :class:`PdfEngineMissing`, saying how to install it, when there is none."""
    chromium = chromium_path()
    if chromium is None:
        raise PdfEngineMissing(
            f"Chromium is needed to make a PDF and was not found; install it with `{INSTALL_HINT}` "
            "or set GEOPLAN_CHROMIUM to its executable"
        )
    return chromium


def html_to_pdf(html: str, *, timeout_s: float = 120.0) -> bytes:
    """The PDF of the self-contained page ``html``, printed by headless Chromium without header or footer.

    Raises :class:`PdfEngineMissing` without Chromium, :class:`PdfError` when it fails or times out.
    """
    chromium = require_chromium()
    with tempfile.TemporaryDirectory(prefix="geoplan-pdf-") as work:
        page, output = Path(work) / "page.html", Path(work) / "page.pdf"
        page.write_text(html, encoding="utf-8")
        argv = [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={Path(work) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={output}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"Chromium did not finish the PDF within {timeout_s:.0f} s") from exc
        except OSError as exc:
            raise PdfEngineMissing(f"Chromium at {chromium} could not start ({exc}); {INSTALL_HINT}") from exc
        if not output.is_file() or output.stat().st_size == 0:
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"exit {done.returncode}"]
            raise PdfError(f"Chromium made no PDF: {detail[0]}")
        return output.read_bytes()
