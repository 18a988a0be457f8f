"""The server's startup imports (:mod:`app.warmup`): what the first page needs, without Streamlit, whose
cached functions and map component belong to the script runs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap


def test_the_warmup_imports_the_first_page_libraries_and_not_streamlit() -> None:
    code = textwrap.dedent(
        """
        import json, sys
        from wuxi_atlas.app.warmup import import_first_page
        import_first_page()
        print(json.dumps(sorted(name for name in sys.modules if "." not in name)))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported = set(json.loads(done.stdout))
    assert {"geopandas", "pandas", "shapely", "folium", "branca"} <= imported
    assert "streamlit" not in imported and "streamlit_folium" not in imported
