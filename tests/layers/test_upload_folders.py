"""Upload folders go when their session does, or when they have gone unused too long; nothing else is
touched (other prefixes, files, symlinks)."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

import pytest

from wuxi_atlas.analysis.errors import LayerError
from wuxi_atlas.layers.upload_folders import (
    DEFAULT_MAX_AGE_HOURS,
    UPLOAD_PREFIX,
    UploadFolder,
    max_upload_age_s,
    sweep_stale_upload_folders,
)


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def test_the_folder_goes_with_its_owner(tmp_path: Path) -> None:
    folder = UploadFolder(tmp_path)
    path = folder.path
    (path / "stations").mkdir()
    (path / "stations" / "a.csv").write_text("x")
    assert path.name.startswith(UPLOAD_PREFIX) and folder.exists
    state = {"upload_folder": folder}  # a session's state holds it
    del folder
    gc.collect()
    assert path.is_dir()
    state.clear()  # the server drops the session
    gc.collect()
    assert not path.exists()


def test_remove_is_at_once_and_once(tmp_path: Path) -> None:
    folder = UploadFolder(tmp_path)
    folder.remove()
    assert not folder.exists
    folder.remove()  # a second call is harmless


def test_sweep_removes_only_old_upload_folders_of_this_user(tmp_path: Path) -> None:
    old = tmp_path / f"{UPLOAD_PREFIX}left-by-a-killed-server"
    old.mkdir()
    (old / "x.csv").write_text("x")
    in_use = UploadFolder(tmp_path)
    fresh = in_use.path
    other = tmp_path / "geoplan-read-old"
    other.mkdir()
    a_file = tmp_path / f"{UPLOAD_PREFIX}file"
    a_file.write_text("not a folder")
    target = tmp_path / "kept"
    target.mkdir()
    link = tmp_path / f"{UPLOAD_PREFIX}link"
    link.symlink_to(target)
    for path in (old, other, a_file, link):
        _age(path, 3 * 3600)
    removed = sweep_stale_upload_folders(2 * 3600, parent=tmp_path)
    assert removed == [old]
    assert not old.exists()
    assert all(p.exists() for p in (fresh, other, a_file, link, target))


def test_touch_keeps_a_folder_in_use(tmp_path: Path) -> None:
    folder = UploadFolder(tmp_path)
    _age(folder.path, 3 * 3600)
    folder.touch()
    assert sweep_stale_upload_folders(2 * 3600, parent=tmp_path) == []
    assert sweep_stale_upload_folders(2 * 3600, parent=tmp_path, now=time.time() + 3 * 3600) == [folder.path]


def test_max_age_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEOPLAN_UPLOAD_MAX_AGE_HOURS", raising=False)
    assert max_upload_age_s() == DEFAULT_MAX_AGE_HOURS * 3600
    monkeypatch.setenv("GEOPLAN_UPLOAD_MAX_AGE_HOURS", "0.5")
    assert max_upload_age_s() == 1800
    for bad in ("-1", "0", "soon", "inf"):
        monkeypatch.setenv("GEOPLAN_UPLOAD_MAX_AGE_HOURS", bad)
        with pytest.raises(LayerError, match="GEOPLAN_UPLOAD_MAX_AGE_HOURS"):
            max_upload_age_s()
