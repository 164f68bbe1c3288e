"""Fixtures of the release-level check tests: a fresh warehouse to ingest hand-made releases
into, without Dagster or GX."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.settings import Settings
from orchestration.warehouse.schema import connect
from tests.helpers import Warehouse


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    settings = Settings(
        data_dir=tmp_path / "data", releases=str(tmp_path / "rel"), dagster_home=tmp_path / "dh"
    )
    (tmp_path / "rel").mkdir()
    with connect(settings.warehouse_path) as con:
        yield Warehouse(settings, tmp_path / "rel", con, [])
