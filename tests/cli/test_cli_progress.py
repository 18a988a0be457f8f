"""Progress on stderr (issue #14): a bar on a terminal; elsewhere plain lines, the first of each stage and
then at most one every couple of seconds; nothing with --quiet."""

from __future__ import annotations

import re

from click.testing import CliRunner

from wuxi_atlas.cli import geoplan
from wuxi_atlas.cli import options as cli_options
from wuxi_atlas.cli.options import StageProgressBar

LINE = re.compile(r"^geoplan: change \d+% \(\d+ of \d+\)$", re.M)


def test_plain_lines_are_throttled_to_one_every_interval(monkeypatch, capsys):
    clock = iter([0.0, 0.5, 2.1, 2.2, 4.0, 4.1])
    monkeypatch.setattr(cli_options.time, "monotonic", lambda: next(clock))
    progress = StageProgressBar(interval=2.0)
    for done in (0, 1, 12, 13, 30):  # at 0.0, 0.5, 2.1, 2.2, 4.0 s
        progress("zonal pass", done, 30)
    progress("next pass", 1, 4)  # at 4.1 s: a new stage always says so
    progress("one block", 1, 1)  # a single-block pass says nothing
    progress.close()
    assert capsys.readouterr().err.splitlines() == [
        "geoplan: zonal pass 0% (0 of 30)",
        "geoplan: zonal pass 40% (12 of 30)",
        "geoplan: zonal pass 100% (30 of 30)",
        "geoplan: next pass 25% (1 of 4)",
    ]


def test_quiet_prints_nothing(capsys):
    progress = StageProgressBar(quiet=True)
    progress.stage("reading the layers")
    progress("zonal pass", 3, 30)
    assert capsys.readouterr().err == ""


def test_change_prints_plain_progress_on_a_pipe_and_none_with_quiet():
    loud = CliRunner().invoke(geoplan, ["change", "--district", "320211", "-f", "csv"])
    assert loud.exit_code == 0, loud.output
    assert "geoplan: reading the rasters" in loud.stderr
    assert LINE.search(loud.stderr), loud.stderr
    quiet = CliRunner().invoke(geoplan, ["change", "--district", "320211", "-f", "csv", "-q"])
    assert quiet.exit_code == 0, quiet.output
    assert "geoplan:" not in quiet.stderr
    assert quiet.stdout == loud.stdout
