"""Dagster resources: the settings every asset needs, built from the environment once."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, ConfigurableResource, OpExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation, DbtCliResource
from dagster_dbt.asset_utils import (
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)
from packaging.version import Version

from orchestration.settings import REPO_ROOT, Settings
from orchestration.warehouse.dbt import dbt_project
from orchestration.warehouse.dbt_runner import WorkerBuild, worker_args


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
    building a dbt adapter inside the Dagster process. With `dbt_worker`, `dbt build` runs in
    one dbt worker process for all of this process's builds, on a manifest parsed once there
    (orchestration/warehouse/dbt_runner.py); other commands, and every command of Spark's
    dbt, run as a `dbt` process each."""

    dbt_worker: bool = False

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

    def cli(  # type: ignore[override]
        self,
        args: Sequence[str],
        *,
        raise_on_error: bool = True,
        context: OpExecutionContext | AssetExecutionContext | None = None,
        target_path: Path | None = None,
        **kwargs: Any,
    ) -> DbtCliInvocation:
        if not (self.dbt_worker and args[:1] == ["build"]) or kwargs:
            return super().cli(
                args,
                raise_on_error=raise_on_error,
                context=context,
                target_path=target_path,
                **kwargs,
            )
        return self._build_in_worker(args, raise_on_error, context, target_path)

    def _build_in_worker(
        self,
        args: Sequence[str],
        raise_on_error: bool,
        context: OpExecutionContext | AssetExecutionContext | None,
        target_path: Path | None,
    ) -> DbtCliInvocation:
        """`dbt build` as DbtCliResource.cli would start it (the context's selection, the
        target folder), run by the dbt worker on its parsed manifest."""
        args, selects, excludes = extract_runtime_selection_from_args(args)
        params = get_updated_cli_invocation_params_for_context(
            context=context,
            manifest={},
            dagster_dbt_translator=DagsterDbtTranslator(),
            runtime_selects=selects,
            runtime_excludes=excludes,
        )
        project = params.dbt_project
        project_dir = Path(project.project_dir if project else self.project_dir)
        target = target_path or self._get_unique_target_path(context=context)
        if not target.is_absolute():
            target = project_dir / target
        profile = ["--target", self.target] if self.target else []
        dbt_args = worker_args(
            [*args, *profile, *params.selection_args],
            project_dir=project_dir,
            profiles_dir=Path(self.profiles_dir or project_dir),
            target_path=target,
            indirect_selection=params.indirect_selection,
        )
        data_dir = os.environ.get("CITYGVC_DATA_DIR", "")
        return DbtCliInvocation(
            process=WorkerBuild(dbt_args, data_dir),  # type: ignore[arg-type]
            manifest=params.manifest,
            dagster_dbt_translator=params.dagster_dbt_translator,
            project_dir=project_dir,
            target_path=target,
            raise_on_error=raise_on_error,
            cli_version=self._cli_version,
            project=params.dbt_project,
            context=context,
        )


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
        project_dir=dbt_project,
        dbt_executable=str(Path(sys.executable).parent / "dbt"),
        dbt_worker=True,
    )
