"""Fixtures of the command-line tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wuxi_atlas.cli import indicators as indicators_command


@pytest.fixture
def full_runs(monkeypatch) -> Iterator[list[int]]:
    """How many runs fell back to the full run (one entry per run that did)."""
    calls: list[int] = []
    computed = indicators_command._computed

    def counted(*args, **kwargs):
        calls.append(1)
        return computed(*args, **kwargs)

    monkeypatch.setattr(indicators_command, "_computed", counted)
    yield calls
