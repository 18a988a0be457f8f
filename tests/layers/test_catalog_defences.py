"""The catalog defends itself, and user files are read without being changed (issue #9).

- containers are judged from their central directory before anything is decompressed, whatever the
  suffix says (an .xlsx is a zip; so is a KMZ named .kml);
- a user's GeoPackage in WAL mode is read without a -wal/-shm appearing or the file changing;
- names (files, columns, layers) with terminal control codes are printed with the codes made visible;
- a read-only or full disk gives a message and exit code 2, and the catalog stays as it was;
- manifest.json is validated on load; a version file outside the catalog is refused;
- removal and the sweep of unreferenced files never follow a symlink out of the catalog.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from click.testing import CliRunner
from rasterio.transform import from_origin
from shapely.geometry import Point

from wuxi_atlas.analysis.errors import LayerReadError, LayerWriteError
from wuxi_atlas.layers.catalog import Catalog, Role, User, check_layer
from wuxi_atlas.layers.catalog import folder as catalog_module

STEWARD = User("steward", Role.DATA_STEWARD)  # the catalog's changes take the acting user

LON, LAT = 120.30, 31.57
# Every character a terminal acts on or that reorders text, except the newline between lines.
RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every entry under ``folder`` (not following symlinks): a file's size, mtime and sha256; a
    folder's name only (creating and removing a temporary file in it changes its mtime)."""
    found: dict[str, tuple[int, int, str]] = {}
    for path in sorted(folder.rglob("*")):
        status = path.lstat()
        if path.is_dir():
            found[path.relative_to(folder).as_posix()] = (0, 0, "dir")
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        found[path.relative_to(folder).as_posix()] = (status.st_size, status.st_mtime_ns, digest)
    return found


def _stations_csv(folder: Path, name: str = "stations.csv", extra_column: str | None = None) -> Path:
    header = "名称,类型,桩数,开放类型,经度,纬度" + (f",{extra_column}" if extra_column else "")
    row = f"锡山,充电站,4,公共,{LON},{LAT}" + (",x" if extra_column else "")
    path = folder / name
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    return path


def _stations_gpkg(path: Path) -> Path:
    frame = gpd.GeoDataFrame(
        {"name": ["锡山", "惠山"], "type": ["充电站", "换电站"], "piles": [4, 2], "access": ["公共", "公共"]},
        geometry=[Point(LON, LAT), Point(LON + 0.01, LAT + 0.01)],
        crs="EPSG:4326",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_file(path, driver="GPKG", layer="stations")
    return path


def _landcover(path: Path) -> Path:
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": 16,
        "height": 16,
        "count": 1,
        "dtype": "uint8",
        "crs": "EPSG:4549",
        "transform": from_origin(528_000, 3_494_000, 30, 30),  # inside Wuxi
    }
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(np.resize(np.array([10, 20, 30, 50, 80], dtype="uint8"), (1, 16, 16)))
    return path


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    """A catalog holding two stations versions and one land cover."""
    catalog = Catalog(tmp_path / "catalog")
    catalog.add("stations", _stations_csv(tmp_path, "a.csv"), user=STEWARD)
    catalog.add("stations", _stations_csv(tmp_path, "b.csv"), user=STEWARD)
    catalog.add("landcover", _landcover(tmp_path / "lc.tif"), user=STEWARD)
    return catalog


def _run_main(*args: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run the ``geoplan`` console entry point (which turns errors into messages) under CliRunner's
    isolation; returns the exit code and stdout + stderr, without the progress lines (``geoplan: …``)."""
    from wuxi_atlas import cli

    runner = CliRunner()
    with runner.isolation() as streams:
        monkeypatch.setattr(sys, "argv", ["geoplan", *args])
        try:
            cli.main()
            code = 0
        except SystemExit as exited:
            code = exited.code if isinstance(exited.code, int) else 1
        except BaseException as exc:  # what would reach the user as a traceback
            code, text = 1, f"Traceback (uncaught {type(exc).__name__}: {exc})"
            return code, text
        out, err = streams[0].getvalue(), streams[1].getvalue()
    lines = (out + err).decode("utf-8", "replace").splitlines(keepends=True)
    return code, "".join(line for line in lines if not line.startswith("geoplan: "))


# ------------------------------------------------------------------------ 1. containers from headers


def _xlsx(folder: Path, name: str = "stations.xlsx") -> Path:
    path = folder / name
    frame = pd.DataFrame(
        {
            "名称": ["锡山"],
            "类型": ["充电站"],
            "桩数": ["4"],
            "开放类型": ["公共"],
            "经度": [LON],
            "纬度": [LAT],
        }
    )
    frame.to_excel(path, index=False)
    return path


def _rezip(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            copy.writestr(info.filename, change(info.filename, original.read(info)))
    return target


def _padded_xlsx(folder: Path) -> Path:
    """A real workbook whose sheet XML holds 32 MB of whitespace: about 32 kB zipped, 1000:1."""

    def pad(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b"<sheetData>", b"<sheetData>" + b" " * (32 << 20), 1)
        return data

    return _rezip(_xlsx(folder, "plain.xlsx"), folder / "bomb.xlsx", pad)


def _claims_large_xlsx(folder: Path) -> Path:
    """A small workbook whose central directory says its sheet unpacks to 3.75 GB."""
    path = folder / "claims.xlsx"
    data = bytearray(_xlsx(folder, "small.xlsx").read_bytes())
    start = data.find(b"PK\x01\x02")
    while start != -1:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46 : start + 46 + name_length] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, start + 24, 0xF000_0000)
        start = data.find(b"PK\x01\x02", start + 4)
    path.write_bytes(bytes(data))
    return path


def _kmz_named_kml(folder: Path) -> Path:
    """A KMZ (a zip) named .kml, holding 32 MB of zeros beside its doc.kml."""
    path = folder / "stations.kml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"/>')
        archive.writestr("files/padding.bin", bytes(32 << 20))
    return path


@pytest.mark.parametrize(
    ("make", "variable"),
    [
        (_padded_xlsx, "GEOPLAN_MAX_ZIP_RATIO"),
        (_claims_large_xlsx, "GEOPLAN_MAX_ZIP_MB"),
        (_kmz_named_kml, "GEOPLAN_MAX_ZIP_RATIO"),
    ],
    ids=["xlsx-ratio", "xlsx-claims-3.75GB", "kmz-named-kml"],
)
def test_zip_containers_are_judged_from_the_central_directory(
    tmp_path: Path, make: Callable[[Path], Path], variable: str
) -> None:
    bomb = make(tmp_path)
    assert bomb.stat().st_size < 1 << 20
    started = time.perf_counter()
    report = check_layer("stations", bomb)
    elapsed = time.perf_counter() - started
    assert not report.usable
    assert report.error is not None and variable in report.error, report.error
    assert bomb.name in report.error
    assert elapsed < 2.0, f"took {elapsed:.1f} s: the archive was unpacked before it was judged"
    with pytest.raises(LayerReadError, match=variable):
        Catalog(tmp_path / "catalog").add("stations", bomb, user=STEWARD)
    assert not (tmp_path / "catalog" / "manifest.json").exists()


def test_an_honest_workbook_still_reads(tmp_path: Path) -> None:
    report = check_layer("stations", _xlsx(tmp_path))
    assert report.usable, report.error


# ------------------------------------------------------------------- 2. user files opened read-only

_WRITER = """
import os, sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("PRAGMA wal_autocheckpoint=0")
connection.execute("CREATE TABLE notes_by_editor(note TEXT)")
connection.execute("INSERT INTO notes_by_editor VALUES ('still in the WAL')")
connection.commit()
os._exit(0)  # like a GIS editor that is still open (or crashed): the WAL is not checkpointed
"""


@pytest.mark.parametrize("writer_open", [False, True], ids=["wal-mode", "wal-with-pending-pages"])
def test_a_wal_mode_geopackage_is_read_without_changing_its_folder(tmp_path: Path, writer_open: bool) -> None:
    folder = tmp_path / "user"
    gpkg = _stations_gpkg(folder / "stations.gpkg")
    with sqlite3.connect(gpkg) as connection:
        assert connection.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    connection.close()
    if writer_open:
        subprocess.run([sys.executable, "-c", _WRITER, str(gpkg)], check=True)
        assert (folder / "stations.gpkg-wal").stat().st_size > 0
    before = _snapshot(folder)

    report = check_layer("stations", gpkg)
    assert report.usable, report.error
    assert _snapshot(folder) == before
    staged = Catalog(tmp_path / "catalog").stage("stations", gpkg)
    assert staged.feature_count == 2
    assert _snapshot(folder) == before
    entry = Catalog(tmp_path / "catalog").add("stations", gpkg, user=STEWARD)
    assert entry.feature_count == 2
    assert _snapshot(folder) == before


# -------------------------------------------------------------------- 3. control characters in names

HOSTILE = "st\x1b[31mred\x07\r\x9b2J\u202eations\x0b"


def test_printable_makes_controls_visible() -> None:
    from wuxi_atlas.analysis.errors import printable

    assert printable("a\x1b[31mb\x07\r\u202e\x9b") == "a\\x1b[31mb\\x07\\r\\u202e\\x9b"
    assert printable("line\nnext") == "line\\nnext"
    assert printable("line\nnext", keep_newlines=True) == "line\nnext"
    assert printable("锡山 充电站　(公共)") == "锡山 充电站　(公共)"
    assert printable("bad byte \udcff") == "bad byte \\udcff"


def _no_raw_controls(text: str) -> None:
    found = RAW_CONTROL.findall(text)
    assert not found, f"raw control characters {found!r} in output:\n{text!r}"


def test_names_with_control_codes_are_shown_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wuxi_atlas.cli import geoplan

    root = str(tmp_path / "catalog")
    usable = _stations_csv(tmp_path, f"{HOSTILE}.csv", extra_column=f"备注{HOSTILE}")
    unusable = tmp_path / f"{HOSTILE}-bad.csv"
    unusable.write_text(f"经度,纬度,{HOSTILE}\n{LON},{LAT},1\n", encoding="utf-8")
    runner = CliRunner()
    outputs = []
    for args in (
        ["check", "stations", str(usable)],
        ["check", "stations", str(usable), "--format", "json"],
        ["check", "stations", str(unusable)],
        ["check", "stations", str(unusable), "--format", "json"],
        ["check", "stations", str(usable), "--layer", HOSTILE],
        ["layers", "add", "stations", str(usable), "--catalog", root],
        ["layers", "add", "stations", str(usable), "--catalog", root],
        ["layers", "list", "--catalog", root],
        ["layers", "list", "--catalog", root, "--format", "json"],
        ["layers", "history", "stations", "--catalog", root],
        ["layers", "rollback", "stations", "--catalog", root],
    ):
        result = runner.invoke(geoplan, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        _no_raw_controls(result.output)
        outputs.append(result.output)
    assert "\\x1b[31mred\\x07\\r\\x9b2J\\u202eations\\x0b" in outputs[0]
    assert "备注st\\x1b[31m" in outputs[0]  # the column name, in "other columns"
    assert json.loads(outputs[1])["file"] == f"{HOSTILE}.csv"  # JSON stays exact, only escaped
    assert json.loads(outputs[8])[0]["original_name"] == f"{HOSTILE}.csv"
    assert "NOT usable" in outputs[2]
    assert "stations is now v1 (st\\x1b[31m" in outputs[-1]
    # Errors go through the console entry point, which turns them into one message.
    layered = tmp_path / "two layers.gpkg"
    for number in (1, 2):
        frame = gpd.GeoDataFrame({"a": [number]}, geometry=[Point(LON, LAT)], crs="EPSG:4326")
        frame.to_file(layered, layer=f"{HOSTILE}{number}", driver="GPKG")
    for args in (
        ["layers", "add", "stations", str(unusable), "--catalog", root],
        ["layers", "add", "stations", str(tmp_path / f"{HOSTILE}-missing.csv"), "--catalog", root],
        ["layers", "add", "stations", str(layered), "--catalog", root],
    ):
        code, text = _run_main(*args, monkeypatch=monkeypatch)
        assert code == 2 and text.startswith("Error:") and "Traceback" not in text, text
        _no_raw_controls(text)
        assert "\\x1b[31m" in text


# ---------------------------------------------------------------------- 4. read-only or full disk


def _fail_gdal_write(monkeypatch: pytest.MonkeyPatch, _root: Path) -> None:
    """What GDAL raises creating the GeoPackage in a read-only folder (seen with chattr +i)."""
    import pyogrio
    from pyogrio.errors import DataSourceError

    def refuse(_frame: Any, path: Any, **_kwargs: Any) -> None:
        raise DataSourceError(f"sqlite3_open({path}) failed: unable to open database file")

    monkeypatch.setattr(pyogrio, "write_dataframe", refuse)


def _fail_replace(code: int) -> Callable[[pytest.MonkeyPatch, Path], None]:
    def patch(monkeypatch: pytest.MonkeyPatch, _root: Path) -> None:
        def refuse(source: Any, _target: Any) -> None:
            raise OSError(code, os.strerror(code), str(source))

        monkeypatch.setattr(catalog_module.os, "replace", refuse)

    return patch


def _fail_fsync(code: int) -> Callable[[pytest.MonkeyPatch, Path], None]:
    def patch(monkeypatch: pytest.MonkeyPatch, _root: Path) -> None:
        def refuse(_handle: int) -> None:
            raise OSError(code, os.strerror(code))

        monkeypatch.setattr(catalog_module.os, "fsync", refuse)

    return patch


def _read_only_for_real(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """chmod when not root; as root (chmod does not stop root) the immutable attribute, if allowed."""
    if os.geteuid() != 0:
        for path in [root, *root.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        return
    folders = [root, *(p for p in root.rglob("*") if p.is_dir())]
    done = []
    for folder in folders:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            for undo in done:
                subprocess.run(["chattr", "-i", str(undo)], check=False)
            pytest.skip("root without chattr +i: chmod cannot make a folder read-only here")
        done.append(folder)


@pytest.fixture
def writable_again(tmp_path: Path) -> Iterator[None]:
    yield
    for path in [tmp_path, *tmp_path.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)
            path.chmod(0o755)


@pytest.mark.parametrize(
    ("kind", "fail", "phrase"),
    [
        ("stations", _read_only_for_real, "read-only"),
        ("landcover", _read_only_for_real, "read-only"),
        ("stations", _fail_gdal_write, "cannot write"),
        ("stations", _fail_replace(errno.EROFS), "read-only"),
        ("landcover", _fail_replace(errno.EROFS), "read-only"),
        ("stations", _fail_fsync(errno.ENOSPC), "disk is full"),
        ("landcover", _fail_fsync(errno.ENOSPC), "disk is full"),
    ],
    ids=[
        "real-read-only-stations",
        "real-read-only-landcover",
        "gdal-cannot-create",
        "erofs-stations",
        "erofs-landcover",
        "enospc-stations",
        "enospc-landcover",
    ],
)
def test_layers_add_on_a_read_only_or_full_disk_is_a_message(
    catalog: Catalog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    writable_again: None,
    kind: str,
    fail: Callable[[pytest.MonkeyPatch, Path], None],
    phrase: str,
) -> None:
    source = _stations_csv(tmp_path, "new.csv") if kind == "stations" else _landcover(tmp_path / "new.tif")
    before = _snapshot(catalog.root)
    fail(monkeypatch, catalog.root)
    code, text = _run_main(
        "layers", "add", kind, str(source), "--catalog", str(catalog.root), monkeypatch=monkeypatch
    )
    assert code == 2 and text.startswith("Error:") and "Traceback" not in text, text
    assert str(catalog.root) in text and phrase in text, text
    assert _snapshot(catalog.root) == before


@pytest.mark.parametrize("command", [["remove", "stations"], ["rollback", "stations"]])
def test_remove_and_rollback_on_a_read_only_disk_are_a_message(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    before = _snapshot(catalog.root)
    _fail_replace(errno.EROFS)(monkeypatch, catalog.root)
    code, text = _run_main("layers", *command, "--catalog", str(catalog.root), monkeypatch=monkeypatch)
    assert code == 2 and text.startswith("Error:") and "read-only" in text, text
    assert _snapshot(catalog.root) == before


# -------------------------------------------------------------------------- 5. manifest schema


def _break(manifest: dict[str, Any], change: str) -> str:
    """Apply one damage to a good manifest; returns the key the message must name."""
    stations = manifest["kinds"]["stations"]
    version = stations["versions"][0]
    if change == "kinds-list":
        manifest["kinds"] = []
        return "kinds"
    if change == "no-file":
        del version["file"]
        return "kinds.stations.versions[0].file"
    if change == "version-text":
        version["version"] = "1"
        return "kinds.stations.versions[0].version"
    if change == "file-number":
        version["file"] = 7
        return "kinds.stations.versions[0].file"
    if change == "notes-text":
        version["notes"] = "a note"
        return "kinds.stations.versions[0].notes"
    if change == "versions-object":
        stations["versions"] = {"1": version}
        return "kinds.stations.versions"
    if change == "current-unknown":
        stations["current"] = 9
        return "kinds.stations.current"
    if change == "next-version-reused":
        stations["next_version"] = 2
        return "kinds.stations.next_version"
    if change == "unknown-kind":
        manifest["kinds"]["roads"] = stations
        return "kinds.roads"
    if change == "count-bool":
        version["feature_count"] = True
        return "kinds.stations.versions[0].feature_count"
    if change == "kind-mismatch":
        version["kind"] = "wetlands"
        return "kinds.stations.versions[0].kind"
    if change == "duplicate-version":
        stations["versions"][1]["version"] = 1
        return "kinds.stations.versions[1].version"
    raise AssertionError(change)


MANIFEST_DAMAGE = [
    "kinds-list",
    "no-file",
    "version-text",
    "file-number",
    "notes-text",
    "versions-object",
    "current-unknown",
    "next-version-reused",
    "unknown-kind",
    "count-bool",
    "kind-mismatch",
    "duplicate-version",
]


@pytest.mark.parametrize("change", MANIFEST_DAMAGE)
def test_a_manifest_off_its_schema_is_a_clear_error(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    path = catalog.root / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    key = _break(manifest, change)
    path.write_text(json.dumps(manifest), encoding="utf-8")
    commands = [
        ["layers", "list"],
        ["layers", "history", "stations"],
        ["layers", "add", "stations", str(catalog.root.parent / "a.csv")],
    ]
    if change in ("kinds-list", "no-file"):
        commands.append(["indicators", "--without", "landcover"])
    for command in commands:
        code, text = _run_main(*command, "--catalog", str(catalog.root), monkeypatch=monkeypatch)
        assert code == 2 and text.startswith("Error:") and "Traceback" not in text, (command, text)
        assert str(path) in text and key in text, (command, text)
    with pytest.raises(LayerReadError, match=re.escape(key)):
        catalog.get("stations")


# ----------------------------------------------------------------- 6. version files outside the catalog


@pytest.mark.parametrize("where", ["absolute", "dotdot", "symlinked-file", "symlinked-folder"])
def test_a_version_file_outside_the_catalog_is_refused(catalog: Catalog, tmp_path: Path, where: str) -> None:
    outside = _stations_gpkg(tmp_path / "elsewhere" / "secret.gpkg")
    path = catalog.root / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    version = manifest["kinds"]["stations"]["versions"][-1]
    stored = catalog.root / version["file"]
    if where == "absolute":
        version["file"] = str(outside)
    elif where == "dotdot":
        version["file"] = "layers/stations/../../../elsewhere/secret.gpkg"
    elif where == "symlinked-file":
        stored.unlink()
        stored.symlink_to(outside)
    else:
        folder = stored.parent
        shutil.rmtree(folder)
        folder.symlink_to(outside.parent, target_is_directory=True)
        (outside.parent / stored.name).write_bytes(outside.read_bytes())
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(LayerReadError, match="outside the catalog"):
        catalog.get("stations")
    with pytest.raises(LayerReadError, match="outside the catalog"):
        catalog.path("stations")


# ----------------------------------------------------------------------------------- 7. symlinks


def _victim(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("thesis.docx", "v0001.tif", "v0009.gpkg", ".tmp-1-x.tif", "notes.txt"):
        (folder / name).write_bytes(b"precious " + name.encode())
    return folder


def test_changes_never_follow_a_symlink_out_of_the_catalog(catalog: Catalog, tmp_path: Path) -> None:
    victim = _victim(tmp_path / "victim")
    precious = _snapshot(victim)
    # A folder of the catalog replaced by a link to the victim's, and links to it elsewhere.
    landcover = catalog.root / "rasters" / "landcover"
    stored = sorted(landcover.iterdir())
    shutil.rmtree(landcover)
    landcover.symlink_to(victim, target_is_directory=True)
    (catalog.root / "layers" / "wetlands").symlink_to(victim, target_is_directory=True)
    (catalog.root / "layers" / "stations" / "v0099.gpkg").symlink_to(victim / "v0009.gpkg")
    (catalog.root / ".tmp-1-link").symlink_to(victim / "notes.txt")
    assert stored  # the land cover's own file went with the folder: its version now points at nothing

    catalog.add(
        "stations", _stations_csv(tmp_path, "c.csv"), user=STEWARD
    )  # an import sweeps unreferenced files
    assert _snapshot(victim) == precious
    catalog.rollback("stations", user=STEWARD)
    catalog.remove("stations", version=1, user=STEWARD)
    assert _snapshot(victim) == precious
    with pytest.raises(LayerWriteError, match="outside the catalog"):
        catalog.add("landcover", _landcover(tmp_path / "new.tif"), user=STEWARD)
    assert _snapshot(victim) == precious
    catalog.remove("landcover", user=STEWARD)
    catalog.remove("stations", user=STEWARD)
    assert _snapshot(victim) == precious
    assert (catalog.root / "layers" / "stations" / "v0099.gpkg").is_symlink()
