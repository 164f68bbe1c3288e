"""Fixtures shared by the dbt test modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import build_with_complexity


@pytest.fixture(scope="session")
def demo(demo_run: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the demo catalog, a data dir whose warehouse is the demo refresh's, built again by
    `dbt build` with disclosure off: the marts publish every value unsuppressed)."""
    data_dir = tmp_path_factory.mktemp("ground_truth") / "data"
    data_dir.mkdir()
    shutil.copyfile(demo_run / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    build_with_complexity(data_dir, vars_={"disclosure": "off"})
    return demo_run / "releases", data_dir
