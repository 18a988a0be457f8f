"""Checking a file without importing it: :func:`check_layer` stages it and reports, never raising for a
bad file, and :class:`CheckReport` says what was found as lines of text or a JSON-ready record (what
``geoplan check`` and the app's Data page show)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wuxi_atlas.analysis.errors import AtlasError, printable
from wuxi_atlas.analysis.sources import RasterSource
from wuxi_atlas.layers.catalog.entries import StagedLayer
from wuxi_atlas.layers.catalog.staging import stage_layer, with_year

__all__ = ["CheckReport", "check_layer"]


@dataclass(frozen=True)
class CheckReport:
    """What :func:`check_layer` found: usable or not, and everything the user should know."""

    kind: str
    file_name: str
    usable: bool
    error: str | None = None
    staged: StagedLayer | None = None

    def lines(self) -> list[str]:
        """The report as lines of plain text (values from the file are shown as text, never opened;
        control codes in its names are made visible, one line stays one line: :func:`printable`)."""
        verdict = "usable" if self.usable else "NOT usable"
        out = [f"{self.file_name}: {verdict} as a {self.kind} layer"]
        if self.error is not None:
            out.append(f"  error: {self.error}")
        staged = self.staged
        if staged is not None:
            out.append(f"  source CRS: {staged.source_crs}")
            if staged.feature_count is not None:
                out.append(f"  features: {staged.feature_count}")
            if staged.fields_found:
                out.append(f"  fields found: {', '.join(staged.fields_found)}")
            if staged.fields_missing:
                out.append(f"  optional fields missing: {', '.join(staged.fields_missing)}")
            if staged.extra_columns:
                out.append(f"  other columns (kept as text/numbers): {', '.join(staged.extra_columns)}")
            if isinstance(staged.source, RasterSource):
                out.append(f"  scheme: {staged.source.scheme}")
            if staged.kind != "districts":
                out.append(f"  year: {_year_text(staged)}")
            out.append(f"  synthetic: {'yes' if staged.synthetic else 'no'}")
            out.extend(f"  conversion: {step}" for step in staged.conversion)
            out.extend(f"  warning: {note.removeprefix('warning: ')}" for note in staged.warnings)
            out.extend(f"  note: {note}" for note in staged.remarks)
        return [printable(line) for line in out]

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "kind": self.kind,
            "file": self.file_name,
            "usable": self.usable,
            "error": self.error,
        }
        if self.staged is not None:
            staged = self.staged
            record.update(
                source_crs=staged.source_crs,
                feature_count=staged.feature_count,
                fields_found=list(staged.fields_found),
                fields_missing=list(staged.fields_missing),
                extra_columns=list(staged.extra_columns),
                conversion=list(staged.conversion),
                warnings=list(staged.warnings),
                notes=list(staged.notes),
                synthetic=staged.synthetic,
                sha256=staged.sha256,
                year=staged.year,
                year_source=staged.year_source,
            )
        return record


def _year_text(staged: StagedLayer) -> str:
    if staged.year is None:
        return "unknown (the file states none; give it with --year)"
    return f"{staged.year} (from {staged.year_source})"


def check_layer(kind: str, path: str | Path, *, year: int | None = None, **read_options: Any) -> CheckReport:
    """Validate ``path`` as a layer of ``kind`` and report; never raises for a bad file. The report
    gives the year the data describe (``year`` when given, else what the file states, else unknown).

    The readers already turn third-party failures into atlas errors; anything else that still escapes
    (a bug, an exotic file) is reported as unusable with its type and message, not as a traceback.
    """
    file_name = Path(str(path)).name
    try:
        staged = with_year(stage_layer(kind, path, **read_options), year)
    except AtlasError as exc:
        return CheckReport(kind=kind, file_name=file_name, usable=False, error=str(exc))
    except Exception as exc:  # the checker's promise: a report, never a traceback
        return CheckReport(
            kind=kind,
            file_name=file_name,
            usable=False,
            error=f"unexpected {type(exc).__name__} while reading it: {exc}",
        )
    return CheckReport(kind=kind, file_name=file_name, usable=True, staged=staged)
