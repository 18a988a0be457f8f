"""The catalog backends the catalog suite runs against: the GeoPackage folder and a live PostGIS.

``backend`` is parametrised over both. The PostGIS one is a fresh database per test on the throwaway
cluster started once per test process (``postgis_server`` in tests/conftest.py, tests/postgis_server.py);
without PostgreSQL and PostGIS on the machine those tests fail, naming what to install (they never skip).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from catalog_backends import Backend
from postgis_server import PostgisServer


@pytest.fixture(params=["folder", "postgis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "folder":
        yield Backend("folder", str(tmp_path / "catalog"))
        return
    server: PostgisServer = request.getfixturevalue("postgis_server")
    rasters = tmp_path / "shared-rasters"
    yield Backend("postgis", f"{server.new_database()}?rasters={rasters}", rasters)
    server.drop_databases()
