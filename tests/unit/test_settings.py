"""CITYGVC_ENGINE picks the engine dbt builds on: duckdb unless told, spark on request, and
anything else is refused by name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration.settings import Settings


def test_the_engine_is_duckdb_unless_told(tmp_path: Path) -> None:
    assert Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path)}).engine == "duckdb"
    spark = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path), "CITYGVC_ENGINE": " Spark "})
    assert spark.engine == "spark"
    assert spark.spark_dir == tmp_path.resolve() / "spark"


def test_an_unknown_engine_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CITYGVC_ENGINE must be 'duckdb' or 'spark', not 'trino'"):
        Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path), "CITYGVC_ENGINE": "trino"})


def test_spark_is_bound_to_loopback_for_child_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SPARK_LOCAL_IP", raising=False)
    monkeypatch.setenv("CITYGVC_ENGINE", "duckdb")  # restored after the test
    Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path), "CITYGVC_ENGINE": "spark"}).export_env()
    assert os.environ["CITYGVC_ENGINE"] == "spark"
    assert os.environ["SPARK_LOCAL_IP"] == "127.0.0.1"
