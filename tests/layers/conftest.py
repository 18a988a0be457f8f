"""The catalog backends the catalog suite runs against: the GeoPackage folder and a live PostGIS.

``backend`` is parametrised over both. The PostGIS one is a throwaway cluster started once per test
process (:mod:`postgis_server`) with a fresh database per test; without PostgreSQL and PostGIS on the
machine those tests fail, naming what to install (they never skip).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from catalog_backends import Backend
from postgis_server import PostgisServer, running_postgis


@pytest.fixture(scope="session")
def postgis_server() -> Iterator[PostgisServer]:
    with running_postgis() as server:
        yield server


@pytest.fixture(params=["folder", "postgis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "folder":
        yield Backend("folder", str(tmp_path / "catalog"))
        return
    server: PostgisServer = request.getfixturevalue("postgis_server")
    rasters = tmp_path / "shared-rasters"
    yield Backend("postgis", f"{server.new_database()}?rasters={rasters}", rasters)
    server.drop_databases()
