"""A layer's check report (:class:`layers.catalog.check.CheckReport`) in the interface's language.

The boundary: the engine (``layers``, ``analysis``) speaks English, so that the CLI, logs and exports
say one thing. The app translates what is fixed — the verdict, the headings, the field labels and yes/no
— through the catalogues, and shows as written what comes from the file (names, columns, CRS) or from the
engine's own account of what it did (conversion steps, warnings, notes), which the app marks as such.
"""

from __future__ import annotations

from wuxi_atlas.analysis.errors import printable
from wuxi_atlas.analysis.sources import RasterSource
from wuxi_atlas.layers.catalog.check import CheckReport
from wuxi_atlas.maps.text import t

__all__ = ["check_report_lines"]


def check_report_lines(report: CheckReport, lang: str, kind_label: str | None = None) -> list[str]:
    """The report as lines of plain text in ``lang``; ``kind_label`` names the layer kind (its key when
    not given). Like :meth:`CheckReport.lines`, every line is made :func:`printable`."""
    kind = kind_label or report.kind
    verdict = "check_usable" if report.usable else "check_not_usable"
    out = [t(verdict, lang, file=report.file_name, kind=kind)]

    def field(key: str, value: object) -> None:
        out.append(f"  {t(key, lang)}: {value}")

    if report.error is not None:
        field("check_error", report.error)
    staged = report.staged
    if staged is not None:
        field("check_source_crs", staged.source_crs)
        if staged.feature_count is not None:
            field("check_features", staged.feature_count)
        if staged.fields_found:
            field("check_fields_found", ", ".join(staged.fields_found))
        if staged.fields_missing:
            field("check_fields_missing", ", ".join(staged.fields_missing))
        if staged.extra_columns:
            field("check_extra_columns", ", ".join(staged.extra_columns))
        if isinstance(staged.source, RasterSource):
            field("check_scheme", staged.source.scheme)
        field("check_synthetic", t("yes" if staged.synthetic else "no", lang))
        for step in staged.conversion:
            field("check_conversion", step)
        for note in staged.warnings:
            field("check_warning", note.removeprefix("warning: "))
        for note in staged.remarks:
            field("check_note", note)
    return [printable(line) for line in out]
