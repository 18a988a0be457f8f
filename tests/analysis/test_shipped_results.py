"""The vector indicators' results written with the shipped data (:mod:`analysis.shipped_results`): they
are what the shipped layers give now, a run with an empty result cache is served them and prints what a
run with the cache off prints, and nothing but the data directory's own, intact file, for the very
files it was computed from, is ever believed."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from wuxi_atlas.analysis.cached_run import cached_indicator_run
from wuxi_atlas.analysis.errors import DataFileError
from wuxi_atlas.analysis.indicators import IndicatorOptions
from wuxi_atlas.analysis.names import INDICATOR_IDS
from wuxi_atlas.analysis.paths import shipped_data_dir
from wuxi_atlas.analysis.shipped_results import FILE_NAME, shipped_results_path
from wuxi_atlas.analysis.targets import load_targets
from wuxi_atlas.cli import geoplan
from wuxi_atlas.demo.vector_results import shipped_results_text, write_shipped_results
from wuxi_atlas.layers.origins import layer_origins
from wuxi_atlas.layers.shipped import load_default_landcover


@pytest.fixture
def empty_cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def copy_results(tmp_path_factory) -> str:
    """The results ``geoplan demo-data`` writes into a copy of the shipped data directory (stamped with
    the code: a copy is not what the staleness test recomputes)."""
    copy = tmp_path_factory.mktemp("written") / "data"
    shutil.copytree(shipped_data_dir(), copy)
    return write_shipped_results(copy).read_text(encoding="utf-8")


@pytest.fixture
def data_copy(tmp_path, monkeypatch, copy_results) -> Path:
    """A copy of the shipped data directory with the results demo-data writes there, the atlas's data
    directory for the test."""
    copy = tmp_path / "data"
    shutil.copytree(shipped_data_dir(), copy)
    (copy / "demo" / FILE_NAME).write_text(copy_results, encoding="utf-8")
    monkeypatch.setenv("GEOPLAN_DATA_DIR", str(copy))
    return copy


def _served() -> list | None:
    """The cached run of every indicator on the data directory's layers, or None when not served."""
    return cached_indicator_run(
        layer_origins(), load_default_landcover, load_targets(), IndicatorOptions(), INDICATOR_IDS
    )


def _records(results) -> str:
    return json.dumps([asdict(r) for r in results], ensure_ascii=False)


def _indicators(cache: Path | str, *args: str) -> tuple[str, str]:
    result = CliRunner().invoke(geoplan, ["indicators", "-q", *args], env={"GEOPLAN_CACHE_DIR": str(cache)})
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.stdout, result.stderr


def test_the_shipped_results_are_what_the_shipped_layers_give_now():
    """Nothing in the content keys notices a change of method or code: this does. When it fails, the
    shipped file is stale: run ``geoplan demo-data --overwrite`` (same seed, same layers) and commit."""
    shipped = shipped_results_path().read_text(encoding="utf-8")
    assert shipped_results_text(shipped_data_dir()) == shipped, (
        f"{FILE_NAME} is stale: regenerate it with geoplan demo-data --overwrite"
    )


@pytest.mark.parametrize("output_format", ["json", "csv", "table"])
def test_an_empty_cache_is_served_the_shipped_results_as_a_cold_run_computes_them(empty_cache, output_format):
    args = ("-f", output_format)
    assert _indicators(empty_cache, *args) == _indicators("off", *args)
    assert not empty_cache.exists(), "served from the shipped results, the run stored nothing"


def test_a_cold_run_on_the_shipped_layers_is_served_every_indicator(empty_cache):
    served = _served()
    assert served is not None
    assert {r.indicator for r in served if r.adcode == "320200"} == set(INDICATOR_IDS)


def test_a_fresh_install_cold_run_imports_no_geopandas(tmp_path):
    """The whole command in a new process, from another folder, with an empty cache."""
    probe = (
        "import sys, json\n"
        "from wuxi_atlas.cli import geoplan\n"
        "from click.testing import CliRunner\n"
        "result = CliRunner().invoke(geoplan, ['indicators', '-q', '-f', 'json'])\n"
        "heavy = [m for m in ('geopandas', 'pandas', 'pyogrio') if m in sys.modules]\n"
        "print(json.dumps({'code': result.exit_code, 'heavy': heavy}))\n"
    )
    env = {**os.environ, "GEOPLAN_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"code": 0, "heavy": []}


def test_the_cache_off_turns_the_shipped_results_off_too(monkeypatch):
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", "off")
    assert _served() is None


@pytest.mark.parametrize("damage", ["digit", "truncated", "not-json", "other-format", "too-deep"])
def test_a_damaged_file_is_never_believed(empty_cache, data_copy, damage):
    path = data_copy / "demo" / FILE_NAME
    text = path.read_text(encoding="utf-8")
    if damage == "digit":  # still JSON; the checksum line refuses it
        k = next(k for k in range(len(text) // 2, len(text)) if text[k].isdigit())
        text = text[:k] + str((int(text[k]) + 1) % 10) + text[k + 1 :]
    elif damage == "truncated":
        text = text[: len(text) // 2]
    elif damage == "not-json":
        text = "x\n{"
    elif damage == "too-deep":  # the checksum right, the JSON nested deeper than the parser recurses
        body = text.partition("\n")[2].rstrip("\n")[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
        text = f"{hashlib.sha256(body.encode()).hexdigest()}\n{body}\n"
    else:
        body = json.dumps({"format": "something else", "entries": {}})
        text = f"{hashlib.sha256(body.encode()).hexdigest()}\n{body}\n"
    path.write_text(text, encoding="utf-8")
    assert _served() is None
    assert _indicators(empty_cache, "-f", "json") == _indicators("off", "-f", "json")


def test_changed_targets_are_not_served_the_old_results(empty_cache, data_copy):
    assert _served() is not None  # the copy's files are the shipped ones: served
    targets = data_copy / "targets.toml"
    targets.write_text(targets.read_text(encoding="utf-8").replace("27.8", "28.8", 1), encoding="utf-8")
    assert _served() is None  # new targets: a new key for every vector family
    assert _indicators(empty_cache, "-f", "json") == _indicators("off", "-f", "json")


def test_a_changed_boundaries_file_is_not_served_the_old_zones(empty_cache, data_copy):
    boundaries = data_copy / "boundaries" / "wuxi_districts.geojson"
    with boundaries.open("a", encoding="utf-8") as handle:
        handle.write("\n")  # the same districts, another file: nothing known about it
    assert _served() is None
    assert _indicators(empty_cache, "-f", "json") == _indicators("off", "-f", "json")


def test_a_file_beside_a_users_layer_is_never_read(empty_cache, tmp_path):
    """Only the data directory's results are read: a forged file beside a user's copy of a layer, saying
    a district has 999 piles, changes nothing."""
    folder = tmp_path / "mine"
    folder.mkdir()
    gpkg = folder / "wuxi_demo.gpkg"
    shutil.copy(shipped_data_dir() / "demo" / "wuxi_demo.gpkg", gpkg)
    forged = json.loads(shipped_results_path().read_text(encoding="utf-8").partition("\n")[2])
    for records in forged["entries"]["indicators"].values():
        for record in records:
            record["value"] = 999
    body = json.dumps(forged, ensure_ascii=False)
    (folder / FILE_NAME).write_text(f"{hashlib.sha256(body.encode()).hexdigest()}\n{body}\n", "utf-8")
    args = ("-f", "json", "--stations", str(gpkg))
    out, _ = _indicators(empty_cache, *args)
    assert out == _indicators("off", *args)[0]
    assert not any(row["value"] == 999 for row in json.loads(out))


def test_a_file_too_large_to_be_shipped_results_is_not_read(empty_cache, data_copy, monkeypatch):
    """A results file past the bound (the data directory's, so anything may be there: a huge file would
    be read and parsed whole by every process) is ignored: everything computed, as with the cache off."""
    from wuxi_atlas.analysis import shipped_results

    size = (data_copy / "demo" / FILE_NAME).stat().st_size
    monkeypatch.setattr(shipped_results, "MAX_BYTES", size - 1)
    assert _served() is None
    monkeypatch.setattr(shipped_results, "MAX_BYTES", size)
    assert _served() is not None


def test_demo_data_writes_the_results_of_a_default_run_whatever_its_environment(tmp_path, monkeypatch):
    """The results are for runs with the default reading: a value alias file or a size limit in the
    environment of ``geoplan demo-data`` (a developer's shell) must neither key them to that file, so
    that no default run is served them, nor refuse the shipped layers."""
    aliases = tmp_path / "aliases.toml"
    aliases.write_text('[stations.type]\ncharging = ["快充站"]\n', encoding="utf-8")
    monkeypatch.setenv("GEOPLAN_ALIASES", str(aliases))
    monkeypatch.setenv("GEOPLAN_MAX_UPLOAD_MB", "1")
    shipped = shipped_results_path().read_text(encoding="utf-8")
    assert shipped_results_text(shipped_data_dir()) == shipped


def test_a_results_file_that_is_not_a_regular_file_is_not_opened(tmp_path, data_copy):
    """A data directory copied from elsewhere may hold anything under the name, such as a named pipe
    (or a link to one, or to /dev/zero), which blocks, or never ends, when read: it is not opened, and the
    run computes everything, as with the cache off (in a process with a time limit: a read would hang)."""
    path = data_copy / "demo" / FILE_NAME
    path.unlink()
    os.mkfifo(path)
    env = {**os.environ, "GEOPLAN_DATA_DIR": str(data_copy)}
    runs = []
    for cache in (str(tmp_path / "cache"), "off"):
        done = subprocess.run(
            [sys.executable, "-m", "wuxi_atlas.cli", "indicators", "-q", "-f", "json"],
            capture_output=True,
            text=True,
            timeout=300,
            env={**env, "GEOPLAN_CACHE_DIR": cache},
        )
        assert done.returncode == 0, done.stderr
        runs.append(done.stdout)
    assert runs[0] == runs[1]


@pytest.mark.parametrize("writer", ["unstamped", "other-code"])
def test_a_data_directorys_results_from_other_code_are_not_believed(empty_cache, data_copy, writer):
    """``geoplan demo-data --out DIR`` writes results with the code of its day, and a copy of the shipped
    data keeps the shipped ones; the content keys hold no code, and no test recomputes either. After an
    upgrade that changes a method, a run with ``GEOPLAN_DATA_DIR=DIR`` was served the old numbers (here
    one more charging pile than the code counts): only results stamped with this code are believed
    outside the shipped data directory, whose file the staleness test above recomputes."""
    assert _served() is not None  # what demo-data wrote there, with this code: served
    path = data_copy / "demo" / FILE_NAME
    record = json.loads(path.read_text(encoding="utf-8").partition("\n")[2])
    assert record.pop("code") is not None
    if writer == "other-code":
        record["code"] = "0" * 32
    for records in record["entries"]["indicators"].values():
        for row in records:
            if row["indicator"] == "charging_piles" and row["value"] is not None:
                row["value"] += 1
    body = json.dumps(record, ensure_ascii=False)
    path.write_text(f"{hashlib.sha256(body.encode()).hexdigest()}\n{body}\n", encoding="utf-8")
    assert _served() is None
    assert _indicators(empty_cache, "-f", "json") == _indicators("off", "-f", "json")


def test_demo_data_into_a_folder_with_a_broken_targets_file_says_so_without_a_traceback(tmp_path):
    """``geoplan demo-data --out DIR`` computes the results with DIR's targets.toml (in a new process):
    a malformed one is the user's to fix, told as any data file error is, not as the child's traceback."""
    out = tmp_path / "data"
    (out / "demo").mkdir(parents=True)
    for name in ("wuxi_demo.gpkg", "MANIFEST.json"):
        shutil.copy(shipped_data_dir() / "demo" / name, out / "demo" / name)
    (out / "targets.toml").write_text("this is = = not toml\n", encoding="utf-8")
    with pytest.raises(DataFileError) as raised:
        write_shipped_results(out)
    message = str(raised.value)
    assert str((out / "targets.toml").resolve()) in message  # the folder's file, not a temporary link
    assert "Traceback" not in message
    assert not (out / "demo" / FILE_NAME).exists()
