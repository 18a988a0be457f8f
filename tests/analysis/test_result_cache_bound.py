"""The on-disk result cache stays within its bound: a store past it removes the least recently used
entries (a read counts as a use), and leaves everything that is not an entry alone."""

from __future__ import annotations

import os

from wuxi_atlas.analysis.result_cache import load_entry, prune, store_entry

KB = 1024


def _key(n: int) -> str:
    return f"{n:064x}"


def _age(folder, namespace, key, seconds_ago):
    entry = folder / namespace / f"{key}.json"
    past = entry.stat().st_mtime - seconds_ago
    os.utime(entry, (past, past))


def test_a_store_past_the_bound_removes_the_least_recently_used(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GEOPLAN_CACHE_MAX_MB", str(25 / 1024))  # 25 KiB
    value = "x" * (10 * KB)
    for n in range(2):
        assert store_entry("maps", _key(n), value)
    _age(tmp_path, "maps", _key(0), 300)
    _age(tmp_path, "maps", _key(1), 200)
    assert load_entry("maps", _key(0)) == value  # read now: entry 1 is the least recently used
    assert store_entry("indicators", _key(2), value)  # 30 KiB > 25 KiB: one must go
    assert load_entry("maps", _key(1)) is None
    assert load_entry("maps", _key(0)) == value
    assert load_entry("indicators", _key(2)) == value


def test_the_entry_just_written_stays_even_over_the_bound(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GEOPLAN_CACHE_MAX_MB", "0")
    assert store_entry("maps", _key(1), "y" * KB)
    assert load_entry("maps", _key(1)) == "y" * KB


def test_pruning_leaves_what_is_not_an_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", str(tmp_path))
    copy = tmp_path / "catalog-copies" / "abc" / "layers" / "stations" / "v0001.gpkg"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b"g" * (50 * KB))
    other = tmp_path / "maps" / "notes.json"
    other.parent.mkdir(parents=True)
    other.write_text("{}", encoding="utf-8")
    assert store_entry("maps", _key(3), "z" * KB)
    assert prune(tmp_path, max_bytes=0) == 1
    assert copy.exists() and other.exists()
    assert load_entry("maps", _key(3)) is None


def test_a_bound_that_is_not_a_number_falls_back_to_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GEOPLAN_CACHE_MAX_MB", "lots")
    for n in range(3):
        assert store_entry("maps", _key(n), "w" * KB)
    assert all(load_entry("maps", _key(n)) == "w" * KB for n in range(3))
