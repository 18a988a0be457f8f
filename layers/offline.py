"""No network from a file: GDAL and PROJ kept offline, and GeoJSON ``crs`` links refused before GDAL reads.

A user's file must never make the atlas open a connection. Paths that are URLs or GDAL virtual paths
are refused by :mod:`layers.paths` before anything is opened; what is left is a link *inside* a file.
GDAL's GeoJSON, GeoJSONSeq and TopoJSON readers honour the old (2008) ``crs`` member, and one of type
``link`` (or ``url``) makes GDAL download the CRS definition from the ``href`` it names, whether the
member sits at the top of the document or on a single geometry, and whatever the case of its keys. No
GDAL configuration option turns that download off, so :func:`check_json_crs` finds every ``crs`` member
of a JSON file (a cheap scan of the raw bytes, keys written with ``\\u`` escapes included) and refuses:

- a ``link``/``url`` CRS, naming the link, before GDAL has seen the file;
- a ``name``/``EPSG``/``OGC`` CRS that is not a known ``AUTHORITY:CODE`` (``EPSG:999999``): GDAL would
  silently read the coordinates as WGS84 instead. Only identifiers are accepted, never a PROJ string or
  WKT, so a file cannot make PROJ open a file of its choosing (``+init=/path``) either.

Importing this module also keeps both GDALs (rasterio's and pyogrio's) and PROJ offline for the rest of
the process, as a second line: PROJ's network (grid downloads) off, ``/vsicurl/`` limited to an
extension no file has, GDAL HTTP retries off and its timeouts short. These are set in the process
environment, which every GDAL and PROJ copy reads, so they hold for Dask workers started from here too.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from wuxi_atlas.analysis.errors import CRSError

__all__ = ["OFFLINE_ENVIRONMENT", "check_json_crs", "check_json_crs_stream", "configure_offline"]

#: What is set in the process environment at import (GDAL and PROJ read these at every request).
OFFLINE_ENVIRONMENT: dict[str, str] = {
    "PROJ_NETWORK": "OFF",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".geoplan-offline",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_TIMEOUT": "1",
}

# A JSON key that decodes to "crs" in any case, letters possibly written as \u escapes, then its colon.
_CRS_KEY = re.compile(rb'"(?:c|\\u00[46]3)(?:r|\\u00[57]2)(?:s|\\u00[57]3)"\s*:', re.IGNORECASE)
# A real crs member is a few hundred bytes; its value must parse within this window.
_MAX_MEMBER_BYTES = 64 * 1024
_CHUNK_BYTES = 1 << 20
_JSON_STARTS = (b"{", b"[", b"\x1e")  # an object, an array, a GeoJSONSeq record separator
_IDENTIFIER = re.compile(
    r"^(?:urn:ogc:def:crs:(?P<urn_authority>\w+):[\w.]*:(?P<urn_code>\w+)"
    r"|https?://www\.opengis\.net/def/crs/(?P<url_authority>\w+)/[\w.]+/(?P<url_code>\w+)"
    r"|(?P<authority>\w+):(?P<code>\w+))$",
    re.IGNORECASE,
)
_BARE_NAMES = {"crs84": ("OGC", "CRS84"), "wgs84": ("EPSG", "4326")}
_DECODER = json.JSONDecoder()
_EXAMPLE = '"crs": {"type": "name", "properties": {"name": "EPSG:4549"}}'


def configure_offline() -> None:
    """Keep GDAL and PROJ offline in this process (see the module docstring); safe to call again."""
    os.environ.update(OFFLINE_ENVIRONMENT)
    try:
        import pyproj.network
    except ImportError:  # pragma: no cover - pyproj is a dependency
        return
    pyproj.network.set_network_enabled(False)


def _looks_like_json(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_JSON_STARTS)


def check_json_crs(path: Path, name: str | None = None) -> None:
    """Refuse a JSON file whose ``crs`` members link to a CRS or name an unknown one.

    Files that do not start like JSON (a GeoPackage, a zip, KML) are not scanned: GDAL reads no
    ``crs`` member from them. ``name`` is the file name shown in messages (default: ``path``'s).

    Raises
    ------
    CRSError
        Naming the file, the link or the CRS, and how to fix the member.
    """
    with path.open("rb") as stream:
        check_json_crs_stream(stream, name or path.name)


def check_json_crs_stream(stream: IO[bytes], name: str) -> None:
    """:func:`check_json_crs` on an open binary stream (a zip member), read once in chunks."""
    for member in _crs_members(stream, name):
        problem = _problem(member)
        if problem is not None:
            raise CRSError(f"{name}: {problem}")


def _crs_members(stream: IO[bytes], name: str) -> Iterator[Any]:
    """The decoded value of every ``crs`` member in the stream (memory: about two chunks)."""
    buffer = stream.read(_CHUNK_BYTES)
    if not _looks_like_json(buffer[:4096]):
        return
    end_of_file = len(buffer) < _CHUNK_BYTES
    while True:
        # Matches are taken only where the whole window after them is in the buffer (or at the end).
        limit = len(buffer) if end_of_file else len(buffer) - _MAX_MEMBER_BYTES - 64
        view = memoryview(buffer)
        for match in _CRS_KEY.finditer(buffer):
            if match.start() >= limit:
                break
            yield _decode_value(view[match.end() : match.end() + _MAX_MEMBER_BYTES], name)
        view.release()
        if end_of_file:
            return
        buffer = buffer[max(limit, 0) :]
        more = stream.read(_CHUNK_BYTES)
        end_of_file = not more
        buffer += more


def _decode_value(window: memoryview, name: str) -> Any:
    """The JSON value at the start of ``window``; small first, since a file may hold a million."""
    for size in (1024, _MAX_MEMBER_BYTES):
        text = bytes(window[:size]).decode("utf-8", errors="replace")
        start = len(text) - len(text.lstrip())
        if text[start : start + 1] != "{":
            return None  # a string, number or null: GDAL takes no CRS from it
        try:
            value, _ = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            if size < len(window):
                continue
            raise CRSError(
                f"{name}: its `crs` member is not a small valid JSON object ({exc.msg}); remove it, or "
                f"write it as {_EXAMPLE}"
            ) from None
        return value
    return None


def _members(mapping: Any, key: str) -> list[Any]:
    """Every value of ``mapping`` under ``key`` in any case, as GDAL matches GeoJSON keys."""
    if not isinstance(mapping, dict):
        return []
    return [value for found, value in mapping.items() if isinstance(found, str) and found.lower() == key]


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _problem(member: Any) -> str | None:
    """What is wrong with one decoded ``crs`` member, or None when GDAL will read it safely."""
    properties = [found for found in _members(member, "properties") if isinstance(found, dict)]
    for kind in (_as_text(value).strip().lower() for value in _members(member, "type")):
        if kind.startswith(("link", "url")):
            links = [
                _as_text(link)
                for where in (member, *properties)
                for key in ("href", "url")
                for link in _members(where, key)
            ]
            shown = f" ({', '.join(repr(link) for link in links)})" if links else ""
            return (
                f"its `crs` member refers to the CRS by a link{shown}; the atlas never fetches what a file "
                f"links to. Name the CRS instead, e.g. {_EXAMPLE}, or drop the member if the coordinates "
                "are WGS84 longitude/latitude"
            )
        if kind.startswith("name"):
            names = [_as_text(value) for p in properties for value in _members(p, "name")]
        elif kind.startswith("epsg"):
            names = [f"EPSG:{_as_text(value).strip()}" for p in properties for value in _members(p, "code")]
        elif kind == "ogc":
            names = [_as_text(value) for p in properties for value in _members(p, "urn")]
        else:
            continue  # GDAL ignores other types
        if not names:
            return f"its `crs` member of type {kind!r} names no CRS; write it as {_EXAMPLE}"
        for crs_name in names:
            problem = _unknown_crs(crs_name)
            if problem is not None:
                return problem
    return None


@functools.lru_cache(maxsize=256)
def _unknown_crs(crs_name: str) -> str | None:
    from pyproj import CRS
    from pyproj.exceptions import CRSError as PyprojCRSError

    text = crs_name.strip()
    found = _IDENTIFIER.match(text)
    if text.lower() in _BARE_NAMES:
        authority, code = _BARE_NAMES[text.lower()]
    elif found is not None:
        groups = found.groupdict()
        authority = groups["urn_authority"] or groups["url_authority"] or groups["authority"]
        code = groups["urn_code"] or groups["url_code"] or groups["code"]
    else:
        return (
            f"its `crs` member names {crs_name!r}, which is not a CRS identifier (AUTHORITY:CODE such as "
            "EPSG:4549, or its urn:ogc:def:crs form); GDAL would read the coordinates as WGS84 without a "
            f"word. Write it as {_EXAMPLE}"
        )
    try:
        CRS.from_authority(authority.upper(), code)
    except PyprojCRSError:
        return (
            f"its `crs` member names CRS {crs_name!r}, which is not a known CRS; GDAL would read the "
            "coordinates as WGS84 without a word. Fix the name (Wuxi's projected CRS is EPSG:4549), or "
            "drop the member if the coordinates are WGS84 longitude/latitude"
        )
    return None


configure_offline()
