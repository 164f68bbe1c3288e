"""Fixtures of the sample-release tests: one full demo catalog per session (what `make run`
loads), shared by the catalog, quirk and ground-truth tests."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tools.sample_releases import Options, generate


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full demo catalog with every quirk (what `make run` loads)."""
    out = tmp_path_factory.mktemp("demo")
    generate(out, Options())
    return out


@pytest.fixture(scope="session")
def catalog(demo: Path) -> dict:
    return json.loads((demo / "catalog.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def truth(demo: Path) -> pd.DataFrame:
    return pd.read_parquet(demo / "_ground_truth.parquet")


@pytest.fixture(scope="session")
def firm_years(demo: Path) -> pd.DataFrame:
    return pd.read_parquet(demo / "_truth" / "firm_years.parquet")
