"""The dbt resource starts dbt once per command: no `dbt --version` process and no dbt
adapter built inside the Dagster process (dagster-dbt would spend about 2.5 s on both)."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import dagster_dbt.core.resource as dagster_dbt_resource
import pytest

from orchestration.defs.resources import dbt_resource


def _no_version_process(*args: object, **kwargs: object) -> bytes:
    raise AssertionError(f"dbt resource started a process to ask for dbt's version: {args}")


def test_dbt_version_is_the_installed_dbt_core_without_a_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dagster_dbt_resource, "check_output", _no_version_process)
    assert str(dbt_resource()._cli_version) == version("dbt-core")


def test_a_dbt_command_runs_without_an_in_process_adapter(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(dagster_dbt_resource, "check_output", _no_version_process)
    monkeypatch.setenv("CITYGVC_DATA_DIR", str(tmp_path))
    invocation = dbt_resource().cli(["debug", "--config-dir"], target_path=tmp_path / "target")
    invocation.wait()
    assert invocation.is_successful()
    # dagster-dbt hands its adapter to the invocation; None means none was built here.
    assert invocation.adapter is None


def test_the_spark_engine_runs_the_spark_venvs_dbt_on_the_spark_target() -> None:
    spark = dbt_resource("spark")
    assert Path(spark.dbt_executable) == Path(__file__).parents[3] / ".venv-spark" / "bin" / "dbt"
    assert spark.target == "spark"
    assert dbt_resource().target is None
