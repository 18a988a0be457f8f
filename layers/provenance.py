"""Where a layer came from: the year it describes, whether it is synthetic, and the text naming its
source, from the file's own metadata or a ``MANIFEST.json`` next to it (what the demo generator and
many data deliveries ship)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["lower_keys", "manifest_beside", "source_text", "truthy", "vintage", "year_of"]


def truthy(value: object) -> bool:
    """Whether a metadata value says yes (``true``, ``1``, ``yes``, ``是`` …)."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "1", "yes", "y", "是"}


def lower_keys(mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    """The mapping with its keys in lower case (metadata keys are matched without regard to case)."""
    return {str(key).lower(): value for key, value in (mapping or {}).items()}


def manifest_beside(path: Path, notes: list[str]) -> dict[str, Any]:
    """The ``MANIFEST.json`` next to ``path`` (lower-case keys); empty when there is none, with a note
    when it cannot be read."""
    manifest_path = path.parent / "MANIFEST.json"
    if not manifest_path.is_file():
        return {}
    try:
        content = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        notes.append(f"{manifest_path.name} next to the file could not be read ({exc}); ignored")
        return {}
    return lower_keys(content) if isinstance(content, dict) else {}


def year_of(value: object) -> int | None:
    """The first year (1900–2099) written in ``value``, or None."""
    match = re.search(r"(19|20)\d{2}", str(value))
    return int(match.group(0)) if match else None


def source_text(name: str, synthetic: bool, seed: object) -> str:
    """How a source is named to the user: the file, marked as synthetic demo data (with its seed)."""
    if not synthetic:
        return name
    return f"{name}, synthetic demo" + (f" (seed {seed})" if seed not in (None, "") else "")


def vintage(
    frame: pd.DataFrame,
    metadata: Mapping[str, Any],
    manifest: Mapping[str, Any],
    path: Path,
    notes: list[str],
) -> str:
    """The year a vector layer describes: stated in its metadata or manifest, else its features' latest
    ``year``, else the file's modification time (each guess noted)."""
    for key in ("vintage", "year"):
        for source in (metadata, manifest):
            if source.get(key) not in (None, ""):
                return str(source[key])
    if "year" in frame and pd.api.types.is_numeric_dtype(frame["year"]) and frame["year"].notna().any():
        years = frame["year"].dropna().astype(int)
        if years.min() != years.max():
            notes.append(f"features span {years.min()}–{years.max()}; vintage taken as the latest year")
        return str(int(years.max()))
    year = dt.datetime.fromtimestamp(path.stat().st_mtime).year
    notes.append(f"the file states no year; vintage taken from its modification time ({year})")
    return str(year)
