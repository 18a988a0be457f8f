"""``geoplan app`` starts the Streamlit script that ships inside the package, from any directory."""

from __future__ import annotations

import ast

from click.testing import CliRunner

import wuxi_atlas
from wuxi_atlas.cli import geoplan
from wuxi_atlas.cli.serve import app_script


def test_the_app_scripts_are_inside_the_package() -> None:
    package_dir = app_script().parent
    assert package_dir.samefile(wuxi_atlas.__path__[0])
    assert app_script().name == "geo_server.py"
    for name in ("geo_app.py", "geo_server.py"):  # the server runs the app script beside it
        script = package_dir / name
        assert script.is_file()
        ast.parse(script.read_text(encoding="utf-8"))  # a real script, not a dangling link


def test_help_says_where_the_other_options_go() -> None:
    result = CliRunner().invoke(geoplan, ["app", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "streamlit run" in text and "--tiles" in text


def test_a_missing_tiles_source_is_refused_before_streamlit_starts(tmp_path) -> None:
    result = CliRunner().invoke(geoplan, ["app", "--tiles", str(tmp_path / "absent.mbtiles")])
    assert result.exit_code == 2
    assert "absent.mbtiles" in result.output
