"""Read the dbt seeds (code lists, concordances, column maps) as data from Python.

Seeds are the one thing the sample-release generator, the ingestion checks and the dbt models
share; every value is read as text so codes keep their leading zeros.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from orchestration.settings import SEEDS_DIR


@cache
def _load(name: str) -> pd.DataFrame:
    return pd.read_csv(SEEDS_DIR / f"{name}.csv", dtype=str, keep_default_na=False)


def load_seed(name: str) -> pd.DataFrame:
    """A copy of seed `name` (file stem in dbt_project/seeds/), every column as str."""
    return _load(name).copy()
