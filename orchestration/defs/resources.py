"""Dagster resources: the settings every asset needs, built from the environment once."""

from __future__ import annotations

import sys
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource
from packaging.version import Version

from orchestration.settings import REPO_ROOT, Settings
from orchestration.warehouse.dbt import dbt_project


class CitygvcSettings(ConfigurableResource):
    """docs/settings.md settings as a resource (values resolved when the code location loads)."""

    data_dir: str
    releases: str
    dagster_home: str
    disclosure: bool = True
    sdc_min_firms: int
    sdc_dominance: int
    sdc_p: int
    engine: str = "duckdb"
    max_file_bytes: int
    max_release_bytes: int
    refresh_cron: str
    keep_versions: int
    keep_gx_results: int
    keep_runs_days: int

    @classmethod
    def from_settings(cls, settings: Settings) -> CitygvcSettings:
        return cls(
            data_dir=str(settings.data_dir),
            releases=settings.releases,
            dagster_home=str(settings.dagster_home),
            disclosure=settings.disclosure,
            sdc_min_firms=settings.sdc_min_firms,
            sdc_dominance=settings.sdc_dominance,
            sdc_p=settings.sdc_p,
            engine=settings.engine,
            max_file_bytes=settings.max_file_bytes,
            max_release_bytes=settings.max_release_bytes,
            refresh_cron=settings.refresh_cron,
            keep_versions=settings.keep_versions,
            keep_gx_results=settings.keep_gx_results,
            keep_runs_days=settings.keep_runs_days,
        )

    def get(self) -> Settings:
        return Settings(
            data_dir=Path(self.data_dir),
            releases=self.releases,
            dagster_home=Path(self.dagster_home),
            disclosure=self.disclosure,
            sdc_min_firms=self.sdc_min_firms,
            sdc_dominance=self.sdc_dominance,
            sdc_p=self.sdc_p,
            engine=self.engine,
            max_file_bytes=self.max_file_bytes,
            max_release_bytes=self.max_release_bytes,
            refresh_cron=self.refresh_cron,
            keep_versions=self.keep_versions,
            keep_gx_results=self.keep_gx_results,
            keep_runs_days=self.keep_runs_days,
        )


class CitygvcDbtResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without its two per-run start-up costs (together about
    2.5 s of every refresh, measured on the demo): asking the executable for its version and
    building a dbt adapter inside the Dagster process."""

    @cached_property
    def _cli_version(self) -> Version:
        # dagster-dbt runs `dbt --version` (1.2 s, and that command looks up the newest release
        # online); the executable is this environment's or the Spark venv's, whose lock pins
        # the same dbt-core, so its version is the installed one.
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Any) -> None:  # type: ignore[override]
        # dagster-dbt only uses this adapter to fetch row counts and column metadata
        # (fetch_row_counts / fetch_column_metadata), which citygvc never asks for; loading
        # the profile, project and macros for it cost about 1 s per transform run.
        return None


# Spark's dbt lives in its own venv (dbt_project/spark/setup_spark_venv.sh): Great Expectations
# imports pyspark whenever it is installed beside it.
SPARK_DBT = REPO_ROOT / ".venv-spark" / "bin" / "dbt"


def dbt_resource(engine: str = "duckdb") -> CitygvcDbtResource:
    """dbt for the engine: on DuckDB this interpreter's environment's (so the Dagster UI works
    without an activated venv), on Spark the Spark venv's with the profile's spark target."""
    if engine == "spark":
        return CitygvcDbtResource(
            project_dir=dbt_project, dbt_executable=str(SPARK_DBT), target="spark"
        )
    return CitygvcDbtResource(
        project_dir=dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt")
    )
