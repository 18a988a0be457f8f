"""``geoplan factsheet``: the HTML sheet of a district, its PDF (headless Chromium), and a message, not a
traceback, when Chromium is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from wuxi_atlas.cli import geoplan, main


def test_factsheet_html_of_binhu(tmp_path: Path) -> None:
    out = tmp_path / "binhu.html"
    done = CliRunner().invoke(geoplan, ["factsheet", "--district", "Binhu", "--lang", "en", "-o", str(out)])
    assert done.exit_code == 0, done.output
    page = out.read_text(encoding="utf-8")
    assert "Binhu" in page and "class='district-map'" in page and "Land-cover change" in page
    assert "are city-wide" in page and "SYNTHETIC" in page.upper()
    # the trajectory of the shipped years: a panel per indicator Binhu has a target for
    assert "Year by year" in page and page.count("class='trajectory-panel'") >= 3
    assert "class='trajectory-line'" in page and "class='trajectory-target'" in page


def test_factsheet_pdf_without_chromium_is_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GEOPLAN_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setattr(
        "sys.argv", ["geoplan", "factsheet", "--district", "滨湖", "-o", str(tmp_path / "a.pdf")]
    )
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "apt-get install chromium" in err and "Traceback" not in err
    assert not (tmp_path / "a.pdf").exists()


@pytest.mark.browser
def test_factsheet_pdf(tmp_path: Path) -> None:
    out = tmp_path / "binhu.pdf"
    done = CliRunner().invoke(geoplan, ["factsheet", "--district", "滨湖", "--format", "pdf", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert out.read_bytes().startswith(b"%PDF-")
