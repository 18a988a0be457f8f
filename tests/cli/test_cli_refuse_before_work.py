"""Every command refuses what it can refuse before it does any work (issue #14): an output that exists
without --overwrite, an output folder that does not exist, an unknown district, a scheme file or catalog
that does not exist. The work functions are replaced by one that fails the test if it is called."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from wuxi_atlas.analysis import cached_run as analysis_cached_run
from wuxi_atlas.analysis import change as analysis_change
from wuxi_atlas.analysis import indicators as analysis_indicators
from wuxi_atlas.cli import change as cli_change
from wuxi_atlas.cli import geoplan
from wuxi_atlas.cli import indicators as cli_indicators
from wuxi_atlas.cli import maps as cli_maps
from wuxi_atlas.layers import defaults as layers_defaults
from wuxi_atlas.layers import inputs as layers_inputs


class WorkStarted(Exception):
    pass


def _boom(*_args, **_kwargs):
    raise WorkStarted("the command started working before refusing")


@pytest.fixture
def no_work(monkeypatch):
    """Replace the loading and computing functions, where they are defined and where the CLI holds them.
    The run from the result cache is work too: an earlier test may have filled the cache."""
    for module, name in (
        (analysis_cached_run, "cached_indicator_run"),
        (layers_inputs, "load_indicator_inputs"),
        (analysis_indicators, "compute_indicators"),
        (analysis_change, "landcover_change"),
        (layers_defaults, "load_default_landcover"),
        (cli_indicators, "load_indicator_inputs"),
        (cli_indicators, "compute_indicators"),
        (cli_maps, "load_indicator_inputs"),
        (cli_change, "landcover_change"),
        (cli_change, "load_default_landcover"),
    ):
        monkeypatch.setattr(module, name, _boom, raising=False)


COMMANDS = [["indicators"], ["change"], ["map"], ["export", "stations"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_existing_output_is_refused_before_any_work(tmp_path, no_work, command):
    target = tmp_path / "out.txt"
    target.write_text("keep me\n", encoding="utf-8")
    result = CliRunner().invoke(geoplan, [*command, "-o", str(target)])
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, WorkStarted)
    assert "exists; pass --overwrite" in result.output
    assert target.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_overwrite_before_or_after_the_output_lets_the_work_start(tmp_path, no_work, command):
    target = tmp_path / "out.txt"
    target.write_text("old\n", encoding="utf-8")
    for args in (["--overwrite", "-o", str(target)], ["-o", str(target), "--overwrite"]):
        result = CliRunner().invoke(geoplan, [*command, *args])
        assert isinstance(result.exception, WorkStarted), result.output


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_output_in_a_missing_folder_is_refused_before_any_work(tmp_path, no_work, command):
    result = CliRunner().invoke(geoplan, [*command, "-o", str(tmp_path / "no-such-folder" / "out.txt")])
    assert result.exit_code == 2, result.output
    assert "does not exist" in result.output


@pytest.mark.parametrize("command", [["change"], ["map"], ["export", "stations"]], ids=lambda c: c[0])
def test_unknown_district_exits_2_listing_the_names_before_any_work(no_work, command):
    result = CliRunner().invoke(geoplan, [*command, "--district", "Atlantis"])
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, WorkStarted)
    assert "no district called 'Atlantis'" in result.output
    for name in ("320211", "滨湖区", "Binhu", "无锡市"):
        assert name in result.output


@pytest.mark.parametrize("command", [["indicators"], ["change"]], ids=lambda c: c[0])
def test_missing_scheme_file_is_refused_before_any_work(tmp_path, no_work, command):
    result = CliRunner().invoke(geoplan, [*command, "--scheme", str(tmp_path / "mine.toml")])
    assert result.exit_code == 2, result.output
    assert "--scheme" in result.output and "mine.toml" in result.output


def test_missing_catalog_folder_is_refused_before_any_work(tmp_path, no_work):
    result = CliRunner().invoke(geoplan, ["indicators", "--catalog", str(tmp_path / "no-catalog")])
    assert result.exit_code == 2, result.output
    assert "does not exist" in result.output
